"""The durable runner in a process of its own (local_aws/durable_runner_process.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from local_aws.durable_runner_process import DurableRunnerProcess, DurableRunnerSettings
from local_aws.durable_service import free_loopback_port

FUNCTION = "vinyl-test-durable"
# A stand-in for the stack: starts the runner, says its pid, and waits to be killed.
_PARENT = """
import sys, time
from pathlib import Path
from local_aws.durable_runner_process import DurableRunnerProcess, DurableRunnerSettings
from local_aws.durable_service import free_loopback_port
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
