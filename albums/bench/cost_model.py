"""What a workflow costs, from measured usage and the versioned price table.

Durable operations are counted from the engine's own history the way AWS bills
them: start 1; step 1 + retries; wait 1; callback 1; wait_for_callback 3 +
retries; map/parallel 1 + one per item or branch; child context 1. Step
Functions state transitions are counted from ``GetExecutionHistory``: every
state entered, plus every retry attempt.

Lambda bills every invocation: a durable function's replays (each time the
service invokes it again, after a wait, a callback or a step's retry back-off)
are requests and GB-seconds of their own, so compute is priced per
invocation, never per workflow. Each cost is a list of lines (quantity times
unit price) so that a report can show what decides it.

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

from pydantic import BaseModel, ConfigDict, Field, computed_field
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
    """Billable transitions in a Step Functions history: states entered plus retries."""
    entered = sum(1 for event in events if event["type"].endswith(_STATE_ENTERED_SUFFIX))
    return entered + count_state_retries(events)


def count_state_retries(events: Sequence[Mapping[str, Any]]) -> int:
    """Retry attempts in a Step Functions history, each a billed transition.

    A retry is an attempt scheduled right after a failed attempt of the same
    state (its ``previousEventId`` is the failure).
    """
    by_id = {event["id"]: event for event in events}
    return sum(
        1
        for event in events
        if event["type"] in _ATTEMPT_SCHEDULED
        and by_id.get(event.get("previousEventId"), {}).get("type") in _ATTEMPT_FAILED
    )


DURABLE_RETRY_KINDS = (DurableOperationKind.STEP_RETRY, DurableOperationKind.WAIT_FOR_CALLBACK_RETRY)


def durable_retries(counts: Mapping[str, int]) -> int:
    """Retry attempts among a durable execution's operations, each a billed operation."""
    return sum(counts.get(kind.value, 0) for kind in DURABLE_RETRY_KINDS)


class WorkflowUsage(BaseModel):
    """Average billable usage of one workflow of one pattern, as measured."""

    model_config = ConfigDict(frozen=True)

    workflow: WorkflowType
    # Step Functions: every state entered plus every retry; the retries again apart.
    state_transitions: float = 0.0
    state_transition_retries: float = 0.0
    # Durable functions: every billed operation; its retries again apart.
    durable_operations: float = 0.0
    durable_operation_retries: float = 0.0
    checkpoint_bytes_written: float = 0.0
    # Time the execution data is held before its retention period starts.
    execution_hours: float = 0.0
    lambda_requests: float = 0.0
    lambda_gb_seconds: float = 0.0
    # Of the Lambda figures above: the durable function's replays (invocations after its first).
    replay_requests: float = 0.0
    replay_gb_seconds: float = 0.0
    dynamodb_write_units: float = 0.0
    dynamodb_read_units: float = 0.0
    s3_put_requests: float = 0.0
    s3_get_requests: float = 0.0
    bedrock_input_tokens: float = 0.0
    bedrock_output_tokens: float = 0.0


class CostPart(StrEnum):
    ORCHESTRATION = "orchestration"
    COMPUTE = "compute"
    STORAGE = "storage"
    AI = "ai"


class CostLine(BaseModel):
    """One billed item: ``quantity`` units at ``unit_usd`` each."""

    model_config = ConfigDict(frozen=True)

    part: CostPart
    item: str
    quantity: float
    unit: str
    unit_usd: float

    @computed_field  # type: ignore[prop-decorator]
    @property
    def usd(self) -> float:
        return self.quantity * self.unit_usd


class CostBreakdown(BaseModel):
    model_config = ConfigDict(frozen=True)

    lines: list[CostLine]

    def part(self, part: CostPart) -> float:
        return sum(line.usd for line in self.lines if line.part is part)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def orchestration(self) -> float:
        return self.part(CostPart.ORCHESTRATION)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def compute(self) -> float:
        return self.part(CostPart.COMPUTE)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def storage(self) -> float:
        return self.part(CostPart.STORAGE)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ai(self) -> float:
        return self.part(CostPart.AI)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total(self) -> float:
        return sum(line.usd for line in self.lines)


def step_functions_cost(transitions: float, prices: PriceTable) -> float:
    return transitions * prices.step_functions_state_transition.usd


def durable_operations_cost(operations: float, prices: PriceTable) -> float:
    return operations * prices.durable_operation.usd


def durable_storage_cost(
    bytes_written: float, held_hours: float, prices: PriceTable
) -> float:
    """Data written once, then retained for ``held_hours`` (prorated GB-months)."""
    return sum(line.usd for line in _durable_storage_lines(bytes_written, held_hours, prices))


