"""The timeline of each engine's history: states and operations, attempts, waits, retries, replays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from album_registry.domain.models import ExecutionStatus, WorkflowType
from albums.history.reader import EngineHistory, UploadHistory
from albums.history.terminal import render_history
from albums.history.timeline import EntryStatus, durable_timeline, step_functions_timeline

T0 = datetime(2026, 12, 6, 6, 0, tzinfo=UTC)
SF_ARN = "arn:aws:states:us-east-1:123456789012:execution:registration:run-1"
DURABLE_ARN = "arn:aws:lambda:us-east-1:123456789012:function:pipeline:1/durable-execution/ldf-1/abc"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def sfn_event(event_id: int, previous: int, kind: str, seconds: float, **details: Any) -> dict[str, Any]:
    return {"id": event_id, "previousEventId": previous, "type": kind, "timestamp": at(seconds), **details}


def entered(name: str) -> dict[str, Any]:
    return {"stateEnteredEventDetails": {"name": name}}


# Prepare (a Lambda task that failed once and was retried), then a task waiting for its token.
SFN_EVENTS = [
    sfn_event(1, 0, "ExecutionStarted", 0.0),
    sfn_event(2, 1, "TaskStateEntered", 0.1, **entered("Prepare")),
    sfn_event(3, 2, "LambdaFunctionScheduled", 0.1),
    sfn_event(4, 3, "LambdaFunctionStarted", 0.2),
    sfn_event(5, 4, "LambdaFunctionFailed", 0.5, lambdaFunctionFailedEventDetails={"error": "Lambda.TooManyRequestsException"}),
    sfn_event(6, 5, "LambdaFunctionScheduled", 1.5),
    sfn_event(7, 6, "LambdaFunctionStarted", 1.6),
    sfn_event(8, 7, "LambdaFunctionSucceeded", 2.0),
    sfn_event(9, 8, "TaskStateExited", 2.0, stateExitedEventDetails={"name": "Prepare"}),
    sfn_event(10, 9, "TaskStateEntered", 2.1, **entered("WaitForValidation")),
    sfn_event(11, 10, "TaskScheduled", 2.1, taskScheduledEventDetails={"resourceType": "lambda"}),
    sfn_event(12, 11, "TaskStarted", 2.2),
    sfn_event(13, 12, "TaskSubmitted", 2.3),
]


def test_a_running_state_machine_shows_a_retried_task_and_a_task_waiting_for_its_token() -> None:
    timeline = step_functions_timeline(SFN_EVENTS, SF_ARN, as_of=at(10))
    assert timeline.workflow is WorkflowType.STEP_FUNCTIONS
    assert timeline.status == "RUNNING" and not timeline.ended
    assert timeline.elapsed_seconds == 10.0
    prepare, wait = timeline.entries
    assert (prepare.name, prepare.kind, prepare.status) == ("Prepare", "Task", EntryStatus.SUCCEEDED)
    assert (prepare.start, prepare.end) == (0.1, 2.0)
    assert (prepare.attempts, prepare.retries, prepare.failed_attempts) == (2, 1, 1)
    assert prepare.detail == "Lambda.TooManyRequestsException"
    assert (wait.name, wait.status, wait.end, wait.attempts) == ("WaitForValidation", EntryStatus.WAITING, None, 1)
    # Two states entered plus one retry: three billed transitions.
    assert timeline.state_transitions == 3
    assert (timeline.retries, timeline.waits, timeline.history_events) == (1, 1, 13)


def test_a_failed_attempt_awaiting_its_retry_is_retrying_and_an_ended_run_cuts_open_states_short() -> None:
    retrying = step_functions_timeline(SFN_EVENTS[:5], SF_ARN, as_of=at(1))
    assert retrying.entries[0].status is EntryStatus.RETRYING
    ended = [*SFN_EVENTS, sfn_event(14, 13, "ExecutionTimedOut", 9.0)]
    timeline = step_functions_timeline(ended, SF_ARN, as_of=at(30))
    assert timeline.status == "TIMED_OUT" and timeline.ended
    assert timeline.elapsed_seconds == 9.0
    assert [entry.status for entry in timeline.entries] == [EntryStatus.SUCCEEDED, EntryStatus.CUT_SHORT]


def test_map_iterations_are_told_apart_and_the_state_after_the_map_is_not_one() -> None:
    events = [
        sfn_event(1, 0, "ExecutionStarted", 0.0),
        sfn_event(2, 1, "MapStateEntered", 0.1, **entered("PriceAlbums")),
        sfn_event(3, 2, "MapIterationStarted", 0.1, mapIterationStartedEventDetails={"name": "PriceAlbums", "index": 0}),
        sfn_event(4, 2, "MapIterationStarted", 0.1, mapIterationStartedEventDetails={"name": "PriceAlbums", "index": 1}),
        sfn_event(5, 3, "TaskStateEntered", 0.2, **entered("PriceAlbum")),
        sfn_event(6, 4, "TaskStateEntered", 0.2, **entered("PriceAlbum")),
        sfn_event(7, 5, "TaskStateExited", 0.4, stateExitedEventDetails={"name": "PriceAlbum"}),
        sfn_event(8, 6, "TaskStateExited", 0.5, stateExitedEventDetails={"name": "PriceAlbum"}),
        sfn_event(9, 8, "MapIterationSucceeded", 0.5),
        sfn_event(10, 9, "MapStateExited", 0.6, stateExitedEventDetails={"name": "PriceAlbums"}),
        sfn_event(11, 10, "PassStateEntered", 0.6, **entered("Done")),
        sfn_event(12, 11, "PassStateExited", 0.6, stateExitedEventDetails={"name": "Done"}),
        sfn_event(13, 12, "ExecutionSucceeded", 0.7),
    ]
    timeline = step_functions_timeline(events, SF_ARN, as_of=at(5))
    by_detail = [(entry.name, entry.depth, entry.detail, entry.end) for entry in timeline.entries]
    assert by_detail == [
        ("PriceAlbums", 0, "", 0.6),
        ("PriceAlbum", 1, "iteration 0", 0.4),
        ("PriceAlbum", 1, "iteration 1", 0.5),
        ("Done", 0, "", 0.6),
    ]
    assert timeline.status == "SUCCEEDED"


def durable_event(kind: str, seconds: float, operation: str = "", **fields: Any) -> dict[str, Any]:
    event: dict[str, Any] = {"EventType": kind, "EventTimestamp": at(seconds), **fields}
    if operation:
        event["Id"] = operation
    return event


# A step retried once, then wait_for_callback (a context holding its submitter step and the
# callback), the invocation ending while it waits; the answer starts a replay.
DURABLE_EVENTS = [
    durable_event("ExecutionStarted", 0.0, "exec", Name="ldf-1"),
    durable_event("StepStarted", 0.1, "s1", Name="prepare-execution"),
    durable_event("StepFailed", 0.2, "s1", Name="prepare-execution", StepFailedDetails={
        "Error": {"Payload": {"ErrorType": "ThrottlingException"}}, "RetryDetails": {"CurrentAttempt": 1, "NextAttemptDelaySeconds": 1}}),
    durable_event("InvocationCompleted", 0.3),
    durable_event("StepStarted", 1.3, "s1", Name="prepare-execution"),
    durable_event("StepSucceeded", 1.4, "s1", Name="prepare-execution", StepSucceededDetails={"RetryDetails": {"CurrentAttempt": 2}}),
    durable_event("ContextStarted", 1.5, "c1", Name="validation", SubType="WaitForCallback"),
    durable_event("StepStarted", 1.5, "c1-s", Name="open-task", ParentId="c1"),
    durable_event("StepSucceeded", 1.6, "c1-s", Name="open-task", ParentId="c1"),
    durable_event("CallbackStarted", 1.6, "c1-cb", Name="validation", ParentId="c1", CallbackStartedDetails={"CallbackId": "cb"}),
    durable_event("InvocationCompleted", 1.7),
]


def test_a_durable_run_shows_a_retried_step_a_waiting_callback_nested_in_its_context_and_its_invocations() -> None:
    timeline = durable_timeline(DURABLE_EVENTS, DURABLE_ARN, as_of=at(20))
    assert timeline.status == "RUNNING" and timeline.elapsed_seconds == 20.0
    entries = {(entry.kind, entry.name): entry for entry in timeline.entries}
    step = entries[("Step", "prepare-execution")]
    assert (step.attempts, step.retries, step.status, step.detail) == (2, 1, EntryStatus.SUCCEEDED, "ThrottlingException")
    assert (step.start, step.end) == (0.1, 1.4)
    context = entries[("WaitForCallback", "validation")]
    callback = entries[("Callback", "validation")]
    submitter = entries[("Step", "open-task")]
    assert (context.depth, submitter.depth, callback.depth) == (0, 1, 1)
    assert (context.status, callback.status) == (EntryStatus.RUNNING, EntryStatus.WAITING)
    invocations = [entry for entry in timeline.entries if entry.kind == "Invocation"]
    # The runner's events carry no invocation details: an invocation starts after the previous one ended.
    assert [(entry.name, entry.start, entry.end) for entry in invocations] == [("invocation", 0.0, 0.3), ("replay 1", 1.3, 1.7)]
    assert (timeline.invocations, timeline.replays, timeline.retries, timeline.waits) == (2, 1, 1, 1)
    # The start, two step attempts and the wait_for_callback's three operations.
    assert timeline.durable_operations == 6


def test_a_step_out_of_retries_fails_and_the_run_ends() -> None:
    events = [
        durable_event("ExecutionStarted", 0.0, "exec"),
        durable_event("StepStarted", 0.1, "s1", Name="read"),
        durable_event("StepFailed", 0.2, "s1", Name="read", StepFailedDetails={
            "Error": {"Payload": {"ErrorType": "VisionUnavailableError"}}, "RetryDetails": {"CurrentAttempt": 1}}),
        durable_event("InvocationCompleted", 0.3, InvocationCompletedDetails={"StartTimestamp": at(0.05), "EndTimestamp": at(0.25)}),
        durable_event("ExecutionFailed", 0.3, "exec"),
    ]
    timeline = durable_timeline(events, DURABLE_ARN, as_of=at(9))
    assert timeline.status == "FAILED" and timeline.elapsed_seconds == 0.3
    step, invocation = sorted(timeline.entries, key=lambda entry: entry.kind != "Step")
    assert (step.status, step.attempts, step.detail) == (EntryStatus.FAILED, 1, "VisionUnavailableError")
    assert (invocation.start, invocation.end) == (0.05, 0.25)
    assert timeline.replays == 0


def test_the_terminal_text_labels_each_engine_and_shows_retries_waits_and_replays() -> None:
    history = UploadHistory(
        read_at=at(20),
        engines=[
            EngineHistory(
                workflow=WorkflowType.STEP_FUNCTIONS,
                execution_id="sf-1",
                record_status=ExecutionStatus.WAITING_VALIDATION,
                timeline=step_functions_timeline(SFN_EVENTS, SF_ARN, as_of=at(20)),
            ),
            EngineHistory(
                workflow=WorkflowType.DURABLE_FUNCTIONS,
                execution_id="ldf-1",
                record_status=None,
                timeline=None,
            ),
        ],
    )
    text = render_history(history, title="history of uploads/a.jpg")
    assert text.startswith("history of uploads/a.jpg (read 06:00:20Z)\n")
    sf_heading = "== Step Functions · sf-1 · waiting_validation · engine RUNNING · 20.000 s"
    durable_heading = "== durable functions · ldf-1 · no record yet"
    assert sf_heading in text and durable_heading in text
    assert text.index(sf_heading) < text.index(durable_heading)
    assert "3 transitions, 1 retry, 1 wait open, 13 events" in text
    assert "Prepare" in text and "succeeded  2 attempts (1 retry)  Lambda.TooManyRequestsException" in text
    assert "WaitForValidation" in text and text.count("waiting") == 2  # the state and the record's status
    assert not history.ended
