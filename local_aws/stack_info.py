"""Where a local stack keeps its state, and what it tells the CLI's other verbs.

Kept apart from ``server`` so that reading a running stack's endpoint does not
import the engines that serve it.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PORT = 4566
DEFAULT_DATA_DIR = Path(".local-stack")
# Execution environments per function. Lambda's default account limit is far
# higher; here the machine is the bound: vision, the longest step, reads with
# one process per core, so more than three workers per core only wait, each
# holding its memory (at 10 on 2 cores, 40-odd workers held 2.4 GB of PSS).
DEFAULT_FUNCTION_CONCURRENCY = 3 * (os.cpu_count() or 1)
STATE_FILE = "stack.json"
# Under the data dir: one log file per function, what its log group holds on AWS.
FUNCTION_LOG_DIR = "logs"

NOT_PERSISTED = (
    "Step Functions executions in flight are not saved: after a restart they are gone "
    "(their records stay in DynamoDB). Messages in the trigger's dead-letter queues are not saved either. Durable executions, DynamoDB items, S3 objects and the Discogs token survive."
)


class LocalStackStartError(Exception):
    """The stack cannot start here; the message is the one-line reason."""

    def __init__(self, *, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def free_loopback_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class LocalStackInfo:
    """What a running stack writes to its data dir, for the CLI's other verbs."""

    endpoint: str
    pid: int
    outputs: dict[str, str]

    @classmethod
    def read(cls, data_dir: Path) -> LocalStackInfo | None:
        path = data_dir / STATE_FILE
        if not path.exists():
            return None
        fields = json.loads(path.read_text())
        return cls(endpoint=fields["endpoint"], pid=fields["pid"], outputs=fields["outputs"])

    def write(self, data_dir: Path) -> None:
        (data_dir / STATE_FILE).write_text(
            json.dumps({"endpoint": self.endpoint, "pid": self.pid, "outputs": self.outputs}, indent=2)
        )
