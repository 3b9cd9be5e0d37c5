"""The seed's showcase durable function (004): step, callback wait, parallel and map in one workflow.

1. ``create-work-items``: a step turns the input strings into work items.
2. ``wait-for-approval``: the workflow pauses until someone sends the callback
   (the id is in the execution history and the submitter's log). If nobody
   answers in time it goes on with default approval values.
3. ``analyze-items``: three branches in parallel, each one step.
4. ``process-items``: a map over the items; an item that fails is reported and
   the others still finish.
5. ``aggregate-results``: the last step stamps the finish time.

Time is read only inside steps, so every replay returns the same output.
"""

from __future__ import annotations

import time
from typing import Any, Literal

from aws_durable_execution_sdk_python import (
    BatchResult,
    CallbackTimeoutError,
    DurableContext,
    StepContext,
    durable_execution,
    durable_parallel_branch,
    durable_step,
    durable_wait_for_callback,
)
from aws_durable_execution_sdk_python.config import (
    CompletionConfig,
    Duration,
    MapConfig,
    StepConfig,
    WaitForCallbackConfig,
)
from aws_durable_execution_sdk_python.retries import RetryPresets
from aws_durable_execution_sdk_python.types import WaitForCallbackContext
from pydantic import BaseModel, ConfigDict, Field

from durable_examples.errors import EmptyWorkItemError

CREATE_ITEMS_STEP = "create-work-items"
APPROVAL_WAIT = "wait-for-approval"
ANALYSIS_PARALLEL = "analyze-items"
PROCESS_MAP = "process-items"
PROCESS_ITEM_STEP = "process-work-item"
AGGREGATE_STEP = "aggregate-results"

DEFAULT_APPROVAL_TIMEOUT_SECONDS = 3600
MAP_MAX_CONCURRENCY = 4
PRIORITY_LEVELS = 3

# Durable operations each call records (the units AWS counts and bills): a step
# is one; wait_for_callback is its child context, the callback and the
# submitter step; map and parallel are one context, plus, for each branch or
# item, its child context and the one step it runs here.
STEP_OPERATIONS = 1
WAIT_FOR_CALLBACK_OPERATIONS = 3
BATCH_OPERATIONS = 1
OPERATIONS_PER_BRANCH = 2

# Every step here is pure or only logs: a retry would fail the same way, and
# without a strategy the SDK would try 6 times, from 5 s apart.
PURE_STEP_CONFIG = StepConfig(retry_strategy=RetryPresets.none())


class InputData(BaseModel):
    items: list[str]


class ShowcaseInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    workflowId: str = Field(min_length=1)
    inputData: InputData
    approvalTimeoutSeconds: int = Field(default=DEFAULT_APPROVAL_TIMEOUT_SECONDS, ge=1)


class WorkItem(BaseModel):
    id: str
    data: str
    priority: int
    status: Literal["pending", "processing", "completed"] = "pending"


class WorkBatch(BaseModel):
    items: list[WorkItem]
    startedAtMs: int


class Approval(BaseModel):
    """What the approver sends with the callback; the defaults are what a timeout continues with."""

    model_config = ConfigDict(extra="forbid")

    approvedBy: str = "timeout-default"
    priorityBoost: int = Field(default=0, ge=0)


class ProcessedItem(BaseModel):
    id: str
    data: str
    priority: int
    status: Literal["completed"] = "completed"
    approvedBy: str


class BranchResult(BaseModel):
    branch: str
    value: int


class MapItemResult(BaseModel):
    index: int
    itemId: str
    status: str
    error: str | None


class Completion(BaseModel):
    finishedAtMs: int
    totalDuration: int


class ShowcaseOutput(BaseModel):
    workflowId: str
    processedItems: list[ProcessedItem]
    parallelResults: list[BranchResult]
    mapResults: list[MapItemResult]
    totalDuration: int
    checkpointCount: int


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


@durable_step
def create_work_items(step_context: StepContext, workflow_id: str, inputs: list[str]) -> dict[str, Any]:
    """Number the inputs, spread them over the priority levels and note when the work began."""
    items = [
        WorkItem(id=f"{workflow_id}-item-{index + 1}", data=data, priority=index % PRIORITY_LEVELS + 1)
        for index, data in enumerate(inputs)
    ]
    return WorkBatch(items=items, startedAtMs=_now_ms()).model_dump()


@durable_wait_for_callback
def request_approval(callback_id: str, context: WaitForCallbackContext, workflow_id: str, item_count: int) -> None:
    """Hand the callback id to the approver; in this demo the log (and the execution history) carry it."""
    context.logger.info(
        "approval requested", extra={"workflowId": workflow_id, "callbackId": callback_id, "itemCount": item_count}
    )


@durable_step
def count_items(step_context: StepContext, items: list[dict[str, Any]]) -> dict[str, Any]:
    return BranchResult(branch="count-items", value=len(items)).model_dump()


@durable_step
def sum_priorities(step_context: StepContext, items: list[dict[str, Any]]) -> dict[str, Any]:
    return BranchResult(branch="sum-priorities", value=sum(item["priority"] for item in items)).model_dump()


