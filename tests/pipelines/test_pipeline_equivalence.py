"""The two patterns agree: same albums, same prices, same items, deterministic replay."""

from __future__ import annotations

import json

import boto3
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
from local_aws.s3_events import object_created_event
from tests.table_items import items_by_pattern


def run_both(pipelines, photo, review: ValidationOutcome | None):
    started = pipelines.upload(photo, "uploads/both.jpg")
    if review is not None:
        for workflow in WorkflowType:
            task = pipelines.wait_for_task(workflow, started.execution_id(workflow))
            pipelines.submit(task.taskId, review)
    return started, {w: pipelines.wait_for_engine(w, started.engine_arns[w]) for w in WorkflowType}


def test_same_image_gives_equal_albums_prices_and_items(local_pipelines, shelf_photo):
    """Property 30, and the ASL's native writes equal the core repository's, field for field."""
    pipelines = local_pipelines()
    review = ValidationOutcome(reviewed=True, corrections=[AlbumCorrection(albumIndex=2, year=1968)])
    started, outcomes = run_both(pipelines, shelf_photo, review)
    assert {o.status for o in outcomes.values()} == {"SUCCEEDED"}
    albums = {w: pipelines.repository.get_albums(w, started.execution_id(w)) for w in WorkflowType}
    assert albums[WorkflowType.STEP_FUNCTIONS] == albums[WorkflowType.DURABLE_FUNCTIONS]
    items = items_by_pattern(boto3.client("dynamodb"), pipelines.table_name)
    assert len(items[WorkflowType.STEP_FUNCTIONS]) == 8  # execution, six albums, one task
    assert items[WorkflowType.STEP_FUNCTIONS] == items[WorkflowType.DURABLE_FUNCTIONS]


def test_timed_out_tasks_are_recorded_alike(local_pipelines, shelf_photo):
    """The state machine's native timeout write equals the core's time_out_validation."""
    pipelines = local_pipelines(validation_timeout_seconds=1)
    _, outcomes = run_both(pipelines, shelf_photo, review=None)
    assert {o.status for o in outcomes.values()} == {"SUCCEEDED"}
    items = items_by_pattern(boto3.client("dynamodb"), pipelines.table_name)
    assert items[WorkflowType.STEP_FUNCTIONS] == items[WorkflowType.DURABLE_FUNCTIONS]


def test_a_replayed_durable_execution_gives_an_identical_result(local_pipelines, shelf_photo):
    """Property 27: after the pause the handler is replayed; every step ran once, the result stands."""
    pipelines = local_pipelines()
    workflow = WorkflowType.DURABLE_FUNCTIONS
    started = pipelines.upload(shelf_photo, "uploads/replay.jpg", workflows=(workflow,))
    task = pipelines.wait_for_task(workflow, started.execution_id(workflow))
    pipelines.submit(task.taskId, ValidationOutcome(reviewed=True))
    outcome = pipelines.wait_for_engine(workflow, started.engine_arns[workflow])
    history = pipelines.durable_runner.get_execution_history(started.engine_arns[workflow]).events
    invocations = [e for e in history if e.event_type == "InvocationCompleted"]
    assert len(invocations) >= 2, "the handler should have been replayed after the callback"
    step_starts = [e.name for e in history if e.event_type == "StepStarted"]
    for step in ("prepare-execution", "process-image", "store-initial-data", "apply-validation", "complete-execution"):
        assert step_starts.count(step) == 1, f"{step} ran {step_starts.count(step)} times"
    stored = pipelines.repository.get_execution(workflow, started.execution_id(workflow))
    assert json.loads(outcome.output) == stored.model_dump(mode="json")


ACCEPT = ValidationOutcome(reviewed=True)
ALL_ALBUMS = list(range(1, 7))


def assert_alike(pipelines, started, outcomes) -> dict[WorkflowType, list[dict]]:
    """Both engines ended the same way and stored the same items, field by field."""
    assert outcomes[WorkflowType.STEP_FUNCTIONS].status == outcomes[WorkflowType.DURABLE_FUNCTIONS].status
    items = items_by_pattern(boto3.client("dynamodb"), pipelines.table_name)
    assert items[WorkflowType.STEP_FUNCTIONS] == items[WorkflowType.DURABLE_FUNCTIONS]
    for workflow in WorkflowType:
        execution = pipelines.repository.get_execution(workflow, started.execution_id(workflow))
        assert execution.status.value in ("completed", "failed"), (workflow, execution.status)
    return items


