"""The run-endings function on its own, on moto: the engines' status-change events to records."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber

from album_registry import composition, constants
from album_registry.adapters.engine_runs import Boto3EngineRuns
from album_registry.domain import ids
from album_registry.domain.models import ExecutionStatus, Upload, WorkflowType
from album_registry.handlers import run_endings
from local_aws.s3_events import object_created_event
from local_aws.lambda_runtime import LambdaContextStandIn, reset_composition

UPLOAD = Upload(bucket="photos", key="uploads/ended.jpg", version="v7")
SF_RUN = "arn:aws:states:us-east-1:123456789012:execution:registration:run-1"
LDF_RUN = "arn:aws:lambda:us-east-1:123456789012:function:durable:$LATEST/durable-execution/run/1"
CONTEXT = LambdaContextStandIn(function_name="run-endings")


def upload_event() -> dict:
    return object_created_event(bucket=UPLOAD.bucket, key=UPLOAD.key, version=UPLOAD.version)


def step_functions_event(status: str, run: str = SF_RUN, run_input: str | None = None) -> dict:
    return {
        "source": "aws.states",
        "detail-type": "Step Functions Execution Status Change",
        "detail": {"executionArn": run, "status": status, "input": run_input or json.dumps(upload_event())},
    }


def durable_event(status: str, run: str = LDF_RUN) -> dict:
    return {
        "source": "aws.lambda",
        "detail-type": "Durable Execution Status Change",
        "detail": {"durableExecutionArn": run, "functionArn": LDF_RUN.split("/")[0], "status": status},
    }


class RecordedInputs:
    """The durable API's GetDurableExecution, for the one run it knows."""

    def __init__(self) -> None:
        self.asked: list[tuple[WorkflowType, str]] = []

    def input_of(self, workflow: WorkflowType, engine_arn: str) -> str:
        self.asked.append((workflow, engine_arn))
        return json.dumps(upload_event())


@pytest.fixture
def waiting_runs(dynamodb_table, monkeypatch):
    """One run per pattern, paused for a person, and the inputs the durable API would give."""
    monkeypatch.setenv(constants.TABLE_NAME_ENV, dynamodb_table)
    reset_composition()
    inputs = RecordedInputs()
    monkeypatch.setattr(composition, "engine_runs", lambda: inputs)
    registration = composition.registration()
    for workflow, run in ((WorkflowType.STEP_FUNCTIONS, SF_RUN), (WorkflowType.DURABLE_FUNCTIONS, LDF_RUN)):
        execution = registration.prepare_execution(workflow, UPLOAD, engine_execution_arn=run)
        registration.start_execution(execution)
        registration.open_validation(workflow, execution.executionId, timeout_seconds=60, task_token="t", callback_id="c")
    yield inputs
    monkeypatch.undo()
    reset_composition()


def stored(workflow: WorkflowType):
    execution_id = ids.execution_id_for_upload(workflow, bucket=UPLOAD.bucket, key=UPLOAD.key, version=UPLOAD.version)
    return composition.repository().get_execution(workflow, execution_id)


def test_a_timed_out_state_machine_run_ends_failed_from_the_events_own_input(waiting_runs):
    answer = run_endings.handler(step_functions_event("TIMED_OUT"), CONTEXT)
    assert answer == {"executionId": stored(WorkflowType.STEP_FUNCTIONS).executionId, "errorCode": "ExecutionTimedOut"}
    assert stored(WorkflowType.STEP_FUNCTIONS).status is ExecutionStatus.FAILED
    assert stored(WorkflowType.DURABLE_FUNCTIONS).status is ExecutionStatus.WAITING_VALIDATION
    assert waiting_runs.asked == []


def test_a_stopped_durable_run_ends_failed_from_its_input_on_the_durable_api(waiting_runs):
    answer = run_endings.handler(durable_event("STOPPED"), CONTEXT)
    assert answer["errorCode"] == "ExecutionStopped"
    assert stored(WorkflowType.DURABLE_FUNCTIONS).status is ExecutionStatus.FAILED
    assert waiting_runs.asked == [(WorkflowType.DURABLE_FUNCTIONS, LDF_RUN)]


def test_a_succeeded_or_foreign_run_changes_nothing(waiting_runs):
    assert run_endings.handler(durable_event("SUCCEEDED"), CONTEXT)["errorCode"] is None
    assert run_endings.handler(durable_event("TIMED_OUT", run=LDF_RUN.replace("run/1", "run/2")), CONTEXT)["errorCode"] is None
    assert stored(WorkflowType.DURABLE_FUNCTIONS).status is ExecutionStatus.WAITING_VALIDATION


def test_a_run_not_started_by_an_upload_has_no_record_to_end(waiting_runs):
    answer = run_endings.handler(step_functions_event("FAILED", run_input='{"hello": "world"}'), CONTEXT)
    assert answer == {"executionId": None, "errorCode": None}


def test_another_event_is_refused_by_name():
    with pytest.raises(run_endings.UnknownStatusEventError, match="'aws.s3'"):
        run_endings.engine_run_of(upload_event())


def test_run_inputs_are_asked_of_each_engines_api():
    step_functions, lambda_client = boto3.client("stepfunctions"), boto3.client("lambda")
    with Stubber(step_functions) as states, Stubber(lambda_client) as durable:
        states.add_response(
            "describe_execution",
            {"executionArn": SF_RUN, "stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:r",
             "status": "TIMED_OUT", "startDate": "2026-01-01T00:00:00Z", "input": '{"sf": 1}'},
            {"executionArn": SF_RUN},
        )
        durable.add_response(
            "get_durable_execution",
            {"DurableExecutionArn": LDF_RUN, "DurableExecutionName": "n", "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:durable",
             "Status": "STOPPED", "StartTimestamp": "2026-01-01T00:00:00Z", "InputPayload": '{"ldf": 1}'},
            {"DurableExecutionArn": LDF_RUN},
        )
        runs = Boto3EngineRuns(step_functions=step_functions, lambda_client=lambda_client)
        assert runs.input_of(WorkflowType.STEP_FUNCTIONS, SF_RUN) == '{"sf": 1}'
        assert runs.input_of(WorkflowType.DURABLE_FUNCTIONS, LDF_RUN) == '{"ldf": 1}'
