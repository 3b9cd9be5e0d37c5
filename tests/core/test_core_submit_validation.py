"""Resuming a paused workflow: one submit wins, the engine is resumed once."""

from __future__ import annotations

import threading

import pytest

from album_registry.domain.errors import EngineNoLongerWaitingError, TaskAlreadyClosedError, TaskNotFoundError
from album_registry.domain.models import TaskStatus, Upload, ValidationOutcome, WorkflowType
from album_registry.domain.registration import AlbumRegistration
from album_registry.domain.validation import submit_validation
from tests.fakes import FixedImageStore, InMemoryAlbumRepository, ScriptedVision, SteppingClock, six_covers


class RecordingResumer:
    def __init__(self, refusal: Exception | None = None) -> None:
        self.resumed: list[tuple[str, str, str]] = []
        self.task_ids: list[str] = []
        self._refusal = refusal
        self._lock = threading.Lock()

    def resume_step_functions(self, task_id: str, task_token: str, payload: str) -> None:
        self._resume("sfn", task_id, task_token, payload)

    def resume_durable(self, task_id: str, callback_id: str, payload: str) -> None:
        self._resume("durable", task_id, callback_id, payload)

    def _resume(self, engine: str, task_id: str, handle: str, payload: str) -> None:
        with self._lock:
            self.task_ids.append(task_id)
            if self._refusal is not None:
                raise self._refusal
            self.resumed.append((engine, handle, payload))


def paused(workflow: WorkflowType):
    repository = InMemoryAlbumRepository()
    upload = Upload(bucket="b", key="uploads/x.png", version="1")
    service = AlbumRegistration(
        repository=repository,
        clock=SteppingClock(),
        images=FixedImageStore(bucket=upload.bucket, key=upload.key, version=upload.version),
        vision=ScriptedVision(six_covers()),
    )
    execution = service.prepare_execution(workflow, upload)
    service.start_execution(execution)
    service.store_albums(workflow, execution.executionId, service.process_image(upload))
    handle = {"task_token": "token-1"} if workflow is WorkflowType.STEP_FUNCTIONS else {"callback_id": "cb-1"}
    task = service.open_validation(workflow, execution.executionId, timeout_seconds=60, **handle)
    return repository, task


@pytest.mark.parametrize("workflow", list(WorkflowType))
def test_submit_resumes_the_engine_that_waits(workflow):
    repository, task = paused(workflow)
    resumer = RecordingResumer()
    outcome = ValidationOutcome(reviewed=True)
    closed = submit_validation(task.taskId, outcome, repository=repository, resumer=resumer, clock=SteppingClock())
    assert closed.status is TaskStatus.COMPLETED
    expected_engine = "sfn" if workflow is WorkflowType.STEP_FUNCTIONS else "durable"
    expected_handle = "token-1" if workflow is WorkflowType.STEP_FUNCTIONS else "cb-1"
    assert resumer.resumed == [(expected_engine, expected_handle, outcome.model_dump_json())]
    assert resumer.task_ids == [task.taskId]
    assert repository.get_task(workflow, task.taskId) == closed
    assert closed.completedAt == "2026-11-24T12:00:00.000Z"  # the clock's first reading


@pytest.mark.parametrize("workflow", list(WorkflowType))
def test_an_engine_that_stopped_waiting_leaves_the_task_timed_out(workflow):
    """The engine timed out first: the task says so, and the person is told."""
    repository, task = paused(workflow)
    resumer = RecordingResumer(refusal=EngineNoLongerWaitingError(task_id=task.taskId, reason="expired"))
    with pytest.raises(EngineNoLongerWaitingError):
        submit_validation(task.taskId, ValidationOutcome(reviewed=True), repository=repository, resumer=resumer, clock=SteppingClock())
    stored = repository.get_task(workflow, task.taskId)
    assert stored.status is TaskStatus.TIMEOUT and stored.completedAt == "2026-11-24T12:00:00.000Z"
    assert stored.model_copy(update={"status": TaskStatus.PENDING, "completedAt": None}) == task


@pytest.mark.parametrize("workflow", list(WorkflowType))
def test_a_resume_that_fails_reopens_the_task_as_it_was(workflow):
    repository, task = paused(workflow)
    resumer = RecordingResumer(refusal=ConnectionError("engine unreachable"))
    with pytest.raises(ConnectionError):
        submit_validation(task.taskId, ValidationOutcome(reviewed=True), repository=repository, resumer=resumer, clock=SteppingClock())
    assert repository.get_task(workflow, task.taskId) == task
    # Reopened: the next submit goes through.
    working = RecordingResumer()
    submit_validation(task.taskId, ValidationOutcome(reviewed=True), repository=repository, resumer=working, clock=SteppingClock())
    assert len(working.resumed) == 1


