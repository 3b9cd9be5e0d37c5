"""The business steps of registering one shelf photo.

Both orchestration shells call these methods and nothing else: the Step
Functions tasks through small Lambda handlers (or, for plain writes, native
DynamoDB integrations that write the same items), the durable handler inside
its checkpointed steps. Every method is safe to run again with the same input.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import ValidationError

from album_registry.domain import ids
from album_registry.domain.errors import ExecutionNotFoundError, InvalidValidationAnswerError
from album_registry.domain.failures import Failure, engine_ending
from album_registry.domain.models import (
    Album,
    AlbumCorrection,
    AlbumStatus,
    Execution,
    ExecutionStatus,
    PriceEstimate,
    TaskStatus,
    Upload,
    ValidationOutcome,
    ValidationTask,
    WorkflowType,
    unreadable_fields,
)
from album_registry.domain.ports import (
    AlbumRepository,
    Clock,
    ImageStore,
    PriceEstimator,
    VisionProvider,
)
from album_registry.domain.s3_keys import validate_upload_key
from album_registry.domain.vision import extract_albums


FINAL_STATUSES = frozenset({ExecutionStatus.COMPLETED, ExecutionStatus.FAILED})


def parse_validation_answer(answer: str | None) -> ValidationOutcome:
    """The outcome a person's answer carries; anything else is refused with a short reason."""
    if not answer:
        raise InvalidValidationAnswerError(reason="the answer is empty")
    try:
        return ValidationOutcome.model_validate_json(answer)
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or "answer"
        raise InvalidValidationAnswerError(reason=f"{where}: {problem['msg']}") from None


