"""Load on a running stack: N uploads spread over S seconds, validated as they come.

Every upload starts one workflow per pattern, so N uploads must end in 2N
completed executions. The run counts what was lost (no record, or not
completed in time) and duplicated (more than one record for one upload and
pattern, or more than six albums in one execution), and reports latency from
the upload to the execution's completion, plus the stack process's peak
memory (``VmHWM``) when the stack runs on this machine.

On a local stack it also sets throughput against the machine's limit. Vision
is the bound: every workflow reads its photo once, so the machine cannot end
more than ``cores / CPU-seconds per read`` workflows a second. The CPU one
read takes is measured in the same run, by the stack's Bedrock (its readers
count their reads and CPU, ``GET /_local/bedrock/reads``), so it includes
what a read really costs there, under the contention of everything else.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from album_registry.adapters.dynamodb_repository import DynamoDbAlbumRepository
from album_registry.domain import ids
from album_registry.domain.models import Execution, ExecutionStatus, ValidationOutcome, WorkflowType
from album_registry.domain.s3_keys import UPLOAD_PREFIX
from pydantic import BaseModel

from albums.samples.shelf_photos import generate_shelf_set
from albums.stack_access import StackAccess
from albums.stack_processes import StackProcesses
from albums.ui.validation_client import ValidationApiClient, ValidationApiError, validation_api
from local_aws.bedrock_runtime import READS_PATH

PHOTO_SEED = 20261125
PHOTO_POOL = 8
# The person answers a task within a second of its showing up.
VALIDATION_POLL_SECONDS = 1.0
# The load's own reads run on the stack, beside the runs it measures: reading
# each open run's record every second was about 170 reads a second over a
# 200-upload run. Latency and throughput come from the records' own
# completion times, so reading less often only notices an end later.
SETTLEMENT_POLL_SECONDS = 5.0
ACCEPT = ValidationOutcome(reviewed=True)
# A sample reads every process's smaps_rollup: about 60 ms of CPU with 34
# workers, so every 0.5 s it took 12 % of a core from the runs it measured.
# Workers start and are reaped over many seconds, so a sample every 2 s still
# sees the peak; the stack's own peak is the kernel's (VmHWM), never sampled.
SAMPLE_SECONDS = 2.0
# Memory growth is counted after the first workflows: caches and warm workers fill them.
MEMORY_BASELINE_WORKFLOWS = 50


class LoadResult(BaseModel):
    uploads: int
    expected_executions: int
    completed: int
    failed: int
    lost: int
    duplicated: int
    upload_seconds: float
    wall_seconds: float
    latency_p50_seconds: float | None
    latency_p95_seconds: float | None
    peak_memory_mb: float | None
    stack_pid: int | None
    workflows_per_second: float | None = None
    cores: int = 1
    cpu_seconds_per_read: float | None = None
    # The stack process's resident memory once MEMORY_BASELINE_WORKFLOWS had settled, and at the end.
    baseline_workflows: int | None = None
    stack_mb_at_baseline: float | None = None
    settled_workflows: int = 0
    stack_mb_at_end: float | None = None
    peak_with_workers_mb: float | None = None

    @property
    def stack_growth_mb_per_workflow(self) -> float | None:
        if self.stack_mb_at_baseline is None or self.stack_mb_at_end is None or self.baseline_workflows is None:
            return None
        if self.settled_workflows <= self.baseline_workflows:
            return None
        return (self.stack_mb_at_end - self.stack_mb_at_baseline) / (self.settled_workflows - self.baseline_workflows)

    @property
    def bound_workflows_per_second(self) -> float | None:
        """The most workflows a second this machine can end: its cores over one read's CPU."""
        if not self.cpu_seconds_per_read:
            return None
        return self.cores / self.cpu_seconds_per_read

    @property
    def share_of_bound(self) -> float | None:
        bound = self.bound_workflows_per_second
        return None if bound is None or self.workflows_per_second is None else self.workflows_per_second / bound

    def lines(self) -> list[str]:
        def seconds(value: float | None) -> str:
            return "-" if value is None else f"{value:.1f} s"

        return [
            f"uploads:     {self.uploads} in {self.upload_seconds:.1f} s",
            (
                f"executions:  {self.completed} completed, {self.failed} failed of {self.expected_executions} expected "
                f"(wall {self.wall_seconds:.1f} s)"
            ),
            f"lost:        {self.lost}",
            f"duplicated:  {self.duplicated}",
            (
                f"latency:     p50 {seconds(self.latency_p50_seconds)}, p95 {seconds(self.latency_p95_seconds)} "
                "(upload to completed)"
            ),
            "peak memory: "
            + (f"{self.peak_memory_mb:.0f} MB (VmHWM of pid {self.stack_pid})" if self.peak_memory_mb else "not readable"),
            self._growth_line(),
            self._throughput_line(),
        ]

    def _growth_line(self) -> str:
        growth = self.stack_growth_mb_per_workflow
        peak = "-" if self.peak_with_workers_mb is None else f"{self.peak_with_workers_mb:.0f} MB"
        if growth is None:
            return f"growth:      not measured (fewer than {MEMORY_BASELINE_WORKFLOWS} workflows settled); peak with workers {peak} (PSS)"
        return (
            f"growth:      {growth:.2f} MB per workflow after the first {self.baseline_workflows} "
            f"({self.stack_mb_at_baseline:.0f} MB -> {self.stack_mb_at_end:.0f} MB over "
            f"{self.settled_workflows - (self.baseline_workflows or 0)} workflows); peak with workers {peak} (PSS)"
        )

    def _throughput_line(self) -> str:
        rate = "-" if self.workflows_per_second is None else f"{self.workflows_per_second:.2f} workflows/s"
        bound, share = self.bound_workflows_per_second, self.share_of_bound
        if bound is None or share is None or self.cpu_seconds_per_read is None:
            return f"throughput:  {rate} (bound not measurable: the stack does not count its vision reads)"
        return (
            f"throughput:  {rate} of a bound of {bound:.2f} workflows/s = {share:.0%} "
            f"({self.cores} cores / {self.cpu_seconds_per_read:.2f} CPU-s per vision read)"
        )


