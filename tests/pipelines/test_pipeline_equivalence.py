"""The two patterns agree: same albums, same prices, same items, deterministic replay.

On a running ``albums local up``: one upload starts both engines, and each test
compares the items of that upload's two runs. Tests are ordered by the stack
config they need, so consecutive tests share a stack."""

from __future__ import annotations

import json

import pytest

from album_registry.domain import ids, keys
from album_registry.domain.models import (
    AlbumCorrection,
    AlbumStatus,
    ExecutionStatus,
    TaskStatus,
    ValidationOutcome,
    WorkflowType,
)
from tests.stack_pipelines import SHORT_VALIDATION_TIMEOUT_SECONDS


def run_both(pipelines, photo, key: str, review: ValidationOutcome | None):
    started = pipelines.put_photo(photo, key)
    if review is not None:
        for workflow in WorkflowType:
            task = pipelines.wait_for_task(workflow, started.execution_id(workflow))
            pipelines.submit(task.taskId, review)
    return started, {w: pipelines.wait_for_execution_outcome(w, started.execution_id(w)) for w in WorkflowType}


def test_same_image_gives_equal_albums_prices_and_items(stack_pool, shelf_photo):
    """Property 30, and the ASL's native writes equal the core repository's, field for field."""
    pipelines = stack_pool.stack()
    review = ValidationOutcome(reviewed=True, corrections=[AlbumCorrection(albumIndex=2, year=1968)])
    started, outcomes = run_both(pipelines, shelf_photo, "uploads/both.jpg", review)
    assert {o.status for o in outcomes.values()} == {"SUCCEEDED"}
    albums = {w: pipelines.repository.get_albums(w, started.execution_id(w)) for w in WorkflowType}
    assert albums[WorkflowType.STEP_FUNCTIONS] == albums[WorkflowType.DURABLE_FUNCTIONS]
    items = pipelines.items_by_pattern(started)
    assert len(items[WorkflowType.STEP_FUNCTIONS]) == 8  # execution, six albums, one task
    assert items[WorkflowType.STEP_FUNCTIONS] == items[WorkflowType.DURABLE_FUNCTIONS]


def test_a_replayed_durable_execution_gives_an_identical_result(stack_pool, shelf_photo):
    """Property 27: after the pause the handler is replayed; every step ran once, the result stands."""
    pipelines = stack_pool.stack()
    workflow = WorkflowType.DURABLE_FUNCTIONS
    started, outcomes = run_both(pipelines, shelf_photo, "uploads/replay.jpg", ValidationOutcome(reviewed=True))
    outcome = outcomes[workflow]
    assert outcome.status == "SUCCEEDED", outcome.error
    history = pipelines.durable_history(outcome.arn)
    invocations = [e for e in history if e["EventType"] == "InvocationCompleted"]
    assert len(invocations) >= 2, "the handler should have been replayed after the callback"
    step_starts = [e.get("Name") for e in history if e["EventType"] == "StepStarted"]
    for step in ("prepare-execution", "process-image", "store-initial-data", "apply-validation", "complete-execution"):
        assert step_starts.count(step) == 1, f"{step} ran {step_starts.count(step)} times"
    stored = pipelines.repository.get_execution(workflow, started.execution_id(workflow))
    assert json.loads(outcome.output) == stored.model_dump(mode="json")


ACCEPT = ValidationOutcome(reviewed=True)
ALL_ALBUMS = list(range(1, 7))


def assert_alike(pipelines, started, outcomes) -> dict[WorkflowType, list[dict]]:
    """Both engines ended the same way and stored the same items, field by field."""
    assert outcomes[WorkflowType.STEP_FUNCTIONS].status == outcomes[WorkflowType.DURABLE_FUNCTIONS].status
    items = pipelines.items_by_pattern(started)
    assert items[WorkflowType.STEP_FUNCTIONS] == items[WorkflowType.DURABLE_FUNCTIONS]
    for workflow in WorkflowType:
        execution = pipelines.repository.get_execution(workflow, started.execution_id(workflow))
        assert execution.status.value in ("completed", "failed"), (workflow, execution.status)
    return items


