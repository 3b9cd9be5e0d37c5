"""Driving N photos through a stack's own trigger: a deployed stack, or a local one.

Each upload to the stack's bucket starts both pipelines, as EventBridge does
in AWS, so the two patterns run side by side on the same photos. The bench
answers each pattern's validation task as the plan says, waits for every
execution record to end, then reads each engine's history, lists the
engines' runs to find duplicates, and asks the source for the usage only
CloudWatch would know (a local stack counts it itself).
"""

from __future__ import annotations

import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from album_registry.adapters.dynamodb_repository import DynamoDbAlbumRepository
from album_registry.domain import ids
from album_registry.domain.models import ExecutionStatus, TaskStatus, WorkflowType
from album_registry.domain.s3_keys import UPLOAD_PREFIX
from album_registry.constants import METRICS_NAMESPACES
from albums.bench.collector import PhaseUsage, measure, step_intervals_from_metrics
from albums.bench.emf import MetricSample
from albums.bench.sources import AwsSource, EngineRun, RunningLocalStackSource
from albums.bench.workload import (
    BenchRun,
    BenchSettings,
    PatternRun,
    RunOutcome,
    StackKind,
    ValidationMode,
    deterministic_correction,
    render_photos,
)
from albums.ui.validation_client import ValidationApiClient, ValidationApiError, validation_api
from albums.stack_access import StackAccess

# Each open pattern costs one table read per poll. A local stack serves these
# reads on the same cores as the engines it measures, so polling faster would
# slow what it measures; the overhead itself is read from the engines' own
# histories and does not depend on how soon the bench notices an end.
POLL_SECONDS = 1.0
# How long an engine may take to end after its record did.
ENGINE_END_GRACE_SECONDS = 30.0
LOST = "LOST"
# Where the warm-up's uploads go, beside the measured run's ``bench-…/``.
WARM_UP_PREFIX = "bench-warm-up-"
ENDED = "ENDED"
# The engines' clocks and this machine's may differ a little.
_CLOCK_SKEW = timedelta(minutes=5)
_FINAL_RECORDS = {ExecutionStatus.COMPLETED, ExecutionStatus.FAILED}
_RUNNING_ENGINE = {"RUNNING", "PENDING", "PENDING_REDRIVE"}


class StackSource(Protocol):
    """What the stack workload reads: ``AwsSource`` or ``RunningLocalStackSource``."""

    adds_native_write_units: bool
    metrics_delay_seconds: float

    def begin(self) -> None: ...

    def step_functions_history(self, execution_arn: str) -> list[dict[str, Any]]: ...

    def durable_history(self, execution_arn: str) -> list[dict[str, Any]]: ...

    def engine_status(self, workflow: WorkflowType, engine_arn: str) -> str: ...

    def engine_runs(self, workflow: WorkflowType, since: datetime) -> list[EngineRun]: ...

    def usage_by_pattern(self, start: datetime, end: datetime, *, uploads: int) -> dict[WorkflowType, PhaseUsage]: ...

    def emf_samples(self, start: datetime, end: datetime) -> list[MetricSample] | None: ...


class UploadResult(BaseModel):
    """One upload and what became of it in one pattern."""

    model_config = ConfigDict(frozen=True)

    workflow: WorkflowType
    outcome: RunOutcome
    # Since the first upload; None when the record had not ended by the deadline.
    finished_after_seconds: float | None
    has_record: bool


def source_for(access: StackAccess) -> StackSource:
    if access.endpoint_url is not None:
        return RunningLocalStackSource.for_stack(access.endpoint_url, access.client, access.outputs, access.log_dir)
    return AwsSource.for_stack(access.client, access.outputs)


def run_stack_bench(
    access: StackAccess,
    settings: BenchSettings,
    *,
    progress: Callable[[WorkflowType, int], Callable[[], None]],
    deadline_seconds: float,
    source: StackSource | None = None,
    stack_kind: StackKind | None = None,
) -> BenchRun:
    """Upload ``settings.images`` photos to the stack and measure both pipelines.

    ``deadline_seconds`` bounds the whole wait; what has not ended by then is
    reported (lost when no record appeared, running otherwise). ``stack_kind``
    names the stack in the report (default: AWS, or a running local stack
    when the access has an endpoint).
    """
    source = source or source_for(access)
    if settings.warm_up:
        _warm_up(access, source, settings, deadline_seconds=deadline_seconds)
    started_at = datetime.now(timezone.utc)
    began = time.monotonic()
    run_prefix = f"{UPLOAD_PREFIX}bench-{started_at:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}/"
    ticks = {workflow: progress(workflow, settings.images) for workflow in WorkflowType}
    source.begin()
    driver = _drive_uploads(access, settings, ticks, run_prefix, deadline_seconds=deadline_seconds)
    results = {workflow: sorted(driver.results[workflow], key=lambda r: r.outcome.image) for workflow in WorkflowType}
    # A record ends a moment before its engine, and before the handler that ended it
    # writes its metrics: the run ends when the engines have.
    outcomes = {workflow: _final_outcomes(source, workflow, results[workflow]) for workflow in WorkflowType}
    ended_at = datetime.now(timezone.utc)
    # CloudWatch holds a run's metrics and log lines only after a while.
    time.sleep(source.metrics_delay_seconds)
    usage = source.usage_by_pattern(started_at, ended_at, uploads=settings.images)
    samples = source.emf_samples(started_at, ended_at)
    patterns = [
        _pattern_run(
            source, workflow, results[workflow], outcomes[workflow], usage[workflow], samples, run_prefix, started_at
        )
        for workflow in WorkflowType
    ]
    return BenchRun(
        stack=access.name if access.endpoint_url is None else f"{access.name} ({access.endpoint_url})",
        settings=settings,
        started_at=started_at,
        wall_seconds=time.monotonic() - began,
        patterns=patterns,
        patterns_concurrent=True,
        stack_kind=stack_kind
        or (StackKind.AWS if access.endpoint_url is None else StackKind.RUNNING_LOCAL_STACK),
    )