@durable_step
def measure_data(step_context: StepContext, items: list[dict[str, Any]]) -> dict[str, Any]:
    return BranchResult(branch="measure-data", value=sum(len(item["data"]) for item in items)).model_dump()


@durable_parallel_branch(name="count-items")
def count_items_branch(context: DurableContext, items: list[dict[str, Any]]) -> dict[str, Any]:
    return context.step(count_items(items), name="count-items", config=PURE_STEP_CONFIG)


@durable_parallel_branch(name="sum-priorities")
def sum_priorities_branch(context: DurableContext, items: list[dict[str, Any]]) -> dict[str, Any]:
    return context.step(sum_priorities(items), name="sum-priorities", config=PURE_STEP_CONFIG)


@durable_parallel_branch(name="measure-data")
def measure_data_branch(context: DurableContext, items: list[dict[str, Any]]) -> dict[str, Any]:
    return context.step(measure_data(items), name="measure-data", config=PURE_STEP_CONFIG)


@durable_step
def process_work_item(step_context: StepContext, item: dict[str, Any], approval: dict[str, Any]) -> dict[str, Any]:
    """Transform one item under the approval's terms; an item without data fails on its own."""
    work_item = WorkItem.model_validate(item)
    terms = Approval.model_validate(approval)
    if not work_item.data.strip():
        raise EmptyWorkItemError(item_id=work_item.id)
    return ProcessedItem(
        id=work_item.id,
        data=work_item.data.strip().upper(),
        priority=work_item.priority + terms.priorityBoost,
        approvedBy=terms.approvedBy,
    ).model_dump()


@durable_step
def aggregate_results(step_context: StepContext, started_at_ms: int) -> dict[str, Any]:
    finished_at_ms = _now_ms()
    return Completion(finishedAtMs=finished_at_ms, totalDuration=finished_at_ms - started_at_ms).model_dump()


def _batch_operations(batch: BatchResult[Any]) -> int:
    return BATCH_OPERATIONS + len(batch.all) * OPERATIONS_PER_BRANCH


def _map_item_results(items: list[WorkItem], batch: BatchResult[dict[str, Any]]) -> list[MapItemResult]:
    return [
        MapItemResult(
            index=entry.index,
            itemId=items[entry.index].id,
            status=entry.status.value,
            error=entry.error.message if entry.error else None,
        )
        for entry in batch.all
    ]


@durable_execution
def handler(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    request = ShowcaseInput.model_validate(event)

    batch = WorkBatch.model_validate(
        context.step(
            create_work_items(request.workflowId, request.inputData.items),
            name=CREATE_ITEMS_STEP,
            config=PURE_STEP_CONFIG,
        )
    )
    items = [item.model_dump() for item in batch.items]

    try:
        # The callback result arrives as the raw string the approver sent.
        raw_approval: str = context.wait_for_callback(
            request_approval(request.workflowId, len(items)),
            name=APPROVAL_WAIT,
            config=WaitForCallbackConfig(
                timeout=Duration.from_seconds(request.approvalTimeoutSeconds),
                retry_strategy=RetryPresets.none(),
            ),
        )
        approval = Approval.model_validate_json(raw_approval)
    except CallbackTimeoutError:
        approval = Approval()

    analysis: BatchResult[dict[str, Any]] = context.parallel(
        [count_items_branch(items), sum_priorities_branch(items), measure_data_branch(items)],
        name=ANALYSIS_PARALLEL,
    )

    def process_one(
        item_context: DurableContext, item: dict[str, Any], _index: int, _items: list[dict[str, Any]]
    ) -> dict[str, Any]:
        return item_context.step(
            process_work_item(item, approval.model_dump()), name=PROCESS_ITEM_STEP, config=PURE_STEP_CONFIG
        )

    processed: BatchResult[dict[str, Any]] = context.map(
        items,
        process_one,
        name=PROCESS_MAP,
        # Without all_completed the map would stop at the first failed item.
        config=MapConfig(max_concurrency=MAP_MAX_CONCURRENCY, completion_config=CompletionConfig.all_completed()),
    )

    completion = Completion.model_validate(
        context.step(aggregate_results(batch.startedAtMs), name=AGGREGATE_STEP, config=PURE_STEP_CONFIG)
    )
    checkpoint_count = (
        STEP_OPERATIONS  # create-work-items
        + WAIT_FOR_CALLBACK_OPERATIONS
        + _batch_operations(analysis)
        + _batch_operations(processed)
        + STEP_OPERATIONS  # aggregate-results
    )
    return ShowcaseOutput(
        workflowId=request.workflowId,
        processedItems=[ProcessedItem.model_validate(entry.result) for entry in processed.succeeded()],
        parallelResults=[BranchResult.model_validate(result) for result in analysis.get_results()],
        mapResults=_map_item_results(batch.items, processed),
        totalDuration=completion.totalDuration,
        checkpointCount=checkpoint_count,
    ).model_dump()
