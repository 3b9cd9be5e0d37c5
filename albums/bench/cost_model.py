"""What a workflow costs, from measured usage and the versioned price table.

Durable operations are counted from the engine's own history the way AWS bills
them: start 1; step 1 + retries; wait 1; callback 1; wait_for_callback 3 +
retries; map/parallel 1 + one per item or branch; child context 1. Step
Functions state transitions are counted from ``GetExecutionHistory``: every
state entered, plus every retry attempt.

The model leaves out free tiers, Savings Plans, data transfer, CloudWatch
(logs, metrics, alarms), EventBridge and API Gateway: the same for both
patterns or outside the comparison.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from album_registry.domain.models import WorkflowType

PRICE_TABLE_FILE = "price_table.json"
BYTES_PER_GB = 1024**3
BYTES_PER_KB = 1024
MS_PER_SECOND = 1000
MB_PER_GB = 1024
LEFT_OUT = (
    "free tiers (Lambda, Step Functions, DynamoDB, S3)",
    "data transfer",
    "Savings Plans and reserved capacity",
    "CloudWatch logs, metrics and alarms",
    "EventBridge events, SQS dead-letter queues and API Gateway requests of the validation API",
    "DynamoDB and S3 storage (GB-month): the same data in both patterns",
)


class Price(BaseModel):
    model_config = ConfigDict(frozen=True)

    usd: float = Field(ge=0)
    unit: str
    source: str


class PriceTable(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    version: str
    region: str
    currency: str
    retrieved: str
    notes: str
    hours_per_month: float = Field(gt=0)
    hours_per_month_source: str
    step_functions_state_transition: Price
    durable_operation: Price
    durable_data_written_gb: Price
    durable_data_retained_gb_month: Price
    lambda_arm64_gb_second: Price
    lambda_request: Price
    dynamodb_write_request_unit: Price
    dynamodb_read_request_unit: Price
    s3_put_request: Price
    s3_get_request: Price
    bedrock_model_id: str
    bedrock_input_token: Price
    bedrock_output_token: Price


def load_price_table() -> PriceTable:
    text = resources.files("albums.bench").joinpath(PRICE_TABLE_FILE).read_text(encoding="utf-8")
    return PriceTable.model_validate_json(text)


class DurableOperationKind(StrEnum):
    START = "start"
    STEP = "step"
    STEP_RETRY = "step_retry"
    WAIT = "wait"
    CALLBACK = "callback"
    WAIT_FOR_CALLBACK = "wait_for_callback"
    WAIT_FOR_CALLBACK_RETRY = "wait_for_callback_retry"
    MAP_OR_PARALLEL = "map_or_parallel"
    ITEM_OR_BRANCH = "item_or_branch"
    CHILD_CONTEXT = "child_context"
    CHAINED_INVOKE = "chained_invoke"


# Billable operations per occurrence, as AWS documents them.
OPERATIONS_PER_OCCURRENCE: Mapping[DurableOperationKind, int] = {
    DurableOperationKind.START: 1,
    DurableOperationKind.STEP: 1,
    DurableOperationKind.STEP_RETRY: 1,
    DurableOperationKind.WAIT: 1,
    DurableOperationKind.CALLBACK: 1,
    DurableOperationKind.WAIT_FOR_CALLBACK: 3,
    DurableOperationKind.WAIT_FOR_CALLBACK_RETRY: 1,
    DurableOperationKind.MAP_OR_PARALLEL: 1,
    DurableOperationKind.ITEM_OR_BRANCH: 1,
    DurableOperationKind.CHILD_CONTEXT: 1,
    DurableOperationKind.CHAINED_INVOKE: 1,
}
_MAP_OR_PARALLEL = {"Map", "Parallel"}
_ITEM_OR_BRANCH = {"MapIteration", "ParallelBranch"}
_WAIT_FOR_CALLBACK = "WaitForCallback"


def billable_durable_operations(counts: Mapping[str, int]) -> int:
    return sum(OPERATIONS_PER_OCCURRENCE[DurableOperationKind(kind)] * n for kind, n in counts.items())


def count_durable_operations(events: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Occurrences per operation kind, from ``GetDurableExecutionHistory`` events.

    Events are in the API's shape (``EventType``, ``SubType``, ``Id``,
    ``ParentId``). The callback and the submitter step inside a
    ``wait_for_callback`` are its three operations with the context itself, so
    they are not counted again; a repeated start of an operation is a retry.
    """
    events = list(events)
    wait_for_callbacks = {
        event["Id"]
        for event in events
        if event["EventType"] == "ContextStarted" and event.get("SubType") == _WAIT_FOR_CALLBACK
    }
    counts = {kind.value: 0 for kind in DurableOperationKind}
    started: set[str] = set()
    for event in events:
        part_of_wait_for_callback = event.get("ParentId") in wait_for_callbacks and event["EventType"] in (
            "StepStarted",
            "CallbackStarted",
        )
        kind = _started_kind(event)
        if kind is None:
            continue
        operation = event.get("Id") or event["EventType"]
        if operation in started:
            retry = (
                DurableOperationKind.WAIT_FOR_CALLBACK_RETRY
                if part_of_wait_for_callback
                else DurableOperationKind.STEP_RETRY
            )
            counts[retry.value] += 1
            continue
        started.add(operation)
        if not part_of_wait_for_callback:
            counts[kind.value] += 1
    return counts


