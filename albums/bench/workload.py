"""Driving N photos through both pipelines on the local stack, one pattern at a time.

The patterns run one after the other on the same photos, so each phase's
usage (Lambda time, table units, S3 calls, EMF lines) belongs to one pattern
and neither slows the other down.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from album_registry.domain.models import AlbumCorrection, ValidationOutcome, WorkflowType
from album_registry.domain.s3_keys import UPLOAD_PREFIX
from album_registry.handlers.observability import METRICS_NAMESPACES, logger
from albums.bench.collector import ExecutionMeasurement, PhaseUsage, measure, step_intervals_from_metrics
from albums.bench.emf import EmfCapture, MetricSample
from albums.bench.sources import ApiCallCounter, LocalSource
from local_aws.pipelines import LocalPipelines
from albums.samples.shelf_photos import generate_shelf_set

PHOTO_SEED = 20261124
# Distinct photos rendered per run; more uploads reuse them (each upload is
# a new S3 version, so a new workflow).
PHOTO_POOL = 10
TIMEOUT_MODE_VALIDATION_SECONDS = 2
ENGINE_WAIT_SECONDS = 600
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
    lambda_memory_mb: int
    durable_retention_days: int


class RunOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    image: int
    engine_arn: str | None
    status: str
    error: str | None = None


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
    """Where a run's timings come from: this machine's emulation, or AWS."""

    IN_PROCESS = "in-process local stack"
    RUNNING_LOCAL_STACK = "running local stack"
    AWS = "AWS"


class BenchRun(BaseModel):
    stack: str
    stack_kind: StackKind = StackKind.IN_PROCESS
    settings: BenchSettings
    started_at: datetime
    wall_seconds: float
    patterns: list[PatternRun]
    # True when every upload started both pipelines at once (a deployed or
    # running stack); False when the patterns ran one after the other.
    patterns_concurrent: bool = False


def deterministic_correction(image: int) -> ValidationOutcome:
    """The person's answer for upload ``image``: one fixed year correction."""
    return ValidationOutcome(
        reviewed=True, corrections=[AlbumCorrection(albumIndex=image % 6 + 1, year=1960 + image % 60)]
    )


def render_photos(directory: Path, count: int) -> list[bytes]:
    generate_shelf_set(directory, count=min(count, PHOTO_POOL), seed=PHOTO_SEED)
    return [path.read_bytes() for path in sorted(directory.glob("*.jpg"))]


def run_local_bench(
    settings: BenchSettings,
    *,
    progress: Callable[[WorkflowType, int], Callable[[], None]],
    prefix: str | None = None,
) -> BenchRun:
    """Run the workload on a fresh local stack; ``progress(workflow, total)`` gives a tick."""
    started_at = datetime.now(timezone.utc)
    began = time.perf_counter()
    counter = ApiCallCounter().install()
    timeout = (
        TIMEOUT_MODE_VALIDATION_SECONDS
        if settings.validation.mode is ValidationMode.TIMEOUT
        else None
    )
    # Handler log lines would drown the progress bars; warnings still show.
    logger.setLevel("WARNING")
    with tempfile.TemporaryDirectory(prefix="bench-photos-") as photo_dir, EmfCapture() as emf:
        photos = render_photos(Path(photo_dir), settings.images)
        pipelines = LocalPipelines(
            prefix=prefix or f"bench{started_at:%H%M%S}",
            **({"validation_timeout_seconds": timeout} if timeout else {}),
        )
        with pipelines:
            source = LocalSource(pipelines, counter)
            patterns = [
                _run_pattern(pipelines, source, emf, workflow, photos, settings, progress(workflow, settings.images))
                for workflow in WorkflowType
            ]
    return BenchRun(
        stack="local",
        settings=settings,
        started_at=started_at,
        wall_seconds=time.perf_counter() - began,
        patterns=patterns,
    )


def _run_pattern(
    pipelines: LocalPipelines,
    source: LocalSource,
    emf: EmfCapture,
    workflow: WorkflowType,
    photos: list[bytes],
    settings: BenchSettings,
    tick: Callable[[], None],
) -> PatternRun:
    mark = source.begin_phase()
    first_document = len(emf.documents)

    def run_one(image: int) -> RunOutcome:
        try:
            started = pipelines.upload(
                photos[image % len(photos)], f"{UPLOAD_PREFIX}bench-{workflow.short_name}-{image:05d}.jpg", workflows=(workflow,)
            )
            arn = started.engine_arns[workflow]
            if settings.validation.mode is not ValidationMode.TIMEOUT:
                task = pipelines.wait_for_task(workflow, started.execution_id(workflow), timeout=ENGINE_WAIT_SECONDS)
                time.sleep(settings.validation.delay_seconds)
                pipelines.submit(task.taskId, deterministic_correction(image))
            outcome = pipelines.wait_for_engine(workflow, arn, timeout=ENGINE_WAIT_SECONDS)
            return RunOutcome(image=image, engine_arn=arn, status=outcome.status, error=outcome.error)
        except Exception as error:  # a lost workflow is a result to report, not a crash
            return RunOutcome(image=image, engine_arn=None, status="LOST", error=f"{type(error).__name__}: {error}")
        finally:
            tick()

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=settings.concurrency) as pool:
        outcomes = list(pool.map(run_one, range(settings.images)))
    wall = time.perf_counter() - began
    usage = source.phase_usage(mark)
    metrics = emf.samples(METRICS_NAMESPACES[workflow], since=first_document)
    intervals = step_intervals_from_metrics(metrics)
    measurements = [
        measure(source, workflow, outcome.engine_arn, intervals) for outcome in outcomes if outcome.engine_arn
    ]
    records = pipelines.repository.list_executions(workflow, limit=settings.images * 2 + 10)
    return PatternRun(
        workflow=workflow,
        wall_seconds=wall,
        outcomes=outcomes,
        measurements=measurements,
        usage=usage,
        metrics=metrics,
        execution_records=len(records),
    )