def test_a_malformed_validation_answer_fails_both_engines_alike(stack_pool, shelf_photo):
    """The answer is parsed in a step (durable) and in the apply task (ASL): a bad one ends failed."""
    pipelines = stack_pool.stack()
    started = pipelines.put_photo(shelf_photo, "uploads/malformed.jpg")
    answer = '{"approved": true}'
    for workflow in WorkflowType:
        task = pipelines.wait_for_task(workflow, started.execution_id(workflow))
        if workflow is WorkflowType.STEP_FUNCTIONS:
            pipelines.step_functions.send_task_success(taskToken=task.taskToken, output=answer)
        else:
            pipelines.lambda_client.send_durable_execution_callback_success(
                CallbackId=task.callbackId, Result=answer.encode()
            )
    outcomes = {w: pipelines.wait_for_execution_outcome(w, started.execution_id(w)) for w in WorkflowType}
    assert {o.status for o in outcomes.values()} == {"FAILED"}
    assert_alike(pipelines, started, outcomes)
    for workflow in WorkflowType:
        failed = pipelines.repository.get_execution(workflow, started.execution_id(workflow))
        assert failed.errorCode == "InvalidValidationAnswerError"
        assert failed.error.startswith("validation answer rejected: ")


def test_a_redelivered_event_starts_nothing_new_on_either_engine(stack_pool, shelf_photo):
    """EventBridge delivers the photo's event again after both runs ended: each engine
    starts a run, which finds the upload's execution and changes nothing."""
    pipelines = stack_pool.stack()
    started, outcomes = run_both(pipelines, shelf_photo, "uploads/redelivered.jpg", ACCEPT)
    before = pipelines.items_by_pattern(started)
    again = {w: pipelines.wait_for_outcome(w, arn) for w, arn in pipelines.redeliver(started).items()}
    assert {o.status for o in again.values()} == {"SUCCEEDED"}
    assert all(again[w].arn != outcomes[w].arn for w in WorkflowType)
    assert pipelines.items_by_pattern(started) == before
    assert_alike(pipelines, started, outcomes)


THROTTLED_ALBUM = 4
THROTTLED = "DynamoDB.ProvisionedThroughputExceededException"


@pytest.fixture
def throttled_price_writes(stack_pool):
    """The default stack, its table refusing album 4's price writes (the stack's chaos control) until the test ends."""
    pipelines = stack_pool.stack()
    pipelines.throttle_price_writes([THROTTLED_ALBUM])
    yield pipelines
    pipelines.throttle_price_writes([])


def test_a_price_write_throttled_past_its_retries_is_recorded_alike(throttled_price_writes, shelf_photo):
    """The table refuses album 4's price write on both engines for good: each retries, then records
    the failure under the name the state machine's native write reports, and the run completes."""
    pipelines = throttled_price_writes
    started, outcomes = run_both(pipelines, shelf_photo, "uploads/throttled-price.jpg", ACCEPT)
    assert {o.status for o in outcomes.values()} == {"SUCCEEDED"}
    assert_alike(pipelines, started, outcomes)
    refused = pipelines.throttled_price_writes()
    for workflow in WorkflowType:
        execution_id = started.execution_id(workflow)
        albums = pipelines.repository.get_albums(workflow, execution_id)
        throttled = albums[THROTTLED_ALBUM - 1]
        assert (throttled.status, throttled.priceErrorCode, throttled.priceError) == (
            AlbumStatus.PRICE_FAILED,
            THROTTLED,
            THROTTLED,
        )
        assert throttled.priceEstimate is None
        assert all(a.status is AlbumStatus.PRICED for a in albums if a.albumIndex != THROTTLED_ALBUM)
        execution = pipelines.repository.get_execution(workflow, execution_id)
        assert (execution.status, execution.pricedCount, execution.priceFailedCount) == (
            ExecutionStatus.COMPLETED,
            5,
            1,
        )
        # Refused more than once: each engine retried the write before it gave up.
        assert refused.get(keys.execution_pk(workflow, execution_id), 0) > 1, refused


