"""The person in the loop: one way to resume either engine."""

from __future__ import annotations

from album_registry.domain import ids
from album_registry.domain.errors import (
    EngineNoLongerWaitingError,
    TaskAlreadyClosedError,
    TaskNotFoundError,
)
from album_registry.domain.models import TaskStatus, ValidationOutcome, ValidationTask, WorkflowType
from album_registry.domain.ports import AlbumRepository, Clock, EngineResumer
from album_registry.domain.registration import timestamp


def find_task(repository: AlbumRepository, task_id: str) -> ValidationTask:
    """The task of either pattern, by id; any id that is not one is not found."""
    try:
        workflow = ids.workflow_of(task_id)
    except ValueError as error:
        raise TaskNotFoundError(task_id=task_id) from error
    task = repository.get_task(workflow, task_id)
    if task is None:
        raise TaskNotFoundError(task_id=task_id)
    return task


def submit_validation(
    task_id: str,
    outcome: ValidationOutcome,
    *,
    repository: AlbumRepository,
    resumer: EngineResumer,
    clock: Clock,
) -> ValidationTask:
    """Close the pending task, then resume the engine that waits on it.

    The conditional close comes first: of two racing submits only one wins,
    and the engine is resumed once. If the engine refuses the answer, the task
    is reopened as it was.
    """
    task = find_task(repository, task_id)
    workflow = task.workflowType
    if task.status is not TaskStatus.PENDING:
        raise TaskAlreadyClosedError(task_id=task_id, status=task.status.value)
    completed = task.model_copy(
        update={"status": TaskStatus.COMPLETED, "completedAt": timestamp(clock.now())}
    )
    if not repository.close_task(completed, expected_status=TaskStatus.PENDING.value):
        current = repository.get_task(workflow, task_id)
        raise TaskAlreadyClosedError(
            task_id=task_id, status=current.status.value if current else "gone"
        )
    payload = outcome.model_dump_json()
    try:
        if workflow is WorkflowType.STEP_FUNCTIONS:
            resumer.resume_step_functions(task_id, task.taskToken or "", payload)
        else:
            resumer.resume_durable(task_id, task.callbackId or "", payload)
    except EngineNoLongerWaitingError:
        # The engine timed out first and went on with the extracted data.
        timed_out = task.model_copy(update={"status": TaskStatus.TIMEOUT, "completedAt": completed.completedAt})
        repository.close_task(timed_out, expected_status=TaskStatus.COMPLETED.value)
        raise
    except Exception:
        # The answer did not get through: reopen the task so that the person
        # (or the timeout) can still close it, then report the failure.
        repository.close_task(task, expected_status=TaskStatus.COMPLETED.value)
        raise
    return completed
