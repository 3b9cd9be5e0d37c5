"""The business steps on in-memory ports: no AWS, no engine."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from album_registry.domain import ids
from album_registry.domain.errors import (
    ExecutionNotFoundError,
    InvalidS3KeyError,
    InvalidValidationAnswerError,
    PriceEstimationError,
)
from album_registry.domain.failures import Failure
from album_registry.domain.models import (
    Album,
    AlbumCorrection,
    AlbumStatus,
    ExecutionStatus,
    TaskStatus,
    Upload,
    ValidationOutcome,
    WorkflowType,
)
from album_registry.domain.price_estimator import OfflinePriceEstimator
from album_registry.domain.registration import (
    AlbumRegistration,
    parse_validation_answer,
    timestamp,
)
from tests.fakes import (
    FixedImageStore,
    InMemoryAlbumRepository,
    ScriptedVision,
    SteppingClock,
    six_covers,
)

UPLOAD = Upload(bucket="shelf-photos", key="uploads/shelf-1.jpg", version="v1")


def registration(repository: InMemoryAlbumRepository | None = None) -> AlbumRegistration:
    return AlbumRegistration(
        repository=repository or InMemoryAlbumRepository(),
        clock=SteppingClock(),
        images=FixedImageStore(bucket=UPLOAD.bucket, key=UPLOAD.key, version=UPLOAD.version),
        vision=ScriptedVision(six_covers()),
        prices=OfflinePriceEstimator(),
    )


def started(workflow: WorkflowType = WorkflowType.DURABLE_FUNCTIONS):
    repository = InMemoryAlbumRepository()
    service = registration(repository)
    execution = service.prepare_execution(workflow, UPLOAD)
    assert service.start_execution(execution)
    albums = service.process_image(UPLOAD)
    service.store_albums(workflow, execution.executionId, albums)
    return service, repository, execution


@pytest.mark.parametrize("workflow", list(WorkflowType))
def test_execution_metadata_is_complete(workflow):
    """Property 11: the stored execution has id, type, image key, status and times."""
    _, repository, execution = started(workflow)
    stored = repository.get_execution(workflow, execution.executionId)
    assert stored.workflowType is workflow
    assert stored.imageS3Key == UPLOAD.key
    assert stored.status is ExecutionStatus.RUNNING
    assert stored.startedAt and stored.updatedAt >= stored.startedAt
    assert stored.albumCount == 6


def test_a_redelivered_upload_starts_nothing_new():
    service, repository, execution = started()
    again = service.prepare_execution(WorkflowType.DURABLE_FUNCTIONS, UPLOAD)
    assert again.executionId == execution.executionId
    assert service.start_execution(again) is False
    assert len(repository.executions) == 1


def test_a_run_that_writes_its_own_record_again_is_not_a_duplicate():
    """A retried first step (or a resent write) finds the record of its own engine run."""
    repository = InMemoryAlbumRepository()
    service = registration(repository)
    workflow = WorkflowType.DURABLE_FUNCTIONS
    first = service.prepare_execution(workflow, UPLOAD, engine_execution_arn="arn:run/1")
    assert service.start_execution(first) is True
    retried = service.prepare_execution(workflow, UPLOAD, engine_execution_arn="arn:run/1")
    assert service.start_execution(retried) is True
    other_run = service.prepare_execution(workflow, UPLOAD, engine_execution_arn="arn:run/2")
    assert service.start_execution(other_run) is False
    stored = repository.get_execution(workflow, first.executionId)
    assert stored.engineExecutionArn == "arn:run/1"


def test_a_run_that_moved_on_is_not_restarted_by_its_own_record():
    service, repository, execution = started()
    workflow = WorkflowType.DURABLE_FUNCTIONS
    service.fail_execution(workflow, execution.executionId, Failure(code="X", message="x"))
    again = service.prepare_execution(workflow, UPLOAD)
    assert service.start_execution(again) is False
    assert repository.get_execution(workflow, execution.executionId).status is ExecutionStatus.FAILED


def test_a_bad_key_is_rejected_before_anything_is_stored():
    repository = InMemoryAlbumRepository()
    with pytest.raises(InvalidS3KeyError):
        registration(repository).prepare_execution(
            WorkflowType.STEP_FUNCTIONS, Upload(bucket="b", key="uploads/../x.jpg")
        )
    assert repository.executions == {}


def test_validation_task_is_pending_and_holds_the_resume_handle():
    """Property 15: after the initial save a pending task exists for the execution."""
    service, repository, execution = started()
    task = service.open_validation(
        WorkflowType.DURABLE_FUNCTIONS, execution.executionId, timeout_seconds=60, callback_id="cb-1"
    )
    assert task.status is TaskStatus.PENDING
    assert task.callbackId == "cb-1"
    assert [album.albumIndex for album in task.albums] == [1, 2, 3, 4, 5, 6]
    assert task.expiresAt > task.createdAt
    stored = repository.get_execution(WorkflowType.DURABLE_FUNCTIONS, execution.executionId)
    assert stored.status is ExecutionStatus.WAITING_VALIDATION


@given(
    st.dictionaries(
        st.integers(1, 6),
        st.fixed_dictionaries(
            {},
            optional={
                "year": st.integers(1900, 2026),
                "artist": st.text(min_size=1, max_size=20),
                "albumName": st.text(min_size=1, max_size=20),
            },
        ),
        max_size=6,
    )
)
def test_corrections_round_trip_and_keep_the_original_year(changes):
    """Properties 17 and 18: corrections are stored; yearOriginal keeps the extracted year."""
    service, repository, execution = started()
    workflow = WorkflowType.DURABLE_FUNCTIONS
    corrections = [AlbumCorrection(albumIndex=index, **fields) for index, fields in changes.items()]
    result = service.apply_validation(
        workflow, execution.executionId, ValidationOutcome(reviewed=True, corrections=corrections)
    )
    stored = repository.get_albums(workflow, execution.executionId)
    assert stored == result
    for album, cover in zip(stored, six_covers(), strict=True):
        expected = {"year": cover.year, "artist": cover.artist, "albumName": cover.albumName}
        expected |= changes.get(album.albumIndex, {})
        assert (album.year, album.artist, album.albumName) == (
            expected["year"],
            expected["artist"],
            expected["albumName"],
        )
        assert album.yearOriginal == cover.year
        assert album.yearValidated is True
        assert album.status is AlbumStatus.VALIDATED


def test_timeout_goes_on_with_the_original_data():
    """Property 19: a timed-out validation keeps the extracted albums."""
    service, repository, execution = started()
    workflow = WorkflowType.DURABLE_FUNCTIONS
    service.open_validation(workflow, execution.executionId, timeout_seconds=1, callback_id="cb")
    service.time_out_validation(workflow, execution.executionId)
    albums = service.apply_validation(workflow, execution.executionId, ValidationOutcome(reviewed=False))
    task = repository.get_task(workflow, f"task-{execution.executionId}")
    assert task.status is TaskStatus.TIMEOUT
    assert [(a.artist, a.year) for a in albums] == [(c.artist, c.year) for c in six_covers()]
    assert not any(album.yearValidated for album in albums)


ENDINGS = pytest.mark.parametrize(
    "end_run",
    [
        lambda service, workflow, execution_id: service.complete_execution(workflow, execution_id),
        lambda service, workflow, execution_id: service.fail_execution(
            workflow, execution_id, Failure(code="E", message="broke")
        ),
    ],
    ids=["completed", "failed"],
)


@ENDINGS
def test_a_run_that_ends_with_its_task_pending_closes_it_as_timed_out(end_run):
    """Nobody can answer a task once its run has ended: it must not stay on the pending list."""
    service, repository, execution = started()
    workflow = WorkflowType.DURABLE_FUNCTIONS
    service.open_validation(workflow, execution.executionId, timeout_seconds=60, callback_id="cb")
    end_run(service, workflow, execution.executionId)
    task = repository.get_task(workflow, ids.task_id_for_execution(execution.executionId))
    assert task.status is TaskStatus.TIMEOUT
    assert repository.list_tasks(workflow) == []


@ENDINGS
def test_a_task_opened_after_its_run_ended_closes_itself(end_run):
    """The engine's wait timed out before a slow cold start wrote the task, and the run went on to its end."""
    workflow = WorkflowType.STEP_FUNCTIONS
    service, repository, execution = started(workflow)
    end_run(service, workflow, execution.executionId)
    ended = repository.get_execution(workflow, execution.executionId)
    service.open_validation(workflow, execution.executionId, timeout_seconds=1, task_token="late")
    task = repository.get_task(workflow, ids.task_id_for_execution(execution.executionId))
    assert task.status is TaskStatus.TIMEOUT
    assert repository.get_execution(workflow, execution.executionId) == ended