def test_timed_out_tasks_are_recorded_alike(stack_pool, shelf_photo):
    """The state machine's native timeout write equals the core's time_out_validation."""
    pipelines = stack_pool.stack(validationTimeoutSeconds=SHORT_VALIDATION_TIMEOUT_SECONDS)
    started, outcomes = run_both(pipelines, shelf_photo, "uploads/unanswered.jpg", review=None)
    assert {o.status for o in outcomes.values()} == {"SUCCEEDED"}
    items = pipelines.items_by_pattern(started)
    assert items[WorkflowType.STEP_FUNCTIONS] == items[WorkflowType.DURABLE_FUNCTIONS]
    assert [i["status"] for i in items[WorkflowType.STEP_FUNCTIONS] if i["sk"] == "TASK"] == ["timeout"]


@pytest.mark.parametrize(
    ("plan", "review", "ending"),
    [
        pytest.param({"vision_unavailable_calls": -1}, None, "FAILED", id="vision-down"),
        pytest.param({"price_failing_albums": [4]}, ACCEPT, "SUCCEEDED", id="one-price-agent-down"),
        pytest.param({"price_failing_albums": ALL_ALBUMS}, ACCEPT, "SUCCEEDED", id="all-price-agents-down"),
    ],
)
def test_fault_paths_store_alike_items_on_both_engines(stack_pool, shelf_photo, plan, review, ending):
    """Properties 30 and 32 on the failure paths: same ending, same items, errors as code + message."""
    pipelines = stack_pool.stack(faultInjection=plan)
    started, outcomes = run_both(pipelines, shelf_photo, "uploads/faulty.jpg", review)
    assert {o.status for o in outcomes.values()} == {ending}
    items = assert_alike(pipelines, started, outcomes)
    recorded = [i for i in items[WorkflowType.STEP_FUNCTIONS] if i.get("error") or i.get("priceError")]
    assert recorded
    for item in recorded:
        message = item.get("error") or item["priceError"]
        assert "Traceback" not in message and "stackTrace" not in message and "\n" not in message
        assert (item.get("errorCode") or item.get("priceErrorCode")) in ("VisionUnavailableError", "PriceEstimationError")


# A run's limit on both engines (durableExecutionTimeoutSeconds sets the state machine's
# TimeoutSeconds too). The program requires the validation wait to be shorter than the
# run; two throttled vision calls (retried after 2 and 4 s) start the wait at least 6 s
# into the run, so the run's limit comes first while nobody answers.
EXECUTION_TIMEOUT_SECONDS = 30
OUTLIVED = {
    "durableExecutionTimeoutSeconds": EXECUTION_TIMEOUT_SECONDS,
    "validationTimeoutSeconds": EXECUTION_TIMEOUT_SECONDS - 1,
    "faultInjection": {"vision_unavailable_calls": 2},
}


def test_a_run_past_its_execution_timeout_ends_failed_alike_on_both_engines(stack_pool, shelf_photo):
    """Property 32 at the engine's own limit: the engine ends the run, its status-change event
    reaches the run-endings rule, and the record ends failed, its task closed, on both engines."""
    pipelines = stack_pool.stack(**OUTLIVED)
    started = pipelines.put_photo(shelf_photo, "uploads/outlived.jpg")
    for workflow in WorkflowType:
        pipelines.wait_for_task(workflow, started.execution_id(workflow), timeout=EXECUTION_TIMEOUT_SECONDS)
    outcomes = {w: pipelines.wait_for_execution_outcome(w, started.execution_id(w)) for w in WorkflowType}
    assert {o.status for o in outcomes.values()} == {"TIMED_OUT"}, outcomes
    for workflow in WorkflowType:
        execution_id = started.execution_id(workflow)
        ended = pipelines.wait_for_record(workflow, execution_id)
        assert (ended.status, ended.errorCode) == (ExecutionStatus.FAILED, "ExecutionTimedOut")
        assert pipelines.repository.get_task(workflow, ids.task_id_for_execution(execution_id)).status is TaskStatus.TIMEOUT
        assert len(pipelines.repository.get_albums(workflow, execution_id)) == 6
    assert_alike(pipelines, started, outcomes)