@dataclass(frozen=True)
class VisionReads:
    reads: int
    cpu_seconds: float


@dataclass
class _Upload:
    key: str
    uploaded_at: datetime
    execution_ids: dict[WorkflowType, str]


@dataclass
class _Progress:
    uploads: list[_Upload] = field(default_factory=list)
    validated: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


def peak_memory_mb(pid: int) -> float | None:
    """The process's peak resident set size (``VmHWM``), or None off Linux or once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def render_photos(count: int) -> list[bytes]:
    with tempfile.TemporaryDirectory(prefix="load-photos-") as directory:
        generate_shelf_set(Path(directory), count=min(count, PHOTO_POOL), seed=PHOTO_SEED)
        return [path.read_bytes() for path in sorted(Path(directory).glob("*.jpg"))]


def run_load(
    stack: StackAccess,
    *,
    uploads: int,
    seconds: float,
    timeout_seconds: float,
    stack_pid: int | None = None,
    photos: list[bytes] | None = None,
) -> LoadResult:
    pool = photos or render_photos(uploads)
    s3 = stack.client("s3")
    repository = stack.adapters().repository
    answers = validation_api(stack)
    run = f"{datetime.now(UTC):%Y%m%d%H%M%S}"
    progress = _Progress()
    finished = threading.Event()
    validator = threading.Thread(
        target=_validate_until, args=(repository, answers, progress, finished), daemon=True
    )
    processes = StackProcesses(stack_pid) if stack_pid else None
    reads_before = vision_reads(stack)
    if processes is not None:
        threading.Thread(target=_sample_until, args=(processes, finished), daemon=True).start()
    began = time.monotonic()
    began_at = datetime.now(UTC)
    validator.start()
    for number in range(uploads):
        # Arrivals spread evenly over the window, as a steady stream of people would upload.
        time.sleep(max(0.0, began + number * seconds / uploads - time.monotonic()))
        key = f"{UPLOAD_PREFIX}load-{run}-{number:05d}.jpg"
        uploaded_at = datetime.now(UTC)
        version = s3.put_object(Bucket=stack.outputs.bucket_name, Key=key, Body=pool[number % len(pool)])["VersionId"]
        execution_ids = {
            workflow: ids.execution_id_for_upload(workflow, bucket=stack.outputs.bucket_name, key=key, version=version)
            for workflow in WorkflowType
        }
        with progress.lock:
            progress.uploads.append(_Upload(key, uploaded_at, execution_ids))
    upload_seconds = time.monotonic() - began
    deadline = began + upload_seconds + timeout_seconds
    final: dict[str, Execution] = {}
    baseline: dict[str, object] = {}
    while time.monotonic() < deadline:
        final = _executions(repository, progress, final)
        settled = sum(1 for execution in final.values() if _settled(execution))
        if not baseline and processes is not None and settled >= MEMORY_BASELINE_WORKFLOWS:
            baseline = {"baseline_workflows": settled, "stack_mb_at_baseline": processes.stack_mb}
        if all(final.get(i) is not None and _settled(final[i]) for u in progress.uploads for i in u.execution_ids.values()):
            break
        time.sleep(SETTLEMENT_POLL_SECONDS)
    finished.set()
    validator.join(timeout=30)
    wall = time.monotonic() - began
    result = _result(repository, progress, final, upload_seconds, wall, stack_pid)
    if processes is None:
        return result
    processes.sample()
    memory = {
        **baseline,
        "settled_workflows": sum(1 for execution in final.values() if _settled(execution)),
        "stack_mb_at_end": processes.stack_mb,
        "peak_with_workers_mb": processes.peak_with_workers_mb,
    }
    throughput = _throughput(final, began_at, reads_before, vision_reads(stack))
    return result.model_copy(update={**memory, **throughput})


def _sample_until(processes: StackProcesses, finished: threading.Event) -> None:
    while not finished.is_set():
        processes.sample()
        finished.wait(SAMPLE_SECONDS)


def vision_reads(stack: StackAccess) -> VisionReads | None:
    """What the local stack's Bedrock has read so far; None where nobody counts (AWS)."""
    if stack.endpoint_url is None:
        return None
    try:
        with urllib.request.urlopen(stack.endpoint_url + READS_PATH, timeout=5) as answer:
            counted = json.loads(answer.read())
    except (OSError, ValueError):
        return None
    return VisionReads(reads=int(counted["Reads"]), cpu_seconds=float(counted["CpuSeconds"]))


