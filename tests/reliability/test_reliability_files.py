"""Files that are not shelf photos, through both real pipelines.

Each ends in a ``failed`` execution with the reason recorded, the vision step
runs once (no crash loop: one Lambda invocation, one durable step attempt),
and the items of executions already stored do not change.
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from collections.abc import Iterator

import pytest
from album_registry.domain import ids
from album_registry.domain.models import ExecutionStatus, ValidationOutcome, WorkflowType
from PIL import Image

from local_aws.pipelines import LocalPipelines
from tests.reliability.conftest import (
    SAMPLES,
    table_items,
    wait_for_pending_task,
    wait_for_settled,
)

MEGABYTE = 1024 * 1024


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def solid_png(width: int, height: int) -> bytes:
    """A grey PNG of any size, compressed row by row: a few hundred KB, never the pixels in memory."""
    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\x80" * width  # filter byte, then one grey byte per pixel
    compressed = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", compressed) + _png_chunk(b"IEND", b"")


def _encoded(image: Image.Image, format_name: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format_name)
    return buffer.getvalue()


def bad_files() -> dict[str, tuple[bytes, str]]:
    """Name: (content, a word the recorded reason must hold)."""
    photo = (SAMPLES / "shelf-02.jpg").read_bytes()
    png = _encoded(Image.open(io.BytesIO(photo)), "PNG")
    return {
        "not-an-image": (b"%PDF-1.7\n" + b"these are my shopping notes, not a photo\n" * 50, "image"),
        "truncated-jpeg": (photo[: len(photo) // 2], "truncated"),
        "truncated-png": (png[: len(png) // 3], "truncated"),
        "zero-bytes": (b"", "empty"),
        "25-megabytes": (photo + b"\0" * (25 * MEGABYTE - len(photo)), "limit"),
        "10000x10000": (solid_png(10_000, 10_000), "pixels"),
        "no-covers": (_encoded(Image.new("RGB", (900, 600), (120, 90, 60)), "JPEG"), "cover"),
    }


BAD_FILES = bad_files()


@pytest.fixture(scope="module")
def stocked() -> Iterator[tuple[LocalPipelines, list[dict]]]:
    """Both pipelines, with one upload per pattern already completed and stored."""
    pipelines = LocalPipelines(prefix="reliability-files").start()
    try:
        started = pipelines.upload((SAMPLES / "shelf-03.jpg").read_bytes(), "uploads/good.jpg")
        for workflow in WorkflowType:
            task = wait_for_pending_task(pipelines, workflow, started.execution_id(workflow))
            pipelines.submit(task.taskId, ValidationOutcome(reviewed=True))
        for workflow in WorkflowType:
            assert pipelines.wait_for_engine(workflow, started.engine_arns[workflow]).status == "SUCCEEDED"
        yield pipelines, table_items(pipelines)
    finally:
        pipelines.stop()


def vision_attempts(stdout: str) -> dict[str, int]:
    """Runs of the vision step per pattern, from the step-duration metric each attempt emits."""
    counted = {workflow.value: 0 for workflow in WorkflowType}
    for line in stdout.splitlines():
        if line.startswith('{"_aws"'):
            document = json.loads(line)
            if document.get("step") == "process-image":
                counted[document["workflowType"]] += 1
    return counted


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_a_bad_file_fails_once_with_its_reason_and_touches_nothing_else(
    stocked: tuple[LocalPipelines, list[dict]], capsys: pytest.CaptureFixture[str], name: str
) -> None:
    pipelines, stored = stocked
    content, reason_word = BAD_FILES[name]
    invocations_before = len(pipelines.runtime.invocations)
    capsys.readouterr()

    started = pipelines.upload(content, f"uploads/{name}.png")
    for workflow in WorkflowType:
        execution = wait_for_settled(pipelines, workflow, started.execution_id(workflow))
        assert execution.status is ExecutionStatus.FAILED, (workflow, execution.status)
        assert pipelines.wait_for_engine(workflow, started.engine_arns[workflow]).status == "FAILED"
        assert reason_word.lower() in execution.error.lower(), execution.error
        assert pipelines.repository.get_albums(workflow, started.execution_id(workflow)) == []
        assert pipelines.repository.get_task(workflow, ids.task_id_for_execution(started.execution_id(workflow))) is None
    assert vision_attempts(capsys.readouterr().out) == {workflow.value: 1 for workflow in WorkflowType}
    process_image_calls = [
        call for call in pipelines.runtime.invocations[invocations_before:] if call.function_name.endswith("process-image")
    ]
    assert len(process_image_calls) == 1
    now = table_items(pipelines)
    assert [item for item in now if item in stored] == stored, "a stored item changed"