@pytest.mark.parametrize(
    ("plan", "review", "ending"),
    [
        pytest.param({"vision_unavailable_calls": -1}, None, "FAILED", id="vision-down"),
        pytest.param({"price_failing_albums": [4]}, ACCEPT, "SUCCEEDED", id="one-price-agent-down"),
        pytest.param({"price_failing_albums": ALL_ALBUMS}, ACCEPT, "SUCCEEDED", id="all-price-agents-down"),
    ],
)
def test_fault_paths_store_alike_items_on_both_engines(local_pipelines, shelf_photo, plan, review, ending):
    """Properties 30 and 32 on the failure paths: same ending, same items, errors as code + message."""
    pipelines = local_pipelines(fault_injection=json.dumps(plan))
    started, outcomes = run_both(pipelines, shelf_photo, review)
    assert {o.status for o in outcomes.values()} == {ending}
    items = assert_alike(pipelines, started, outcomes)
    recorded = [i for i in items[WorkflowType.STEP_FUNCTIONS] if i.get("error") or i.get("priceError")]
    assert recorded
    for item in recorded:
        message = item.get("error") or item["priceError"]
        assert "Traceback" not in message and "stackTrace" not in message and "\n" not in message
        assert (item.get("errorCode") or item.get("priceErrorCode")) in ("VisionUnavailableError", "PriceEstimationError")


def test_a_malformed_validation_answer_fails_both_engines_alike(local_pipelines, shelf_photo):
    """The answer is parsed in a step (durable) and in the apply task (ASL): a bad one ends failed."""
    pipelines = local_pipelines()
    started = pipelines.upload(shelf_photo, "uploads/malformed.jpg")
    answer = '{"approved": true}'
    for workflow in WorkflowType:
        task = pipelines.wait_for_task(workflow, started.execution_id(workflow))
        if workflow is WorkflowType.STEP_FUNCTIONS:
            pipelines.step_functions.send_task_success(taskToken=task.taskToken, output=answer)
        else:
            pipelines.durable_runner.send_callback_success(task.callbackId, answer.encode())
    outcomes = {w: pipelines.wait_for_engine(w, started.engine_arns[w]) for w in WorkflowType}
    assert {o.status for o in outcomes.values()} == {"FAILED"}
    assert_alike(pipelines, started, outcomes)
    for workflow in WorkflowType:
        failed = pipelines.repository.get_execution(workflow, started.execution_id(workflow))
        assert failed.errorCode == "InvalidValidationAnswerError"
        assert failed.error.startswith("validation answer rejected: ")


def test_a_redelivered_event_starts_nothing_new_on_either_engine(local_pipelines, shelf_photo):
    pipelines = local_pipelines()
    started, outcomes = run_both(pipelines, shelf_photo, ACCEPT)
    event = object_created_event(
        bucket=started.bucket, key=started.key, version=started.version, size=len(shelf_photo)
    )
    before = items_by_pattern(boto3.client("dynamodb"), pipelines.table_name)
    again = {w: pipelines.wait_for_engine(w, pipelines.deliver(w, event)) for w in WorkflowType}
    assert {o.status for o in again.values()} == {"SUCCEEDED"}
    assert items_by_pattern(boto3.client("dynamodb"), pipelines.table_name) == before
    assert_alike(pipelines, started, outcomes)


THROTTLED_ALBUM = 4
THROTTLED = "DynamoDB.ProvisionedThroughputExceededException"


def test_a_price_write_throttled_past_its_retries_is_recorded_alike(local_pipelines, shelf_photo):
    """The table refuses album 4's price write on both engines for good: each retries, then records
    the failure under the name the state machine's native write reports, and the run completes."""
    pipelines = local_pipelines(throttled_price_writes=(THROTTLED_ALBUM,))
    started, outcomes = run_both(pipelines, shelf_photo, ACCEPT)
    assert {o.status for o in outcomes.values()} == {"SUCCEEDED"}
    assert_alike(pipelines, started, outcomes)
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
        assert pipelines.price_write_faults.throttled[keys.execution_pk(workflow, execution_id)] > 1


# Long enough for both engines to reach the validation wait on a loaded machine;
# the run then outlives it waiting for a person who never answers.
EXECUTION_TIMEOUT_SECONDS = 30


def test_a_run_past_its_execution_timeout_ends_failed_alike_on_both_engines(local_pipelines, shelf_photo):
    """Property 32 at the engine's own limit: the engine ends the run, its status-change event
    reaches the run-endings rule, and the record ends failed, its task closed, on both engines."""
    pipelines = local_pipelines(execution_timeout_seconds=EXECUTION_TIMEOUT_SECONDS, validation_timeout_seconds=3600)
    started = pipelines.upload(shelf_photo, "uploads/outlived.jpg")
    for workflow in WorkflowType:
        pipelines.wait_for_task(workflow, started.execution_id(workflow), timeout=EXECUTION_TIMEOUT_SECONDS)
    outcomes = {w: pipelines.wait_for_engine(w, started.engine_arns[w]) for w in WorkflowType}
    assert {o.status for o in outcomes.values()} == {"TIMED_OUT"}, outcomes
    for workflow in WorkflowType:
        execution_id = started.execution_id(workflow)
        ended = pipelines.wait_for_record(workflow, execution_id)
        assert (ended.status, ended.errorCode) == (ExecutionStatus.FAILED, "ExecutionTimedOut")
        assert pipelines.repository.get_task(workflow, ids.task_id_for_execution(execution_id)).status is TaskStatus.TIMEOUT
        assert len(pipelines.repository.get_albums(workflow, execution_id)) == 6
    assert_alike(pipelines, started, outcomes)
