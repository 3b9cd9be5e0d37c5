"""One engine's history as a timeline: what ran, when, how often, and what it waits for.

Pure functions over the events of ``GetExecutionHistory`` (Step Functions)
and ``GetDurableExecutionHistory`` (Lambda durable functions), in the shapes
boto3 returns on AWS and on the local stack. Rendering (the page, the
terminal) lives elsewhere; this module only computes.

- Step Functions: one entry per state entered (a Map's inner states once per
  iteration), with its task attempts; retries are attempts after the first,
  each a billed transition. A ``.waitForTaskToken`` task waits from the token
  being submitted to the answer.
- Durable functions: one entry per operation (step, wait, callback, child
  context, chained invoke), nested under its parent, with its attempts; and
  one entry per invocation of the function: the first, then each replay.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, computed_field

from album_registry.domain.models import WorkflowType
from albums.bench.cost_model import billable_durable_operations, count_durable_operations, count_state_transitions

RUNNING = "RUNNING"
_SFN_ENDINGS = {
    "ExecutionSucceeded": "SUCCEEDED",
    "ExecutionFailed": "FAILED",
    "ExecutionTimedOut": "TIMED_OUT",
    "ExecutionAborted": "ABORTED",
}
_DURABLE_ENDINGS = {
    "ExecutionSucceeded": "SUCCEEDED",
    "ExecutionFailed": "FAILED",
    "ExecutionTimedOut": "TIMED_OUT",
    "ExecutionStopped": "STOPPED",
}
_SFN_ATTEMPT_SCHEDULED = {"TaskScheduled", "LambdaFunctionScheduled", "ActivityScheduled"}
_SFN_ATTEMPT_SUCCEEDED = {"TaskSucceeded", "LambdaFunctionSucceeded", "ActivitySucceeded"}
_SFN_ATTEMPT_FAILED = {
    "TaskFailed",
    "TaskTimedOut",
    "LambdaFunctionFailed",
    "LambdaFunctionTimedOut",
    "LambdaFunctionScheduleFailed",
    "LambdaFunctionStartFailed",
    "ActivityFailed",
    "ActivityTimedOut",
}
_SFN_TOKEN_SUBMITTED = "TaskSubmitted"
_STATE_ENTERED = "StateEntered"
_STATE_EXITED = "StateExited"
# Durable events that open, and that end, an operation of each kind.
_DURABLE_OPENED = {
    "StepStarted": "Step",
    "WaitStarted": "Wait",
    "CallbackStarted": "Callback",
    "ContextStarted": "Context",
    "ChainedInvokeStarted": "Invoke",
}
_DURABLE_SUCCEEDED = {"StepSucceeded", "WaitSucceeded", "CallbackSucceeded", "ContextSucceeded", "ChainedInvokeSucceeded"}
_DURABLE_FAILED = {
    "StepFailed",
    "WaitCancelled",
    "CallbackFailed",
    "CallbackTimedOut",
    "ContextFailed",
    "ChainedInvokeFailed",
    "ChainedInvokeTimedOut",
    "ChainedInvokeStopped",
}
_DURABLE_WAITING_KINDS = {"Wait", "Callback"}
INVOCATION = "Invocation"


class EntryStatus(StrEnum):
    RUNNING = "running"
    # Paused on something outside: a timer, a callback, a task token.
    WAITING = "waiting"
    # An attempt failed and the next one is due after a backoff.
    RETRYING = "retrying"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    # Still open when the execution ended.
    CUT_SHORT = "cut short"


class TimelineEntry(BaseModel):
    """A state (Step Functions) or an operation or invocation (durable), in seconds from the execution's start."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: str
    start: float
    # None while it has not ended.
    end: float | None
    status: EntryStatus
    attempts: int = 0
    failed_attempts: int = 0
    depth: int = 0
    detail: str = ""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def retries(self) -> int:
        return max(0, self.attempts - 1)


class EngineTimeline(BaseModel):
    """One execution as its engine recorded it, up to ``as_of``."""

    model_config = ConfigDict(frozen=True)

    workflow: WorkflowType
    engine_arn: str
    status: str
    started_at: datetime
    # Seconds from the start to the end, or to ``as_of`` while it runs.
    elapsed_seconds: float
    history_events: int
    entries: list[TimelineEntry]
    # Step Functions: states entered plus retries, as billed.
    state_transitions: int | None = None
    # Durable functions: operations as billed, and invocations (the first plus its replays).
    durable_operations: int | None = None
    invocations: int | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ended(self) -> bool:
        return self.status != RUNNING

    @computed_field  # type: ignore[prop-decorator]
    @property
    def replays(self) -> int | None:
        return None if self.invocations is None else max(0, self.invocations - 1)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def retries(self) -> int:
        return sum(entry.retries for entry in self.entries if entry.kind != INVOCATION)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def waits(self) -> int:
        return sum(1 for entry in self.entries if entry.status is EntryStatus.WAITING)


