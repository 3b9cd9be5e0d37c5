"""Each durable step on its own, outside any execution, on moto."""

from __future__ import annotations

import logging

import boto3
import pytest

from album_registry.domain import ids
from album_registry import composition, constants
from album_registry.domain.errors import InvalidValidationAnswerError
from album_registry.domain.models import (
    AlbumCorrection,
    AlbumStatus,
    ExecutionStatus,
    TaskStatus,
    ValidationOutcome,
    WorkflowType,
)
from album_registry.handlers import durable_pipeline as steps
from local_aws.s3_events import object_created_event
from local_aws.provisioning import create_upload_bucket
from local_aws.lambda_runtime import reset_composition
from aws_durable_execution_sdk_python import StepContext

WORKFLOW = WorkflowType.DURABLE_FUNCTIONS


def step_context() -> StepContext:
    return StepContext(logger=logging.getLogger("test"), attempt=1)


@pytest.fixture
def configured(dynamodb_table, monkeypatch, shelf_photo, local_bedrock_endpoint):
    monkeypatch.setenv(constants.TABLE_NAME_ENV, dynamodb_table)
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", local_bedrock_endpoint)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    reset_composition()
    create_upload_bucket(boto3.client("s3"), "photos")
    version = boto3.client("s3").put_object(Bucket="photos", Key="uploads/one.jpg", Body=shelf_photo)["VersionId"]
    yield object_created_event(bucket="photos", key="uploads/one.jpg", version=version)
    reset_composition()


RUN_ARN = "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST/durable-execution/run/1"


def prepared(event, run_arn: str = RUN_ARN) -> dict:
    return steps.prepare_execution(event, run_arn)(step_context())


def test_prepare_execution_stores_the_record_once(configured):
    """A retry of the step within the same run is that run's; another run's is a duplicate."""
    first = prepared(configured)
    retried = prepared(configured)
    redelivered = prepared(configured, RUN_ARN.replace("run/1", "run/2"))
    assert (first["isNew"], retried["isNew"], redelivered["isNew"]) == (True, True, False)
    assert first["executionId"] == retried["executionId"] == redelivered["executionId"]
    stored = composition.repository().get_execution(WORKFLOW, first["executionId"])
    assert stored.status is ExecutionStatus.RUNNING
    assert stored.engineExecutionArn == RUN_ARN


def test_process_image_and_store_initial_data(configured):
    execution_id = prepared(configured)["executionId"]
    upload = prepared(configured)["upload"]
    albums = steps.process_image(execution_id, upload)(step_context())
    assert [album["albumIndex"] for album in albums] == [1, 2, 3, 4, 5, 6]
    steps.store_initial_data(execution_id, albums)(step_context())
    assert len(composition.repository().get_albums(WORKFLOW, execution_id)) == 6
    assert composition.repository().get_execution(WORKFLOW, execution_id).albumCount == 6


def test_submitter_opens_the_task_and_timeout_closes_it(configured):
    execution_id = prepared(configured)["executionId"]
    steps.open_validation_task("callback-7", None, execution_id=execution_id, timeout_seconds=60)
    task = composition.repository().get_task(WORKFLOW, ids.task_id_for_execution(execution_id))
    assert (task.status, task.callbackId) == (TaskStatus.PENDING, "callback-7")
    steps.time_out_validation(execution_id)(step_context())
    assert composition.repository().get_task(WORKFLOW, ids.task_id_for_execution(execution_id)).status is TaskStatus.TIMEOUT


def test_price_steps_record_success_and_failure(configured):
    execution_id = prepared(configured)["executionId"]
    album = {"albumIndex": 1, "artist": "Miles Davis", "albumName": "Kind of Blue", "year": 1959}
    estimate = steps.estimate_price(execution_id, album)(step_context())
    assert estimate["priceEstimate"] > 0 and estimate["priceSource"] == "offline-model"
    steps.record_price(execution_id, album, estimate)(step_context())
    failure = {"code": "PriceEstimationError", "message": "boom"}
    steps.record_price_failure(execution_id, {**album, "albumIndex": 2}, failure)(step_context())
    albums = composition.repository().get_albums(WORKFLOW, execution_id)
    assert [(a.albumIndex, a.status) for a in albums] == [(1, AlbumStatus.PRICED), (2, AlbumStatus.PRICE_FAILED)]
    assert (albums[1].priceError, albums[1].priceErrorCode) == ("boom", "PriceEstimationError")


