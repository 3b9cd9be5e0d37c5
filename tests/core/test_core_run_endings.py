"""Every run ends `completed` or `failed`, whoever ends it; read fields are complete or marked.

On in-memory ports: the engine ending a run (its timeout, a stop), the first
failure standing, service errors named as the state machine names them, and
property 7's unreadable marker through extraction and review.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from album_registry.domain.errors import ServiceError
from album_registry.domain.failures import (
    EXECUTION_FAILED_UNRECORDED,
    EXECUTION_STOPPED,
    EXECUTION_TIMED_OUT,
    MAX_ERROR_CODE_CHARS,
    Failure,
    engine_ending,
    failure_of,
)
from album_registry.domain.models import (
    Album,
    AlbumCorrection,
    ExecutionStatus,
    ExtractedAlbum,
    TaskStatus,
    Upload,
    ValidationOutcome,
    WorkflowType,
    unreadable_fields,
)
from album_registry.domain.registration import AlbumRegistration
from album_registry.domain.vision import extract_albums
from tests.fakes import FixedImageStore, InMemoryAlbumRepository, ScriptedVision, SteppingClock, six_covers

WORKFLOW = WorkflowType.DURABLE_FUNCTIONS
UPLOAD = Upload(bucket="shelf-photos", key="uploads/shelf-1.jpg", version="v1")
RUN = "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST/durable-execution/run/1"


def running(*, paused: bool = True) -> tuple[AlbumRegistration, InMemoryAlbumRepository, str]:
    """A run of this engine ARN, waiting for a person (or still running)."""
    repository = InMemoryAlbumRepository()
    service = AlbumRegistration(
        repository=repository,
        clock=SteppingClock(),
        images=FixedImageStore(bucket=UPLOAD.bucket, key=UPLOAD.key, version=UPLOAD.version),
        vision=ScriptedVision(six_covers()),
    )
    execution = service.prepare_execution(WORKFLOW, UPLOAD, engine_execution_arn=RUN)
    service.start_execution(execution)
    service.store_albums(WORKFLOW, execution.executionId, service.process_image(UPLOAD))
    if paused:
        service.open_validation(WORKFLOW, execution.executionId, timeout_seconds=60, callback_id="cb")
    return service, repository, execution.executionId


@pytest.mark.parametrize(
    ("status", "failure"),
    [
        ("TIMED_OUT", EXECUTION_TIMED_OUT),
        ("STOPPED", EXECUTION_STOPPED),
        ("ABORTED", EXECUTION_STOPPED),
        ("FAILED", EXECUTION_FAILED_UNRECORDED),
    ],
)
def test_a_run_its_engine_ended_is_marked_failed_and_its_task_closed(status, failure):
    service, repository, execution_id = running()
    assert service.end_by_engine(WORKFLOW, execution_id, status, engine_execution_arn=RUN) == failure
    ended = repository.get_execution(WORKFLOW, execution_id)
    assert (ended.status, ended.errorCode, ended.error) == (ExecutionStatus.FAILED, failure.code, failure.message)
    task = repository.get_task(WORKFLOW, f"task-{execution_id}")
    assert task.status is TaskStatus.TIMEOUT and task.completedAt is not None


def test_a_running_run_without_a_task_is_marked_failed_too():
    service, repository, execution_id = running(paused=False)
    assert service.end_by_engine(WORKFLOW, execution_id, "TIMED_OUT", engine_execution_arn=RUN) == EXECUTION_TIMED_OUT
    assert repository.get_execution(WORKFLOW, execution_id).status is ExecutionStatus.FAILED
    assert repository.get_task(WORKFLOW, f"task-{execution_id}") is None


@pytest.mark.parametrize("status", ["RUNNING", "SUCCEEDED", "PENDING_REDRIVE", ""])
def test_a_status_that_is_no_failure_changes_nothing(status):
    service, repository, execution_id = running()
    before = repository.get_execution(WORKFLOW, execution_id)
    assert service.end_by_engine(WORKFLOW, execution_id, status, engine_execution_arn=RUN) is None
    assert repository.get_execution(WORKFLOW, execution_id) == before
    assert repository.get_task(WORKFLOW, f"task-{execution_id}").status is TaskStatus.PENDING


def test_another_runs_end_leaves_the_record_alone():
    """A redelivered upload's second run is the one that ended: the record is the first run's."""
    service, repository, execution_id = running()
    other = RUN.replace("run/1", "run/2")
    assert service.end_by_engine(WORKFLOW, execution_id, "TIMED_OUT", engine_execution_arn=other) is None
    assert repository.get_execution(WORKFLOW, execution_id).status is ExecutionStatus.WAITING_VALIDATION


def test_a_run_that_ended_before_it_wrote_a_record_has_nothing_to_end():
    service, repository, _ = running()
    assert service.end_by_engine(WORKFLOW, "ldf-none", "TIMED_OUT", engine_execution_arn=RUN) is None
    assert repository.get_execution(WORKFLOW, "ldf-none") is None


@pytest.mark.parametrize("final", [ExecutionStatus.COMPLETED, ExecutionStatus.FAILED])
def test_a_run_that_ended_on_its_own_keeps_its_ending(final):
    service, repository, execution_id = running(paused=False)
    if final is ExecutionStatus.COMPLETED:
        service.complete_execution(WORKFLOW, execution_id)
    else:
        service.fail_execution(WORKFLOW, execution_id, Failure(code="VisionUnavailableError", message="down"))
    before = repository.get_execution(WORKFLOW, execution_id)
    assert service.end_by_engine(WORKFLOW, execution_id, "FAILED", engine_execution_arn=RUN) is None
    assert repository.get_execution(WORKFLOW, execution_id) == before


def test_the_first_failure_recorded_stands():
    service, repository, execution_id = running(paused=False)
    service.fail_execution(WORKFLOW, execution_id, Failure(code="First", message="first"))
    service.fail_execution(WORKFLOW, execution_id, Failure(code="Second", message="second"))
    stored = repository.get_execution(WORKFLOW, execution_id)
    assert (stored.errorCode, stored.error) == ("First", "first")


def test_the_engines_statuses_that_are_no_failure_name_none():
    assert [engine_ending(status) for status in ("RUNNING", "SUCCEEDED", "timed_out")] == [None, None, None]


def test_a_service_error_is_stored_under_the_services_own_name():
    """As the state machine's native write stores it: the name as code and message."""
    name = "DynamoDB.ProvisionedThroughputExceededException"
    raised = ServiceError(name=name)
    qualified = f"{type(raised).__module__}.{type(raised).__qualname__}"
    assert failure_of(error_type=qualified, message=str(raised)) == Failure(code=name, message=name)
    # A name is a code: capped as one.
    long = "DynamoDB." + "X" * 150
    assert failure_of(error_type=qualified, message=long).code == long[:MAX_ERROR_CODE_CHARS]
    # Without a name it is an ordinary error, under its class name.
    assert failure_of(error_type=qualified, message="") == Failure(code="ServiceError", message="ServiceError")