def _drive_uploads(
    access: StackAccess,
    settings: BenchSettings,
    ticks: dict[WorkflowType, Callable[[], None]],
    run_prefix: str,
    *,
    deadline_seconds: float,
) -> _UploadDriver:
    """``settings.images`` uploads under ``run_prefix``, ``settings.concurrency`` at a time, each followed to its end."""
    with tempfile.TemporaryDirectory(prefix="bench-photos-") as photo_dir:
        photos = render_photos(Path(photo_dir), settings.images)
        uploads_began = time.monotonic()
        driver = _UploadDriver(access, settings, ticks, deadline=uploads_began + deadline_seconds, began=uploads_began)
        threads = [
            threading.Thread(target=driver.work, args=(photos, run_prefix), name=f"bench-upload-{n}", daemon=True)
            for n in range(min(settings.concurrency, settings.images))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return driver


def _warm_up(access: StackAccess, source: StackSource, settings: BenchSettings, *, deadline_seconds: float) -> None:
    """Run ``settings.warm_up`` uploads through both patterns, to their engines' end, unmeasured.

    They live under a prefix of their own, end before the measured run's clock
    and counters start, and so appear nowhere in its report.
    """
    prefix = f"{UPLOAD_PREFIX}{WARM_UP_PREFIX}{datetime.now(timezone.utc):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}/"
    warm_up = settings.model_copy(update={"images": settings.warm_up, "warm_up": 0})
    silent = {workflow: (lambda: None) for workflow in WorkflowType}
    driver = _drive_uploads(access, warm_up, silent, prefix, deadline_seconds=deadline_seconds)
    for workflow in WorkflowType:
        _final_outcomes(source, workflow, driver.results[workflow])


class _UploadDriver:
    """Worker threads take the next image, upload it and see it through both patterns."""

    def __init__(
        self,
        access: StackAccess,
        settings: BenchSettings,
        ticks: dict[WorkflowType, Callable[[], None]],
        *,
        deadline: float,
        began: float,
    ) -> None:
        self._access = access
        self._settings = settings
        self._ticks = ticks
        self._deadline = deadline
        self._began = began
        self._lock = threading.Lock()
        self._next_image = 0
        self.results: dict[WorkflowType, list[UploadResult]] = {workflow: [] for workflow in WorkflowType}

    def work(self, photos: list[bytes], run_prefix: str) -> None:
        # boto3 clients are thread-safe, but each thread making its own keeps
        # their connection pools from becoming the bottleneck.
        s3 = self._access.client("s3")
        repository = self._access.adapters().repository
        answers = validation_api(self._access)
        while (image := self._take()) is not None:
            key = f"{run_prefix}{image:05d}.jpg"
            body = photos[image % len(photos)]
            try:
                version = s3.put_object(Bucket=self._access.outputs.bucket_name, Key=key, Body=body).get("VersionId")
                results = self._follow(image, key, version, repository, answers)
            except Exception as error:  # a lost workflow is a result to report, not a crash
                results = [
                    UploadResult(
                        workflow=workflow,
                        outcome=RunOutcome(image=image, engine_arn=None, status=LOST, error=f"{type(error).__name__}: {error}"),
                        finished_after_seconds=None,
                        has_record=False,
                    )
                    for workflow in WorkflowType
                ]
            for result in results:
                with self._lock:
                    self.results[result.workflow].append(result)
                self._ticks[result.workflow]()

    def _take(self) -> int | None:
        with self._lock:
            if self._next_image >= self._settings.images:
                return None
            self._next_image += 1
            return self._next_image - 1

    def _follow(
        self,
        image: int,
        key: str,
        version: str | None,
        repository: DynamoDbAlbumRepository,
        answers: ValidationApiClient,
    ) -> list[UploadResult]:
        """Answer each pattern's task as planned and wait for its record to end."""
        bucket = self._access.outputs.bucket_name
        plan = self._settings.validation
        execution_ids = {
            workflow: ids.execution_id_for_upload(workflow, bucket=bucket, key=key, version=version)
            for workflow in WorkflowType
        }
        answered = {workflow: plan.mode is ValidationMode.TIMEOUT for workflow in WorkflowType}
        pending_since: dict[WorkflowType, float] = {}
        errors: dict[WorkflowType, str] = {}
        finished: list[UploadResult] = []
        open_patterns = list(WorkflowType)
        while open_patterns and time.monotonic() < self._deadline:
            for workflow in list(open_patterns):
                execution_id = execution_ids[workflow]
                if not answered[workflow]:
                    task = repository.get_task(workflow, ids.task_id_for_execution(execution_id))
                    if task is not None and task.status is not TaskStatus.PENDING:
                        answered[workflow] = True  # the stack's own timeout closed it
                    elif task is not None:
                        seen = pending_since.setdefault(workflow, time.monotonic())
                        if time.monotonic() - seen >= plan.delay_seconds:
                            answered[workflow] = True
                            try:
                                answers.submit_outcome(task.taskId, deterministic_correction(image))
                            except ValidationApiError as error:
                                errors[workflow] = f"{type(error).__name__}: {error}"
                        # A pending task: the run cannot have ended yet.
                        continue
                record = repository.get_execution(workflow, execution_id)
                if record is not None and record.status in _FINAL_RECORDS:
                    open_patterns.remove(workflow)
                    finished.append(
                        self._ended(image, workflow, execution_id, record.engineExecutionArn, errors.get(workflow))
                    )
            time.sleep(POLL_SECONDS)
        for workflow in open_patterns:
            record = repository.get_execution(workflow, execution_ids[workflow])
            arn = record.engineExecutionArn if record is not None else None
            status = "RUNNING" if arn else LOST
            error = f"not ended by the deadline (record {'status ' + record.status.value if record else 'missing'})"
            finished.append(
                UploadResult(
                    workflow=workflow,
                    outcome=RunOutcome(
                        image=image, engine_arn=arn, status=status, error=error, execution_id=execution_ids[workflow]
                    ),
                    finished_after_seconds=None,
                    has_record=record is not None,
                )
            )
        return finished

    def _ended(
        self, image: int, workflow: WorkflowType, execution_id: str, arn: str | None, error: str | None
    ) -> UploadResult:
        """The record ended; the engine's own status is read after the run (``ENDED`` until then)."""
        return UploadResult(
            workflow=workflow,
            outcome=RunOutcome(
                image=image,
                engine_arn=arn,
                status=ENDED if arn else LOST,
                error=error if arn else (error or "the record names no engine run"),
                execution_id=execution_id,
            ),
            finished_after_seconds=time.monotonic() - self._began,
            has_record=True,
        )


def _engine_status(source: StackSource, workflow: WorkflowType, arn: str) -> str:
    """The engine's final status; the record ends a moment before its engine does."""
    deadline = time.monotonic() + ENGINE_END_GRACE_SECONDS
    while True:
        status = source.engine_status(workflow, arn)
        if status not in _RUNNING_ENGINE or time.monotonic() > deadline:
            return status
        time.sleep(POLL_SECONDS)


def count_duplicates(runs: list[EngineRun], run_prefix: str) -> int:
    """Engine runs beyond the first for each of this run's uploads."""
    per_upload = Counter(
        (run.upload.bucket, run.upload.key, run.upload.version)
        for run in runs
        if run.upload is not None and run.upload.key.startswith(run_prefix)
    )
    return sum(count - 1 for count in per_upload.values() if count > 1)


def _final_outcomes(source: StackSource, workflow: WorkflowType, results: list[UploadResult]) -> list[RunOutcome]:
    """Each upload's outcome, with its engine's final status where its record ended."""
    return [
        result.outcome.model_copy(update={"status": _engine_status(source, workflow, result.outcome.engine_arn)})
        if result.outcome.status == ENDED and result.outcome.engine_arn
        else result.outcome
        for result in results
    ]


def _pattern_run(
    source: StackSource,
    workflow: WorkflowType,
    results: list[UploadResult],
    outcomes: list[RunOutcome],
    usage: PhaseUsage,
    samples: list[MetricSample] | None,
    run_prefix: str,
    started_at: datetime,
) -> PatternRun:
    metrics = None if samples is None else [s for s in samples if s.namespace == METRICS_NAMESPACES[workflow]]
    intervals = step_intervals_from_metrics(metrics or [])
    measurements = [
        measure(source, workflow, outcome.engine_arn, intervals.get(outcome.execution_id or "", ()))
        for outcome in outcomes
        if outcome.engine_arn
    ]
    finishes = [result.finished_after_seconds for result in results if result.finished_after_seconds is not None]
    return PatternRun(
        workflow=workflow,
        wall_seconds=max(finishes, default=0.0),
        outcomes=outcomes,
        measurements=measurements,
        usage=usage,
        metrics=metrics,
        execution_records=sum(1 for result in results if result.has_record),
        duplicated=count_duplicates(source.engine_runs(workflow, started_at - _CLOCK_SKEW), run_prefix),
    )
