"""The official durable runner in a process of its own.

Every checkpoint of every durable execution ends in the runner: it loads the
execution from its sqlite store, applies the checkpoint and writes the
execution back. In the stack's process that work shared one interpreter lock
with moto's Step Functions interpreter, its DynamoDB and the gateway, so under
load a checkpoint waited for all of them. Here the runner (``WebRunner`` from
aws-durable-execution-sdk-python-testing, sqlite store under the data dir)
serves its API on a loopback port from a child process; the stack's durable
service forwards to it as before.

The child stops when asked (SIGTERM) and when its parent goes away: its
standard input is a pipe from the parent, and end of file on it means the
parent is gone, a ``kill -9`` included.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from aws_durable_execution_sdk_python_testing.execution import ExecutionStatus
from aws_durable_execution_sdk_python_testing.executor import Executor
from aws_durable_execution_sdk_python_testing.runner import WebRunner, WebRunnerConfig
from aws_durable_execution_sdk_python_testing.stores.base import ExecutionStore, StoreType
from aws_durable_execution_sdk_python_testing.threads import DaemonThreadPool
from aws_durable_execution_sdk_python_testing.web.server import WebServiceConfig

from local_aws.durable_store import InFlightCachedExecutionStore

READY_LINE = "durable runner ready"
# The parent's command, once its functions exist: invoke the executions a stop or a crash interrupted.
RESUME_INTERRUPTED = "resume-interrupted"
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class DurableRunnerSettings:
    port: int
    store_path: Path
    lambda_endpoint: str
    region: str
    # Threads invoking handlers: every worker of every durable function may be busy at once.
    invocation_workers: int


class DurableRunnerProcess:
    """Starts and stops the runner's child process."""

    def __init__(self, settings: DurableRunnerSettings) -> None:
        self._settings = settings
        self._child: subprocess.Popen[str] | None = None

    def start(self) -> None:
        settings = self._settings
        self._child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                __name__,
                "--port",
                str(settings.port),
                "--store",
                str(settings.store_path),
                "--lambda-endpoint",
                settings.lambda_endpoint,
                "--region",
                settings.region,
                "--invocation-workers",
                str(settings.invocation_workers),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._child.stdout is not None
        # The child either says it is ready or exits (it gives up after START_TIMEOUT_SECONDS).
        line = self._child.stdout.readline().strip()
        if line != READY_LINE:
            self.stop()
            raise DurableRunnerStartError(detail=line or f"exited with {self._child.poll()}")

    def resume_interrupted(self) -> None:
        """Invoke every execution a stop or a crash left running with no invocation (once the functions exist)."""
        assert self._child is not None and self._child.stdin is not None
        self._child.stdin.write(RESUME_INTERRUPTED + "\n")
        self._child.stdin.flush()

    @property
    def pid(self) -> int | None:
        return self._child.pid if self._child is not None else None

    def stop(self) -> None:
        if self._child is None or self._child.poll() is not None:
            return
        self._child.terminate()
        try:
            self._child.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self._child.kill()
            self._child.wait()


class DurableRunnerStartError(Exception):
    def __init__(self, *, detail: str) -> None:
        super().__init__(f"the local durable runner did not start: {detail}")
        self.detail = detail


def serve(settings: DurableRunnerSettings) -> None:
    """Run the runner until SIGTERM, SIGINT or the parent's end (this process's stdin closing)."""
    # The runner logs every request at INFO.
    logging.getLogger("aws_durable_execution_sdk_python_testing").setLevel(logging.WARNING)
    runner = WebRunner(
        WebRunnerConfig(
            web_service=WebServiceConfig(host="127.0.0.1", port=settings.port),
            lambda_endpoint=settings.lambda_endpoint,
            local_runner_region=settings.region,
            store_type=StoreType.SQLITE,
            store_path=str(settings.store_path),
        )
    )
    runner.start()
    store = InFlightCachedExecutionStore.create_and_initialize(settings.store_path)
    adapt_runner(runner, store=store, invocation_workers=settings.invocation_workers)
    stopped = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda *_: stopped.set())
    threading.Thread(target=_follow_parent, args=(runner, stopped), daemon=True).start()
    threading.Thread(target=runner.serve_forever, daemon=True).start()
    _wait_until_listening(settings.port)
    print(READY_LINE, flush=True)
    stopped.wait()
    runner.stop()
    store.close()


