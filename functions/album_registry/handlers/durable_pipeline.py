"""The durable-functions pattern: the six steps as one checkpointed handler.

Every call into the core runs inside a named step, so a replay reads results
from the checkpoint log instead of doing the work again; nothing here reads
the clock, draws a random number or does I/O outside a step.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from aws_durable_execution_sdk_python import (
    CallbackTimeoutError,
    DurableContext,
    DurableOperationError,
    StepContext,
    durable_execution,
    durable_step,
)
from aws_durable_execution_sdk_python.config import (
    CompletionConfig,
    Duration,
    JitterStrategy,
    MapConfig,
    StepConfig,
    WaitForCallbackConfig,
)
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy
from aws_durable_execution_sdk_python.types import WaitForCallbackContext

from botocore.exceptions import ClientError

from album_registry import composition
from album_registry.adapters.dynamodb_repository import integration_error_name
from album_registry.domain.errors import ServiceError, VisionUnavailableError
from album_registry.domain.failures import Failure, failure_of
from album_registry.domain.models import Album, PriceEstimate, WorkflowType
from album_registry.domain.registration import Upload, ValidationOutcome, parse_validation_answer
from album_registry.domain import ids
from album_registry.handlers.observability import emit_validation_wait, logger, metrics_for, timed_step
from album_registry.handlers.upload_event import upload_from_event

WORKFLOW = WorkflowType.DURABLE_FUNCTIONS
# Nobody answered: the run goes on with the extracted data, as the ASL's GoOnWithExtractedData.
TIMED_OUT_ANSWER = ValidationOutcome(reviewed=False).model_dump_json()

# Property 9: three retries after the first attempt, from 2 s, as the ASL's MaxAttempts 3.
VISION_RETRY = StepConfig(
    retry_strategy=create_retry_strategy(
        RetryStrategyConfig(
            max_attempts=4,
            initial_delay=Duration.from_seconds(2),
            backoff_rate=2,
            jitter_strategy=JitterStrategy.NONE,
            retryable_error_types=[VisionUnavailableError],
        )
    )
)
PRICE_RETRY = StepConfig(
    retry_strategy=create_retry_strategy(
        RetryStrategyConfig(max_attempts=3, initial_delay=Duration.from_seconds(1), backoff_rate=2)
    )
)
# Table writes: retried on AWS errors (throttling, 5xx), not on bad data.
WRITE_RETRY = StepConfig(
    retry_strategy=create_retry_strategy(
        RetryStrategyConfig(
            max_attempts=3,
            initial_delay=Duration.from_seconds(1),
            backoff_rate=2,
            retryable_error_types=[ClientError, ServiceError],
        )
    )
)

_Write = TypeVar("_Write", bound=Callable[..., Any])


def native_write(step: _Write) -> _Write:
    """A write the state machine makes with a native DynamoDB task: a DynamoDB error
    fails it as a ``ServiceError`` named as that task names it (``DynamoDB.<code>``),
    so both patterns record the same failure for the same write."""

    @functools.wraps(step)
    def named(*args: Any, **kwargs: Any) -> Any:
        try:
            return step(*args, **kwargs)
        except ClientError as error:
            raise ServiceError(name=integration_error_name(error)) from error

    return named  # type: ignore[return-value]


# Thread-safe keys: the local stack runs many invocations at once in one process.
def _in_step(step: str, execution_id: str | None) -> None:
    logger.thread_safe_append_keys(step=step, executionId=execution_id, workflowType=WORKFLOW.value)


@durable_step
@timed_step(WORKFLOW, "prepare-execution")
@native_write
def prepare_execution(step_context: StepContext, event: dict[str, Any], durable_execution_arn: str) -> dict[str, Any]:
    _in_step("prepare-execution", None)
    registration = composition.registration()
    upload = upload_from_event(event)
    execution = registration.prepare_execution(WORKFLOW, upload, engine_execution_arn=durable_execution_arn)
    is_new = registration.start_execution(execution)
    _in_step("prepare-execution", execution.executionId)
    logger.info("execution prepared", extra={"imageS3Key": upload.key, "isNew": is_new})
    if is_new:
        metrics = metrics_for(WORKFLOW)
        metrics.add_metric(name="ExecutionsStarted", unit="Count", value=1)
        metrics.flush_metrics()
    return {"executionId": execution.executionId, "upload": upload.model_dump(), "isNew": is_new}


@durable_step
@timed_step(WORKFLOW, "process-image")
def process_image(step_context: StepContext, execution_id: str, upload: dict[str, Any]) -> list[dict[str, Any]]:
    _in_step("process-image", execution_id)
    albums = composition.registration().process_image(Upload.model_validate(upload))
    logger.info("albums extracted", extra={"albums": len(albums)})
    return [album.model_dump(mode="json") for album in albums]


@durable_step
@timed_step(WORKFLOW, "store-initial-data")
@native_write
def store_initial_data(step_context: StepContext, execution_id: str, albums: list[dict[str, Any]]) -> None:
    _in_step("store-initial-data", execution_id)
    composition.registration().store_albums(
        WORKFLOW, execution_id, [Album.model_validate(album) for album in albums]
    )


def open_validation_task(execution_id: str, timeout_seconds: int):
    """The callback submitter: store the task with its callback id."""

    @timed_step(WORKFLOW, "open-validation")
    def submit(callback_id: str, callback_context: WaitForCallbackContext) -> None:
        _in_step("wait-for-validation", execution_id)
        task = composition.registration().open_validation(
            WORKFLOW, execution_id, timeout_seconds=timeout_seconds, callback_id=callback_id
        )
        logger.info("validation task opened", extra={"taskId": task.taskId})

    return submit


@durable_step
@timed_step(WORKFLOW, "validation-timeout")
@native_write
def time_out_validation(step_context: StepContext, execution_id: str) -> None:
    _in_step("validation-timeout", execution_id)
    composition.registration().time_out_validation(WORKFLOW, execution_id)
    logger.info("validation timed out; going on with the extracted data")


@durable_step
@timed_step(WORKFLOW, "apply-validation")
def apply_validation(step_context: StepContext, execution_id: str, answer: str | None) -> list[dict[str, Any]]:
    """Parse the callback's raw answer here, so a malformed one fails this step (and the run)."""
    _in_step("apply-validation", execution_id)
    albums = composition.registration().apply_validation(WORKFLOW, execution_id, parse_validation_answer(answer))
    task = composition.repository().get_task(WORKFLOW, ids.task_id_for_execution(execution_id))
    emit_validation_wait(WORKFLOW, task)
    return [album.model_dump(mode="json") for album in albums]