def test_a_second_submit_is_refused_and_sends_nothing():
    repository, task = paused(WorkflowType.DURABLE_FUNCTIONS)
    resumer = RecordingResumer()
    submit_validation(task.taskId, ValidationOutcome(reviewed=True), repository=repository, resumer=resumer, clock=SteppingClock())
    with pytest.raises(TaskAlreadyClosedError, match="already completed"):
        submit_validation(task.taskId, ValidationOutcome(reviewed=True), repository=repository, resumer=resumer, clock=SteppingClock())
    assert len(resumer.resumed) == 1


def test_racing_submits_resume_once():
    repository, task = paused(WorkflowType.STEP_FUNCTIONS)
    resumer = RecordingResumer()
    errors: list[Exception] = []

    def submit() -> None:
        try:
            submit_validation(task.taskId, ValidationOutcome(reviewed=True), repository=repository, resumer=resumer, clock=SteppingClock())
        except TaskAlreadyClosedError as error:
            errors.append(error)

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(resumer.resumed) == 1
    assert len(errors) == 7


@pytest.mark.parametrize("task_id", ["task-sf-0000", "nonsense", ""])
def test_unknown_tasks_are_not_found(task_id):
    with pytest.raises(TaskNotFoundError):
        submit_validation(
            task_id, ValidationOutcome(reviewed=True), repository=InMemoryAlbumRepository(),
            resumer=RecordingResumer(), clock=SteppingClock(),
        )


class ReadBeforeTheOtherSubmit:
    """The repository as a submit that lost a race sees it: its first read finds the
    task still pending; by the time it closes it, the other submit has (or the task is gone)."""

    def __init__(self, repository: InMemoryAlbumRepository, pending) -> None:
        self._repository = repository
        self._pending = pending

    def __getattr__(self, name: str):
        return getattr(self._repository, name)

    def get_task(self, workflow, task_id):
        if self._pending is not None:
            pending, self._pending = self._pending, None
            return pending
        return self._repository.get_task(workflow, task_id)


@pytest.mark.parametrize(("winner", "status"), [(TaskStatus.COMPLETED, "completed"), (None, "gone")])
def test_a_submit_that_loses_the_race_names_what_the_task_became(winner, status):
    repository, task = paused(WorkflowType.STEP_FUNCTIONS)
    if winner is None:
        del repository.tasks[(task.workflowType, task.taskId)]
    else:
        repository.close_task(task.model_copy(update={"status": winner}), expected_status=TaskStatus.PENDING.value)
    resumer = RecordingResumer()
    with pytest.raises(TaskAlreadyClosedError) as raised:
        submit_validation(
            task.taskId, ValidationOutcome(reviewed=True), repository=ReadBeforeTheOtherSubmit(repository, task),
            resumer=resumer, clock=SteppingClock(),
        )
    assert (raised.value.task_id, raised.value.status) == (task.taskId, status)
    assert resumer.resumed == []


def test_a_closed_task_is_refused_by_its_own_id():
    repository, task = paused(WorkflowType.DURABLE_FUNCTIONS)
    submit_validation(task.taskId, ValidationOutcome(reviewed=True), repository=repository, resumer=RecordingResumer(), clock=SteppingClock())
    with pytest.raises(TaskAlreadyClosedError) as raised:
        submit_validation(task.taskId, ValidationOutcome(reviewed=True), repository=repository, resumer=RecordingResumer(), clock=SteppingClock())
    assert (raised.value.task_id, raised.value.status) == (task.taskId, "completed")


@pytest.mark.parametrize("workflow", list(WorkflowType))
def test_a_task_without_its_resume_handle_is_sent_an_empty_one(workflow):
    """The engine, not the core, refuses a handle it never issued."""
    repository, task = paused(workflow)
    repository.tasks[(workflow, task.taskId)] = task.model_copy(update={"taskToken": None, "callbackId": None})
    resumer = RecordingResumer()
    submit_validation(task.taskId, ValidationOutcome(reviewed=True), repository=repository, resumer=resumer, clock=SteppingClock())
    assert [handle for _, handle, _ in resumer.resumed] == [""]
