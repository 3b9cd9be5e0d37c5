"""The bench's own local stack: ``albums local up`` in a process of its own, for one run.

A free loopback port and a temporary data dir, so a bench disturbs no stack a
user runs and starts from zero: the stack's counters (cold starts, usage)
then hold exactly what the run made. The workload is the one a running or
deployed stack gets (``albums.bench.stack_workload``). The stack runs apart
from the bench, as a user's ``albums local up`` does: the bench's own threads
(uploads, task polling, reading histories) then take nothing from the stack
process's interpreter, whose lock the gateway, moto and both engines share.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from album_registry.domain.models import WorkflowType
from albums.bench.stack_workload import run_stack_bench, source_for
from albums.bench.workload import TIMEOUT_MODE_VALIDATION_SECONDS, BenchRun, BenchSettings, StackKind, ValidationMode
from albums.stack_access import LOCAL_STACK, StackAccess, open_stack
from local_aws.stack_info import DEFAULT_FUNCTION_CONCURRENCY, LocalStackInfo, LocalStackStartError, free_loopback_port

# Provisioning and building (or finding cached) archives; a cached start takes seconds.
STACK_START_SECONDS = 300
# The stack saves its state and stops its workers on SIGTERM.
STACK_STOP_SECONDS = 60
STACK_LOG = "albums-local-up.log"


@contextmanager
def own_local_stack(
    *, validation_timeout: int | None = None, function_concurrency: int | None = None
) -> Iterator[StackAccess]:
    """``albums local up`` in a child process, stopped (and its data dir removed) on leaving.

    ``validation_timeout`` and ``function_concurrency`` are its
    ``--validation-timeout`` and ``--concurrency``. Raises ``LocalStackStartError``
    when the stack does not start.
    """
    with tempfile.TemporaryDirectory(prefix="albums-bench-") as data_dir:
        directory = Path(data_dir)
        command = [sys.executable, "-m", "albums.cli", "local", "up"]
        command += ["--port", str(free_loopback_port()), "--data-dir", str(directory / "stack")]
        if validation_timeout is not None:
            command += ["--validation-timeout", str(validation_timeout)]
        if function_concurrency is not None:
            command += ["--concurrency", str(function_concurrency)]
        # The stack serves AWS's endpoints itself; one the caller points at must not reach it.
        environment = {name: value for name, value in os.environ.items() if name != "AWS_ENDPOINT_URL"}
        log_path = directory / STACK_LOG
        with log_path.open("w") as log:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment)
        try:
            _wait_until_ready(process, directory / "stack", log_path)
            yield open_stack(LOCAL_STACK, data_dir=directory / "stack")
        finally:
            _stop(process)


def _wait_until_ready(process: subprocess.Popen[bytes], data_dir: Path, log_path: Path) -> None:
    deadline = time.monotonic() + STACK_START_SECONDS
    while LocalStackInfo.read(data_dir) is None:
        if process.poll() is not None:
            lines = log_path.read_text().strip().splitlines()
            raise LocalStackStartError(reason=lines[-1] if lines else f"albums local up exited {process.returncode}")
        if time.monotonic() > deadline:
            raise LocalStackStartError(reason=f"albums local up was not ready in {STACK_START_SECONDS} s")
        time.sleep(0.1)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STACK_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_own_stack_bench(
    settings: BenchSettings,
    *,
    progress: Callable[[WorkflowType, int], Callable[[], None]],
    deadline_seconds: float,
) -> BenchRun:
    """The stack workload on a local stack of the bench's own.

    Under ``--validation timeout`` nobody answers: the stack's validation
    timeout is then ``TIMEOUT_MODE_VALIDATION_SECONDS``. Each function may
    run as many workers as the bench has workflows in flight: Lambda's
    account concurrency (1,000 by default) would not hold a bench's
    invocations back, so neither does this stack, and the report compares
    the engines rather than a worker queue.
    """
    timeout_mode = settings.validation.mode is ValidationMode.TIMEOUT
    workers = max(DEFAULT_FUNCTION_CONCURRENCY, settings.concurrency)
    with own_local_stack(
        validation_timeout=TIMEOUT_MODE_VALIDATION_SECONDS if timeout_mode else None, function_concurrency=workers
    ) as access:
        return run_stack_bench(
            access,
            settings,
            progress=progress,
            deadline_seconds=deadline_seconds,
            source=source_for(access),
            stack_kind=StackKind.OWN_LOCAL_STACK,
        )
