"""What a bench run is: its settings, the photos it uploads, and what it measured.

``albums.bench.stack_workload`` drives the photos through a stack's own
trigger: a local stack (the bench's own, or a running ``albums local up``)
or a deployed one.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from album_registry.domain.models import AlbumCorrection, ValidationOutcome, WorkflowType
from albums.bench.collector import ExecutionMeasurement, PhaseUsage
from albums.bench.emf import MetricSample
from albums.samples.shelf_photos import generate_shelf_set

PHOTO_SEED = 20261124
# Distinct photos rendered per run; more uploads reuse them (each upload is
# a new S3 version, so a new workflow).
PHOTO_POOL = 10
# The validation timeout of the bench's own local stack under ``--validation timeout``.
TIMEOUT_MODE_VALIDATION_SECONDS = 2
_DELAY = re.compile(r"^delay=(\d+(?:\.\d+)?)$")


class ValidationMode(StrEnum):
    AUTO = "auto"
    DELAY = "delay"
    TIMEOUT = "timeout"


class ValidationPlan(BaseModel):
    model_config = ConfigDict(frozen=True)

    mode: ValidationMode
    delay_seconds: float = 0.0

    @classmethod
    def parse(cls, text: str) -> ValidationPlan:
        if text in (ValidationMode.AUTO, ValidationMode.TIMEOUT):
            return cls(mode=ValidationMode(text))
        if match := _DELAY.match(text):
            return cls(mode=ValidationMode.DELAY, delay_seconds=float(match.group(1)))
        raise ValueError(f"--validation must be auto, delay=SECONDS or timeout, not {text!r}")


class BenchSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    images: int = Field(ge=1)
    concurrency: int = Field(ge=1)
    validation: ValidationPlan
    # Uploads run through both patterns before the measured ones, and not
    # measured: the stack's workers are started (cold starts) before the clock runs.
    warm_up: int = Field(default=0, ge=0)
    lambda_memory_mb: int
    durable_retention_days: int


class RunOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    image: int
    engine_arn: str | None
    status: str
    error: str | None = None
    # The registry's id of the run (``sf-...``/``ldf-...``): the handlers' metrics name it, not the engine's ARN.
    execution_id: str | None = None


class PatternRun(BaseModel):
    workflow: WorkflowType
    wall_seconds: float
    outcomes: list[RunOutcome]
    measurements: list[ExecutionMeasurement]
    usage: PhaseUsage
    # None: the source cannot read the handlers' EMF lines.
    metrics: list[MetricSample] | None
    execution_records: int
    # Engine runs beyond one per upload, when the engines' runs were listed;
    # otherwise the report counts records beyond one per upload.
    duplicated: int | None = None


class StackKind(StrEnum):
    """Where a run's timings come from: this machine's local stack (its Lambda
    workers running the built archives), or AWS."""

    OWN_LOCAL_STACK = "local stack of the bench's own"
    RUNNING_LOCAL_STACK = "running local stack"
    AWS = "AWS"


class BenchRun(BaseModel):
    stack: str
    stack_kind: StackKind
    settings: BenchSettings
    started_at: datetime
    wall_seconds: float
    patterns: list[PatternRun]
    # True when every upload started both pipelines at once, as a stack's
    # trigger does; False when the patterns ran one after the other.
    patterns_concurrent: bool = False


def deterministic_correction(image: int) -> ValidationOutcome:
    """The person's answer for upload ``image``: one fixed year correction."""
    return ValidationOutcome(
        reviewed=True, corrections=[AlbumCorrection(albumIndex=image % 6 + 1, year=1960 + image % 60)]
    )


def render_photos(directory: Path, count: int) -> list[bytes]:
    generate_shelf_set(directory, count=min(count, PHOTO_POOL), seed=PHOTO_SEED)
    return [path.read_bytes() for path in sorted(directory.glob("*.jpg"))]
