"""The durable-functions pattern: the six steps as one checkpointed handler. Each call into the core
is a durable step that does the work and returns a plain value (``steps.Shell`` adds logs, metrics and
model conversions), so a replay reads the checkpoint; nothing here reads the clock or does I/O outside a step."""

from __future__ import annotations

import functools
from typing import Any

from aws_durable_execution_sdk_python import CallbackTimeoutError, DurableContext, DurableOperationError
from aws_durable_execution_sdk_python import StepContext, durable_execution
from aws_durable_execution_sdk_python.config import CompletionConfig, Duration, JitterStrategy, MapConfig, WaitForCallbackConfig
from aws_durable_execution_sdk_python.types import WaitForCallbackContext
from botocore.exceptions import ClientError

from album_registry import composition
from album_registry.domain.errors import ServiceError, VisionUnavailableError
from album_registry.domain.failures import Failure
from album_registry.domain.models import Album, Execution, PriceEstimate, Upload, ValidationOutcome, WorkflowType
from album_registry.domain.registration import parse_validation_answer
from album_registry.handlers import steps
from album_registry.handlers.upload_event import upload_from_event

WORKFLOW = WorkflowType.DURABLE_FUNCTIONS
shell = steps.Shell(WORKFLOW)
# Nobody answered: the run goes on with the extracted data, as the ASL's GoOnWithExtractedData.
TIMED_OUT_ANSWER = ValidationOutcome(reviewed=False).model_dump_json()
# Property 9: three retries after the first attempt, from 2 s, as the ASL's MaxAttempts 3.
VISION_RETRY = steps.retried(attempts=4, first_delay_seconds=2, on=[VisionUnavailableError], jitter=JitterStrategy.NONE)
PRICE_RETRY = steps.retried(attempts=3, first_delay_seconds=1)
# Table writes: retried on AWS errors (throttling, 5xx), not on bad data.
WRITE_RETRY = steps.retried(attempts=3, first_delay_seconds=1, on=[ClientError, ServiceError])


@shell.durable_step("prepare-execution", native_write=True)
def prepare_execution(step_context: StepContext, event: dict[str, Any], durable_execution_arn: str) -> dict[str, Any]:
    registration = composition.registration()
    upload = upload_from_event(event)
    execution = registration.prepare_execution(WORKFLOW, upload, engine_execution_arn=durable_execution_arn)
    is_new = registration.start_execution(execution)
    steps.in_execution(execution.executionId)
    steps.logger.info("execution prepared", extra={"imageS3Key": upload.key, "isNew": is_new})
    if is_new:
        steps.execution_started()
    return {"executionId": execution.executionId, "upload": upload, "isNew": is_new}


@shell.durable_step("process-image")
def process_image(step_context: StepContext, execution_id: str, upload: Upload) -> list[Album]:
    albums = composition.registration().process_image(upload)
    steps.logger.info("albums extracted", extra={"albums": len(albums)})
    return albums


@shell.durable_step("store-initial-data", native_write=True)
def store_initial_data(step_context: StepContext, execution_id: str, albums: list[Album]) -> None:
    composition.registration().store_albums(WORKFLOW, execution_id, albums)


@shell.step("open-validation", log_step="wait-for-validation")
def open_validation_task(callback_id: str, callback_context: WaitForCallbackContext, *, execution_id: str, timeout_seconds: int) -> None:
    """The callback submitter: store the task with its callback id."""
    task = composition.registration().open_validation(WORKFLOW, execution_id, timeout_seconds=timeout_seconds, callback_id=callback_id)
    steps.logger.info("validation task opened", extra={"taskId": task.taskId})


@shell.durable_step("validation-timeout", native_write=True)
def time_out_validation(step_context: StepContext, execution_id: str) -> None:
    composition.registration().time_out_validation(WORKFLOW, execution_id)
    steps.logger.info("validation timed out; going on with the extracted data")


