"""Reading a stack's process tree from /proc: its memory."""

from __future__ import annotations

import os
import subprocess
import sys

from albums.stack_processes import StackProcesses

# Holds about 200 MB, then waits to be sampled.
_HOLD = "import sys\nheld = b'x' * (200 * 1024 * 1024)\nprint('ready', flush=True)\nsys.stdin.read()"


def test_memory_covers_the_stack_and_its_children_and_the_peak_stays() -> None:
    alone = StackProcesses(os.getpid())
    alone.sample()
    child = subprocess.Popen([sys.executable, "-c", _HOLD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        processes = StackProcesses(os.getpid())
        processes.sample()
        assert processes.stack_mb is not None and processes.stack_mb > 0
        # The child's 200 MB are its own pages: counted whole, on top of the stack's share.
        assert processes.peak_with_workers_mb >= alone.peak_with_workers_mb + 195
    finally:
        child.kill()
        child.wait()
    processes.sample()
    assert processes.peak_with_workers_mb >= alone.peak_with_workers_mb + 195
