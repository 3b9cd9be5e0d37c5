"""The Lambda tasks of the Step Functions pattern: thin calls into the core.

The state machine (statemachine/registration.asl.json) does the orchestrating:
retries, the wait for a person, the parallel price agents, the failure path,
and the plain writes through native DynamoDB integrations. These handlers only
run business steps, and shape their results for the definition's JSONPath;
``steps.Shell.task`` calls each with its event's fields and adds logs, metrics
and model conversions, as for the durable steps.
"""

from __future__ import annotations

import json
from typing import Any

from album_registry import composition
from album_registry.adapters.dynamodb_repository import marshal
from album_registry.domain import items
from album_registry.domain.models import Album, Execution, Upload, WorkflowType
from album_registry.domain.registration import parse_validation_answer
from album_registry.handlers import steps
from album_registry.handlers.upload_event import upload_from_event

WORKFLOW = WorkflowType.STEP_FUNCTIONS
shell = steps.Shell(WORKFLOW)


@shell.task("prepare-execution")
def prepare_execution_handler(event: dict[str, Any], state_machine_execution_arn: str) -> dict[str, Any]:
    upload = upload_from_event(event)
    execution = composition.registration().prepare_execution(
        WORKFLOW, upload, engine_execution_arn=state_machine_execution_arn
    )
    steps.in_execution(execution.executionId)
    steps.logger.info("execution prepared", extra={"imageS3Key": upload.key})
    steps.execution_started()
    return {"executionId": execution.executionId, "upload": upload, "executionItem": marshal(items.execution_item(execution))}


@shell.task("process-image")
def process_image_handler(execution_id: str, upload: Upload) -> dict[str, Any]:
    albums = composition.registration().process_image(upload)
    steps.logger.info("albums extracted", extra={"albums": len(albums)})
    return {
        "albumItems": [marshal(items.album_item(WORKFLOW, execution_id, album)) for album in albums],
        "albumCount": str(len(albums)),
    }


@shell.task("open-validation", log_step="wait-for-validation")
def open_validation_handler(execution_id: str, timeout_seconds: int, task_token: str) -> dict[str, Any]:
    task = composition.registration().open_validation(
        WORKFLOW, execution_id, timeout_seconds=timeout_seconds, task_token=task_token
    )
    steps.logger.info("validation task opened", extra={"taskId": task.taskId})
    return {"taskId": task.taskId}


@shell.task("apply-validation")
def apply_validation_handler(execution_id: str, outcome: dict[str, Any]) -> list[Album]:
    # The task's output as SendTaskSuccess gave it; parsed as the durable step parses its callback answer.
    answer = parse_validation_answer(json.dumps(outcome))
    albums = composition.registration().apply_validation(WORKFLOW, execution_id, answer)
    steps.validation_waited()
    steps.logger.info("validation applied", extra={"reviewed": answer.reviewed, "corrections": len(answer.corrections)})
    return albums


@shell.task("estimate-price")
def estimate_price_handler(execution_id: str, album: Album) -> dict[str, str]:
    steps.logger.thread_safe_append_keys(albumIndex=album.albumIndex)
    estimate = composition.registration().estimate_price(album)
    # Numbers as DynamoDB number strings: the state machine writes them as they are.
    return {
        "priceEstimate": str(estimate.priceEstimate),
        "priceConfidence": str(estimate.priceConfidence),
        "priceSource": estimate.priceSource,
    }


@shell.task("complete-execution")
def complete_execution_handler(execution_id: str) -> Execution:
    execution = composition.registration().complete_execution(WORKFLOW, execution_id)
    steps.execution_completed(execution)
    steps.logger.info("execution completed", extra={"durationMs": execution.durationMs})
    return execution
