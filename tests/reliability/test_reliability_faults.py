"""Faults the scenario suite does not cover, on both engines, on a running ``albums local up``.

Throttled table writes, a person answering after the timeout fired, and the
same S3 event delivered twice. Each test checks the final status, which
albums got which data, that no item is duplicated or half-written, and that
the functions' log lines carry the execution id and the step.
(Vision throttling, vision failing for good, one price agent failing for good
and every agent failing once are in tests/pipelines/test_pipeline_scenarios.py.)
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from album_registry.domain import ids
from album_registry.adapters.system_clock import SystemClock
from album_registry.domain.errors import (
    EngineNoLongerWaitingError,
    TaskAlreadyClosedError,
)
from album_registry.domain.models import (
    AlbumStatus,
    ExecutionStatus,
    TaskStatus,
    ValidationOutcome,
    WorkflowType,
)
from album_registry.domain.validation import submit_validation
from album_registry.domain.vision import extract_albums
from album_registry.handlers.validation_api import build_app

from tests.local_bedrock import bedrock_provider
from tests.reliability.conftest import ENGINES, assert_whole_items
from tests.stack_pipelines import SHORT_VALIDATION_TIMEOUT_SECONDS, PipelinesOnStack, StackPool, StartedUpload
from tests.validation.function_url_events import FakeLambdaContext, function_url_event

ACCEPT = ValidationOutcome(reviewed=True)
# Steps whose handlers write a log line in both patterns on every run that gets that far.
LOGGED_STEPS = {"prepare-execution", "process-image", "wait-for-validation"}


class CountingResumer:
    """The pipelines' own resumer, counting what reaches an engine."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.sent: list[str] = []

    def resume_step_functions(self, task_id: str, task_token: str, payload: str) -> None:
        self.sent.append(task_id)
        self._inner.resume_step_functions(task_id, task_token, payload)

    def resume_durable(self, task_id: str, callback_id: str, payload: str) -> None:
        self.sent.append(task_id)
        self._inner.resume_durable(task_id, callback_id, payload)


class NoImages:
    def link(self, key: str) -> str:
        return f"https://images.invalid/{key}"


@pytest.fixture(scope="module")
def extracted(shelf_photo: bytes, stack_pool: StackPool):
    """What the vision step reads from the sample photo, asked of the stack's Bedrock directly."""
    return extract_albums(bedrock_provider(stack_pool.any().stack.endpoint), shelf_photo)


def assert_logged_with_ids(pipelines: PipelinesOnStack, execution_id: str, steps: set[str]) -> None:
    lines = [record for record in pipelines.log_records() if record.get("executionId") == execution_id]
    assert lines, f"no log line carries executionId {execution_id}"
    logged_steps = {line["step"] for line in lines if line.get("step")}
    assert steps <= logged_steps, logged_steps


@pytest.fixture(scope="module")
def throttled_run(stack_pool: StackPool, shelf_photo: bytes):
    """One upload, both engines, with the first repository write of each worker throttled
    (the plan's counter lives in the worker process, as in a Lambda container)."""
    pipelines = stack_pool.stack(faultInjection={"repository_throttled_writes": 1})
    started = pipelines.put_photo(shelf_photo, "uploads/throttled.jpg")
    tasks = {}
    for workflow in WorkflowType:
        tasks[workflow] = pipelines.wait_for_task(workflow, started.execution_id(workflow))
        pipelines.submit(tasks[workflow].taskId, ACCEPT)
    outcomes = {w: pipelines.wait_for_execution_outcome(w, started.execution_id(w)) for w in WorkflowType}
    return pipelines, started, tasks, outcomes


@ENGINES
def test_a_throttled_table_write_is_retried_and_nothing_is_written_twice(
    throttled_run, extracted, workflow: WorkflowType
) -> None:
    """The first write through the repository is throttled (after the SDK's own retries)."""
    pipelines, started, tasks, outcomes = throttled_run
    execution_id = started.execution_id(workflow)
    outcome = outcomes[workflow]

    assert outcome.status == "SUCCEEDED", outcome.error
    execution = pipelines.repository.get_execution(workflow, execution_id)
    assert execution.status is ExecutionStatus.COMPLETED
    albums = pipelines.repository.get_albums(workflow, execution_id)
    assert [(a.artist, a.albumName, a.year) for a in albums] == [(e.artist, e.albumName, e.year) for e in extracted]
    nameable = [a for a in albums if a.artist and a.albumName]
    assert all(a.status is AlbumStatus.PRICED and a.yearValidated for a in nameable)
    assert_whole_items(pipelines.items_of(started, workflow), albums=6, tasks=1)
    assert pipelines.repository.get_task(workflow, tasks[workflow].taskId).status is TaskStatus.COMPLETED
    assert_logged_with_ids(pipelines, execution_id, LOGGED_STEPS)


def unanswered(stack_pool: StackPool, photo: bytes, key: str) -> tuple[PipelinesOnStack, StartedUpload]:
    """An upload nobody answers, on a stack whose tasks time out soon; both runs ended."""
    pipelines = stack_pool.stack(validationTimeoutSeconds=SHORT_VALIDATION_TIMEOUT_SECONDS)
    started = pipelines.put_photo(photo, key)
    for workflow in WorkflowType:
        outcome = pipelines.wait_for_execution_outcome(workflow, started.execution_id(workflow))
        assert outcome.status == "SUCCEEDED", outcome.error
    return pipelines, started


