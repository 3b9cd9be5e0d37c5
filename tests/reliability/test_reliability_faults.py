"""Faults the scenario suite does not cover, on both engines.

Throttled table writes, a person answering after the timeout fired, and the
same S3 event delivered twice. Each test checks the final status, which
albums got which data, that no item is duplicated or half-written, and that
the handlers' log lines carry the execution id and the step.
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
from local_aws.s3_events import object_created_event
from album_registry.handlers.validation_api import build_app

from local_aws.pipelines import LocalPipelines
from tests.reliability.conftest import (
    ENGINES,
    JsonLogs,
    assert_whole_items,
    items_of_execution,
    table_items,
    wait_for_pending_task,
)
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
def extracted(shelf_photo: bytes, bedrock_vision):
    return extract_albums(bedrock_vision, shelf_photo)


def assert_logged_with_ids(logs: JsonLogs, execution_id: str, steps: set[str]) -> None:
    lines = logs.of_execution(execution_id)
    assert lines, f"no log line carries executionId {execution_id}"
    assert steps <= logs.steps_of(execution_id), logs.steps_of(execution_id)


@ENGINES
def test_a_throttled_table_write_is_retried_and_nothing_is_written_twice(
    local_pipelines, shelf_photo, extracted, json_logs, workflow: WorkflowType
) -> None:
    """The first write through the repository is throttled (after the SDK's own retries)."""
    pipelines: LocalPipelines = local_pipelines(fault_injection=json.dumps({"repository_throttled_writes": 1}))
    started = pipelines.upload(shelf_photo, "uploads/throttled.jpg", workflows=(workflow,))
    execution_id = started.execution_id(workflow)
    task = wait_for_pending_task(pipelines, workflow, execution_id)
    pipelines.submit(task.taskId, ACCEPT)
    outcome = pipelines.wait_for_engine(workflow, started.engine_arns[workflow])

    assert outcome.status == "SUCCEEDED", outcome.error
    execution = pipelines.repository.get_execution(workflow, execution_id)
    assert execution.status is ExecutionStatus.COMPLETED
    albums = pipelines.repository.get_albums(workflow, execution_id)
    assert [(a.artist, a.albumName, a.year) for a in albums] == [(e.artist, e.albumName, e.year) for e in extracted]
    nameable = [a for a in albums if a.artist and a.albumName]
    assert all(a.status is AlbumStatus.PRICED and a.yearValidated for a in nameable)
    assert_whole_items(items_of_execution(table_items(pipelines), workflow, execution_id), albums=6, tasks=1)
    assert pipelines.repository.get_task(workflow, task.taskId).status is TaskStatus.COMPLETED
    assert_logged_with_ids(json_logs, execution_id, LOGGED_STEPS)


@ENGINES
def test_an_answer_after_the_timeout_is_a_conflict_and_reaches_no_engine(
    local_pipelines, shelf_photo, extracted, json_logs, workflow: WorkflowType
) -> None:
    pipelines: LocalPipelines = local_pipelines(validation_timeout_seconds=1)
    started = pipelines.upload(shelf_photo, "uploads/late.jpg", workflows=(workflow,))
    execution_id = started.execution_id(workflow)
    outcome = pipelines.wait_for_engine(workflow, started.engine_arns[workflow])
    assert outcome.status == "SUCCEEDED", outcome.error
    task_id = ids.task_id_for_execution(execution_id)
    assert pipelines.repository.get_task(workflow, task_id).status is TaskStatus.TIMEOUT
    before = table_items(pipelines)

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
    assert table_items(pipelines) == before
    execution = pipelines.repository.get_execution(workflow, execution_id)
    assert execution.status is ExecutionStatus.COMPLETED
    albums = pipelines.repository.get_albums(workflow, execution_id)
    # The timeout went on with what vision read: nothing validated, nothing corrected.
    assert [(a.artist, a.albumName, a.year, a.yearValidated) for a in albums] == [
        (e.artist, e.albumName, e.year, False) for e in extracted
    ]
    assert_whole_items(items_of_execution(before, workflow, execution_id), albums=6, tasks=1)
    assert_logged_with_ids(json_logs, execution_id, LOGGED_STEPS | {"validation-timeout"} if workflow is WorkflowType.DURABLE_FUNCTIONS else LOGGED_STEPS)


@ENGINES
def test_an_answer_the_engine_no_longer_waits_for_closes_the_task_as_timed_out(
    local_pipelines, shelf_photo, workflow: WorkflowType
) -> None:
    """The engine gave up, but the task still reads pending (its close has not landed yet).

    The answer reaches the engine, which refuses it: the task must end
    ``timeout`` and the albums stay as the engine left them.
    """
    pipelines: LocalPipelines = local_pipelines(validation_timeout_seconds=1)
    started = pipelines.upload(shelf_photo, "uploads/late-race.jpg", workflows=(workflow,))
    execution_id = started.execution_id(workflow)
    assert pipelines.wait_for_engine(workflow, started.engine_arns[workflow]).status == "SUCCEEDED"
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
    local_pipelines, shelf_photo, extracted, json_logs, workflow: WorkflowType
) -> None:
    """Idempotency key: bucket, key and version. A redelivery, early or late, changes nothing."""
    pipelines: LocalPipelines = local_pipelines()
    started = pipelines.upload(shelf_photo, "uploads/twice.jpg", workflows=(workflow,))
    execution_id = started.execution_id(workflow)
    event = object_created_event(bucket=started.bucket, key=started.key, version=started.version, size=len(shelf_photo))
    early = pipelines.deliver(workflow, event)
    task = wait_for_pending_task(pipelines, workflow, execution_id)
    pipelines.submit(task.taskId, ACCEPT)
    outcomes = [pipelines.wait_for_engine(workflow, arn) for arn in (started.engine_arns[workflow], early)]
    assert [o.status for o in outcomes] == ["SUCCEEDED", "SUCCEEDED"], [o.error for o in outcomes]
    completed = table_items(pipelines)

    late = pipelines.deliver(workflow, event)
    assert pipelines.wait_for_engine(workflow, late).status == "SUCCEEDED"

    assert table_items(pipelines) == completed
    execution = pipelines.repository.get_execution(workflow, execution_id)
    assert execution.status is ExecutionStatus.COMPLETED
    # Exactly one run did the work: the record names it, and it is one of the deliveries.
    assert execution.engineExecutionArn in (started.engine_arns[workflow], early)
    executions = pipelines.repository.list_executions(workflow, limit=10)
    assert [e.executionId for e in executions] == [execution_id]
    assert_whole_items(completed, albums=6, tasks=1)
    albums = pipelines.repository.get_albums(workflow, execution_id)
    assert [(a.artist, a.albumName) for a in albums] == [(e.artist, e.albumName) for e in extracted]
    assert_logged_with_ids(json_logs, execution_id, LOGGED_STEPS)
