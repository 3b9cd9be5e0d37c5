"""A real ``albums local up`` in a child process, on a free loopback port."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from album_registry.adapters.dynamodb_repository import DynamoDbAlbumRepository
from album_registry.adapters.engine_resumer import Boto3EngineResumer
from local_aws.stack_info import free_loopback_port
from local_aws.stack_info import LocalStackInfo

STARTUP_TIMEOUT_SECONDS = 60
# Generous: on a loaded 2-core machine saving and stopping can take a while.
STOP_TIMEOUT_SECONDS = 90


@dataclass
class RunningStack:
    port: int
    data_dir: Path
    process: subprocess.Popen
    log: Path
    validation_timeout: int | None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def outputs(self) -> dict[str, str]:
        info = LocalStackInfo.read(self.data_dir)
        assert info is not None, "the stack wrote no state file"
        return info.outputs

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def repository(self) -> DynamoDbAlbumRepository:
        return DynamoDbAlbumRepository(self.client("dynamodb"), self.outputs["tableName"])

    def resumer(self) -> Boto3EngineResumer:
        return Boto3EngineResumer(step_functions=self.client("stepfunctions"), lambda_client=self.client("lambda"))

    def stop(self) -> None:
        """SIGTERM, as ``albums local down`` sends it; the stack saves and exits."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            # Its threads' stacks, into the log, to show where it hangs.
            self.process.send_signal(signal.SIGUSR1)
            time.sleep(2)
            self.process.kill()
            raise AssertionError(
                f"albums local up did not exit {STOP_TIMEOUT_SECONDS} s after SIGTERM:\n{self.log.read_text()[-12000:]}"
            ) from None


# Workers per function in the test stacks: on 2 cores more photo readers at once
# read no faster, and each one loads the OCR models (CPU and about 0.4 GB).
TEST_FUNCTION_CONCURRENCY = 3


def start_stack(
    data_dir: Path,
    port: int,
    *,
    validation_timeout: int | None = None,
    config: Mapping[str, str] | None = None,
    concurrency: int = TEST_FUNCTION_CONCURRENCY,
) -> RunningStack:
    """``albums local up``; ``config``: the program's config, set as ``pulumi config set`` would;
    ``concurrency``: workers per function at most."""
    log = data_dir.parent / f"{data_dir.name}-{port}-{time.monotonic_ns()}.log"
    command = [
        sys.executable, "-m", "albums.cli", "local", "up", "--port", str(port), "--data-dir", str(data_dir),
        "--concurrency", str(concurrency),
    ]
    if validation_timeout is not None:
        command += ["--validation-timeout", str(validation_timeout)]
    for key, value in (config or {}).items():
        command += ["--config", f"{key}={value}"]
    environment = {name: value for name, value in os.environ.items() if name != "AWS_ENDPOINT_URL"}
    process = subprocess.Popen(command, stdout=log.open("w"), stderr=subprocess.STDOUT, env=environment)
    stack = RunningStack(port, data_dir, process, log, validation_timeout)
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"albums local up exited {process.returncode}:\n{log.read_text()[-3000:]}")
        if "ready in" in log.read_text():
            return stack
        time.sleep(0.1)
    stack.stop()
    raise AssertionError(f"albums local up not ready in {STARTUP_TIMEOUT_SECONDS} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def running_stack(tmp_path_factory) -> Iterator[RunningStack]:
    stack = start_stack(tmp_path_factory.mktemp("stack") / "data", free_loopback_port())
    yield stack
    stack.stop()


def wait_until(predicate, *, timeout: float = 60, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def child_processes(parent_pid: int) -> list[Path]:
    """The /proc entries of the processes ``parent_pid`` started (and that still run)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile, or not ours to read
        if parent == parent_pid:
            found.append(entry)
    return found


def json_lines(text: str) -> list[dict]:
    found = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                found.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return found
