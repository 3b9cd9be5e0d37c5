"""The records both pipelines share: albums, executions and validation tasks.

Field names are the camelCase names stored in DynamoDB and shown in the API, so
one model serves the repository, the workflow payloads and the clients.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from album_registry.constants import ALBUMS_PER_IMAGE


class WorkflowType(StrEnum):
    STEP_FUNCTIONS = "step-functions"
    DURABLE_FUNCTIONS = "durable-functions"

    @property
    def prefix(self) -> str:
        """Tenant prefix carried by every key this pattern writes."""
        return _TENANT_PREFIXES[self]

    @property
    def short_name(self) -> str:
        return _SHORT_NAMES[self]


_TENANT_PREFIXES = {WorkflowType.STEP_FUNCTIONS: "sf#", WorkflowType.DURABLE_FUNCTIONS: "ldf#"}
_SHORT_NAMES = {WorkflowType.STEP_FUNCTIONS: "sf", WorkflowType.DURABLE_FUNCTIONS: "ldf"}


class ExecutionStatus(StrEnum):
    RUNNING = "running"
    WAITING_VALIDATION = "waiting_validation"
    COMPLETED = "completed"
    FAILED = "failed"


class TaskStatus(StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"
    TIMEOUT = "timeout"


class AlbumStatus(StrEnum):
    EXTRACTED = "extracted"
    VALIDATED = "validated"
    PRICED = "priced"
    PRICE_FAILED = "price_failed"


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


CoverBox = tuple[float, float, float, float]
"""Where a cover is on the photo: left, top, width, height, as fractions of the image."""

ReadField = Literal["artist", "albumName", "year"]
"""The fields vision reads off a cover, and a person completes."""


def unreadable_fields(*, artist: str, albumName: str, year: int | None) -> list[ReadField]:
    """Which of an album's read fields hold nothing: what the validation page marks unreadable."""
    missing: list[ReadField] = []
    if not artist.strip():
        missing.append("artist")
    if not albumName.strip():
        missing.append("albumName")
    if year is None:
        missing.append("year")
    return missing


class ExtractedAlbum(_Record):
    """What the vision step read from one cover."""

    albumIndex: int = Field(ge=1, le=ALBUMS_PER_IMAGE)
    artist: str = Field(default="", max_length=200)
    albumName: str = Field(default="", max_length=200)
    year: int | None = Field(default=None, ge=1900, le=2100)
    confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    coverBox: CoverBox | None = None


class Album(_Record):
    albumIndex: int = Field(ge=1, le=ALBUMS_PER_IMAGE)
    artist: str = Field(default="", max_length=200)
    albumName: str = Field(default="", max_length=200)
    year: int | None = Field(default=None, ge=1900, le=2100)
    yearOriginal: int | None = Field(default=None, ge=1900, le=2100)
    yearValidated: bool = False
    confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    coverBox: CoverBox | None = None
    priceEstimate: float | None = Field(default=None, ge=0)
    priceConfidence: float | None = Field(default=None, ge=0.0, le=1.0)
    priceSource: str | None = None
    # A lasting price failure: the short message and its stable code.
    priceError: str | None = None
    priceErrorCode: str | None = None
    status: AlbumStatus = AlbumStatus.EXTRACTED
    # Property 7: every read field is filled, or named here for a person to complete.
    unreadable: list[ReadField] = []

    @classmethod
    def from_extracted(cls, extracted: ExtractedAlbum) -> Album:
        return cls(
            albumIndex=extracted.albumIndex,
            artist=extracted.artist,
            albumName=extracted.albumName,
            year=extracted.year,
            yearOriginal=extracted.year,
            confidence=extracted.confidence,
            coverBox=extracted.coverBox,
            unreadable=unreadable_fields(
                artist=extracted.artist, albumName=extracted.albumName, year=extracted.year
            ),
        )


class Execution(_Record):
    executionId: str = Field(min_length=1, max_length=80)
    workflowType: WorkflowType
    imageS3Key: str
    bucket: str = ""
    status: ExecutionStatus = ExecutionStatus.RUNNING
    startedAt: str
    updatedAt: str
    completedAt: str | None = None
    durationMs: int | None = Field(default=None, ge=0)
    albumCount: int = Field(default=0, ge=0)
    pricedCount: int | None = Field(default=None, ge=0)
    priceFailedCount: int | None = Field(default=None, ge=0)
    # Why a failed execution failed: the short message and its stable code.
    error: str | None = None
    errorCode: str | None = None
    # The engine's own id of the run: a state machine execution ARN or a
    # durable execution ARN, to find its history.
    engineExecutionArn: str | None = None


class AlbumCorrection(_Record):
    """A person's fix for one album; absent fields keep what was extracted."""

    albumIndex: int = Field(ge=1, le=ALBUMS_PER_IMAGE)
    artist: str | None = Field(default=None, min_length=1, max_length=200)
    albumName: str | None = Field(default=None, min_length=1, max_length=200)
    year: int | None = Field(default=None, ge=1900, le=2100)


class ValidationOutcome(BaseModel):
    """What resumes a paused workflow: a person's review, or the timeout."""

    model_config = ConfigDict(extra="forbid")

    reviewed: bool
    corrections: list[AlbumCorrection] = []


class Upload(BaseModel):
    """The S3 object that started a workflow."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    bucket: str
    key: str
    version: str | None = None


class ValidationTask(_Record):
    taskId: str
    executionId: str
    workflowType: WorkflowType
    status: TaskStatus = TaskStatus.PENDING
    albums: list[Album]
    imageS3Key: str = ""
    createdAt: str
    expiresAt: str
    completedAt: str | None = None
    # What resumes the paused engine. Stored, never shown to a client.
    taskToken: str | None = None
    callbackId: str | None = None


class PriceEstimate(_Record):
    priceEstimate: float = Field(ge=0)
    priceConfidence: float = Field(ge=0.0, le=1.0)
    priceSource: str
