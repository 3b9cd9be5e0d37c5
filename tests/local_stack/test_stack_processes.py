"""Reading a stack's process tree from /proc: its memory and its image readers' CPU."""

from __future__ import annotations

import os
import subprocess
import sys

from albums.stack_processes import StackProcesses

READER = "album_registry.handlers.step_functions_tasks.process_image_handler"
# Burns about half a CPU-second, then waits to be sampled.
_BURN = "import sys, time\nend = time.process_time() + 0.5\nwhile time.process_time() < end: pass\nprint('done', flush=True)\nsys.stdin.read()"


def _child(handler: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _BURN],
        env={**os.environ, "_HANDLER": handler},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_only_the_image_readers_cpu_is_counted_and_memory_covers_the_tree() -> None:
    reader, other = _child(READER), _child("album_registry.handlers.step_functions_tasks.prepare_execution_handler")
    try:
        assert reader.stdout is not None and other.stdout is not None
        assert reader.stdout.readline().strip() == "done" and other.stdout.readline().strip() == "done"
        processes = StackProcesses(os.getpid(), image_reader_handler=READER)
        processes.sample()
        # One child's half CPU-second, not both children's second.
        assert 0.4 <= processes.image_reader_cpu_seconds < 0.9
        assert processes.stack_mb is not None and processes.stack_mb > 0
        assert processes.peak_with_workers_mb > processes.stack_mb
    finally:
        for child in (reader, other):
            child.kill()
            child.wait()


def test_a_reader_gone_between_samples_keeps_its_last_sample() -> None:
    reader = _child(READER)
    assert reader.stdout is not None and reader.stdout.readline().strip() == "done"
    processes = StackProcesses(os.getpid(), image_reader_handler=READER)
    processes.sample()
    counted = processes.image_reader_cpu_seconds
    reader.kill()
    reader.wait()
    processes.sample()
    assert counted >= 0.4
    assert processes.image_reader_cpu_seconds == counted