def timestamp(moment: datetime) -> str:
    """ISO-8601 in UTC with milliseconds, as Step Functions writes its times."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class AlbumRegistration:
    def __init__(
        self,
        *,
        repository: AlbumRepository,
        clock: Clock,
        images: ImageStore | None = None,
        vision: VisionProvider | None = None,
        prices: PriceEstimator | None = None,
    ) -> None:
        self._repository = repository
        self._clock = clock
        self._images = images
        self._vision = vision
        self._prices = prices

    def prepare_execution(
        self, workflow: WorkflowType, upload: Upload, *, engine_execution_arn: str | None = None
    ) -> Execution:
        """The execution record for an upload; validates the key, writes nothing."""
        validate_upload_key(upload.key)
        now = timestamp(self._clock.now())
        return Execution(
            executionId=ids.execution_id_for_upload(
                workflow, bucket=upload.bucket, key=upload.key, version=upload.version
            ),
            workflowType=workflow,
            imageS3Key=upload.key,
            bucket=upload.bucket,
            startedAt=now,
            updatedAt=now,
            engineExecutionArn=engine_execution_arn,
        )

    def start_execution(self, execution: Execution) -> bool:
        """Store the new execution; False when another run handles this upload.

        A record written by this same engine run (a retried step, or a write
        whose answer was lost and resent) is this run's own, not a duplicate.
        """
        return self._repository.create_execution(execution)

    def process_image(self, upload: Upload) -> list[Album]:
        if self._images is None or self._vision is None:
            raise RuntimeError("process_image needs an image store and a vision provider")
        image = self._images.read_image(bucket=upload.bucket, key=upload.key, version=upload.version)
        return [Album.from_extracted(album) for album in extract_albums(self._vision, image)]

    def store_albums(self, workflow: WorkflowType, execution_id: str, albums: list[Album]) -> None:
        self._repository.save_albums(workflow, execution_id, albums)
        execution = self._execution(workflow, execution_id)
        self._repository.update_execution(
            execution.model_copy(update={"albumCount": len(albums), "updatedAt": self._now()})
        )

    def open_validation(
        self,
        workflow: WorkflowType,
        execution_id: str,
        *,
        timeout_seconds: int,
        task_token: str | None = None,
        callback_id: str | None = None,
    ) -> ValidationTask:
        """Create the pending task that holds what resumes the paused engine."""
        execution = self._execution(workflow, execution_id)
        created = self._clock.now()
        task = ValidationTask(
            taskId=ids.task_id_for_execution(execution_id),
            executionId=execution_id,
            workflowType=workflow,
            albums=self._repository.get_albums(workflow, execution_id),
            imageS3Key=execution.imageS3Key,
            createdAt=timestamp(created),
            expiresAt=timestamp(created + timedelta(seconds=timeout_seconds)),
            taskToken=task_token,
            callbackId=callback_id,
        )
        self._repository.create_task(task)
        waiting = self._repository.update_execution(
            execution.model_copy(
                update={"status": ExecutionStatus.WAITING_VALIDATION, "updatedAt": timestamp(created)}
            )
        )
        if not waiting:
            # The run ended before its task was written: its engine's wait had
            # timed out first (a task opened late, by a slow cold start, under
            # a timeout of seconds) and the run went on to its end. Nobody can
            # answer the task any more.
            self.time_out_validation(workflow, execution_id)
        return task

    def time_out_validation(self, workflow: WorkflowType, execution_id: str) -> None:
        """The person did not answer in time: close the task, keep the data."""
        task = self._repository.get_task(workflow, ids.task_id_for_execution(execution_id))
        if task is None or task.status is not TaskStatus.PENDING:
            return
        self._repository.close_task(
            task.model_copy(update={"status": TaskStatus.TIMEOUT, "completedAt": self._now()}),
            expected_status=TaskStatus.PENDING,
        )

    def apply_validation(
        self, workflow: WorkflowType, execution_id: str, outcome: ValidationOutcome
    ) -> list[Album]:
        """Write what the person decided; ``yearOriginal`` keeps the extracted year.

        A reviewed album is marked validated, corrected or not. After a timeout
        nobody reviewed anything: the extracted data goes on unchanged.
        """
        by_index = {correction.albumIndex: correction for correction in outcome.corrections}
        albums = []
        for album in self._repository.get_albums(workflow, execution_id):
            if outcome.reviewed and album.status is AlbumStatus.EXTRACTED:
                album = _reviewed(album, by_index.get(album.albumIndex))
                self._repository.save_album(workflow, execution_id, album)
            albums.append(album)
        execution = self._execution(workflow, execution_id)
        self._repository.update_execution(
            execution.model_copy(update={"status": ExecutionStatus.RUNNING, "updatedAt": self._now()})
        )
        return albums

    def estimate_price(self, album: Album) -> PriceEstimate:
        if self._prices is None:
            raise RuntimeError("estimate_price needs a price estimator")
        return self._prices.estimate(album)

    def record_price(
        self, workflow: WorkflowType, execution_id: str, album: Album, estimate: PriceEstimate
    ) -> Album:
        priced = album.model_copy(
            update={
                **estimate.model_dump(),
                "status": AlbumStatus.PRICED,
                "priceError": None,
                "priceErrorCode": None,
            }
        )
        self._repository.save_album(workflow, execution_id, priced)
        return priced

    def record_price_failure(
        self, workflow: WorkflowType, execution_id: str, album: Album, failure: Failure
    ) -> Album:
        failed = album.model_copy(
            update={
                "status": AlbumStatus.PRICE_FAILED,
                "priceError": failure.message,
                "priceErrorCode": failure.code,
            }
        )
        self._repository.save_album(workflow, execution_id, failed)
        return failed

    def complete_execution(self, workflow: WorkflowType, execution_id: str) -> Execution:
        execution = self._execution(workflow, execution_id)
        if execution.status in FINAL_STATUSES:
            # Ended already (completed by an earlier attempt, or failed): as stored.
            return execution
        albums = self._repository.get_albums(workflow, execution_id)
        finished = self._clock.now()
        completed = execution.model_copy(
            update={
                "status": ExecutionStatus.COMPLETED,
                "completedAt": timestamp(finished),
                "updatedAt": timestamp(finished),
                "durationMs": _milliseconds_between(execution.startedAt, finished),
                "albumCount": len(albums),
                "pricedCount": sum(album.status is AlbumStatus.PRICED for album in albums),
                "priceFailedCount": sum(
                    album.status is AlbumStatus.PRICE_FAILED for album in albums
                ),
            }
        )
        self._repository.update_execution(completed)
        self._close_unanswerable_task(workflow, execution_id)
        return completed

    def fail_execution(self, workflow: WorkflowType, execution_id: str, failure: Failure) -> None:
        """Mark the run failed; a run that already ended keeps its final status (and a
        failed one the failure it recorded first)."""
        execution = self._execution(workflow, execution_id)
        if execution.status in FINAL_STATUSES:
            return
        self._repository.update_execution(
            execution.model_copy(
                update={
                    "status": ExecutionStatus.FAILED,
                    "error": failure.message,
                    "errorCode": failure.code,
                    "updatedAt": self._now(),
                }
            )
        )
        self._close_unanswerable_task(workflow, execution_id)

    def _close_unanswerable_task(self, workflow: WorkflowType, execution_id: str) -> None:
        """A task still pending once its run ended closes as timed out: nobody can answer it.

        A run's task is normally closed before its run ends, answered or timed
        out. One opened after its engine's wait had already timed out (a slow
        cold start under a timeout of seconds) is not: this closes it. Called
        after the run's final status is stored, so a task opened later still
        finds the run ended and closes itself (``open_validation``).
        """
        self.time_out_validation(workflow, execution_id)

    def end_by_engine(
        self, workflow: WorkflowType, execution_id: str, engine_status: str, *, engine_execution_arn: str
    ) -> Failure | None:
        """The engine ended a run itself (execution timeout, a stop, a failure the run
        could not record): the run's record, still open, is marked failed, and its
        pending validation task, if any, closed as timed out.

        Returns what was recorded; None when the status is no failure, there is no
        record (the run ended before writing one), the record is another run's (a
        redelivered upload's second run) or it had ended already.
        """
        failure = engine_ending(engine_status)
        execution = self._repository.get_execution(workflow, execution_id)
        if (
            failure is None
            or execution is None
            or execution.engineExecutionArn != engine_execution_arn
            or execution.status in FINAL_STATUSES
        ):
            return None
        # Nobody can answer a task of a run that is gone: it closes before the
        # record turns failed, so whoever sees the record failed sees the task closed.
        self.time_out_validation(workflow, execution_id)
        self.fail_execution(workflow, execution_id, failure)
        return failure

    def _execution(self, workflow: WorkflowType, execution_id: str) -> Execution:
        execution = self._repository.get_execution(workflow, execution_id)
        if execution is None:
            raise ExecutionNotFoundError(execution_id=execution_id)
        return execution

    def _now(self) -> str:
        return timestamp(self._clock.now())


def _reviewed(album: Album, correction: AlbumCorrection | None) -> Album:
    # The correction's albumIndex is the album's own: it changes nothing.
    changes = correction.model_dump(exclude_none=True) if correction else {}
    read = {field: changes.get(field, getattr(album, field)) for field in ("artist", "albumName", "year")}
    # What the person filled in is no longer unreadable.
    return album.model_copy(
        update={
            **changes,
            "unreadable": unreadable_fields(**read),
            "yearValidated": True,
            "status": AlbumStatus.VALIDATED,
        }
    )


def _milliseconds_between(started_at: str, finished: datetime) -> int:
    started = datetime.fromisoformat(started_at)  # reads the "Z" of ``timestamp`` (Python 3.11+)
    return max(0, int((finished - started).total_seconds() * 1000))
