"""In-memory stand-ins for the core's ports, for tests of the core alone."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from album_registry.domain import ids
from album_registry.domain.models import (
    Album,
    Execution,
    ExecutionStatus,
    ExtractedAlbum,
    ValidationTask,
    WorkflowType,
)


class SteppingClock:
    """Each reading is one second after the previous one."""

    def __init__(self, start: datetime = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)) -> None:
        self._next = start

    def now(self) -> datetime:
        current = self._next
        self._next += timedelta(seconds=1)
        return current


class InMemoryAlbumRepository:
    def __init__(self) -> None:
        self.executions: dict[tuple[WorkflowType, str], Execution] = {}
        self.albums: dict[tuple[WorkflowType, str, int], Album] = {}
        self.tasks: dict[tuple[WorkflowType, str], ValidationTask] = {}
        self._lock = threading.Lock()

    def create_execution(self, execution: Execution) -> bool:
        key = (execution.workflowType, execution.executionId)
        stored = self.executions.get(key)
        own_run = (
            stored is not None
            and execution.engineExecutionArn is not None
            and stored.engineExecutionArn == execution.engineExecutionArn
            and stored.status is ExecutionStatus.RUNNING
        )
        if stored is not None and not own_run:
            return False
        self.executions[key] = execution
        return True

    def get_execution(self, workflow: WorkflowType, execution_id: str) -> Execution | None:
        return self.executions.get((workflow, execution_id))

    def update_execution(self, execution: Execution) -> bool:
        key = (execution.workflowType, execution.executionId)
        stored = self.executions.get(key)
        final = (ExecutionStatus.COMPLETED, ExecutionStatus.FAILED)
        if stored and stored.status in final and stored.status != execution.status:
            return False
        self.executions[key] = execution
        return True

    def save_albums(self, workflow: WorkflowType, execution_id: str, albums: list[Album]) -> None:
        for album in albums:
            self.albums.setdefault((workflow, execution_id, album.albumIndex), album)

    def get_albums(self, workflow: WorkflowType, execution_id: str) -> list[Album]:
        return [
            album
            for (kind, execution, _), album in sorted(self.albums.items())
            if kind == workflow and execution == execution_id
        ]

    def save_album(self, workflow: WorkflowType, execution_id: str, album: Album) -> None:
        self.albums[(workflow, execution_id, album.albumIndex)] = album

    def create_task(self, task: ValidationTask) -> None:
        self.tasks[(task.workflowType, task.taskId)] = task

    def get_task(self, workflow: WorkflowType, task_id: str) -> ValidationTask | None:
        return self.tasks.get((workflow, task_id))

    def close_task(self, task: ValidationTask, *, expected_status: str) -> bool:
        with self._lock:  # as atomic as DynamoDB's conditional write
            stored = self.tasks.get((task.workflowType, task.taskId))
            if stored is None or stored.status != expected_status:
                return False
            self.tasks[(task.workflowType, task.taskId)] = task
            return True

    def list_executions(self, workflow, *, status=None, limit=50):
        found = [e for (kind, _), e in self.executions.items() if kind == workflow]
        found = [e for e in found if status is None or e.status == status]
        return sorted(found, key=lambda e: e.startedAt, reverse=True)[:limit]

    def list_tasks(self, workflow, *, status="pending", limit=50):
        found = [t for (kind, _), t in self.tasks.items() if kind == workflow and t.status == status]
        return sorted(found, key=lambda t: t.createdAt)[:limit]


class NoSuchObjectError(LookupError):
    def __init__(self, *, bucket: str, key: str, version: str | None) -> None:
        super().__init__(f"no object s3://{bucket}/{key} version {version}")


class FixedImageStore:
    """One stored photo: any other bucket, key or version is missing, as on S3."""

    def __init__(self, *, bucket: str, key: str, version: str | None, image: bytes = b"shelf photo") -> None:
        self.stored = (bucket, key, version)
        self.image = image

    def read_image(self, *, bucket: str, key: str, version: str | None) -> bytes:
        if (bucket, key, version) != self.stored:
            raise NoSuchObjectError(bucket=bucket, key=key, version=version)
        return self.image


class ScriptedVision:
    """A vision provider that 'sees' the covers it was given."""

    name = "scripted"

    def __init__(self, covers: list[ExtractedAlbum]) -> None:
        self.covers = covers

    def read_covers(self, image: bytes) -> list[ExtractedAlbum]:
        return list(self.covers)


def six_covers() -> list[ExtractedAlbum]:
    titles = [
        ("Pink Floyd", "The Dark Side of the Moon", 1973),
        ("The Beatles", "Abbey Road", 1969),
        ("Miles Davis", "Kind of Blue", 1959),
        ("Fleetwood Mac", "Rumours", 1977),
        ("Nirvana", "Nevermind", 1991),
        ("Unknown Band", "Basement Tapes Vol. 2", None),
    ]
    return [
        ExtractedAlbum(albumIndex=i, artist=a, albumName=t, year=y, confidence=0.9)
        for i, (a, t, y) in enumerate(titles, start=1)
    ]


def an_execution_id(workflow: WorkflowType = WorkflowType.STEP_FUNCTIONS) -> str:
    return ids.execution_id_for_upload(workflow, bucket="b", key="uploads/a.jpg", version="1")