def _durable_storage_lines(bytes_written: float, held_hours: float, prices: PriceTable) -> list[CostLine]:
    gigabytes = bytes_written / BYTES_PER_GB
    return [
        _line(CostPart.STORAGE, "checkpoint data written", gigabytes, prices.durable_data_written_gb),
        _line(
            CostPart.STORAGE,
            f"execution data retained {held_hours:,.1f} h",
            gigabytes * held_hours / prices.hours_per_month,
            prices.durable_data_retained_gb_month,
        ),
    ]


def _line(part: CostPart, item: str, quantity: float, price: Price) -> CostLine:
    return CostLine(part=part, item=item, quantity=quantity, unit=price.unit, unit_usd=price.usd)


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
        orchestration = [
            _line(
                CostPart.ORCHESTRATION,
                "state transitions",
                usage.state_transitions - usage.state_transition_retries,
                prices.step_functions_state_transition,
            ),
            _line(
                CostPart.ORCHESTRATION,
                "state transitions: retries",
                usage.state_transition_retries,
                prices.step_functions_state_transition,
            ),
        ]
        compute_label = "task functions"
    else:
        held_hours = usage.execution_hours + human_wait_hours + retention_days * 24
        orchestration = [
            _line(
                CostPart.ORCHESTRATION,
                "durable operations",
                usage.durable_operations - usage.durable_operation_retries,
                prices.durable_operation,
            ),
            _line(
                CostPart.ORCHESTRATION,
                "durable operations: retries",
                usage.durable_operation_retries,
                prices.durable_operation,
            ),
            *_durable_storage_lines(usage.checkpoint_bytes_written, held_hours, prices),
        ]
        compute_label = "first invocations"
    compute = [
        _line(CostPart.COMPUTE, f"Lambda requests: {compute_label}", usage.lambda_requests - usage.replay_requests, prices.lambda_request),
        _line(
            CostPart.COMPUTE,
            f"Lambda GB-s: {compute_label}",
            usage.lambda_gb_seconds - usage.replay_gb_seconds,
            prices.lambda_arm64_gb_second,
        ),
    ]
    if usage.workflow is WorkflowType.DURABLE_FUNCTIONS:
        compute += [
            _line(CostPart.COMPUTE, "Lambda requests: replays", usage.replay_requests, prices.lambda_request),
            _line(CostPart.COMPUTE, "Lambda GB-s: replays", usage.replay_gb_seconds, prices.lambda_arm64_gb_second),
        ]
    storage = [
        _line(CostPart.STORAGE, "DynamoDB write request units", usage.dynamodb_write_units, prices.dynamodb_write_request_unit),
        _line(CostPart.STORAGE, "DynamoDB read request units", usage.dynamodb_read_units, prices.dynamodb_read_request_unit),
        _line(CostPart.STORAGE, "S3 PUT requests", usage.s3_put_requests, prices.s3_put_request),
        _line(CostPart.STORAGE, "S3 GET requests", usage.s3_get_requests, prices.s3_get_request),
    ]
    ai = [
        _line(CostPart.AI, "Bedrock input tokens", usage.bedrock_input_tokens, prices.bedrock_input_token),
        _line(CostPart.AI, "Bedrock output tokens", usage.bedrock_output_tokens, prices.bedrock_output_token),
    ]
    return CostBreakdown(lines=[*orchestration, *compute, *storage, *ai])


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


# What a validation wait is billed, whatever its length: Step Functions enters
# one task state (``.waitForTaskToken``); durable functions bill the
# ``wait_for_callback`` (3 operations) and invoke the function once more when
# the answer comes (one replay request). Its length then costs Step Functions
# nothing, and durable functions the retention of the execution's data.
WAIT_STATE_TRANSITIONS = 1
REPLAYS_PER_WAIT = 1
# A durable execution runs at most 366 days (ExecutionTimeout up to 31,622,400 s, per
# the DurableConfig reference); a Standard Step Functions execution at most a year.
MAX_DURABLE_EXECUTION_HOURS = 31_622_400 / 3600
# The waits the report prices the person at, in hours.
PRICED_WAITS_HOURS: Mapping[str, float] = {"1 min": 1 / 60, "1 h": 1.0, "1 day": 24.0, "7 days": 7 * 24.0}


class WaitCost(BaseModel):
    """What the person's wait costs one workflow of one pattern."""

    model_config = ConfigDict(frozen=True)

    workflow: WorkflowType
    wait: str
    wait_hours: float
    # Billed for having the wait at all, however long it lasts.
    fixed: CostBreakdown
    # Billed for the wait's length.
    growing: CostBreakdown
    # The whole workflow, with the wait added to what was measured.
    workflow_total: float

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total(self) -> float:
        return self.fixed.total + self.growing.total