def test_completion_counts_priced_and_failed_albums():
    """Properties 25 and 26: prices are stored and the execution is completed with counts."""
    service, repository, execution = started()
    workflow = WorkflowType.DURABLE_FUNCTIONS
    albums = service.apply_validation(workflow, execution.executionId, ValidationOutcome(reviewed=True))
    for album in albums[:5]:
        service.record_price(workflow, execution.executionId, album, service.estimate_price(album))
    service.record_price_failure(
        workflow, execution.executionId, albums[5], Failure(code="PriceEstimationError", message="market closed")
    )
    completed = service.complete_execution(workflow, execution.executionId)
    assert completed.status is ExecutionStatus.COMPLETED
    assert (completed.albumCount, completed.pricedCount, completed.priceFailedCount) == (6, 5, 1)
    assert completed.durationMs > 0
    stored = repository.get_albums(workflow, execution.executionId)
    assert all(a.priceEstimate is not None and a.priceConfidence is not None for a in stored[:5])
    assert (stored[5].priceError, stored[5].priceErrorCode) == ("market closed", "PriceEstimationError")
    assert stored[5].status is AlbumStatus.PRICE_FAILED and stored[5].priceEstimate is None
    # A late failure cannot undo the completion.
    service.fail_execution(workflow, execution.executionId, Failure(code="Late", message="late"))
    final = repository.get_execution(workflow, execution.executionId)
    assert final == completed