def test_complete_and_fail_are_final(configured):
    execution_id = prepared(configured)["executionId"]
    completed = steps.complete_execution(execution_id)(step_context())
    assert completed["status"] == "completed"
    steps.mark_execution_failed(execution_id, {"code": "Late", "message": "late failure"})(step_context())
    assert composition.repository().get_execution(WORKFLOW, execution_id).status is ExecutionStatus.COMPLETED


def test_mark_execution_failed_stores_code_and_message(configured):
    execution_id = prepared(configured)["executionId"]
    steps.mark_execution_failed(execution_id, {"code": "VisionUnavailableError", "message": "down"})(step_context())
    stored = composition.repository().get_execution(WORKFLOW, execution_id)
    assert (stored.status, stored.errorCode, stored.error) == (ExecutionStatus.FAILED, "VisionUnavailableError", "down")


@pytest.mark.parametrize("answer", [None, "", "not json", '{"approved": true}'])
def test_apply_validation_parses_the_answer_and_refuses_a_malformed_one(configured, answer):
    """The callback's answer is parsed inside the step: a bad one fails the step, nothing is written."""
    execution_id = prepared(configured)["executionId"]
    with pytest.raises(InvalidValidationAnswerError):
        steps.apply_validation(execution_id, answer)(step_context())
    assert composition.repository().get_execution(WORKFLOW, execution_id).status is ExecutionStatus.RUNNING


def test_apply_validation_applies_a_well_formed_answer(configured):
    execution_id = prepared(configured)["executionId"]
    upload = prepared(configured)["upload"]
    steps.store_initial_data(execution_id, steps.process_image(execution_id, upload)(step_context()))(step_context())
    answer = ValidationOutcome(reviewed=True, corrections=[AlbumCorrection(albumIndex=1, year=1970)])
    albums = steps.apply_validation(execution_id, answer.model_dump_json())(step_context())
    assert albums[0]["year"] == 1970 and all(album["status"] == "validated" for album in albums)


def test_vision_is_retried_three_times_from_two_seconds():
    """Property 9: as the ASL's MaxAttempts 3 at IntervalSeconds 2."""
    from album_registry.domain.errors import VisionUnavailableError

    strategy = steps.VISION_RETRY.retry_strategy
    error = VisionUnavailableError(provider="p", reason="r")
    decisions = [strategy(error, attempt) for attempt in (1, 2, 3, 4)]
    assert [decision.should_retry for decision in decisions] == [True, True, True, False]
    assert [decision.delay_seconds for decision in decisions[:3]] == [2, 4, 8]


def test_a_write_the_state_machine_makes_natively_fails_under_its_name_and_is_retried(configured, monkeypatch):
    """As StorePrice's error: ``DynamoDB.<code>``, so both patterns record one failure alike."""
    from botocore.exceptions import ClientError

    from album_registry.domain.errors import ServiceError

    execution_id = prepared(configured)["executionId"]

    def throttled(*args, **kwargs):
        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow"}}, "PutItem")

    monkeypatch.setattr(composition.repository(), "save_album", throttled)
    album = {"albumIndex": 1, "artist": "Miles Davis", "albumName": "Kind of Blue", "year": 1959}
    estimate = {"priceEstimate": 30.0, "priceConfidence": 0.8, "priceSource": "offline-model"}
    with pytest.raises(ServiceError, match=r"^DynamoDB\.ProvisionedThroughputExceededException$") as raised:
        steps.record_price(execution_id, album, estimate)(step_context())
    assert [steps.WRITE_RETRY.retry_strategy(raised.value, attempt).should_retry for attempt in (1, 2, 3)] == [
        True,
        True,
        False,
    ]
