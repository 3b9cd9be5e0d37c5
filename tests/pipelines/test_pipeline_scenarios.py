"""One scenario suite, both engines, on a running ``albums local up``: the real ASL
on moto's interpreter and the durable function on the durable service, every
step in a Lambda worker from the built archives, over the same core.

Each scenario uploads one photo: the stack's trigger starts both engines, and
the test of each engine asserts on its own run. Settings (a validation
timeout, a fault plan) are the program's config of the stack the test runs on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from album_registry.domain import ids
from album_registry.domain.models import (
    Album,
    AlbumCorrection,
    AlbumStatus,
    Execution,
    ExecutionStatus,
    TaskStatus,
    ValidationOutcome,
    ValidationTask,
    WorkflowType,
)
from album_registry.domain.vision import extract_albums
from albums.history.timeline import EngineTimeline
from tests.local_bedrock import bedrock_provider
from tests.stack_pipelines import SHORT_VALIDATION_TIMEOUT_SECONDS, EngineOutcome, StackPool

ENGINES = pytest.mark.parametrize("workflow", list(WorkflowType), ids=lambda w: w.short_name)
ACCEPT = ValidationOutcome(reviewed=True)
# The name each engine's history gives the vision step and a price agent's step.
VISION_STEP = {WorkflowType.STEP_FUNCTIONS: "ProcessImage", WorkflowType.DURABLE_FUNCTIONS: "process-image"}
PRICE_STEP = {WorkflowType.STEP_FUNCTIONS: "EstimatePrice", WorkflowType.DURABLE_FUNCTIONS: "estimate-price"}


def attempts(timeline: EngineTimeline, step: str) -> list[int]:
    """The attempts of each run of the step, as the engine's history counts them."""
    return [entry.attempts for entry in timeline.entries if entry.name == step]


@pytest.fixture(scope="module")
def extracted(shelf_photo, stack_pool: StackPool):
    """What the vision step reads from the sample photo, asked of the stack's Bedrock directly."""
    return extract_albums(bedrock_provider(stack_pool.any().stack.endpoint), shelf_photo)


@dataclass(frozen=True)
class Run:
    outcome: EngineOutcome
    execution: Execution | None
    albums: list[Album]
    task: ValidationTask | None
    timeline: EngineTimeline


@pytest.fixture(scope="module")
def runs() -> dict[str, dict[WorkflowType, Run]]:
    """Each scenario's runs by its S3 key: one upload, both engines; each engine's test reads its own."""
    return {}


def run(stack_pool, runs, photo, workflow, *, review: ValidationOutcome | None, key: str, **config) -> Run:
    """Upload, play the person (or stay silent), and wait for both engines to end."""
    if key not in runs:
        pipelines = stack_pool.stack(**config)
        started = pipelines.put_photo(photo, key)
        if review is not None:
            for each in WorkflowType:
                pipelines.submit(pipelines.wait_for_task(each, started.execution_id(each)).taskId, review)
        ended = {}
        for each in WorkflowType:
            execution_id = started.execution_id(each)
            outcome = pipelines.wait_for_execution_outcome(each, execution_id)
            # The record points at the engine's own run of this photo, whose history the benchmark reads.
            assert json.loads(outcome.input)["detail"]["object"]["key"] == key
            ended[each] = Run(
                outcome=outcome,
                execution=pipelines.repository.get_execution(each, execution_id),
                albums=pipelines.repository.get_albums(each, execution_id),
                task=pipelines.repository.get_task(each, ids.task_id_for_execution(execution_id)),
                timeline=pipelines.timeline(each, outcome.arn),
            )
        runs[key] = ended
    found = run_of(runs, workflow, key)
    return found.outcome, found.execution, found.albums, found.task


def run_of(runs, workflow: WorkflowType, key: str) -> Run:
    return runs[key][workflow]


@ENGINES
def test_happy_path(stack_pool, runs, shelf_photo, extracted, workflow):
    """Properties 10-15, 17, 20, 22, 25, 26: a reviewed upload ends completed with six priced albums."""
    outcome, execution, albums, task = run(stack_pool, runs, shelf_photo, workflow, review=ACCEPT, key="uploads/happy.jpg")
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
def test_corrections_are_applied(stack_pool, runs, shelf_photo, extracted, workflow):
    """Properties 17 and 18: the person's corrections reach the stored albums; yearOriginal stays."""
    corrections = [
        AlbumCorrection(albumIndex=3, year=1971),
        AlbumCorrection(albumIndex=5, artist="Corrected Artist", albumName="Corrected Title"),
    ]
    review = ValidationOutcome(reviewed=True, corrections=corrections)
    outcome, _, albums, _ = run(stack_pool, runs, shelf_photo, workflow, review=review, key="uploads/corrected.jpg")
    assert outcome.status == "SUCCEEDED", outcome.error
    assert albums[2].year == 1971 and albums[2].yearOriginal == extracted[2].year
    assert albums[2].yearValidated is True
    assert (albums[4].artist, albums[4].albumName) == ("Corrected Artist", "Corrected Title")
    assert albums[4].status is AlbumStatus.PRICED
    untouched = albums[0]
    assert (untouched.artist, untouched.year) == (extracted[0].artist, extracted[0].year)