@shell.durable_step("apply-validation")
def apply_validation(step_context: StepContext, execution_id: str, answer: str | None) -> list[Album]:
    """Parse the callback's raw answer here, so a malformed one fails this step (and the run)."""
    albums = composition.registration().apply_validation(WORKFLOW, execution_id, parse_validation_answer(answer))
    steps.validation_waited()
    return albums


@shell.durable_step("estimate-price")
def estimate_price(step_context: StepContext, execution_id: str, album: Album) -> PriceEstimate:
    return composition.registration().estimate_price(album)


@shell.durable_step("record-price", native_write=True)
def record_price(step_context: StepContext, execution_id: str, album: Album, estimate: PriceEstimate) -> None:
    composition.registration().record_price(WORKFLOW, execution_id, album, estimate)


@shell.durable_step("record-price-failure", native_write=True, log_step="estimate-price")
def record_price_failure(step_context: StepContext, execution_id: str, album: Album, failure: Failure) -> None:
    steps.logger.warning("price agent failed", extra={"albumIndex": album.albumIndex, "errorCode": failure.code, "reason": failure.message})
    composition.registration().record_price_failure(WORKFLOW, execution_id, album, failure)


@shell.durable_step("complete-execution")
def complete_execution(step_context: StepContext, execution_id: str) -> Execution:
    execution = composition.registration().complete_execution(WORKFLOW, execution_id)
    steps.execution_completed(execution)
    return execution


@shell.durable_step("mark-execution-failed", native_write=True)
def mark_execution_failed(step_context: StepContext, execution_id: str, failure: Failure) -> None:
    composition.registration().fail_execution(WORKFLOW, execution_id, failure)
    steps.execution_failed(failure)


def price_album(context: DurableContext, item: dict[str, Any], index: int, items: list[dict[str, Any]]) -> str:
    """One price agent: a lasting failure, of the estimate or its write, is recorded on the album, not raised."""
    execution_id, album = item["executionId"], item["album"]
    try:
        estimate = context.step(estimate_price(execution_id, album), name="estimate-price", config=PRICE_RETRY)
        context.step(record_price(execution_id, album, estimate), name="record-price", config=WRITE_RETRY)
        return "priced"
    except DurableOperationError as error:
        failure = steps.stored_failure(error)
        context.step(record_price_failure(execution_id, album, failure), name="record-price-failure", config=WRITE_RETRY)
        return "price_failed"


@durable_execution
def handler(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    arn = context.execution_context.durable_execution_arn
    prepared = context.step(prepare_execution(event, arn), name="prepare-execution", config=WRITE_RETRY)
    execution_id = prepared["executionId"]
    if not prepared["isNew"]:
        return {"executionId": execution_id, "status": "duplicate"}
    settings = composition.settings()
    timeout_seconds = settings.validation_timeout_seconds
    wait_config = WaitForCallbackConfig(timeout=Duration.from_seconds(timeout_seconds))
    agents_config = MapConfig(max_concurrency=settings.price_agent_concurrency, completion_config=CompletionConfig.all_completed())
    try:
        albums = context.step(process_image(execution_id, prepared["upload"]), name="process-image", config=VISION_RETRY)
        context.step(store_initial_data(execution_id, albums), name="store-initial-data", config=WRITE_RETRY)
        try:
            submitter = functools.partial(open_validation_task, execution_id=execution_id, timeout_seconds=timeout_seconds)
            answer = context.wait_for_callback(submitter, name="wait-for-validation", config=wait_config)
        except CallbackTimeoutError:
            context.step(time_out_validation(execution_id), name="validation-timeout", config=WRITE_RETRY)
            answer = TIMED_OUT_ANSWER
        albums = context.step(apply_validation(execution_id, answer), name="apply-validation", config=WRITE_RETRY)
        agent_inputs = [{"executionId": execution_id, "album": album} for album in albums]
        context.map(agent_inputs, price_album, name="estimate-prices", config=agents_config)
        return context.step(complete_execution(execution_id), name="complete-execution", config=WRITE_RETRY)
    except DurableOperationError as error:
        failure = steps.stored_failure(error)
        context.step(mark_execution_failed(execution_id, failure), name="mark-execution-failed", config=WRITE_RETRY)
        raise
