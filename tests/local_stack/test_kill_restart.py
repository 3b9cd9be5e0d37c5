"""``kill -9`` of a real ``albums local up`` during a stream of writes: nothing acknowledged is lost.

Writers put uploads (S3) and items (DynamoDB) and note each write once its
answer came back; the stack is killed at a random moment of the stream (the
seed is printed; ``KILL_SEED=N`` runs it again), started again on the same data
dir, and every acknowledged write must be there, each upload with the
records of its two workflows, which ``albums status`` shows: none silently
gone.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from album_registry.domain import ids
from album_registry.domain.keys import PARTITION_KEY, SORT_KEY
from album_registry.domain.models import WorkflowType
from local_aws.stack_info import free_loopback_port
from tests.local_stack.conftest import RunningStack, start_stack, wait_until

# The kill comes this many seconds into the stream of writes.
KILL_WINDOW_SECONDS = (0.5, 3.0)
# Not a photo: each upload's workflows start, and fail at reading it, quickly.
UPLOAD_BODY = b"not a photo " * 100
SECONDS_BETWEEN_UPLOADS = 0.2


# A write: its number -> what names it once acknowledged (an upload's key and version id).
Write = Callable[[int], tuple[str, str]]


def write_until_killed(write: Write, acknowledged: dict[str, str], killed: threading.Event, pause: float) -> None:
    """Note each write once its answer came back; stop at the first one the kill cut off."""
    number = 0
    while not killed.is_set():
        try:
            name, detail = write(number)
        except (BotoCoreError, ClientError):
            return  # the stack is gone: this write was never acknowledged
        acknowledged[name] = detail
        number += 1
        time.sleep(pause)


def upload_writer(stack: RunningStack) -> Write:
    s3, bucket = stack.client("s3"), stack.outputs["bucketName"]

    def upload(number: int) -> tuple[str, str]:
        key = f"uploads/kill-{number:03d}.jpg"
        return key, s3.put_object(Bucket=bucket, Key=key, Body=UPLOAD_BODY)["VersionId"]

    return upload


def item_writer(stack: RunningStack) -> Write:
    dynamodb, table = stack.client("dynamodb"), stack.outputs["tableName"]

    def put(number: int) -> tuple[str, str]:
        marker = f"KILLTEST#{number:05d}"
        dynamodb.put_item(TableName=table, Item={PARTITION_KEY: {"S": marker}, SORT_KEY: {"S": marker}})
        return marker, marker

    return put


@dataclass
class Acknowledged:
    """The writes whose answers came back before the kill."""

    uploads: dict[str, str] = field(default_factory=dict)  # key -> version id
    items: dict[str, str] = field(default_factory=dict)


def children_of(pid: int) -> list[int]:
    """The stack's Lambda workers and readers: killed with it, as a crash leaves none to answer."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) if entry.name.isdigit() else None
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid:
            found.append(int(entry.name))
    return found


def kill_with_children(stack: RunningStack) -> None:
    """``kill -9`` of the stack and of every process it started, as a crash of the machine leaves none."""
    children = children_of(stack.process.pid)
    stack.process.kill()
    stack.process.wait()
    for child in children:
        try:
            os.kill(child, signal.SIGKILL)
        except ProcessLookupError:
            pass


def kill_during_writes(stack: RunningStack, seed: int) -> Acknowledged:
    acknowledged, killed = Acknowledged(), threading.Event()
    streams = [(upload_writer(stack), acknowledged.uploads, SECONDS_BETWEEN_UPLOADS), (item_writer(stack), acknowledged.items, 0)]
    writers = [
        threading.Thread(target=write_until_killed, args=(write, noted, killed, pause)) for write, noted, pause in streams
    ]
    for writer in writers:
        writer.start()
    time.sleep(random.Random(seed).uniform(*KILL_WINDOW_SECONDS))
    kill_with_children(stack)
    killed.set()
    for writer in writers:
        writer.join()
    return acknowledged