def test_a_failure_is_stored_as_its_code_and_message():
    """Property 32: a failed run records the stable code and the short message."""
    service, repository, execution = started()
    workflow = WorkflowType.DURABLE_FUNCTIONS
    service.fail_execution(
        workflow, execution.executionId, Failure(code="VisionUnavailableError", message="vision down")
    )
    failed = repository.get_execution(workflow, execution.executionId)
    assert (failed.status, failed.errorCode, failed.error) == (
        ExecutionStatus.FAILED,
        "VisionUnavailableError",
        "vision down",
    )
    assert failed.updatedAt > execution.updatedAt
    assert failed.completedAt is None


def test_a_price_recorded_after_a_failure_clears_the_error():
    service, repository, execution = started()
    workflow = WorkflowType.DURABLE_FUNCTIONS
    album = repository.get_albums(workflow, execution.executionId)[0]
    failed = service.record_price_failure(
        workflow, execution.executionId, album, Failure(code="PriceEstimationError", message="closed")
    )
    priced = service.record_price(workflow, execution.executionId, failed, service.estimate_price(album))
    assert (priced.priceError, priced.priceErrorCode, priced.status) == (None, None, AlbumStatus.PRICED)
    assert repository.get_albums(workflow, execution.executionId)[0] == priced


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (None, "the answer is empty"),
        ("", "the answer is empty"),
        ("not json", "answer: Invalid JSON"),
        ('{"corrections": []}', "reviewed: Field required"),
        ('{"reviewed": true, "corrections": [{"albumIndex": 9}]}', "corrections.0.albumIndex"),
    ],
)
def test_a_malformed_validation_answer_is_refused_with_a_short_reason(answer, reason):
    with pytest.raises(InvalidValidationAnswerError) as raised:
        parse_validation_answer(answer)
    assert str(raised.value).startswith(f"validation answer rejected: {reason}")
    assert "\n" not in str(raised.value)


def test_a_validation_answer_is_parsed():
    answer = ValidationOutcome(reviewed=True, corrections=[AlbumCorrection(albumIndex=2, year=1970)])
    assert parse_validation_answer(answer.model_dump_json()) == answer


def test_placeholder_albums_fail_to_price_with_a_reason():
    service, _, _ = started()
    from album_registry.domain.models import Album

    with pytest.raises(PriceEstimationError, match="album 2"):
        service.estimate_price(Album(albumIndex=2))


