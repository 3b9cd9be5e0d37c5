"""The small interfaces the core needs from the outside world.

Adapters in ``album_registry.adapters`` implement them for AWS (and for the
offline stack); tests implement them in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from album_registry.domain.models import (
    Album,
    Execution,
    ExtractedAlbum,
    PriceEstimate,
    ValidationTask,
    WorkflowType,
)


class Clock(Protocol):
    def now(self) -> datetime: ...


class ImageStore(Protocol):
    def read_image(self, *, bucket: str, key: str, version: str | None) -> bytes: ...


class VisionProvider(Protocol):
    """Reads the covers on a shelf photo.

    Returns what it saw, in any order and any number; ``extract_albums`` turns
    that into exactly six albums in reading order.
    """

    name: str

    def read_covers(self, image: bytes) -> list[ExtractedAlbum]: ...


class CatalogMatch(Protocol):
    artist: str
    albumName: str
    year: int | None


class AlbumCatalog(Protocol):
    def find(self, *, artist: str, album_name: str) -> CatalogMatch | None: ...


class PriceEstimator(Protocol):
    def estimate(self, album: Album) -> PriceEstimate: ...


class DiscogsTokenSource(Protocol):
    """Where the Discogs token is kept; it may be set, changed or cleared while functions run."""

    def token(self) -> str | None:
        """The current token, or None while none is set."""
        ...


class AlbumRepository(Protocol):
    def create_execution(self, execution: Execution) -> bool:
        """Store a new execution; False when another engine run owns it (a redelivery).

        The record of the same engine run (same ``engineExecutionArn``, still
        running) is written again and counts as stored.
        """
        ...

    def get_execution(self, workflow: WorkflowType, execution_id: str) -> Execution | None: ...

    def update_execution(self, execution: Execution) -> bool:
        """Write ``execution``; False, writing nothing, when the stored run ended with another status."""
        ...

    def save_albums(self, workflow: WorkflowType, execution_id: str, albums: list[Album]) -> None: ...

    def get_albums(self, workflow: WorkflowType, execution_id: str) -> list[Album]: ...

    def save_album(self, workflow: WorkflowType, execution_id: str, album: Album) -> None: ...

    def create_task(self, task: ValidationTask) -> None: ...

    def get_task(self, workflow: WorkflowType, task_id: str) -> ValidationTask | None: ...

    def close_task(self, task: ValidationTask, *, expected_status: str) -> bool:
        """Write ``task`` only if its stored status is ``expected_status``."""
        ...

    def list_executions(
        self, workflow: WorkflowType, *, status: str | None = None, limit: int = 50
    ) -> list[Execution]: ...

    def list_tasks(
        self, workflow: WorkflowType, *, status: str = "pending", limit: int = 50
    ) -> list[ValidationTask]: ...


class RegistryQueries(Protocol):
    """The read side the validation API and the registry view need."""

    def page_tasks(
        self,
        workflows: Sequence[WorkflowType],
        *,
        status: str = "pending",
        limit: int = 50,
        page_token: str | None = None,
    ) -> tuple[list[ValidationTask], str | None]:
        """One page of tasks, oldest first, and the token of the next page (None at the end)."""
        ...

    def list_registered_albums(
        self, workflow: WorkflowType, *, status: str = "priced", limit: int = 500
    ) -> list[tuple[str, Album]]:
        """Albums of one status, each with its execution id."""
        ...

    def list_executions(
        self, workflow: WorkflowType, *, status: str | None = None, limit: int = 50
    ) -> list[Execution]: ...


class ValidationApiRepository(AlbumRepository, RegistryQueries, Protocol):
    """What the validation API reads and writes: the core's repository plus the read side."""


class EngineResumer(Protocol):
    """Sends a person's answer to the engine; raises ``EngineNoLongerWaitingError``
    when the engine has given up on the task already."""

    def resume_step_functions(self, task_id: str, task_token: str, payload: str) -> None: ...

    def resume_durable(self, task_id: str, callback_id: str, payload: str) -> None: ...


class ImageLinks(Protocol):
    """Links a browser follows, without credentials of its own, to an uploaded photo."""

    def link(self, key: str) -> str: ...