@durable_step
@timed_step(WORKFLOW, "estimate-price")
def estimate_price(step_context: StepContext, execution_id: str, album: dict[str, Any]) -> dict[str, Any]:
    return composition.registration().estimate_price(Album.model_validate(album)).model_dump()


@durable_step
@timed_step(WORKFLOW, "record-price")
@native_write
def record_price(step_context: StepContext, execution_id: str, album: dict[str, Any], estimate: dict[str, Any]) -> None:
    composition.registration().record_price(
        WORKFLOW, execution_id, Album.model_validate(album), PriceEstimate.model_validate(estimate)
    )


@durable_step
@timed_step(WORKFLOW, "record-price-failure")
@native_write
def record_price_failure(
    step_context: StepContext, execution_id: str, album: dict[str, Any], failure: dict[str, str]
) -> None:
    _in_step("estimate-price", execution_id)
    recorded = Failure.model_validate(failure)
    logger.warning(
        "price agent failed",
        extra={"albumIndex": album["albumIndex"], "errorCode": recorded.code, "reason": recorded.message},
    )
    composition.registration().record_price_failure(WORKFLOW, execution_id, Album.model_validate(album), recorded)


@durable_step
@timed_step(WORKFLOW, "complete-execution")
def complete_execution(step_context: StepContext, execution_id: str) -> dict[str, Any]:
    _in_step("complete-execution", execution_id)
    execution = composition.registration().complete_execution(WORKFLOW, execution_id)
    metrics = metrics_for(WORKFLOW)
    metrics.add_metric(name="ExecutionsCompleted", unit="Count", value=1)
    metrics.add_metric(name="WorkflowDuration", unit="Milliseconds", value=execution.durationMs or 0)
    metrics.add_metric(name="PriceAgentFailures", unit="Count", value=execution.priceFailedCount or 0)
    metrics.flush_metrics()
    return execution.model_dump(mode="json")


