"""Per-execution measurements, read from each engine's own history.

Step Functions: ``GetExecutionHistory`` gives the state transitions and when
each state and each task attempt started and ended. Durable functions:
``GetDurableExecutionHistory`` gives the operations by type, the checkpointed
payloads and one ``InvocationCompleted`` per invocation (the first one plus
its replays). Both histories are read in the AWS API's shape, so the same
code measures a local run and a run in the cloud; only the source differs
(``AwsSource`` or ``RunningLocalStackSource``, behind ``HistorySource``).

Business time is the union of the intervals in which a business step ran
(a Lambda task or a native DynamoDB call; a durable step attempt); the
validation wait is the time between the task being opened and the answer
arriving. Orchestration overhead is what is left of end-to-end time.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from album_registry.domain.models import WorkflowType
from album_registry.handlers.observability import STEP_DURATION_METRIC
from albums.history.timeline import invocation_intervals
from albums.bench.cost_model import (
    BYTES_PER_KB,
    billable_durable_operations,
    billed_ms,
    count_durable_operations,
    count_state_retries,
    count_state_transitions,
    durable_retries,
)

_SFN_TERMINAL = {
    "ExecutionSucceeded": "SUCCEEDED",
    "ExecutionFailed": "FAILED",
    "ExecutionTimedOut": "TIMED_OUT",
    "ExecutionAborted": "ABORTED",
}
_DURABLE_TERMINAL = {
    "ExecutionSucceeded": "SUCCEEDED",
    "ExecutionFailed": "FAILED",
    "ExecutionTimedOut": "TIMED_OUT",
    "ExecutionStopped": "STOPPED",
}
_SFN_ATTEMPT_STARTED = {"LambdaFunctionStarted", "TaskStarted"}
_SFN_ATTEMPT_ENDED = {
    "LambdaFunctionSucceeded",
    "LambdaFunctionFailed",
    "LambdaFunctionTimedOut",
    "TaskSucceeded",
    "TaskFailed",
    "TaskTimedOut",
}
_SFN_ATTEMPT_FAILED = {"LambdaFunctionFailed", "LambdaFunctionTimedOut", "TaskFailed", "TaskTimedOut"}
_SFN_TOKEN_SUBMITTED = "TaskSubmitted"
_DURABLE_STEP_ENDED = {"StepSucceeded", "StepFailed"}
_DURABLE_CALLBACK_ENDED = {"CallbackSucceeded", "CallbackFailed", "CallbackTimedOut"}
_WAIT_FOR_CALLBACK = "WaitForCallback"
VALIDATION_WAIT_SPAN = "validation wait"


class Span(BaseModel):
    """One interval of an execution, in seconds from its start."""

    model_config = ConfigDict(frozen=True)

    name: str
    start: float
    end: float
    waiting: bool = False

    @property
    def seconds(self) -> float:
        return self.end - self.start


class ExecutionMeasurement(BaseModel):
    model_config = ConfigDict(frozen=True)

    workflow: WorkflowType
    engine_arn: str
    status: str
    started_at: datetime
    end_to_end_seconds: float
    validation_wait_seconds: float
    business_seconds: float
    history_events: int
    spans: list[Span]
    failed_attempts: int
    # Step Functions only: transitions (retries included, and apart), Lambda tasks scheduled.
    state_transitions: int = 0
    state_transition_retries: int = 0
    task_invocations: int = 0
    native_dynamodb_write_units: float = 0.0
    # Durable functions only: operations (retries included, and apart), invocations
    # (the first and its replays) and their billed time, the replays' again apart.
    durable_operations: dict[str, int] = {}
    billable_durable_operations: int = 0
    durable_operation_retries: int = 0
    checkpoint_bytes: int = 0
    invocations: int = 0
    invocation_billed_ms: int = 0
    replay_billed_ms: int = 0

    @property
    def overhead_seconds(self) -> float:
        return self.end_to_end_seconds - self.validation_wait_seconds - self.business_seconds

    @property
    def replays(self) -> int:
        return max(0, self.invocations - 1)


def _seconds(moment: datetime, origin: datetime) -> float:
    return (moment - origin).total_seconds()


def covered_seconds(intervals: Iterable[tuple[float, float]], excluded: Sequence[tuple[float, float]] = ()) -> float:
    """Length of the union of ``intervals`` outside the ``excluded`` ones."""
    merged: list[list[float]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    total = 0.0
    for start, end in merged:
        total += end - start
        for skip_start, skip_end in excluded:
            total -= max(0.0, min(end, skip_end) - max(start, skip_start))
    return total


def measure_step_functions_execution(events: Sequence[Mapping[str, Any]], engine_arn: str) -> ExecutionMeasurement:
    by_id = {event["id"]: event for event in events}
    started = next(event for event in events if event["type"] == "ExecutionStarted")
    ended = next((event for event in events if event["type"] in _SFN_TERMINAL), None)
    origin: datetime = started["timestamp"]
    finish: datetime = ended["timestamp"] if ended else events[-1]["timestamp"]
    spans: list[Span] = []
    native_write_units = 0.0
    for event in events:
        if event["type"] not in _SFN_ATTEMPT_ENDED and event["type"] != _SFN_TOKEN_SUBMITTED:
            continue
        chain = _walk_back(event, by_id)
        attempt_start = next((link for link in chain if link["type"] in _SFN_ATTEMPT_STARTED), None)
        submitted = next((link for link in chain if link["type"] == _SFN_TOKEN_SUBMITTED), None)
        state = next((link for link in chain if link["type"].endswith("StateEntered")), None)
        if attempt_start is None or state is None:
            continue
        name = state["stateEnteredEventDetails"]["name"]
        if submitted is not None and event["type"] != _SFN_TOKEN_SUBMITTED:
            # The token came back: the person's answer (or the timeout) ends the wait.
            spans.append(
                Span(
                    name=VALIDATION_WAIT_SPAN,
                    start=_seconds(submitted["timestamp"], origin),
                    end=_seconds(event["timestamp"], origin),
                    waiting=True,
                )
            )
            continue
        spans.append(
            Span(name=name, start=_seconds(attempt_start["timestamp"], origin), end=_seconds(event["timestamp"], origin))
        )
    for event in events:
        if event["type"] == "TaskScheduled" and event["taskScheduledEventDetails"].get("resourceType") == "dynamodb":
            native_write_units += native_write_request_units(event["taskScheduledEventDetails"])
    return _measurement(
        workflow=WorkflowType.STEP_FUNCTIONS,
        engine_arn=engine_arn,
        status=_SFN_TERMINAL[ended["type"]] if ended else "RUNNING",
        origin=origin,
        end_to_end=_seconds(finish, origin),
        spans=spans,
        history_events=len(events),
        failed_attempts=sum(1 for event in events if event["type"] in _SFN_ATTEMPT_FAILED),
        state_transitions=count_state_transitions(events),
        state_transition_retries=count_state_retries(events),
        task_invocations=sum(1 for event in events if _is_lambda_task_scheduled(event)),
        native_dynamodb_write_units=native_write_units,
    )


def _is_lambda_task_scheduled(event: Mapping[str, Any]) -> bool:
    """A Lambda function invoked by a task: a bare function ARN, or the ``lambda:invoke`` integration."""
    if event["type"] == "LambdaFunctionScheduled":
        return True
    return event["type"] == "TaskScheduled" and event["taskScheduledEventDetails"].get("resourceType") == "lambda"


def native_write_request_units(details: Mapping[str, Any]) -> float:
    """WRUs of a native DynamoDB write, one per started KB of its request.

    Locally no ConsumedCapacity comes back from the interpreter's own calls;
    the request carries the item (or the update), which fits the same KB as
    the stored item for this table's small records.
    """
    if not str(details.get("resource", "")).lower().startswith(("putitem", "updateitem", "deleteitem")):
        return 0.0
    return float(max(1, math.ceil(len(str(details.get("parameters", "")).encode()) / BYTES_PER_KB)))


def _walk_back(event: Mapping[str, Any], by_id: Mapping[int, Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    chain = [event]
    current = event
    while current.get("previousEventId") in by_id and not current["type"].endswith("StateEntered"):
        current = by_id[current["previousEventId"]]
        chain.append(current)
    return chain


def measure_durable_execution(
    events: Sequence[Mapping[str, Any]],
    engine_arn: str,
    step_intervals: Sequence[tuple[datetime, datetime]] = (),
) -> ExecutionMeasurement:
    """``step_intervals``: when steps ran, as the steps measured themselves.

    The SDK sends a short step's START and SUCCEED checkpoints together, so
    in the history such a step seems to take no time; the handlers' own
    ``StepDuration`` metrics fill that in.
    """
    started = next(event for event in events if event["EventType"] == "ExecutionStarted")
    ended = next((event for event in events if event["EventType"] in _DURABLE_TERMINAL), None)
    origin: datetime = started["EventTimestamp"]
    finish: datetime = ended["EventTimestamp"] if ended else events[-1]["EventTimestamp"]
    wait_contexts = {
        event["Id"]
        for event in events
        if event["EventType"] == "ContextStarted" and event.get("SubType") == _WAIT_FOR_CALLBACK
    }
    open_attempts: dict[str, Mapping[str, Any]] = {}
    opened_at: dict[str, datetime] = {}
    spans: list[Span] = []
    for event in events:
        kind, operation = event["EventType"], event.get("Id", "")
        if kind == "StepStarted":
            open_attempts[operation] = event
        elif kind in _DURABLE_STEP_ENDED and operation in open_attempts:
            attempt = open_attempts.pop(operation)
            spans.append(
                Span(
                    name=event.get("Name") or "step",
                    start=_seconds(attempt["EventTimestamp"], origin),
                    end=_seconds(event["EventTimestamp"], origin),
                )
            )
            if kind == "StepSucceeded" and event.get("ParentId") in wait_contexts:
                opened_at[event["ParentId"]] = event["EventTimestamp"]
        elif kind in _DURABLE_CALLBACK_ENDED and event.get("ParentId") in opened_at:
            spans.append(
                Span(
                    name=VALIDATION_WAIT_SPAN,
                    start=_seconds(opened_at.pop(event["ParentId"]), origin),
                    end=_seconds(event["EventTimestamp"], origin),
                    waiting=True,
                )
            )
    for start, end in step_intervals:
        spans.append(Span(name="step (measured)", start=_seconds(start, origin), end=_seconds(end, origin)))
    invocation_billed = [billed_ms(duration) for duration in invocation_durations_ms(events)]
    operations = count_durable_operations(events)
    return _measurement(
        workflow=WorkflowType.DURABLE_FUNCTIONS,
        engine_arn=engine_arn,
        status=_DURABLE_TERMINAL[ended["EventType"]] if ended else "RUNNING",
        origin=origin,
        end_to_end=_seconds(finish, origin),
        spans=spans,
        history_events=len(events),
        failed_attempts=sum(1 for event in events if event["EventType"] == "StepFailed"),
        durable_operations={kind: n for kind, n in operations.items() if n},
        billable_durable_operations=billable_durable_operations(operations),
        durable_operation_retries=durable_retries(operations),
        checkpoint_bytes=sum(_payload_bytes(event) for event in events),
        invocations=len(invocation_billed),
        invocation_billed_ms=sum(invocation_billed),
        replay_billed_ms=sum(invocation_billed[1:]),
    )


def invocation_durations_ms(events: Sequence[Mapping[str, Any]]) -> list[float]:
    """How long each invocation of the durable function ran (the first, then replays)."""
    return [(end - start).total_seconds() * 1000 for start, end in invocation_intervals(events)]


def _payload_bytes(node: Any) -> int:
    """Bytes of every checkpointed payload (inputs, results, errors) in an event."""
    if isinstance(node, Mapping):
        return sum(
            len(value.encode()) if key == "Payload" and isinstance(value, str) else _payload_bytes(value)
            for key, value in node.items()
        )
    if isinstance(node, list):
        return sum(_payload_bytes(value) for value in node)
    return 0


def _measurement(
    *, origin: datetime, end_to_end: float, spans: list[Span], **fields: Any
) -> ExecutionMeasurement:
    waits = [(span.start, span.end) for span in spans if span.waiting]
    business = covered_seconds(((span.start, span.end) for span in spans if not span.waiting), excluded=waits)
    return ExecutionMeasurement(
        started_at=origin,
        end_to_end_seconds=end_to_end,
        validation_wait_seconds=covered_seconds(waits),
        business_seconds=business,
        spans=sorted(spans, key=lambda span: (span.start, span.end)),
        **fields,
    )


class LambdaUsage(BaseModel):
    model_config = ConfigDict(frozen=True)

    function_name: str
    invocations: int
    billed_ms: int


class PhaseUsage(BaseModel):
    """What one pattern's run consumed outside the engine's history."""

    model_config = ConfigDict(frozen=True)

    lambda_functions: list[LambdaUsage]
    dynamodb_read_units: float
    dynamodb_write_units: float
    s3_put_requests: int
    s3_get_requests: int
    bedrock_input_tokens: int
    bedrock_output_tokens: int
    # Fields above that the source cannot read (they stay 0): the report says so.
    not_measured: list[str] = []
    # New execution environments per function during the phase (None: the source cannot count them).
    cold_starts: dict[str, int] | None = None
    cold_starts_source: str = "not counted"
    # How the numbers were obtained, for the report.
    source: str


def lambda_usage_from_durations(durations: Iterable[tuple[str, float]]) -> list[LambdaUsage]:
    invocations: dict[str, int] = defaultdict(int)
    billed: dict[str, int] = defaultdict(int)
    for function_name, duration_ms in durations:
        invocations[function_name] += 1
        billed[function_name] += billed_ms(duration_ms)
    return [
        LambdaUsage(function_name=name, invocations=invocations[name], billed_ms=billed[name])
        for name in sorted(invocations)
    ]


class HistorySource(Protocol):
    """Where the collector reads the engines' histories: this machine or a stack."""

    # Native DynamoDB writes of the state machine are not in the usage figures
    # locally (the local stack counts the functions' calls only); in AWS the
    # table's metrics include them.
    adds_native_write_units: bool

    def step_functions_history(self, execution_arn: str) -> list[dict[str, Any]]: ...

    def durable_history(self, execution_arn: str) -> list[dict[str, Any]]: ...