@ENGINES
def test_validation_timeout_goes_on_with_the_original_data(stack_pool, runs, shelf_photo, extracted, workflow):
    """Property 19: nobody answers; the task times out and the extracted data is priced."""
    outcome, execution, albums, task = run(
        stack_pool, runs, shelf_photo, workflow, review=None, key="uploads/unanswered.jpg",
        validationTimeoutSeconds=SHORT_VALIDATION_TIMEOUT_SECONDS,
    )
    assert outcome.status == "SUCCEEDED", outcome.error
    assert execution.status is ExecutionStatus.COMPLETED
    assert task.status is TaskStatus.TIMEOUT
    assert [(a.artist, a.albumName, a.year) for a in albums] == [
        (e.artist, e.albumName, e.year) for e in extracted
    ]
    assert not any(album.yearValidated for album in albums)


# One run, both transient faults: two throttled vision calls, then each price agent failing once.
# The plan's counters live in the worker process (as in a Lambda container): with one
# worker per function, every retry meets the counters its first attempt moved.
TRANSIENT_FAULTS = {"faultInjection": {"vision_unavailable_calls": 2, "price_failures_per_album": 1}, "workers": 1}


@ENGINES
def test_transient_vision_failure_is_retried(stack_pool, runs, shelf_photo, workflow):
    """Properties 9 and 28: two throttled vision calls, then success on the third attempt."""
    outcome, execution, albums, _ = run(
        stack_pool, runs, shelf_photo, workflow, review=ACCEPT, key="uploads/transient-faults.jpg", **TRANSIENT_FAULTS
    )
    assert outcome.status == "SUCCEEDED", outcome.error
    assert execution.status is ExecutionStatus.COMPLETED
    assert len(albums) == 6
    # Two throttled calls, each retried: the third attempt read the covers.
    assert attempts(run_of(runs, workflow, "uploads/transient-faults.jpg").timeline, VISION_STEP[workflow]) == [3]


@ENGINES
def test_every_agent_failing_once_is_retried_per_album(stack_pool, runs, shelf_photo, workflow):
    """Property 24: each agent retries on its own and all six end priced."""
    outcome, execution, albums, _ = run(
        stack_pool, runs, shelf_photo, workflow, review=ACCEPT, key="uploads/transient-faults.jpg", **TRANSIENT_FAULTS
    )
    assert outcome.status == "SUCCEEDED", outcome.error
    nameable = [album for album in albums if album.artist and album.albumName]
    assert all(album.status is AlbumStatus.PRICED for album in nameable)
    # Each agent failed once and priced on its second attempt.
    timeline = run_of(runs, workflow, "uploads/transient-faults.jpg").timeline
    assert attempts(timeline, PRICE_STEP[workflow]) == [2] * len(nameable)


@ENGINES
def test_permanent_vision_failure_marks_the_execution_failed(stack_pool, runs, shelf_photo, workflow):
    """Property 32: an unrecoverable error ends in status failed with the error recorded."""
    outcome, execution, albums, task = run(
        stack_pool, runs, shelf_photo, workflow, review=None, key="uploads/vision-down.jpg",
        faultInjection={"vision_unavailable_calls": -1},
    )
    assert outcome.status == "FAILED"
    assert execution.status is ExecutionStatus.FAILED
    assert "VisionUnavailableError" in execution.error or "vision unavailable" in execution.error
    assert albums == [] and task is None


@ENGINES
def test_one_price_agent_failing_never_stops_the_others(stack_pool, runs, shelf_photo, workflow):
    """Properties 20, 21, 23 and 24: album 4's agent fails for good; five prices are stored."""
    outcome, execution, albums, _ = run(
        stack_pool, runs, shelf_photo, workflow, review=ACCEPT, key="uploads/agent-down.jpg",
        faultInjection={"price_failing_albums": [4]},
    )
    assert outcome.status == "SUCCEEDED", outcome.error
    assert execution.status is ExecutionStatus.COMPLETED
    assert albums[3].status is AlbumStatus.PRICE_FAILED
    assert "injected market outage" in albums[3].priceError
    assert albums[3].priceEstimate is None
    others = [album for album in albums if album.albumIndex != 4 and album.artist and album.albumName]
    assert others and all(album.status is AlbumStatus.PRICED for album in others)
    assert execution.priceFailedCount == 1 + sum(1 for a in albums if not (a.artist and a.albumName))
