"""Durable execution ARNs in AWS's shape, over the local runner's own.

The runner (aws-durable-execution-sdk-python-testing) names an execution
``RANDOM_UUID/INVOCATION_ID`` and has no setting for it. Lambda names it
``arn:aws:lambda:REGION:ACCOUNT:function:NAME:VERSION/durable-execution/EXECUTION_NAME/ID``.
The durable service starts each execution with ``INVOCATION_ID`` = ``ID``, so
the ID alone ties the two names; the runner's random half is learnt the first
time the runner shows it (its start answer, or its first invocation of the
handler, whichever comes first). The pairs are kept in sqlite under the data
dir, so executions keep their ARNs across restarts.

Every byte the runner sends out (API answers, the handler's invocation
payload) has its names replaced by AWS's; every ARN a caller sends in is
replaced by the runner's. Callback ids and checkpoint tokens stay opaque, as
on AWS.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from local_aws.lambda_runtime import ACCOUNT_ID, REGION, function_arn

_UUID = rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# The runner's name for an execution, as it appears in its answers; never the tail of an
# AWS ARN already there (an execution named with a UUID, as EventBridge's invokes are, ends
# "durable-execution/UUID/ID", and a result the handler returned may hold its own ARN).
RUNNER_ARN = re.compile(rb"(?<!durable-execution/)(?P<random>" + _UUID + rb")/(?P<id>" + _UUID + rb")")
# The DurableExecutionArn pattern of Lambda's API reference.
AWS_DURABLE_EXECUTION_ARN = re.compile(
    r"arn:aws:lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):function:(?P<function>[a-zA-Z0-9_-]+)"
    r":(?P<version>\$LATEST(?:\.PUBLISHED)?|[0-9]+)/durable-execution/(?P<name>[a-zA-Z0-9_-]+)/(?P<id>[a-zA-Z0-9_-]+)"
)


@dataclass(frozen=True)
class DurableExecutionArn:
    function_name: str
    version: str
    execution_name: str
    execution_id: str

    def __str__(self) -> str:
        return (
            f"{function_arn(self.function_name, self.version)}"
            f"/durable-execution/{self.execution_name}/{self.execution_id}"
        )

    @classmethod
    def new(cls, function_name: str, version: str, execution_name: str) -> DurableExecutionArn:
        return cls(function_name, version, execution_name, str(uuid.uuid4()))

    @classmethod
    def parse(cls, arn: str) -> DurableExecutionArn | None:
        """The parts of an ARN of this stack's region and account; None for anything else."""
        match = AWS_DURABLE_EXECUTION_ARN.fullmatch(arn)
        if match is None or match["region"] != REGION or match["account"] != ACCOUNT_ID:
            return None
        return cls(match["function"], match["version"], match["name"], match["id"])


class DurableExecutionArns:
    """The two names of every execution the stack started, and its start's name key."""

    def __init__(self, path: Path) -> None:
        self._connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        # As the runner's own store: a commit survives the process being killed, and costs
        # about 1 ms instead of the 30-60 ms of an fsync per commit on this disk.
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=NORMAL")
        self._connection.execute(
            "CREATE TABLE IF NOT EXISTS execution_arns ("
            " execution_id TEXT PRIMARY KEY, aws_arn TEXT NOT NULL, runner_arn TEXT UNIQUE,"
            " function_name TEXT NOT NULL, execution_name TEXT NOT NULL, UNIQUE (function_name, execution_name))"
        )
        self._lock = threading.Lock()
        self._closed = False
        rows = self._connection.execute(
            "SELECT execution_id, aws_arn, runner_arn, function_name, execution_name FROM execution_arns"
        ).fetchall()
        self._aws_by_id: dict[str, str] = {row[0]: row[1] for row in rows}
        self._runner_by_aws: dict[str, str] = {row[1]: row[2] for row in rows if row[2]}
        self._started: dict[tuple[str, str], str] = {(row[3], row[4]): row[1] for row in rows}

    def started(self, function_name: str, execution_name: str) -> DurableExecutionArn | None:
        """The ARN of the execution started under this name, if any."""
        arn = self._started.get((function_name, execution_name))
        return DurableExecutionArn.parse(arn) if arn is not None else None

    def reserve(self, arn: DurableExecutionArn) -> None:
        """Record an ARN before its execution starts, so the runner's first word about it translates."""
        with self._lock:
            self._connection.execute(
                "INSERT INTO execution_arns (execution_id, aws_arn, function_name, execution_name) VALUES (?, ?, ?, ?)",
                (arn.execution_id, str(arn), arn.function_name, arn.execution_name),
            )
            self._aws_by_id[arn.execution_id] = str(arn)
            self._started[(arn.function_name, arn.execution_name)] = str(arn)

    def release(self, arn: DurableExecutionArn) -> None:
        """Forget an ARN whose execution did not start."""
        with self._lock:
            self._connection.execute("DELETE FROM execution_arns WHERE execution_id = ?", (arn.execution_id,))
            self._aws_by_id.pop(arn.execution_id, None)
            self._started.pop((arn.function_name, arn.execution_name), None)

    def to_runner(self, aws_arn: str) -> str | None:
        return self._runner_by_aws.get(aws_arn)

    def to_aws(self, runner_text: bytes) -> bytes:
        """Every runner name of a known execution in ``runner_text``, replaced by its ARN."""
        return RUNNER_ARN.sub(self._aws_for_match, runner_text)

    def _aws_for_match(self, match: re.Match[bytes]) -> bytes:
        execution_id = match["id"].decode()
        aws_arn = self._aws_by_id.get(execution_id)
        if aws_arn is None:
            return match[0]  # not started by this service under an AWS name
        if aws_arn not in self._runner_by_aws:
            self._learn(execution_id, aws_arn, match[0].decode())
        return aws_arn.encode()

    def _learn(self, execution_id: str, aws_arn: str, runner_arn: str) -> None:
        with self._lock:
            if not self._closed:  # a late answer while the stack stops is translated, not kept
                self._connection.execute(
                    "UPDATE execution_arns SET runner_arn = ? WHERE execution_id = ?", (runner_arn, execution_id)
                )
            self._runner_by_aws[aws_arn] = runner_arn

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._connection.close()
