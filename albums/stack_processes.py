"""A running local stack's processes, read from /proc: its memory and its image readers' CPU.

The stack is one process; its Lambda workers are its children. One pass over
/proc per sample reads, for each: its resident memory, and for the Step
Functions image readers (the workers whose ``_HANDLER`` is that task's), the
CPU they have used. A worker reaped between two samples keeps its last one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
_MB = 1024 * 1024


@dataclass(frozen=True)
class _Process:
    pid: int
    parent: int
    started_at: int
    cpu_seconds: float
    resident_mb: float


class StackProcesses:
    def __init__(self, stack_pid: int, *, image_reader_handler: str) -> None:
        self.stack_pid = stack_pid
        self._reader_marker = f"_HANDLER={image_reader_handler}".encode()
        self._reader_cpu: dict[tuple[int, int], float] = {}
        self._readers: set[tuple[int, int]] = set()
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
                total_mb += process.resident_mb
            elif process.parent == self.stack_pid:
                total_mb += process.resident_mb
                if self._is_image_reader(entry, process):
                    self._reader_cpu[(process.pid, process.started_at)] = process.cpu_seconds
        self.peak_with_workers_mb = max(self.peak_with_workers_mb, total_mb)

    @property
    def image_reader_cpu_seconds(self) -> float:
        return sum(self._reader_cpu.values())

    def _is_image_reader(self, entry: Path, process: _Process) -> bool:
        identity = (process.pid, process.started_at)
        if identity not in self._readers:
            try:
                environment = (entry / "environ").read_bytes().split(b"\0")
            except OSError:
                return False
            if self._reader_marker not in environment:
                return False
            self._readers.add(identity)
        return True


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
        started_at=int(fields[19]),
        cpu_seconds=(int(fields[11]) + int(fields[12])) / _CLOCK_TICKS,
        resident_mb=resident_pages * _PAGE_BYTES / _MB,
    )
