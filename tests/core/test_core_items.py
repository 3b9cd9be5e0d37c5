"""Records as table items: the key scheme of keys.py, spelled out as the access patterns read it."""

from __future__ import annotations

from album_registry.domain import items
from album_registry.domain.models import Album, AlbumStatus, Execution, ValidationTask, WorkflowType

SF = WorkflowType.STEP_FUNCTIONS
LDF = WorkflowType.DURABLE_FUNCTIONS


def keyed(item: dict, *names: str) -> dict:
    """The item's keys and index keys (and any other fields named)."""
    return {name: item[name] for name in ("pk", "sk", "GSI1PK", "GSI1SK", "entityType", *names)}


def test_an_execution_item_sorts_by_start_then_id_in_its_patterns_partition():
    execution = Execution(
        executionId="sf-1", workflowType=SF, imageS3Key="uploads/a.jpg", startedAt="2026-01-01T00:00:00.000Z",
        updatedAt="2026-01-01T00:00:00.000Z",
    )
    item = items.execution_item(execution)
    assert keyed(item) == {
        "pk": "sf#EXEC#sf-1",
        "sk": "EXECUTION",
        "GSI1PK": "sf#EXECUTIONS",
        "GSI1SK": "2026-01-01T00:00:00.000Z#sf-1",
        "entityType": "execution",
    }
    assert items.execution_from_item(item) == execution


def test_an_album_item_sits_under_its_execution_and_in_its_status_partition():
    album = Album(albumIndex=3, artist="Nico", albumName="Chelsea Girl", status=AlbumStatus.PRICED)
    item = items.album_item(LDF, "ldf-9", album)
    assert keyed(item, "workflowType", "executionId") == {
        "pk": "ldf#EXEC#ldf-9",
        "sk": "ALBUM#3",
        "GSI1PK": "ldf#ALBUMS#priced",
        "GSI1SK": "ldf-9#3",
        "entityType": "album",
        "workflowType": "durable-functions",
        "executionId": "ldf-9",
    }
    assert items.album_from_item(item) == album
    # An album as a task embeds it (no tenant fields) reads the same.
    assert items.album_from_item(album.model_dump(mode="json")) == album


def test_a_task_item_sorts_by_creation_then_id_in_its_status_partition():
    task = ValidationTask(
        taskId="task-sf-1", executionId="sf-1", workflowType=SF, albums=[], createdAt="2026-01-01T00:00:00.000Z",
        expiresAt="2026-01-01T01:00:00.000Z", taskToken="t",
    )
    item = items.task_item(task)
    assert keyed(item) == {
        "pk": "sf#TASK#task-sf-1",
        "sk": "TASK",
        "GSI1PK": "sf#TASKS#pending",
        "GSI1SK": "2026-01-01T00:00:00.000Z#task-sf-1",
        "entityType": "validationTask",
    }
    assert items.task_from_item(item) == task