def _started_kind(event: Mapping[str, Any]) -> DurableOperationKind | None:
    event_type, sub_type = event["EventType"], event.get("SubType")
    if event_type == "ExecutionStarted":
        return DurableOperationKind.START
    if event_type == "StepStarted":
        return DurableOperationKind.STEP
    if event_type == "WaitStarted":
        return DurableOperationKind.WAIT
    if event_type == "CallbackStarted":
        return DurableOperationKind.CALLBACK
    if event_type == "ChainedInvokeStarted":
        return DurableOperationKind.CHAINED_INVOKE
    if event_type == "ContextStarted":
        if sub_type == _WAIT_FOR_CALLBACK:
            return DurableOperationKind.WAIT_FOR_CALLBACK
        if sub_type in _MAP_OR_PARALLEL:
            return DurableOperationKind.MAP_OR_PARALLEL
        if sub_type in _ITEM_OR_BRANCH:
            return DurableOperationKind.ITEM_OR_BRANCH
        return DurableOperationKind.CHILD_CONTEXT
    return None


_STATE_ENTERED_SUFFIX = "StateEntered"
_ATTEMPT_SCHEDULED = {"LambdaFunctionScheduled", "TaskScheduled"}
_ATTEMPT_FAILED = {
    "LambdaFunctionFailed",
    "LambdaFunctionTimedOut",
    "LambdaFunctionScheduleFailed",
    "LambdaFunctionStartFailed",
    "TaskFailed",
    "TaskTimedOut",
    "TaskStartFailed",
    "TaskSubmitFailed",
}


def count_state_transitions(events: Sequence[Mapping[str, Any]]) -> int:
    """Billable transitions in a Step Functions history: states entered plus retries.

    A retry is an attempt scheduled right after a failed attempt of the same
    state (its ``previousEventId`` is the failure).
    """
    by_id = {event["id"]: event for event in events}
    entered = sum(1 for event in events if event["type"].endswith(_STATE_ENTERED_SUFFIX))
    retries = sum(
        1
        for event in events
        if event["type"] in _ATTEMPT_SCHEDULED
        and by_id.get(event.get("previousEventId"), {}).get("type") in _ATTEMPT_FAILED
    )
    return entered + retries


class WorkflowUsage(BaseModel):
    """Average billable usage of one workflow of one pattern, as measured."""

    model_config = ConfigDict(frozen=True)

    workflow: WorkflowType
    state_transitions: float = 0.0
    durable_operations: float = 0.0
    checkpoint_bytes_written: float = 0.0
    # Time the execution data is held before its retention period starts.
    execution_hours: float = 0.0
    lambda_requests: float = 0.0
    lambda_gb_seconds: float = 0.0
    dynamodb_write_units: float = 0.0
    dynamodb_read_units: float = 0.0
    s3_put_requests: float = 0.0
    s3_get_requests: float = 0.0
    bedrock_input_tokens: float = 0.0
    bedrock_output_tokens: float = 0.0


