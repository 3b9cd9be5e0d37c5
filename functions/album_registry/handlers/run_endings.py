"""A run its engine ended by itself ends ``failed`` in its record too.

When a run passes its execution timeout (or someone stops it), the engine ends
it: no further state of the workflow runs, so nothing in the workflow can mark
its record failed, and the record would stay ``running`` or
``waiting_validation`` for ever. Both engines publish every status change to
EventBridge: Step Functions as "Step Functions Execution Status Change"
(source ``aws.states``), Lambda as "Durable Execution Status Change" (source
``aws.lambda``). A rule per engine (``components/run_endings.py``) sends the
failing ones here, and a record still open is marked failed with a stable code
(``domain.failures.engine_ending``).

Why a rule and not the durable handler's own deadline step: a deadline step
runs only while the handler runs, and a run times out exactly when it does not
(suspended on the validation callback, or in a retry's back-off), while Step
Functions has no such step at all. The status-change event comes for every run
of both engines on AWS, and the local stack and the test pipelines emit the
same events from their engines (``local_aws/run_status_events.py``), so the
path that runs on AWS is the one the tests exercise.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from album_registry import composition
from album_registry.domain import ids
from album_registry.domain.errors import AlbumRegistryError
from album_registry.domain.models import WorkflowType
from album_registry.handlers.observability import logger
from album_registry.handlers.upload_event import upload_from_event

STEP_FUNCTIONS_SOURCE = "aws.states"
STEP_FUNCTIONS_STATUS_CHANGE = "Step Functions Execution Status Change"
DURABLE_SOURCE = "aws.lambda"
DURABLE_STATUS_CHANGE = "Durable Execution Status Change"
# The engines' terminal statuses that are no success, as their events spell them.
STEP_FUNCTIONS_FAILED_STATUSES = ("FAILED", "TIMED_OUT", "ABORTED")
DURABLE_FAILED_STATUSES = ("FAILED", "TIMED_OUT", "STOPPED")


class UnknownStatusEventError(Exception):
    def __init__(self, *, source: str, detail_type: str) -> None:
        super().__init__(f"not an execution status change: source {source!r}, detail-type {detail_type!r}")
        self.source = source
        self.detail_type = detail_type


def engine_run_of(event: dict[str, Any]) -> tuple[WorkflowType, str, str]:
    """The pattern, the engine's run ARN and the run's new status."""
    source, detail_type, detail = event.get("source", ""), event.get("detail-type", ""), event.get("detail", {})
    if (source, detail_type) == (STEP_FUNCTIONS_SOURCE, STEP_FUNCTIONS_STATUS_CHANGE):
        return WorkflowType.STEP_FUNCTIONS, detail["executionArn"], detail["status"]
    if (source, detail_type) == (DURABLE_SOURCE, DURABLE_STATUS_CHANGE):
        return WorkflowType.DURABLE_FUNCTIONS, detail["durableExecutionArn"], detail["status"]
    raise UnknownStatusEventError(source=source, detail_type=detail_type)


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    workflow, engine_arn, status = engine_run_of(event)
    logger.thread_safe_append_keys(step="run-ended", workflowType=workflow.value, engineStatus=status)
    # Step Functions sends the run's input along; the durable event does not.
    run_input = event["detail"].get("input") or composition.engine_runs().input_of(workflow, engine_arn)
    try:
        upload = upload_from_event(json.loads(run_input))
    except (AlbumRegistryError, ValidationError, ValueError):
        logger.info("the run was not started by an upload: no record to end")
        return {"executionId": None, "errorCode": None}
    execution_id = ids.execution_id_for_upload(workflow, bucket=upload.bucket, key=upload.key, version=upload.version)
    logger.thread_safe_append_keys(executionId=execution_id)
    recorded = composition.registration().end_by_engine(
        workflow, execution_id, status, engine_execution_arn=engine_arn
    )
    if recorded is not None:
        logger.error("run ended by its engine", extra={"errorCode": recorded.code, "error": recorded.message})
    return {"executionId": execution_id, "errorCode": recorded.code if recorded else None}