def test_a_failed_run_is_not_reported_completed():
    """A final status stands: completing a failed run returns it failed, as stored."""
    service, repository, execution = started()
    workflow = WorkflowType.DURABLE_FUNCTIONS
    service.fail_execution(workflow, execution.executionId, Failure(code="E", message="broke"))
    returned = service.complete_execution(workflow, execution.executionId)
    assert returned == repository.get_execution(workflow, execution.executionId)
    assert returned.status is ExecutionStatus.FAILED and returned.completedAt is None


def test_a_validated_run_goes_back_to_running():
    service, repository, execution = started()
    workflow = WorkflowType.DURABLE_FUNCTIONS
    service.open_validation(workflow, execution.executionId, timeout_seconds=60, callback_id="cb")
    service.apply_validation(workflow, execution.executionId, ValidationOutcome(reviewed=True))
    assert repository.get_execution(workflow, execution.executionId).status is ExecutionStatus.RUNNING


def test_completion_times_are_pinned():
    """startedAt is the clock's first reading; completion reads it once more, a second later."""
    repository = InMemoryAlbumRepository()
    service = registration(repository)
    workflow = WorkflowType.STEP_FUNCTIONS
    execution = service.prepare_execution(workflow, UPLOAD)
    assert service.start_execution(execution)
    completed = service.complete_execution(workflow, execution.executionId)
    assert execution.startedAt == execution.updatedAt == "2026-11-24T12:00:00.000Z"
    assert completed.completedAt == completed.updatedAt == "2026-11-24T12:00:01.000Z"
    assert completed.durationMs == 1000
    assert (completed.albumCount, completed.pricedCount, completed.priceFailedCount) == (0, 0, 0)


def test_the_photo_is_read_at_its_version():
    """The image store double refuses any other bucket, key or version, as S3 would."""
    service = registration()
    assert len(service.process_image(UPLOAD)) == 6
    for other in (
        UPLOAD.model_copy(update={"version": "v2"}),
        UPLOAD.model_copy(update={"bucket": "elsewhere"}),
        UPLOAD.model_copy(update={"key": "uploads/other.jpg"}),
    ):
        with pytest.raises(LookupError):
            service.process_image(other)


def test_extracted_albums_keep_confidence_and_cover_box():
    from album_registry.domain.models import Album, ExtractedAlbum

    seen = ExtractedAlbum(
        albumIndex=3, artist="A", albumName="B", year=1970, confidence=0.75, coverBox=(0.1, 0.2, 0.3, 0.4)
    )
    album = Album.from_extracted(seen)
    assert (album.confidence, album.coverBox, album.yearOriginal, album.status) == (
        0.75,
        (0.1, 0.2, 0.3, 0.4),
        1970,
        AlbumStatus.EXTRACTED,
    )


def test_every_write_stamps_the_record_with_the_clocks_reading():
    """Each step writes its own time: store, open, apply, fail (the stepping clock ticks once a reading)."""
    repository = InMemoryAlbumRepository()
    service = registration(repository)
    workflow = WorkflowType.DURABLE_FUNCTIONS
    execution = service.prepare_execution(workflow, UPLOAD)  # reading 1: 12:00:00
    service.start_execution(execution)
    service.store_albums(workflow, execution.executionId, service.process_image(UPLOAD))
    assert repository.get_execution(workflow, execution.executionId).updatedAt == "2026-11-24T12:00:01.000Z"
    task = service.open_validation(workflow, execution.executionId, timeout_seconds=60, callback_id="cb")
    assert task.createdAt == "2026-11-24T12:00:02.000Z" and task.expiresAt == "2026-11-24T12:01:02.000Z"
    assert task.imageS3Key == UPLOAD.key and task.executionId == execution.executionId
    assert repository.get_execution(workflow, execution.executionId).updatedAt == task.createdAt
    service.apply_validation(workflow, execution.executionId, ValidationOutcome(reviewed=True))
    assert repository.get_execution(workflow, execution.executionId).updatedAt == "2026-11-24T12:00:03.000Z"
    service.fail_execution(workflow, execution.executionId, Failure(code="E", message="broke"))
    assert repository.get_execution(workflow, execution.executionId).updatedAt == "2026-11-24T12:00:04.000Z"


