"""A running local stack's processes, read from /proc: their memory.

The stack is one process; its Lambda workers and its Bedrock readers are its
children. One pass over /proc per sample finds them. The stack's own size is
its resident memory (what it alone grows); the total is the sum of each
process's proportional share (PSS): pages the workers share (the interpreter's
libraries, the runtime layer's files) count once across them, as the machine
holds them, instead of once per worker as a sum of resident sizes would.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
_MB = 1024 * 1024


@dataclass(frozen=True)
class _Process:
    pid: int
    parent: int
    resident_mb: float


class StackProcesses:
    def __init__(self, stack_pid: int) -> None:
        self.stack_pid = stack_pid
        self.stack_mb: float | None = None
        self.peak_with_workers_mb = 0.0

    def sample(self) -> None:
        total_mb = 0.0
        for entry in Path("/proc").iterdir():
            process = _read(entry) if entry.name.isdigit() else None
            if process is None:
                continue
            if process.pid == self.stack_pid:
                self.stack_mb = process.resident_mb
            if process.pid == self.stack_pid or process.parent == self.stack_pid:
                total_mb += _proportional_mb(entry) or 0.0
        self.peak_with_workers_mb = max(self.peak_with_workers_mb, total_mb)


def _read(entry: Path) -> _Process | None:
    try:
        # The fields after the command name (which may hold spaces and parentheses).
        fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        resident_pages = int((entry / "statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None  # gone meanwhile, or not ours to read
    return _Process(
        pid=int(entry.name),
        parent=int(fields[1]),
        resident_mb=resident_pages * _PAGE_BYTES / _MB,
    )


def _proportional_mb(entry: Path) -> float | None:
    """The process's proportional set size (PSS), None if it is gone."""
    try:
        for line in (entry / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024 / _MB
    except (OSError, IndexError, ValueError):
        return None
    return None
