"""Records as table items: the model's fields plus keys, tenant and entity type.

These are plain Python values. The DynamoDB adapter marshals them, and the
Step Functions definition writes the same shape natively (a test compares the
two field for field).
"""

from __future__ import annotations

from typing import Any

from album_registry.domain import keys
from album_registry.domain.models import Album, Execution, ValidationTask, WorkflowType

ENTITY_EXECUTION = "execution"
ENTITY_ALBUM = "album"
ENTITY_TASK = "validationTask"

_KEY_ATTRIBUTES = ("pk", "sk", "GSI1PK", "GSI1SK", "entityType")


def execution_item(execution: Execution) -> dict[str, Any]:
    return {
        "pk": keys.execution_pk(execution.workflowType, execution.executionId),
        "sk": keys.EXECUTION_SK,
        "GSI1PK": keys.executions_gsi1pk(execution.workflowType),
        "GSI1SK": keys.execution_gsi1sk(execution.startedAt, execution.executionId),
        "entityType": ENTITY_EXECUTION,
        **_fields(execution),
    }


def album_item(workflow: WorkflowType, execution_id: str, album: Album) -> dict[str, Any]:
    return {
        "pk": keys.execution_pk(workflow, execution_id),
        "sk": keys.album_sk(album.albumIndex),
        "GSI1PK": keys.albums_gsi1pk(workflow, album.status),
        "GSI1SK": keys.album_gsi1sk(execution_id, album.albumIndex),
        "entityType": ENTITY_ALBUM,
        "workflowType": workflow.value,
        "executionId": execution_id,
        **_fields(album),
    }


def task_item(task: ValidationTask) -> dict[str, Any]:
    return {
        "pk": keys.task_pk(task.workflowType, task.taskId),
        "sk": keys.TASK_SK,
        "GSI1PK": keys.tasks_gsi1pk(task.workflowType, task.status),
        "GSI1SK": keys.task_gsi1sk(task.createdAt, task.taskId),
        "entityType": ENTITY_TASK,
        **_fields(task),
    }


def execution_from_item(item: dict[str, Any]) -> Execution:
    return Execution.model_validate(_strip(item))


def album_from_item(item: dict[str, Any]) -> Album:
    fields = _strip(item)
    fields.pop("workflowType", None)
    fields.pop("executionId", None)
    return Album.model_validate(fields)


def task_from_item(item: dict[str, Any]) -> ValidationTask:
    return ValidationTask.model_validate(_strip(item))


def _fields(record: Execution | Album | ValidationTask) -> dict[str, Any]:
    # "Not known yet" is stored as NULL, so every item of a kind has the same
    # attributes whichever engine wrote it.
    return record.model_dump(mode="json")


def _strip(item: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in item.items() if name not in _KEY_ATTRIBUTES}