def adapt_runner(runner: WebRunner, *, store: ExecutionStore, invocation_workers: int) -> None:
    """Three changes to a started runner, made before any execution starts; the SDK has no setting for any.

    - Its store is ``store``: locally, one that holds the executions in flight parsed (``durable_store``).
    - Its invocation pool is as wide as the durable functions' workers. The
      runner sizes it to the CPU count (6 threads on 2 cores), so durable
      invocations would queue behind it while Lambda workers sit idle.
    - A wake-up that has begun firing runs to its end (see ``_shield_firing_wake_ups``).
    """
    executor = runner._executor  # noqa: SLF001
    assert executor is not None, "adapt a started runner"
    _use_store(runner, executor, store)
    adapt_executor(executor, invocation_workers=invocation_workers)


def _use_store(runner: WebRunner, executor: Executor, store: ExecutionStore) -> None:
    """Every part of the runner that holds its store holds ``store`` instead."""
    runner._store = store  # noqa: SLF001
    executor._store = store  # noqa: SLF001
    executor._registry._store = store  # noqa: SLF001
    executor._checkpoint_processor._store = store  # noqa: SLF001


def adapt_executor(executor: Executor, *, invocation_workers: int) -> None:
    """The invocation pool as wide as the workers, and wake-ups shielded once they fire (see ``adapt_runner``)."""
    executor._invocation_pool.shutdown(wait=False)  # noqa: SLF001
    executor._invocation_pool = DaemonThreadPool(  # noqa: SLF001
        max_workers=invocation_workers, thread_name_prefix="durable-invocation"
    )
    _shield_firing_wake_ups(executor)


def _shield_firing_wake_ups(executor: Executor) -> None:
    """Keep a wake-up that has begun firing from being cancelled halfway, which left executions stuck.

    The executor arms one wake-up per execution, at its earliest step retry
    or wait, and every checkpoint re-arms it, cancelling the one armed
    before. A wake-up fires in two parts: it moves the due retries from
    PENDING to READY on the execution's lane, then invokes the handler. A
    checkpoint of the invocation still in flight, run on the lane just
    before that first part, sees the retry due, arms a new wake-up and
    cancels the firing one while it waits for the lane. The retry becomes
    READY, but the invocation that should run it never comes: the new
    wake-up finds nothing PENDING, and the invocation in flight, which had
    already decided to suspend, ends without learning of it. The execution
    then stays RUNNING for good. With the firing part shielded, a
    cancellation still stops a wake-up that is only sleeping, never one that
    has started to fire.
    """
    build_fire_due = executor._fire_due_and_invoke_handler  # noqa: SLF001

    def shielded_fire_due(execution_arn: str) -> Callable[[], Awaitable[None]]:
        fire_due = build_fire_due(execution_arn)

        async def fire_due_to_the_end() -> None:
            await asyncio.shield(fire_due())

        return fire_due_to_the_end

    executor._fire_due_and_invoke_handler = shielded_fire_due  # type: ignore[method-assign]  # noqa: SLF001


def _follow_parent(runner: WebRunner, stopped: threading.Event) -> None:
    """The parent's commands, one per line on stdin; end of file: the parent is gone."""
    for command in sys.stdin:
        if command.strip() == RESUME_INTERRUPTED:
            _invoke_running_executions(runner)
    stopped.set()


def _invoke_running_executions(runner: WebRunner) -> None:
    """Invoke every execution still running, once, as Lambda invokes again one whose invocation never answered.

    A stack stopped or killed while a handler ran leaves that execution
    running with no invocation under way, and the runner, which keeps no
    record of an invocation in flight, would never invoke it again. An
    execution waiting for a callback or a timer replays up to the wait and
    suspends again.
    """
    executions, _ = runner._store.query(status_filter=ExecutionStatus.RUNNING.value)  # noqa: SLF001 (no public listing of all)
    for execution in executions:
        runner._executor._invoke_execution(execution.durable_execution_arn)  # noqa: SLF001


def _wait_until_listening(port: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise DurableRunnerStartError(detail=f"port {port} never accepted a connection")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--lambda-endpoint", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--invocation-workers", type=int, required=True)
    arguments = parser.parse_args()
    serve(
        DurableRunnerSettings(
            port=arguments.port,
            store_path=arguments.store,
            lambda_endpoint=arguments.lambda_endpoint,
            region=arguments.region,
            invocation_workers=arguments.invocation_workers,
        )
    )


if __name__ == "__main__":
    main()