def test_a_timed_out_task_records_when_it_closed_and_only_a_pending_one_closes():
    repository = InMemoryAlbumRepository()
    service = registration(repository)
    workflow = WorkflowType.STEP_FUNCTIONS
    execution = service.prepare_execution(workflow, UPLOAD)
    service.start_execution(execution)
    service.time_out_validation(workflow, execution.executionId)  # no task yet: nothing to close
    service.open_validation(workflow, execution.executionId, timeout_seconds=60, task_token="t")
    service.time_out_validation(workflow, execution.executionId)
    closed = repository.get_task(workflow, f"task-{execution.executionId}")
    assert (closed.status, closed.completedAt) == (TaskStatus.TIMEOUT, "2026-11-24T12:00:02.000Z")
    service.time_out_validation(workflow, execution.executionId)
    assert repository.get_task(workflow, f"task-{execution.executionId}") == closed


def test_the_record_is_the_uploads_and_completion_counts_what_is_stored():
    repository = InMemoryAlbumRepository()
    service = registration(repository)
    workflow = WorkflowType.STEP_FUNCTIONS
    execution = service.prepare_execution(workflow, UPLOAD, engine_execution_arn="arn:run")
    assert (execution.bucket, execution.imageS3Key, execution.engineExecutionArn) == (UPLOAD.bucket, UPLOAD.key, "arn:run")
    assert execution.executionId == ids.execution_id_for_upload(
        workflow, bucket=UPLOAD.bucket, key=UPLOAD.key, version=UPLOAD.version
    )
    service.start_execution(execution)
    # Albums written by the state machine's own task, without the count update.
    repository.save_albums(workflow, execution.executionId, [Album.from_extracted(c) for c in six_covers()])
    assert service.complete_execution(workflow, execution.executionId).albumCount == 6


def test_a_missing_record_is_named():
    with pytest.raises(ExecutionNotFoundError) as raised:
        registration().complete_execution(WorkflowType.STEP_FUNCTIONS, "sf-missing")
    assert raised.value.execution_id == "sf-missing"


def test_steps_without_their_port_say_which_one_is_missing():
    repository = InMemoryAlbumRepository()
    images = FixedImageStore(bucket=UPLOAD.bucket, key=UPLOAD.key, version=UPLOAD.version)
    without_vision = AlbumRegistration(repository=repository, clock=SteppingClock(), images=images)
    with pytest.raises(RuntimeError, match="^process_image needs an image store and a vision provider$"):
        without_vision.process_image(UPLOAD)
    without_images = AlbumRegistration(repository=repository, clock=SteppingClock(), vision=ScriptedVision(six_covers()))
    with pytest.raises(RuntimeError, match="^process_image needs an image store and a vision provider$"):
        without_images.process_image(UPLOAD)
    with pytest.raises(RuntimeError, match="^estimate_price needs a price estimator$"):
        without_vision.estimate_price(Album(albumIndex=1, artist="A", albumName="B"))


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2026, 1, 2, 3, 4, 5, 500_000, tzinfo=UTC), "2026-01-02T03:04:05.500Z"),
        (datetime(2026, 1, 2, 3, 4, 5, 999_999, tzinfo=UTC), "2026-01-02T03:04:05.999Z"),
        (datetime(2026, 1, 2, 3, 4, 5, 999, tzinfo=UTC), "2026-01-02T03:04:05.000Z"),
    ],
)
def test_times_are_written_to_the_millisecond_as_step_functions_writes_them(moment, text):
    assert timestamp(moment) == text


def test_a_run_completed_within_its_first_millisecond_lasted_zero():
    class FrozenClock:
        def now(self) -> datetime:
            return datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

    repository = InMemoryAlbumRepository()
    service = AlbumRegistration(repository=repository, clock=FrozenClock())
    execution = service.prepare_execution(WorkflowType.STEP_FUNCTIONS, UPLOAD)
    service.start_execution(execution)
    assert service.complete_execution(WorkflowType.STEP_FUNCTIONS, execution.executionId).durationMs == 0