@ENGINES
def test_an_answer_after_the_timeout_is_a_conflict_and_reaches_no_engine(
    stack_pool, shelf_photo, extracted, workflow: WorkflowType
) -> None:
    pipelines, started = unanswered(stack_pool, shelf_photo, f"uploads/late-{workflow.short_name}.jpg")
    execution_id = started.execution_id(workflow)
    task_id = ids.task_id_for_execution(execution_id)
    assert pipelines.repository.get_task(workflow, task_id).status is TaskStatus.TIMEOUT
    before = pipelines.items_of(started, workflow)

    resumer = CountingResumer(pipelines.resumer)
    app = build_app(repository=pipelines.repository, resumer=resumer, clock=SystemClock(), images=NoImages())
    answer = app.resolve(
        function_url_event("POST", f"/tasks/{task_id}", body={"corrections": [{"albumIndex": 1, "year": 1999}]}),
        FakeLambdaContext(),
    )
    assert answer["statusCode"] == 409
    assert json.loads(answer["body"])["taskStatus"] == "timeout"
    with pytest.raises(TaskAlreadyClosedError):
        submit_validation(task_id, ACCEPT, repository=pipelines.repository, resumer=resumer, clock=SystemClock())

    assert resumer.sent == []
    assert pipelines.items_of(started, workflow) == before
    execution = pipelines.repository.get_execution(workflow, execution_id)
    assert execution.status is ExecutionStatus.COMPLETED
    albums = pipelines.repository.get_albums(workflow, execution_id)
    # The timeout went on with what vision read: nothing validated, nothing corrected.
    assert [(a.artist, a.albumName, a.year, a.yearValidated) for a in albums] == [
        (e.artist, e.albumName, e.year, False) for e in extracted
    ]
    assert_whole_items(before, albums=6, tasks=1)
    timed_out = {"validation-timeout"} if workflow is WorkflowType.DURABLE_FUNCTIONS else set()
    assert_logged_with_ids(pipelines, execution_id, LOGGED_STEPS | timed_out)


@ENGINES
def test_an_answer_the_engine_no_longer_waits_for_closes_the_task_as_timed_out(
    stack_pool, shelf_photo, workflow: WorkflowType
) -> None:
    """The engine gave up, but the task still reads pending (its close has not landed yet).

    The answer reaches the engine, which refuses it: the task must end
    ``timeout`` and the albums stay as the engine left them.
    """
    pipelines, started = unanswered(stack_pool, shelf_photo, f"uploads/late-race-{workflow.short_name}.jpg")
    execution_id = started.execution_id(workflow)
    task = pipelines.repository.get_task(workflow, ids.task_id_for_execution(execution_id))
    still_pending = task.model_copy(update={"status": TaskStatus.PENDING, "completedAt": None})
    assert pipelines.repository.close_task(still_pending, expected_status=TaskStatus.TIMEOUT.value)
    albums_before = pipelines.repository.get_albums(workflow, execution_id)

    resumer = CountingResumer(pipelines.resumer)
    with pytest.raises(EngineNoLongerWaitingError):
        submit_validation(task.taskId, ACCEPT, repository=pipelines.repository, resumer=resumer, clock=SystemClock())

    assert resumer.sent == [task.taskId]
    assert pipelines.repository.get_task(workflow, task.taskId).status is TaskStatus.TIMEOUT
    assert pipelines.repository.get_albums(workflow, execution_id) == albums_before
    assert pipelines.repository.get_execution(workflow, execution_id).status is ExecutionStatus.COMPLETED


@ENGINES
def test_the_same_event_delivered_twice_runs_one_workflow(
    stack_pool, shelf_photo, extracted, workflow: WorkflowType
) -> None:
    """Idempotency key: bucket, key and version. A redelivery, early or late, changes nothing.

    EventBridge delivers the photo's event again (to both engines, as its rule does)."""
    pipelines = stack_pool.stack()
    started = pipelines.put_photo(shelf_photo, f"uploads/twice-{workflow.short_name}.jpg")
    execution_id = started.execution_id(workflow)
    early = pipelines.redeliver(started)[workflow]
    task = pipelines.wait_for_task(workflow, execution_id)
    pipelines.submit(task.taskId, ACCEPT)
    recorded = pipelines.engine_arn(workflow, execution_id)
    outcomes = [pipelines.wait_for_outcome(workflow, arn) for arn in {recorded, early}]
    assert all(o.status == "SUCCEEDED" for o in outcomes), [o.error for o in outcomes]
    completed = pipelines.items_of(started, workflow)

    late = pipelines.redeliver(started)[workflow]
    assert pipelines.wait_for_outcome(workflow, late).status == "SUCCEEDED"

    assert pipelines.items_of(started, workflow) == completed
    execution = pipelines.repository.get_execution(workflow, execution_id)
    assert execution.status is ExecutionStatus.COMPLETED
    # Exactly one run did the work: the record names it, and it is not the late delivery.
    assert execution.engineExecutionArn == recorded != late
    of_this_photo = [e for e in pipelines.repository.list_executions(workflow, limit=100) if e.imageS3Key == started.key]
    assert [e.executionId for e in of_this_photo] == [execution_id]
    assert_whole_items(completed, albums=6, tasks=1)
    albums = pipelines.repository.get_albums(workflow, execution_id)
    assert [(a.artist, a.albumName) for a in albums] == [(e.artist, e.albumName) for e in extracted]
    assert_logged_with_ids(pipelines, execution_id, LOGGED_STEPS)
