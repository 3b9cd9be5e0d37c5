"""The durable runner in a process of its own (local_aws/durable_runner_process.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from aws_durable_execution_sdk_python_testing.executor import Executor
from aws_durable_execution_sdk_python_testing.runner import WebRunner, WebRunnerConfig
from aws_durable_execution_sdk_python_testing.web.server import WebServiceConfig

from local_aws.durable_runner_process import DurableRunnerProcess, DurableRunnerSettings, adapt_executor
from local_aws.stack_info import free_loopback_port

FUNCTION = "vinyl-test-durable"
# A stand-in for the stack: starts the runner, says its pid, and waits to be killed.
_PARENT = """
import sys, time
from pathlib import Path
from local_aws.durable_runner_process import DurableRunnerProcess, DurableRunnerSettings
from local_aws.stack_info import free_loopback_port
runner = DurableRunnerProcess(DurableRunnerSettings(
    port=free_loopback_port(), store_path=Path(sys.argv[1]), lambda_endpoint="http://127.0.0.1:9",
    region="us-east-1", invocation_workers=2))
runner.start()
print(runner.pid, flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return False


def test_the_runner_serves_its_api_until_stopped(tmp_path: Path) -> None:
    port = free_loopback_port()
    runner = DurableRunnerProcess(
        DurableRunnerSettings(
            port=port,
            store_path=tmp_path / "durable-executions.sqlite",
            lambda_endpoint="http://127.0.0.1:9",  # no execution is started here
            region="us-east-1",
            invocation_workers=2,
        )
    )
    runner.start()
    pid = runner.pid
    try:
        url = f"http://127.0.0.1:{port}/2025-12-01/functions/{FUNCTION}/durable-executions"
        with urllib.request.urlopen(url, timeout=5) as answer:
            assert json.loads(answer.read())["DurableExecutions"] == []
    finally:
        runner.stop()
    assert pid is not None and not _alive(pid)


def test_the_runner_ends_when_its_parent_is_killed(tmp_path: Path) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", _PARENT, str(tmp_path / "durable-executions.sqlite")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout is not None
        runner_pid = int(parent.stdout.readline())
        assert _alive(runner_pid)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        assert _gone_within(runner_pid, seconds=10)
    finally:
        parent.kill()


EXECUTION = "arn:aws:lambda:us-east-1:123456789012:function:vinyl-test-durable:1/durable-execution/a/b"


class _WakeUpProbe:
    """An executor's wake-up path, watched: its lane work waits for ``release`` and its invocations are recorded.

    Completing the due retries (``_fire_due_operations``) and invoking the
    handler are the executor's own, replaced here so that no store entry or
    Lambda is needed; what runs between them, and what cancels it, is not.
    """

    def __init__(self, executor: Executor) -> None:
        self.executor = executor
        self.lane_entered = threading.Event()
        self.release = threading.Event()
        self.invoked: list[str] = []
        self.invoked_event = threading.Event()
        executor._fire_due_operations = self._complete_due_retries  # type: ignore[method-assign]
        executor._invoke_execution = self._invoke  # type: ignore[method-assign]

    def _complete_due_retries(self, execution_arn: str) -> bool:
        self.lane_entered.set()
        self.release.wait(timeout=10)
        return True

    def _invoke(self, execution_arn: str, delay: float = 0) -> None:
        self.invoked.append(execution_arn)
        self.invoked_event.set()

    def arm(self, delay: float):  # noqa: ANN201 (a concurrent Future)
        return self.executor._scheduler.call_later(self.executor._fire_due_and_invoke_handler(EXECUTION), delay=delay)


@pytest.fixture
def wake_up_probe() -> Iterator[_WakeUpProbe]:
    runner = WebRunner(
        WebRunnerConfig(
            web_service=WebServiceConfig(host="127.0.0.1", port=free_loopback_port()),
            lambda_endpoint="http://127.0.0.1:9",
            local_runner_region="us-east-1",
        )
    )
    runner.start()
    executor = runner._executor
    assert executor is not None
    adapt_executor(executor, invocation_workers=2)
    try:
        yield _WakeUpProbe(executor)
    finally:
        runner.stop()


def test_a_wake_up_cancelled_while_it_fires_still_invokes_the_handler(wake_up_probe: _WakeUpProbe) -> None:
    # As a checkpoint does when it re-arms: the firing wake-up is cancelled while it waits for the lane.
    wake_up = wake_up_probe.arm(delay=0)
    assert wake_up_probe.lane_entered.wait(timeout=10)
    wake_up.cancel()
    wake_up_probe.release.set()
    assert wake_up_probe.invoked_event.wait(timeout=10), "the retry became READY and nothing invoked the handler"
    assert wake_up_probe.invoked == [EXECUTION]


def test_a_wake_up_cancelled_while_it_sleeps_never_fires(wake_up_probe: _WakeUpProbe) -> None:
    wake_up = wake_up_probe.arm(delay=0.3)
    wake_up.cancel()
    wake_up_probe.release.set()
    time.sleep(1.0)
    assert not wake_up_probe.lane_entered.is_set()
    assert wake_up_probe.invoked == []
