"""The business steps on in-memory ports: no AWS, no engine."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from album_registry.domain.errors import InvalidS3KeyError, PriceEstimationError
from album_registry.domain.models import (
    AlbumCorrection,
    AlbumStatus,
    ExecutionStatus,
    TaskStatus,
    WorkflowType,
)
from album_registry.domain.price_estimator import OfflinePriceEstimator
from album_registry.domain.registration import AlbumRegistration, Upload, ValidationOutcome
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
        images=FixedImageStore(),
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


def test_completion_counts_priced_and_failed_albums():
    """Properties 25 and 26: prices are stored and the execution is completed with counts."""
    service, repository, execution = started()
    workflow = WorkflowType.DURABLE_FUNCTIONS
    albums = service.apply_validation(workflow, execution.executionId, ValidationOutcome(reviewed=True))
    for album in albums[:5]:
        service.record_price(workflow, execution.executionId, album, service.estimate_price(album))
    service.record_price_failure(workflow, execution.executionId, albums[5], "market closed")
    completed = service.complete_execution(workflow, execution.executionId)
    assert completed.status is ExecutionStatus.COMPLETED
    assert (completed.albumCount, completed.pricedCount, completed.priceFailedCount) == (6, 5, 1)
    assert completed.durationMs > 0
    stored = repository.get_albums(workflow, execution.executionId)
    assert all(a.priceEstimate is not None and a.priceConfidence is not None for a in stored[:5])
    assert stored[5].priceError == "market closed"
    # A late failure cannot undo the completion.
    service.fail_execution(workflow, execution.executionId, "late")
    assert repository.get_execution(workflow, execution.executionId).status is ExecutionStatus.COMPLETED


def test_placeholder_albums_fail_to_price_with_a_reason():
    service, _, _ = started()
    from album_registry.domain.models import Album

    with pytest.raises(PriceEstimationError, match="album 2"):
        service.estimate_price(Album(albumIndex=2))