def validation_wait_cost(
    usage: WorkflowUsage, prices: PriceTable, *, wait: str, wait_hours: float, retention_days: float
) -> WaitCost:
    if usage.workflow is WorkflowType.STEP_FUNCTIONS:
        fixed = [
            _line(CostPart.ORCHESTRATION, "task state entered (.waitForTaskToken)", WAIT_STATE_TRANSITIONS, prices.step_functions_state_transition)
        ]
        growing: list[CostLine] = []
    else:
        fixed = [
            _line(
                CostPart.ORCHESTRATION,
                "wait_for_callback operations",
                OPERATIONS_PER_OCCURRENCE[DurableOperationKind.WAIT_FOR_CALLBACK],
                prices.durable_operation,
            ),
            _line(CostPart.COMPUTE, "Lambda request: the replay the answer starts", REPLAYS_PER_WAIT, prices.lambda_request),
        ]
        growing = [
            _line(
                CostPart.STORAGE,
                f"execution data retained {wait}",
                usage.checkpoint_bytes_written / BYTES_PER_GB * wait_hours / prices.hours_per_month,
                prices.durable_data_retained_gb_month,
            )
        ]
    return WaitCost(
        workflow=usage.workflow,
        wait=wait,
        wait_hours=wait_hours,
        fixed=CostBreakdown(lines=fixed),
        growing=CostBreakdown(lines=growing),
        workflow_total=workflow_cost(usage, prices, retention_days=retention_days, human_wait_hours=wait_hours).total,
    )


def retry_cost(workflow: WorkflowType, prices: PriceTable) -> CostBreakdown:
    """What one retry of a step is billed for orchestrating it.

    Both patterns run the step's work again (its Lambda time is the step's
    own, measured with the run). Step Functions bills the retry as a
    transition and invokes the task function again; the durable SDK
    checkpoints the retry, suspends through the back-off and is invoked
    again: one operation and one replay request.
    """
    if workflow is WorkflowType.STEP_FUNCTIONS:
        lines = [
            _line(CostPart.ORCHESTRATION, "state transition", 1, prices.step_functions_state_transition),
            _line(CostPart.COMPUTE, "Lambda request: the task function again", 1, prices.lambda_request),
        ]
    else:
        lines = [
            _line(CostPart.ORCHESTRATION, "durable operation (step retry)", 1, prices.durable_operation),
            _line(CostPart.COMPUTE, "Lambda request: the replay after the back-off", 1, prices.lambda_request),
        ]
    return CostBreakdown(lines=lines)


class PartDifference(BaseModel):
    """One part of the cost at a volume, on both patterns."""

    model_config = ConfigDict(frozen=True)

    part: CostPart
    step_functions_usd: float
    durable_usd: float

    @computed_field  # type: ignore[prop-decorator]
    @property
    def durable_saves_usd(self) -> float:
        return self.step_functions_usd - self.durable_usd


class ClaimCheck(BaseModel):
    """A published cost claim, recomputed for this project's workflow."""

    model_config = ConfigDict(frozen=True)

    claim: str
    source: str
    claimed_saving: float
    workflows: int
    step_functions_usd: float
    durable_usd: float
    # Largest first: the parts that decide the result.
    parts: list[PartDifference]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def saving(self) -> float:
        """How much cheaper durable functions are, as a share of Step Functions' cost (negative: dearer)."""
        return 1 - self.durable_usd / self.step_functions_usd if self.step_functions_usd else 0.0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def holds(self) -> bool:
        """Whether this workflow saves at least what the claim says."""
        return self.saving >= self.claimed_saving


DZONE_CLAIM = "durable functions 79 % cheaper than Step Functions for 1,000 documents"
DZONE_SOURCE = (
    "DZone, 'Building a Zero-Cost Approval Workflow With AWS Lambda Durable Functions' "
    "(an ETL pipeline with human approval, 1,000 documents through each engine)"
)
DZONE_SAVING = 0.79
DZONE_WORKFLOWS = 1_000


def check_dzone_claim(step_functions: CostBreakdown, durable: CostBreakdown) -> ClaimCheck:
    """The DZone claim at its own volume, from this workflow's cost per workflow."""
    parts = [
        PartDifference(
            part=part,
            step_functions_usd=step_functions.part(part) * DZONE_WORKFLOWS,
            durable_usd=durable.part(part) * DZONE_WORKFLOWS,
        )
        for part in CostPart
    ]
    return ClaimCheck(
        claim=DZONE_CLAIM,
        source=DZONE_SOURCE,
        claimed_saving=DZONE_SAVING,
        workflows=DZONE_WORKFLOWS,
        step_functions_usd=step_functions.total * DZONE_WORKFLOWS,
        durable_usd=durable.total * DZONE_WORKFLOWS,
        parts=sorted(parts, key=lambda part: abs(part.durable_saves_usd), reverse=True),
    )