# --- Property 7: complete, or marked unreadable ----------------------------------

covers = st.builds(
    ExtractedAlbum,
    albumIndex=st.integers(1, 6),
    artist=st.sampled_from(["", " ", "Prince", "The Who"]),
    albumName=st.sampled_from(["", "\t", "Parade"]),
    year=st.none() | st.integers(1900, 2100),
    confidence=st.floats(0, 1),
)


def _filled(album: Album) -> dict[str, bool]:
    return {"artist": bool(album.artist.strip()), "albumName": bool(album.albumName.strip()), "year": album.year is not None}


@given(covers)
def test_each_read_field_is_filled_or_marked_unreadable(cover):
    album = Album.from_extracted(cover)
    assert {field for field, filled in _filled(album).items() if not filled} == set(album.unreadable)
    assert album.unreadable == [f for f in ("artist", "albumName", "year") if f in album.unreadable]


@given(st.lists(covers, min_size=1, max_size=8))
def test_every_extracted_album_is_complete_or_marked(seen):
    """Through extraction (placeholders included), no field is empty without the marker."""
    readable = [cover.model_copy(update={"artist": "Prince"}) for cover in seen]
    for album in (Album.from_extracted(cover) for cover in extract_albums(ScriptedVision(readable), b"image")):
        assert all(filled or field in album.unreadable for field, filled in _filled(album).items())


def test_placeholders_are_unreadable_in_every_field():
    extracted = extract_albums(ScriptedVision(six_covers()[:1]), b"image")
    assert [Album.from_extracted(cover).unreadable for cover in extracted[1:]] == [["artist", "albumName", "year"]] * 5


@given(
    year=st.none() | st.integers(1900, 2100),
    artist=st.none() | st.sampled_from(["Prince", "Nico"]),
)
def test_what_a_person_fills_in_is_no_longer_unreadable(year, artist):
    service, repository, execution_id = running()
    index = 6  # the fixture's sixth cover has no year
    assert "year" in repository.get_albums(WORKFLOW, execution_id)[index - 1].unreadable
    correction = AlbumCorrection(albumIndex=index, year=year, artist=artist) if (year or artist) else None
    outcome = ValidationOutcome(reviewed=True, corrections=[correction] if correction else [])
    albums = service.apply_validation(WORKFLOW, execution_id, outcome)
    reviewed = albums[index - 1]
    assert reviewed.unreadable == unreadable_fields(artist=reviewed.artist, albumName=reviewed.albumName, year=reviewed.year)
    assert ("year" in reviewed.unreadable) is (year is None)
    assert repository.get_albums(WORKFLOW, execution_id)[index - 1] == reviewed
