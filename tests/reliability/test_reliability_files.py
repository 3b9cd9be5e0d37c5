"""Files that are not shelf photos, through both pipelines on a running ``albums local up``.

Each ends in a ``failed`` execution with the reason recorded, the vision step
runs once (no crash loop: one Lambda invocation, as the stack counts them, and
one step attempt per pattern, as its metrics record them), and the items of
executions already stored do not change.
"""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from album_registry.domain import ids
from album_registry.domain.models import ExecutionStatus, ValidationOutcome, WorkflowType
from album_registry.handlers.observability import EXECUTION_ID_METADATA, STEP_DIMENSION
from PIL import Image

from tests.reliability.conftest import SAMPLES
from tests.stack_pipelines import PipelinesOnStack, StackPool, StartedUpload

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
def stocked(stack_pool: StackPool) -> tuple[PipelinesOnStack, list[dict]]:
    """Both pipelines, with one upload per pattern already completed and stored."""
    pipelines = stack_pool.stack()
    started = pipelines.put_photo((SAMPLES / "shelf-03.jpg").read_bytes(), "uploads/good.jpg")
    for workflow in WorkflowType:
        task = pipelines.wait_for_task(workflow, started.execution_id(workflow))
        pipelines.submit(task.taskId, ValidationOutcome(reviewed=True))
    for workflow in WorkflowType:
        assert pipelines.wait_for_engine(workflow, started.execution_id(workflow)) == "SUCCEEDED"
    return pipelines, pipelines.table_items()


def vision_attempts(pipelines: PipelinesOnStack, started: StartedUpload) -> dict[WorkflowType, int]:
    """Runs of the vision step of each pattern's execution, from the step-duration metric each attempt emits."""
    documents = pipelines.metric_documents()
    return {
        workflow: sum(
            1
            for document in documents
            if document.get(STEP_DIMENSION) == "process-image"
            and document.get(EXECUTION_ID_METADATA) == started.execution_id(workflow)
        )
        for workflow in WorkflowType
    }


def process_image_invocations(pipelines: PipelinesOnStack) -> int:
    """Invocations of the Step Functions pattern's vision Lambda so far, as the stack counts them."""
    return sum(count for name, count in pipelines.lambda_invocations().items() if name.endswith("process-image"))


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_a_bad_file_fails_once_with_its_reason_and_touches_nothing_else(
    stocked: tuple[PipelinesOnStack, list[dict]], name: str
) -> None:
    pipelines, stored = stocked
    content, reason_word = BAD_FILES[name]
    invocations_before = process_image_invocations(pipelines)

    started = pipelines.put_photo(content, f"uploads/{name}.png")
    for workflow in WorkflowType:
        execution_id = started.execution_id(workflow)
        assert pipelines.wait_for_engine(workflow, execution_id) == "FAILED"
        execution = pipelines.wait_for_record(workflow, execution_id)
        assert execution.status is ExecutionStatus.FAILED, (workflow, execution.status)
        assert reason_word.lower() in execution.error.lower(), execution.error
        assert pipelines.repository.get_albums(workflow, execution_id) == []
        assert pipelines.repository.get_task(workflow, ids.task_id_for_execution(execution_id)) is None
    assert vision_attempts(pipelines, started) == {workflow: 1 for workflow in WorkflowType}
    assert process_image_invocations(pipelines) - invocations_before == 1
    now = pipelines.table_items()
    assert [item for item in now if item in stored] == stored, "a stored item changed"