@durable_step
@timed_step(WORKFLOW, "mark-execution-failed")
@native_write
def mark_execution_failed(step_context: StepContext, execution_id: str, failure: dict[str, str]) -> None:
    _in_step("mark-execution-failed", execution_id)
    recorded = Failure.model_validate(failure)
    logger.error("execution failed", extra={"errorCode": recorded.code, "error": recorded.message})
    composition.registration().fail_execution(WORKFLOW, execution_id, recorded)
    metrics = metrics_for(WORKFLOW)
    metrics.add_metric(name="ExecutionsFailed", unit="Count", value=1)
    metrics.flush_metrics()


def stored_failure(error: DurableOperationError) -> dict[str, str]:
    """The code and short message a failed operation is recorded with (no stack trace)."""
    return failure_of(error_type=error.error_type, message=error.message).model_dump()


def price_album(context: DurableContext, item: dict[str, Any], index: int, items: list[dict[str, Any]]) -> str:
    """One price agent: retried on its own; a lasting failure, of the estimate or of its
    write, is recorded on the album, not raised (as the state machine's agent does)."""
    execution_id, album = item["executionId"], item["album"]
    try:
        estimate = context.step(estimate_price(execution_id, album), name="estimate-price", config=PRICE_RETRY)
        context.step(record_price(execution_id, album, estimate), name="record-price", config=WRITE_RETRY)
    except DurableOperationError as error:
        context.step(
            record_price_failure(execution_id, album, stored_failure(error)),
            name="record-price-failure",
            config=WRITE_RETRY,
        )
        return "price_failed"
    return "priced"


@durable_execution
def handler(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    prepared = context.step(
        prepare_execution(event, context.execution_context.durable_execution_arn),
        name="prepare-execution",
        config=WRITE_RETRY,
    )
    execution_id = prepared["executionId"]
    if not prepared["isNew"]:
        return {"executionId": execution_id, "status": "duplicate"}
    timeout_seconds = composition.settings().validation_timeout_seconds
    try:
        albums = context.step(process_image(execution_id, prepared["upload"]), name="process-image", config=VISION_RETRY)
        context.step(store_initial_data(execution_id, albums), name="store-initial-data", config=WRITE_RETRY)
        try:
            answer = context.wait_for_callback(
                open_validation_task(execution_id, timeout_seconds),
                name="wait-for-validation",
                config=WaitForCallbackConfig(timeout=Duration.from_seconds(timeout_seconds)),
            )
        except CallbackTimeoutError:
            context.step(time_out_validation(execution_id), name="validation-timeout", config=WRITE_RETRY)
            answer = TIMED_OUT_ANSWER
        albums = context.step(apply_validation(execution_id, answer), name="apply-validation", config=WRITE_RETRY)
        context.map(
            [{"executionId": execution_id, "album": album} for album in albums],
            price_album,
            name="estimate-prices",
            config=MapConfig(
                max_concurrency=composition.settings().price_agent_concurrency,
                completion_config=CompletionConfig.all_completed(),
            ),
        )
        return context.step(complete_execution(execution_id), name="complete-execution", config=WRITE_RETRY)
    except DurableOperationError as error:
        context.step(
            mark_execution_failed(execution_id, stored_failure(error)),
            name="mark-execution-failed",
            config=WRITE_RETRY,
        )
        raise