class HistoryTruncatedError(Exception):
    def __init__(self, *, execution_arn: str, events: int) -> None:
        super().__init__(
            f"the history of {execution_arn} was cut at {events} events; its counts would be wrong"
        )
        self.execution_arn = execution_arn
        self.events = events


def measure(
    source: HistorySource,
    workflow: WorkflowType,
    engine_arn: str,
    step_intervals: Sequence[tuple[datetime, datetime]] = (),
) -> ExecutionMeasurement:
    """One execution; ``step_intervals``: its steps as they measured themselves (durable functions only)."""
    if workflow is WorkflowType.STEP_FUNCTIONS:
        return measure_step_functions_execution(source.step_functions_history(engine_arn), engine_arn)
    return measure_durable_execution(source.durable_history(engine_arn), engine_arn, step_intervals)


def step_intervals_from_metrics(samples: Iterable[Any]) -> dict[str, list[tuple[datetime, datetime]]]:
    """Per execution id, when each step ran: the EMF timestamp is its end, its value its length."""
    intervals: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for sample in samples:
        if sample.name != STEP_DURATION_METRIC or not sample.execution_id:
            continue
        end = datetime.fromtimestamp(sample.timestamp_ms / 1000, tz=timezone.utc)
        intervals[sample.execution_id].append((end - timedelta(milliseconds=sample.value), end))
    return dict(intervals)
