"""One scenario suite, both engines: the real ASL on moto's interpreter and the
real durable handler on the official test runner, over the same core."""

from __future__ import annotations

import json

import pytest

from album_registry.domain import ids
from album_registry.domain.models import (
    AlbumCorrection,
    AlbumStatus,
    ExecutionStatus,
    TaskStatus,
    ValidationOutcome,
    WorkflowType,
)
from album_registry.domain.vision import extract_albums

ENGINES = pytest.mark.parametrize("workflow", list(WorkflowType), ids=lambda w: w.short_name)
ACCEPT = ValidationOutcome(reviewed=True)


@pytest.fixture(scope="module")
def extracted(shelf_photo, bedrock_vision):
    """What the vision step reads from the sample photo, asked directly."""
    return extract_albums(bedrock_vision, shelf_photo)


def run(pipelines, photo, workflow, *, review: ValidationOutcome | None, key="uploads/shelf.jpg"):
    """Upload, play the person (or stay silent), and wait for the engine to end."""
    started = pipelines.upload(photo, key, workflows=(workflow,))
    execution_id = started.execution_id(workflow)
    if review is not None:
        task = pipelines.wait_for_task(workflow, execution_id)
        pipelines.submit(task.taskId, review)
    outcome = pipelines.wait_for_engine(workflow, started.engine_arns[workflow])
    execution = pipelines.repository.get_execution(workflow, execution_id)
    albums = pipelines.repository.get_albums(workflow, execution_id)
    task = pipelines.repository.get_task(workflow, ids.task_id_for_execution(execution_id))
    # The record points at the engine's own run, whose history the benchmark reads.
    assert execution is None or execution.engineExecutionArn == started.engine_arns[workflow]
    return outcome, execution, albums, task


@ENGINES
def test_happy_path(local_pipelines, shelf_photo, extracted, workflow):
    """Properties 10-15, 17, 20, 22, 25, 26: a reviewed upload ends completed with six priced albums."""
    pipelines = local_pipelines()
    outcome, execution, albums, task = run(pipelines, shelf_photo, workflow, review=ACCEPT)
    assert outcome.status == "SUCCEEDED", outcome.error
    assert execution.status is ExecutionStatus.COMPLETED
    assert (execution.albumCount, execution.pricedCount, execution.priceFailedCount) == (6, 6, 0)
    assert execution.durationMs is not None and execution.completedAt >= execution.startedAt
    assert task.status is TaskStatus.COMPLETED
    assert [a.albumIndex for a in albums] == [1, 2, 3, 4, 5, 6]
    for album, seen in zip(albums, extracted, strict=True):
        assert (album.artist, album.albumName, album.year) == (seen.artist, seen.albumName, seen.year)
        if album.artist and album.albumName:
            assert album.status is AlbumStatus.PRICED
            assert album.priceEstimate > 0 and 0 < album.priceConfidence <= 1
            assert album.yearValidated is True


@ENGINES
def test_corrections_are_applied(local_pipelines, shelf_photo, extracted, workflow):
    """Properties 17 and 18: the person's corrections reach the stored albums; yearOriginal stays."""
    pipelines = local_pipelines()
    corrections = [
        AlbumCorrection(albumIndex=3, year=1971),
        AlbumCorrection(albumIndex=5, artist="Corrected Artist", albumName="Corrected Title"),
    ]
    outcome, _, albums, _ = run(
        pipelines, shelf_photo, workflow, review=ValidationOutcome(reviewed=True, corrections=corrections)
    )
    assert outcome.status == "SUCCEEDED", outcome.error
    assert albums[2].year == 1971 and albums[2].yearOriginal == extracted[2].year
    assert albums[2].yearValidated is True
    assert (albums[4].artist, albums[4].albumName) == ("Corrected Artist", "Corrected Title")
    assert albums[4].status is AlbumStatus.PRICED
    untouched = albums[0]
    assert (untouched.artist, untouched.year) == (extracted[0].artist, extracted[0].year)


@ENGINES
def test_validation_timeout_goes_on_with_the_original_data(local_pipelines, shelf_photo, extracted, workflow):
    """Property 19: nobody answers; the task times out and the extracted data is priced."""
    pipelines = local_pipelines(validation_timeout_seconds=1)
    outcome, execution, albums, task = run(pipelines, shelf_photo, workflow, review=None)
    assert outcome.status == "SUCCEEDED", outcome.error
    assert execution.status is ExecutionStatus.COMPLETED
    assert task.status is TaskStatus.TIMEOUT
    assert [(a.artist, a.albumName, a.year) for a in albums] == [
        (e.artist, e.albumName, e.year) for e in extracted
    ]
    assert not any(album.yearValidated for album in albums)


@ENGINES
def test_transient_vision_failure_is_retried(local_pipelines, shelf_photo, workflow):
    """Properties 9 and 28: two throttled vision calls, then success on the third attempt."""
    pipelines = local_pipelines(fault_injection=json.dumps({"vision_unavailable_calls": 2}))
    outcome, execution, albums, _ = run(pipelines, shelf_photo, workflow, review=ACCEPT)
    assert outcome.status == "SUCCEEDED", outcome.error
    assert execution.status is ExecutionStatus.COMPLETED
    assert len(albums) == 6


@ENGINES
def test_permanent_vision_failure_marks_the_execution_failed(local_pipelines, shelf_photo, workflow):
    """Property 32: an unrecoverable error ends in status failed with the error recorded."""
    pipelines = local_pipelines(fault_injection=json.dumps({"vision_unavailable_calls": -1}))
    outcome, execution, albums, task = run(pipelines, shelf_photo, workflow, review=None)
    assert outcome.status == "FAILED"
    assert execution.status is ExecutionStatus.FAILED
    assert "VisionUnavailableError" in execution.error or "vision unavailable" in execution.error
    assert albums == [] and task is None


@ENGINES
def test_one_price_agent_failing_never_stops_the_others(local_pipelines, shelf_photo, workflow):
    """Properties 20, 21, 23 and 24: album 4's agent fails for good; five prices are stored."""
    pipelines = local_pipelines(fault_injection=json.dumps({"price_failing_albums": [4]}))
    outcome, execution, albums, _ = run(pipelines, shelf_photo, workflow, review=ACCEPT)
    assert outcome.status == "SUCCEEDED", outcome.error
    assert execution.status is ExecutionStatus.COMPLETED
    assert albums[3].status is AlbumStatus.PRICE_FAILED
    assert "injected market outage" in albums[3].priceError
    assert albums[3].priceEstimate is None
    others = [album for album in albums if album.albumIndex != 4 and album.artist and album.albumName]
    assert others and all(album.status is AlbumStatus.PRICED for album in others)
    assert execution.priceFailedCount == 1 + sum(1 for a in albums if not (a.artist and a.albumName))


@ENGINES
def test_every_agent_failing_once_is_retried_per_album(local_pipelines, shelf_photo, workflow):
    """Property 24: each agent retries on its own and all six end priced."""
    pipelines = local_pipelines(fault_injection=json.dumps({"price_failures_per_album": 1}))
    outcome, execution, albums, _ = run(pipelines, shelf_photo, workflow, review=ACCEPT)
    assert outcome.status == "SUCCEEDED", outcome.error
    nameable = [album for album in albums if album.artist and album.albumName]
    assert all(album.status is AlbumStatus.PRICED for album in nameable)
