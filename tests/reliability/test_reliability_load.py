"""The load script, small: 12 uploads to a real local stack; nothing lost, nothing doubled.

Correctness only; ``albums load --uploads 200 --seconds 60`` prints the figures.
"""

from __future__ import annotations

from pathlib import Path

from albums.load_test import run_load
from local_aws.stack_info import free_loopback_port
from albums.stack_access import open_stack
from tests.local_stack.conftest import start_stack
from tests.reliability.conftest import SAMPLES

UPLOADS = 12


def test_twelve_uploads_complete_twentyfour_executions_with_none_lost_or_duplicated(tmp_path: Path) -> None:
    stack = start_stack(tmp_path / "data", free_loopback_port())
    try:
        result = run_load(
            open_stack("local", data_dir=stack.data_dir),
            uploads=UPLOADS,
            seconds=4,
            timeout_seconds=240,
            stack_pid=stack.process.pid,
            photos=[path.read_bytes() for path in sorted(SAMPLES.glob("shelf-*.jpg"))],
        )
    finally:
        stack.stop()
    assert result.uploads == UPLOADS
    assert result.expected_executions == 2 * UPLOADS
    assert (result.lost, result.duplicated, result.failed) == (0, 0, 0)
    assert result.completed == 2 * UPLOADS
    assert result.latency_p95_seconds is not None and result.latency_p95_seconds >= result.latency_p50_seconds
    assert result.peak_memory_mb is not None and result.peak_memory_mb > 0
    # Throughput against the vision bound, measured in this run from the image readers' workers:
    # an OCR read of a shelf photo costs a good fraction of a CPU-second, never nothing.
    assert result.cpu_seconds_per_read is not None and result.cpu_seconds_per_read > 0.1
    assert result.workflows_per_second is not None and result.workflows_per_second > 0
    assert result.bound_workflows_per_second == result.cores / result.cpu_seconds_per_read
    assert any(line.startswith("throughput:") and "CPU-s per vision read" in line for line in result.lines())
    # The workers hold the OCR models: the tree's peak is well above the stack process's own.
    assert result.peak_with_workers_mb is not None and result.peak_with_workers_mb > result.peak_memory_mb
    # Twenty-four workflows do not pass the baseline of fifty: growth is reported as not measured.
    assert result.stack_growth_mb_per_workflow is None