class CostBreakdown(BaseModel):
    model_config = ConfigDict(frozen=True)

    orchestration: float
    compute: float
    storage: float
    ai: float

    @property
    def total(self) -> float:
        return self.orchestration + self.compute + self.storage + self.ai


def step_functions_cost(transitions: float, prices: PriceTable) -> float:
    return transitions * prices.step_functions_state_transition.usd


def durable_operations_cost(operations: float, prices: PriceTable) -> float:
    return operations * prices.durable_operation.usd


def durable_storage_cost(
    bytes_written: float, held_hours: float, prices: PriceTable
) -> float:
    """Data written once, then retained for ``held_hours`` (prorated GB-months)."""
    gigabytes = bytes_written / BYTES_PER_GB
    written = gigabytes * prices.durable_data_written_gb.usd
    retained = gigabytes * prices.durable_data_retained_gb_month.usd * held_hours / prices.hours_per_month
    return written + retained


def lambda_gb_seconds(billed_ms: float, memory_mb: int) -> float:
    return billed_ms / MS_PER_SECOND * memory_mb / MB_PER_GB


def billed_ms(duration_ms: float) -> int:
    """Lambda bills each invocation in 1 ms steps, rounded up."""
    return math.ceil(duration_ms)


def workflow_cost(
    usage: WorkflowUsage,
    prices: PriceTable,
    *,
    retention_days: float,
    human_wait_hours: float = 0.0,
) -> CostBreakdown:
    """Cost of one workflow; ``human_wait_hours`` adds a longer wait for the person.

    A longer wait costs Step Functions nothing (a paused task is not a
    transition) and durable functions the retention of their checkpoint data
    while the execution stays open.
    """
    if usage.workflow is WorkflowType.STEP_FUNCTIONS:
        orchestration = step_functions_cost(usage.state_transitions, prices)
        durable_storage = 0.0
    else:
        orchestration = durable_operations_cost(usage.durable_operations, prices)
        held_hours = usage.execution_hours + human_wait_hours + retention_days * 24
        durable_storage = durable_storage_cost(usage.checkpoint_bytes_written, held_hours, prices)
    compute = (
        usage.lambda_requests * prices.lambda_request.usd
        + usage.lambda_gb_seconds * prices.lambda_arm64_gb_second.usd
    )
    storage = (
        durable_storage
        + usage.dynamodb_write_units * prices.dynamodb_write_request_unit.usd
        + usage.dynamodb_read_units * prices.dynamodb_read_request_unit.usd
        + usage.s3_put_requests * prices.s3_put_request.usd
        + usage.s3_get_requests * prices.s3_get_request.usd
    )
    ai = (
        usage.bedrock_input_tokens * prices.bedrock_input_token.usd
        + usage.bedrock_output_tokens * prices.bedrock_output_token.usd
    )
    return CostBreakdown(orchestration=orchestration, compute=compute, storage=storage, ai=ai)


def crossover_wait_hours(
    step_functions: WorkflowUsage, durable: WorkflowUsage, prices: PriceTable, *, retention_days: float
) -> float | None:
    """The human wait at which both patterns cost the same, if there is one ahead.

    Both costs are linear in the wait (Step Functions' slope is zero), so the
    crossing is solved exactly rather than searched for.
    """
    at_zero = {
        usage.workflow: workflow_cost(usage, prices, retention_days=retention_days).total
        for usage in (step_functions, durable)
    }
    slope = durable.checkpoint_bytes_written / BYTES_PER_GB * prices.durable_data_retained_gb_month.usd / prices.hours_per_month
    gap = at_zero[WorkflowType.STEP_FUNCTIONS] - at_zero[WorkflowType.DURABLE_FUNCTIONS]
    if slope <= 0 or gap <= 0:
        return None
    return gap / slope