def status_lines(stack: RunningStack) -> list[str]:
    return subprocess.run(
        [sys.executable, "-m", "albums.cli", "status", "--data-dir", str(stack.data_dir), "--limit", "1000"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()


def test_every_acknowledged_write_survives_a_kill_and_no_upload_is_silently_lost(tmp_path: Path) -> None:
    seed = int(os.environ.get("KILL_SEED") or random.randrange(2**32))
    print(f"KILL_SEED={seed}")
    data_dir = tmp_path / "data"
    stack = start_stack(data_dir, free_loopback_port())
    acknowledged = kill_during_writes(stack, seed)
    assert acknowledged.uploads and acknowledged.items, f"nothing acknowledged before the kill (KILL_SEED={seed})"

    restarted = start_stack(data_dir, stack.port)
    try:
        s3, bucket = restarted.client("s3"), restarted.outputs["bucketName"]
        for key, version in acknowledged.uploads.items():
            assert s3.get_object(Bucket=bucket, Key=key, VersionId=version)["Body"].read() == UPLOAD_BODY, key
        dynamodb, table = restarted.client("dynamodb"), restarted.outputs["tableName"]
        stored = {
            item[PARTITION_KEY]["S"]
            for page in dynamodb.get_paginator("scan").paginate(TableName=table)
            for item in page["Items"]
            if item[PARTITION_KEY]["S"].startswith("KILLTEST#")
        }
        assert set(acknowledged.items) <= stored, f"{len(set(acknowledged.items) - stored)} items lost"

        repository = restarted.repository()
        executions = {
            (key, workflow): ids.execution_id_for_upload(workflow, bucket=bucket, key=key, version=version)
            for key, version in acknowledged.uploads.items()
            for workflow in WorkflowType
        }
        unrecorded: list[tuple[str, str]] = []

        def every_workflow_recorded() -> bool:
            unrecorded[:] = [
                (key, workflow.value)
                for (key, workflow), execution_id in executions.items()
                if repository.get_execution(workflow, execution_id) is None
            ]
            return not unrecorded

        try:
            wait_until(every_workflow_recorded, timeout=120, interval=0.5, what="every upload's workflows")
        except AssertionError:
            raise AssertionError(f"uploads with no workflow (KILL_SEED={seed}): {unrecorded}") from None
        # Each one is shown, ended, running, or lost on restart (a Step Functions run the kill took away).
        # A write the kill cut off before its answer may be there too: it was never acknowledged.
        shown = {(row[1], row[2]) for row in map(str.split, status_lines(restarted)) if len(row) > 2}
        assert {(key, workflow.value) for key, workflow in executions} <= shown
    finally:
        restarted.stop()


# Long enough to kill the stack in the middle of it, short enough to finish soon after.
INTERRUPTED_STEPS = 300


def test_a_durable_execution_a_kill_interrupted_is_invoked_again_and_completes(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    stack = start_stack(data_dir, free_loopback_port())
    lambda_client = stack.client("lambda")
    arn = lambda_client.invoke(
        FunctionName=stack.outputs["durableExampleStepsAliasArn"],
        InvocationType="Event",
        DurableExecutionName="interrupted-by-a-kill",
        Payload=json.dumps({"steps": INTERRUPTED_STEPS}).encode(),
    )["DurableExecutionArn"]

    def steps_done() -> int:
        history = lambda_client.get_durable_execution_history(DurableExecutionArn=arn, MaxItems=1000)["Events"]
        return sum(1 for event in history if event["EventType"] == "StepSucceeded")

    wait_until(lambda: steps_done() >= 20, timeout=60, interval=0.1, what="the execution under way")
    kill_with_children(stack)

    restarted = start_stack(data_dir, stack.port)
    try:
        lambda_client = restarted.client("lambda")
        status = wait_until(
            lambda: (found := lambda_client.get_durable_execution(DurableExecutionArn=arn)["Status"]) != "RUNNING" and found,
            timeout=120,
            interval=0.5,
            what="the interrupted execution to end",
        )
        assert status == "SUCCEEDED"
        result = json.loads(lambda_client.get_durable_execution(DurableExecutionArn=arn)["Result"])
        assert result == {"steps_completed": INTERRUPTED_STEPS}
    finally:
        restarted.stop()