def _throughput(
    final: dict[str, Execution], began_at: datetime, before: VisionReads | None, after: VisionReads | None
) -> dict[str, object]:
    """Settled workflows a second from the first upload to the last settlement, and one read's CPU."""
    settled = [execution for execution in final.values() if _settled(execution) and execution.completedAt]
    if not settled:
        return {}
    last = max(datetime.fromisoformat(execution.completedAt or "") for execution in settled)
    reads = after.reads - before.reads if before and after else 0
    return {
        "workflows_per_second": len(settled) / max((last - began_at).total_seconds(), 1e-3),
        "cores": len(os.sched_getaffinity(0)),
        "cpu_seconds_per_read": (after.cpu_seconds - before.cpu_seconds) / reads if before and after and reads else None,
    }


def _settled(execution: Execution) -> bool:
    return execution.status in (ExecutionStatus.COMPLETED, ExecutionStatus.FAILED)


def _executions(
    repository: DynamoDbAlbumRepository, progress: _Progress, known: dict[str, Execution]
) -> dict[str, Execution]:
    """Every run's record; only those not yet settled are read again (a settled record stays settled),
    a hundred to a request.

    The local stack serves these reads on the cores the runs need.
    """
    with progress.lock:
        wanted = [(workflow, execution_id) for u in progress.uploads for workflow, execution_id in u.execution_ids.items()]
    found = {execution_id: execution for execution_id, execution in known.items() if _settled(execution)}
    for workflow in WorkflowType:
        still_open = [execution_id for kind, execution_id in wanted if kind is workflow and execution_id not in found]
        found.update(repository.get_executions(workflow, still_open))
    return found


def _validate_until(
    repository: DynamoDbAlbumRepository, answers: ValidationApiClient, progress: _Progress, finished: threading.Event
) -> None:
    """The person: accepts every pending task of this run as soon as it shows up."""
    while not finished.is_set():
        with progress.lock:
            mine = {execution_id for u in progress.uploads for execution_id in u.execution_ids.values()}
        for workflow in WorkflowType:
            for task in repository.list_tasks(workflow, limit=500):
                if task.executionId not in mine or task.taskId in progress.validated:
                    continue
                if not (task.taskToken or task.callbackId):
                    continue
                try:
                    answers.submit_outcome(task.taskId, ACCEPT)
                    progress.validated.add(task.taskId)
                except ValidationApiError:
                    progress.validated.add(task.taskId)  # closed meanwhile: nothing to answer
        finished.wait(VALIDATION_POLL_SECONDS)


def _result(
    repository: DynamoDbAlbumRepository,
    progress: _Progress,
    final: dict[str, Execution],
    upload_seconds: float,
    wall: float,
    stack_pid: int | None,
) -> LoadResult:
    completed = failed = lost = duplicated = 0
    latencies: list[float] = []
    keys_seen: dict[tuple[WorkflowType, str], int] = {}
    for workflow in WorkflowType:
        for execution in repository.list_executions(workflow, limit=len(progress.uploads) * 4 + 50):
            keys_seen[(workflow, execution.imageS3Key)] = keys_seen.get((workflow, execution.imageS3Key), 0) + 1
    for upload in progress.uploads:
        for workflow, execution_id in upload.execution_ids.items():
            duplicated += max(0, keys_seen.get((workflow, upload.key), 0) - 1)
            execution = final.get(execution_id)
            if execution is None or not _settled(execution):
                lost += 1
                continue
            if len(repository.get_albums(workflow, execution_id)) > 6:
                duplicated += 1
            if execution.status is ExecutionStatus.FAILED:
                failed += 1
                continue
            completed += 1
            finished_at = datetime.fromisoformat(execution.completedAt or "")
            latencies.append((finished_at - upload.uploaded_at).total_seconds())
    return LoadResult(
        uploads=len(progress.uploads),
        expected_executions=len(progress.uploads) * len(WorkflowType),
        completed=completed,
        failed=failed,
        lost=lost,
        duplicated=duplicated,
        upload_seconds=upload_seconds,
        wall_seconds=wall,
        latency_p50_seconds=percentile(latencies, 0.50),
        latency_p95_seconds=percentile(latencies, 0.95),
        peak_memory_mb=peak_memory_mb(stack_pid) if stack_pid else None,
        stack_pid=stack_pid,
    )