class _OpenEntry:
    """An entry being assembled while the events are read."""

    def __init__(self, *, name: str, kind: str, start: float, depth: int = 0, detail: str = "") -> None:
        self.name = name
        self.kind = kind
        self.start = start
        self.end: float | None = None
        self.depth = depth
        self.detail = detail
        self.started_attempts = 0
        self.failed_attempts = 0
        self.succeeded = False
        self.failed = False
        self.waiting = False
        self.retrying = False

    def close(self, at: float, *, failed: bool) -> None:
        self.end = at
        self.failed = failed
        self.succeeded = not failed
        self.waiting = self.retrying = False

    def frozen(self, execution_ended: bool) -> TimelineEntry:
        if self.end is not None:
            status = EntryStatus.FAILED if self.failed else EntryStatus.SUCCEEDED
        elif execution_ended:
            status = EntryStatus.CUT_SHORT
        elif self.retrying:
            status = EntryStatus.RETRYING
        elif self.waiting:
            status = EntryStatus.WAITING
        else:
            status = EntryStatus.RUNNING
        attempts = max(self.started_attempts, self.failed_attempts + (1 if self.succeeded else 0))
        return TimelineEntry(
            name=self.name,
            kind=self.kind,
            start=self.start,
            end=self.end,
            status=status,
            attempts=attempts,
            failed_attempts=self.failed_attempts,
            depth=self.depth,
            detail=self.detail,
        )


def _seconds(moment: datetime, origin: datetime) -> float:
    return (moment - origin).total_seconds()


def _error_name(details: Mapping[str, Any] | None) -> str:
    if not details:
        return ""
    error = details.get("error") or details.get("Error")
    if isinstance(error, Mapping):
        payload = error.get("Payload") or {}
        return str(payload.get("ErrorType") or "")
    return str(error or "")


def step_functions_timeline(
    events: Sequence[Mapping[str, Any]], engine_arn: str, *, as_of: datetime
) -> EngineTimeline:
    """The states of one state machine execution, from its ``GetExecutionHistory`` events."""
    started = next(event for event in events if event["type"] == "ExecutionStarted")
    origin: datetime = started["timestamp"]
    ending = next((event for event in events if event["type"] in _SFN_ENDINGS), None)
    by_id = {event["id"]: event for event in events}
    entries: dict[int, _OpenEntry] = {}
    for event in events:
        kind, at = event["type"], _seconds(event["timestamp"], origin)
        if kind.endswith(_STATE_ENTERED):
            details = event.get("stateEnteredEventDetails") or {}
            state_kind = kind.removesuffix(_STATE_ENTERED)
            iteration = _map_iteration(event, by_id)
            entries[event["id"]] = _OpenEntry(
                name=str(details.get("name", state_kind)),
                kind=state_kind,
                start=at,
                depth=0 if iteration is None else 1,
                detail="" if iteration is None else f"iteration {iteration}",
            )
            entries[event["id"]].waiting = state_kind == "Wait"
            continue
        exited = (event.get("stateExitedEventDetails") or {}).get("name") if kind.endswith(_STATE_EXITED) else None
        owner = _owning_state(event, by_id, entries, name=exited)
        if owner is None:
            continue
        if kind.endswith(_STATE_EXITED):
            owner.close(at, failed=owner.failed_attempts > 0 and owner.failed_attempts >= owner.started_attempts)
        elif kind in _SFN_ATTEMPT_SCHEDULED:
            owner.started_attempts += 1
            owner.retrying = False
        elif kind in _SFN_ATTEMPT_FAILED:
            owner.failed_attempts += 1
            owner.waiting = False
            owner.retrying = True
            owner.detail = _error_name(_details(event)) or owner.detail
        elif kind == _SFN_TOKEN_SUBMITTED:
            owner.waiting = True
        elif kind in _SFN_ATTEMPT_SUCCEEDED:
            owner.waiting = owner.retrying = False
    status = _SFN_ENDINGS[ending["type"]] if ending else RUNNING
    finish = ending["timestamp"] if ending else as_of
    return EngineTimeline(
        workflow=WorkflowType.STEP_FUNCTIONS,
        engine_arn=engine_arn,
        status=status,
        started_at=origin,
        elapsed_seconds=max(0.0, _seconds(finish, origin)),
        history_events=len(events),
        entries=[entry.frozen(ending is not None) for entry in entries.values()],
        state_transitions=count_state_transitions(events),
    )


def _details(event: Mapping[str, Any]) -> Mapping[str, Any] | None:
    return next((value for key, value in event.items() if key.endswith("EventDetails")), None)


def _owning_state(
    event: Mapping[str, Any],
    by_id: Mapping[int, Mapping[str, Any]],
    entries: Mapping[int, _OpenEntry],
    *,
    name: str | None = None,
) -> _OpenEntry | None:
    """The state an event belongs to: the nearest state entered on its ``previousEventId`` chain
    (named ``name``: a Map's exit comes after its iterations' states)."""
    current = by_id.get(event.get("previousEventId", 0))
    while current is not None:
        if current["type"].endswith(_STATE_ENTERED) and (
            name is None or (current.get("stateEnteredEventDetails") or {}).get("name") == name
        ):
            return entries.get(current["id"])
        current = by_id.get(current.get("previousEventId", 0))
    return None


