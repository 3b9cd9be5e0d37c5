"""The Lambda tasks of the Step Functions pattern: thin calls into the core.

The state machine (statemachine/registration.asl.json) does the orchestrating:
retries, the wait for a person, the parallel price agents, the failure path,
and the plain writes through native DynamoDB integrations. These handlers only
run business steps, and shape their results for the definition's JSONPath.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from album_registry import composition
from album_registry.adapters.dynamodb_repository import marshal
from album_registry.domain import ids, items
from album_registry.domain.models import Album, WorkflowType
from album_registry.domain.registration import Upload, parse_validation_answer
from album_registry.handlers.observability import (
    emit_validation_wait,
    logger,
    metrics_for,
    timed_step,
    tracer,
)
from album_registry.handlers.upload_event import upload_from_event

WORKFLOW = WorkflowType.STEP_FUNCTIONS


# Thread-safe keys: the local stack runs many invocations at once in one process.
def _in_step(step: str, event: dict[str, Any]) -> None:
    logger.thread_safe_append_keys(step=step, executionId=event.get("executionId"), workflowType=WORKFLOW.value)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@timed_step(WORKFLOW, "prepare-execution")
def prepare_execution_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    _in_step("prepare-execution", {})
    upload = upload_from_event(event["event"])
    execution = composition.registration().prepare_execution(
        WORKFLOW, upload, engine_execution_arn=event["stateMachineExecutionArn"]
    )
    logger.thread_safe_append_keys(executionId=execution.executionId)
    logger.info("execution prepared", extra={"imageS3Key": upload.key})
    # One metrics object per invocation: the local stack runs invocations concurrently in one process.
    metrics = metrics_for(WORKFLOW)
    metrics.add_metric(name="ExecutionsStarted", unit="Count", value=1)
    metrics.flush_metrics()
    return {
        "executionId": execution.executionId,
        "upload": upload.model_dump(),
        "executionItem": marshal(items.execution_item(execution)),
    }


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@timed_step(WORKFLOW, "process-image")
def process_image_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    _in_step("process-image", event)
    albums = composition.registration().process_image(Upload.model_validate(event["upload"]))
    logger.info("albums extracted", extra={"albums": len(albums)})
    return {
        "albumItems": [
            marshal(items.album_item(WORKFLOW, event["executionId"], album)) for album in albums
        ],
        "albumCount": str(len(albums)),
    }


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@timed_step(WORKFLOW, "open-validation")
def open_validation_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    _in_step("wait-for-validation", event)
    task = composition.registration().open_validation(
        WORKFLOW,
        event["executionId"],
        timeout_seconds=int(event["timeoutSeconds"]),
        task_token=event["taskToken"],
    )
    logger.info("validation task opened", extra={"taskId": task.taskId})
    return {"taskId": task.taskId}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@timed_step(WORKFLOW, "apply-validation")
def apply_validation_handler(event: dict[str, Any], context: LambdaContext) -> list[dict[str, Any]]:
    _in_step("apply-validation", event)
    # The task's output as SendTaskSuccess gave it; parsed as the durable step parses its callback answer.
    outcome = parse_validation_answer(json.dumps(event["outcome"]))
    albums = composition.registration().apply_validation(WORKFLOW, event["executionId"], outcome)
    task = composition.repository().get_task(WORKFLOW, ids.task_id_for_execution(event["executionId"]))
    emit_validation_wait(WORKFLOW, task)
    logger.info("validation applied", extra={"reviewed": outcome.reviewed, "corrections": len(outcome.corrections)})
    return [album.model_dump(mode="json") for album in albums]


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@timed_step(WORKFLOW, "estimate-price")
def estimate_price_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    album = Album.model_validate(event["album"])
    logger.thread_safe_append_keys(
        step="estimate-price",
        executionId=event.get("executionId"),
        albumIndex=album.albumIndex,
        workflowType=WORKFLOW.value,
    )
    estimate = composition.registration().estimate_price(album)
    # Numbers as DynamoDB number strings: the state machine writes them as they are.
    return {
        "priceEstimate": str(estimate.priceEstimate),
        "priceConfidence": str(estimate.priceConfidence),
        "priceSource": estimate.priceSource,
    }


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@timed_step(WORKFLOW, "complete-execution")
def complete_execution_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    _in_step("complete-execution", event)
    execution = composition.registration().complete_execution(WORKFLOW, event["executionId"])
    metrics = metrics_for(WORKFLOW)
    metrics.add_metric(name="ExecutionsCompleted", unit="Count", value=1)
    metrics.add_metric(name="WorkflowDuration", unit="Milliseconds", value=execution.durationMs or 0)
    metrics.add_metric(name="PriceAgentFailures", unit="Count", value=execution.priceFailedCount or 0)
    metrics.flush_metrics()
    logger.info("execution completed", extra={"durationMs": execution.durationMs})
    return execution.model_dump(mode="json")