def _map_iteration(event: Mapping[str, Any], by_id: Mapping[int, Mapping[str, Any]]) -> int | None:
    """The Map iteration a state entered belongs to, when its chain passes one's start."""
    current = by_id.get(event.get("previousEventId", 0))
    while current is not None:
        if current["type"] == "MapIterationStarted":
            return int((current.get("mapIterationStartedEventDetails") or {}).get("index", 0))
        # Reached the Map itself, from inside (entered) or from after it (exited): no iteration.
        if current["type"] in ("MapStateEntered", "MapStateExited"):
            return None
        current = by_id.get(current.get("previousEventId", 0))
    return None


def durable_timeline(events: Sequence[Mapping[str, Any]], engine_arn: str, *, as_of: datetime) -> EngineTimeline:
    """The operations and invocations of one durable execution, from its ``GetDurableExecutionHistory`` events."""
    started = next(event for event in events if event["EventType"] == "ExecutionStarted")
    origin: datetime = started["EventTimestamp"]
    ending = next((event for event in events if event["EventType"] in _DURABLE_ENDINGS), None)
    operations: dict[str, _OpenEntry] = {}
    for event in events:
        kind, at, operation = event["EventType"], _seconds(event["EventTimestamp"], origin), event.get("Id", "")
        if kind in _DURABLE_OPENED:
            entry = operations.get(operation)
            if entry is None:
                parent = operations.get(event.get("ParentId") or "")
                entry = operations[operation] = _OpenEntry(
                    name=str(event.get("Name") or _DURABLE_OPENED[kind].lower()),
                    kind=_durable_kind(kind, event.get("SubType")),
                    start=at,
                    depth=0 if parent is None else parent.depth + 1,
                )
            entry.started_attempts += 1
            entry.retrying = False
            entry.waiting = _DURABLE_OPENED[kind] in _DURABLE_WAITING_KINDS
        elif operation in operations and kind in _DURABLE_SUCCEEDED:
            operations[operation].close(at, failed=False)
        elif operation in operations and kind in _DURABLE_FAILED:
            entry = operations[operation]
            details = event.get(f"{kind}Details") or {}
            entry.detail = _error_name(details) or entry.detail
            retry = details.get("RetryDetails") or {}
            if kind == "StepFailed":
                entry.failed_attempts += 1
            if kind == "StepFailed" and retry.get("NextAttemptDelaySeconds") is not None:
                entry.retrying = True
            else:
                entry.close(at, failed=True)
    invocations = [
        _OpenEntry(name="invocation" if number == 1 else f"replay {number - 1}", kind=INVOCATION, start=_seconds(start, origin))
        for number, (start, _) in enumerate(invocation_intervals(events), start=1)
    ]
    for entry, (_, end) in zip(invocations, invocation_intervals(events), strict=True):
        entry.started_attempts = 1
        entry.close(_seconds(end, origin), failed=False)
    status = _DURABLE_ENDINGS[ending["EventType"]] if ending else RUNNING
    finish = ending["EventTimestamp"] if ending else as_of
    counts = count_durable_operations(events)
    return EngineTimeline(
        workflow=WorkflowType.DURABLE_FUNCTIONS,
        engine_arn=engine_arn,
        status=status,
        started_at=origin,
        elapsed_seconds=max(0.0, _seconds(finish, origin)),
        history_events=len(events),
        entries=sorted(
            (entry.frozen(ending is not None) for entry in [*operations.values(), *invocations]),
            key=lambda entry: (entry.start, entry.kind != INVOCATION),
        ),
        durable_operations=billable_durable_operations(counts),
        invocations=len(invocations),
    )


def _durable_kind(event_type: str, sub_type: str | None) -> str:
    """An operation's type; a child context is named by what it is for (Map, Parallel, WaitForCallback, ...)."""
    operation = _DURABLE_OPENED[event_type]
    return str(sub_type) if operation == "Context" and sub_type else operation


def invocation_intervals(events: Iterable[Mapping[str, Any]]) -> list[tuple[datetime, datetime]]:
    """When each invocation of the durable function ran: the first, then each replay.

    ``InvocationCompletedDetails`` carries start and end. The local test
    runner (1.4.0) drops those details when it numbers the events, so then an
    invocation is taken to start at the first event after the previous one
    ended (the execution's start, or what woke it: a callback, a timer, a
    retry), which is when the service would invoke it again.
    """
    intervals: list[tuple[datetime, datetime]] = []
    begins_at: datetime | None = None
    for event in events:
        if begins_at is None:
            begins_at = event["EventTimestamp"]
        if event["EventType"] != "InvocationCompleted":
            continue
        details = event.get("InvocationCompletedDetails")
        intervals.append(
            (details["StartTimestamp"], details["EndTimestamp"]) if details else (begins_at, event["EventTimestamp"])
        )
        begins_at = None
    return intervals
