"""The state machine's native writes, one state at a time, against the repository's.

Each test lifts one DynamoDB task out of the rendered definition, runs it
alone on moto's interpreter against a table, and compares what it wrote with
what the core writes for the same step, field by field. Drift in a key, an
attribute name or a condition fails here, on both sides of the comparison.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from album_registry.adapters.dynamodb_repository import DynamoDbAlbumRepository, marshal, unmarshal
from album_registry.domain import ids, items
from album_registry.domain.failures import Failure
from album_registry.domain.models import (
    AlbumStatus,
    ExecutionStatus,
    PriceEstimate,
    TaskStatus,
    Upload,
    ValidationOutcome,
    WorkflowType,
)
from album_registry.domain.registration import AlbumRegistration
from local_aws.provisioning import create_registry_table
from statemachine import PLACEHOLDERS, load_template, render_definition
from tests.fakes import FixedImageStore, ScriptedVision, SteppingClock, six_covers

WORKFLOW = WorkflowType.STEP_FUNCTIONS
TABLE = "writes-test"
UPLOAD = Upload(bucket="photos", key="uploads/shelf.jpg", version="v1")


def rendered() -> dict[str, Any]:
    values: dict[str, str | int] = {name: f"arn:aws:lambda:us-east-1:123456789012:function:{name}" for name in PLACEHOLDERS}
    values |= {
        "TableName": TABLE,
        "ValidationTimeoutSeconds": 60,
        "PriceAgentConcurrency": 6,
        "ExecutionTimeoutSeconds": 3600,
    }
    return json.loads(render_definition(values))


def find_state(node: Any, name: str) -> dict[str, Any] | None:
    if isinstance(node, dict):
        if name in node.get("States", {}):
            return node["States"][name]
        for value in node.values():
            found = find_state(value, name)
            if found is not None:
                return found
    if isinstance(node, list):
        for value in node:
            found = find_state(value, name)
            if found is not None:
                return found
    return None


@pytest.fixture
def table() -> Iterator[Any]:
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        client = boto3.client("dynamodb")
        create_registry_table(client, TABLE)
        yield client


def run_arn(run: str) -> str:
    """The execution ARN moto gives run ``run`` of ``run_state``'s machine (its ``$$.Execution.Id``)."""
    return f"arn:aws:states:us-east-1:123456789012:execution:{run}:{run}"


def run_state(name: str, state_input: dict[str, Any], run: str | None = None) -> dict[str, Any]:
    """The rendered state alone (its Catch and Next dropped), run to its end."""
    run = run or uuid.uuid4().hex
    state = {key: value for key, value in find_state(rendered(), name).items() if key not in ("Catch", "Next")}
    definition = {"StartAt": name, "States": {name: {**state, "End": True}}}
    step_functions = boto3.client("stepfunctions")
    machine = step_functions.create_state_machine(
        name=run, definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/sm"
    )["stateMachineArn"]
    execution = step_functions.start_execution(stateMachineArn=machine, name=run, input=json.dumps(state_input))[
        "executionArn"
    ]
    assert execution == run_arn(run)
    for _ in range(400):
        described = step_functions.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.01)
    raise TimeoutError(name)


def stored(client: Any) -> dict[tuple[str, str], dict[str, Any]]:
    found = [unmarshal(item) for item in client.scan(TableName=TABLE)["Items"]]
    return {(item["pk"], item["sk"]): item for item in found}


def core(client: Any) -> tuple[AlbumRegistration, DynamoDbAlbumRepository]:
    repository = DynamoDbAlbumRepository(client, TABLE)
    service = AlbumRegistration(
        repository=repository, clock=SteppingClock(), images=FixedImageStore(bucket=UPLOAD.bucket, key=UPLOAD.key, version=UPLOAD.version), vision=ScriptedVision(six_covers())
    )
    return service, repository


def started(client: Any) -> tuple[AlbumRegistration, DynamoDbAlbumRepository, str]:
    service, repository = core(client)
    execution = service.prepare_execution(WORKFLOW, UPLOAD, engine_execution_arn=run_arn("run-0"))
    assert service.start_execution(execution)
    service.store_albums(WORKFLOW, execution.executionId, service.process_image(UPLOAD))
    return service, repository, execution.executionId


def without(item: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: value for name, value in item.items() if name not in names}


def test_the_template_types_no_key_attribute_or_condition():
    """Every native write's Parameters and Retry are placeholders the core fills."""
    text = json.dumps(load_template())
    for typed in ("sf#", "EXEC#", "TASK#", "ALBUM#", "ConditionExpression", "UpdateExpression", '"pk"', "GSI1PK"):
        assert typed not in text, typed
    writes = [
        state for state in _states(load_template()) if str(state.get("Resource", "")).startswith("arn:aws:states:::dynamodb:")
    ]
    assert len(writes) == 8
    assert all(str(state["Parameters"]).startswith("${") for state in writes)


def test_every_write_retries_throttling():
    writes = [s for s in _states(rendered()) if str(s.get("Resource", "")).startswith("arn:aws:states:::dynamodb:")]
    for state in writes:
        retried = {error for rule in state.get("Retry", []) for error in rule["ErrorEquals"]}
        assert "DynamoDB.ProvisionedThroughputExceededException" in retried, state
        assert "DynamoDB.ThrottlingException" in retried, state


def _states(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        for state in node.get("States", {}).values():
            found.append(state)
        for value in node.values():
            found.extend(_states(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_states(value))
    return found


def test_create_execution_record_is_the_repositorys_create(table):
    """The put writes the prepared item; a resent put of this run's record goes on,
    another run's record means a redelivered event; as ``create_execution``."""
    service, repository = core(table)
    execution = service.prepare_execution(WORKFLOW, UPLOAD, engine_execution_arn=run_arn("run-1"))
    state_input = {"executionId": execution.executionId, "executionItem": marshal(items.execution_item(execution))}
    assert run_state("CreateExecutionRecord", state_input, "run-1")["status"] == "SUCCEEDED"
    assert list(stored(table).values()) == [items.execution_item(execution)]
    # This run's own record, found by a resent put (moto names each run once: a second run stands in).
    resent = execution.model_copy(update={"engineExecutionArn": run_arn("run-1-resent")})
    table.put_item(TableName=TABLE, Item=marshal(items.execution_item(resent)))
    resent_input = {**state_input, "executionItem": marshal(items.execution_item(resent))}
    assert run_state("CreateExecutionRecord", resent_input, "run-1-resent")["status"] == "SUCCEEDED"
    assert repository.create_execution(resent) is True
    execution = resent
    redelivered = run_state("CreateExecutionRecord", state_input, "run-2")
    assert redelivered["status"] == "FAILED" and "ConditionalCheckFailed" in redelivered.get("error", "")
    assert repository.create_execution(execution.model_copy(update={"engineExecutionArn": run_arn("run-2")})) is False
    assert list(stored(table).values()) == [items.execution_item(execution)]


def test_put_album_writes_the_repositorys_item_and_never_resets_progress(table):
    service, repository, execution_id = started(table)
    before = stored(table)
    album = repository.get_albums(WORKFLOW, execution_id)[0]
    repository.save_album(WORKFLOW, execution_id, album.model_copy(update={"status": AlbumStatus.PRICED}))
    moved_on = stored(table)
    outcome = run_state("PutAlbum", marshal(items.album_item(WORKFLOW, execution_id, album)))
    assert outcome["status"] == "FAILED" and "ConditionalCheckFailed" in outcome.get("error", "")
    assert stored(table) == moved_on
    # On a fresh album the put writes exactly the core's item.
    key = next(k for k in before if k[1] == "ALBUM#2")
    table.delete_item(TableName=TABLE, Key=marshal({"pk": key[0], "sk": key[1]}))
    fresh = items.album_from_item(before[key])
    assert run_state("PutAlbum", marshal(items.album_item(WORKFLOW, execution_id, fresh)))["status"] == "SUCCEEDED"
    assert stored(table)[key] == before[key]


def test_count_albums_matches_store_albums(table):
    _, repository, execution_id = started(table)
    by_core = repository.get_execution(WORKFLOW, execution_id)
    table.update_item(
        TableName=TABLE,
        Key=marshal({"pk": f"sf#EXEC#{execution_id}", "sk": "EXECUTION"}),
        UpdateExpression="SET albumCount = :zero",
        ExpressionAttributeValues=marshal({":zero": 0}),
    )
    assert run_state("CountAlbums", {"executionId": execution_id, "extracted": {"albumCount": "6"}})["status"] == "SUCCEEDED"
    by_state = repository.get_execution(WORKFLOW, execution_id)
    assert without(by_state.model_dump(), "updatedAt") == without(by_core.model_dump(), "updatedAt")


def test_mark_validation_timed_out_matches_time_out_validation(table):
    service, repository, execution_id = started(table)
    service.open_validation(WORKFLOW, execution_id, timeout_seconds=60, task_token="token")
    task_id = ids.task_id_for_execution(execution_id)
    assert run_state("MarkValidationTimedOut", {"executionId": execution_id})["status"] == "SUCCEEDED"
    by_state = stored(table)[(f"sf#TASK#{task_id}", "TASK")]
    pending = repository.get_task(WORKFLOW, task_id).model_copy(update={"status": TaskStatus.PENDING, "completedAt": None})
    table.put_item(TableName=TABLE, Item=marshal(items.task_item(pending)))
    service.time_out_validation(WORKFLOW, execution_id)
    by_core = stored(table)[(f"sf#TASK#{task_id}", "TASK")]
    assert without(by_state, "completedAt") == without(by_core, "completedAt")
    assert by_state["status"] == TaskStatus.TIMEOUT.value and by_state["completedAt"]
    # A task the person closed first stays closed.
    closed = run_state("MarkValidationTimedOut", {"executionId": execution_id})
    assert closed["status"] == "FAILED" and stored(table)[(f"sf#TASK#{task_id}", "TASK")] == by_core


def test_store_price_and_record_price_failure_match_the_core(table):
    service, repository, execution_id = started(table)
    albums = service.apply_validation(WORKFLOW, execution_id, ValidationOutcome(reviewed=True))
    estimate = PriceEstimate(priceEstimate=41.5, priceConfidence=0.85, priceSource="offline-model")
    failure = Failure(code="PriceEstimationError", message="price for album 2 failed: closed")
    service.record_price(WORKFLOW, execution_id, albums[0], estimate)
    service.record_price_failure(WORKFLOW, execution_id, albums[1], failure)
    by_core = stored(table)
    for album in albums[:2]:
        table.put_item(TableName=TABLE, Item=marshal(items.album_item(WORKFLOW, execution_id, album)))
    price_input = {
        "executionId": execution_id,
        "album": albums[0].model_dump(mode="json"),
        "estimate": {"priceEstimate": "41.5", "priceConfidence": "0.85", "priceSource": "offline-model"},
    }
    failure_input = {"executionId": execution_id, "album": albums[1].model_dump(mode="json"), "failure": failure.model_dump()}
    assert run_state("StorePrice", price_input)["status"] == "SUCCEEDED"
    assert run_state("RecordPriceFailure", failure_input)["status"] == "SUCCEEDED"
    assert stored(table) == by_core


def test_mark_execution_failed_matches_fail_execution_and_never_leaves_a_final_status(table):
    service, repository, execution_id = started(table)
    failure = Failure(code="VisionUnavailableError", message="offline vision unavailable: down")
    state_input = {"executionId": execution_id, "failure": failure.model_dump()}
    assert run_state("MarkExecutionFailed", state_input)["status"] == "SUCCEEDED"
    by_state = repository.get_execution(WORKFLOW, execution_id)
    assert (by_state.status, by_state.errorCode, by_state.error) == (ExecutionStatus.FAILED, failure.code, failure.message)
    completed = service.complete_execution(WORKFLOW, execution_id)  # refused: failed is final
    assert completed.status is ExecutionStatus.FAILED

    other = service.prepare_execution(WORKFLOW, Upload(bucket="photos", key="uploads/other.jpg"))
    assert service.start_execution(other)
    done = service.complete_execution(WORKFLOW, other.executionId)
    refused = run_state("MarkExecutionFailed", {"executionId": other.executionId, "failure": failure.model_dump()})
    assert refused["status"] == "FAILED" and "ConditionalCheckFailed" in refused.get("error", "")
    assert repository.get_execution(WORKFLOW, other.executionId) == done


def test_a_failed_run_closes_its_pending_task_as_fail_execution_does(table):
    """After MarkExecutionFailed, CloseUnansweredTask closes the task nobody can answer any more."""
    failed_path = find_state(rendered(), "MarkExecutionFailed")
    closing = find_state(rendered(), "CloseUnansweredTask")
    assert failed_path["Next"] == "CloseUnansweredTask"
    assert {catch["Next"] for catch in failed_path["Catch"]} == {"CloseUnansweredTask"}
    assert closing["Next"] == "ExecutionFailed"
    assert {catch["Next"] for catch in closing["Catch"]} == {"ExecutionFailed"}

    service, repository, execution_id = started(table)
    task_id = ids.task_id_for_execution(execution_id)
    assert run_state("CloseUnansweredTask", {"executionId": execution_id})["status"] == "FAILED"  # no task yet
    assert repository.get_task(WORKFLOW, task_id) is None
    service.open_validation(WORKFLOW, execution_id, timeout_seconds=60, task_token="token")
    failure = Failure(code="VisionUnavailableError", message="offline vision unavailable: down")
    assert run_state("MarkExecutionFailed", {"executionId": execution_id, "failure": failure.model_dump()})["status"] == "SUCCEEDED"
    assert run_state("CloseUnansweredTask", {"executionId": execution_id})["status"] == "SUCCEEDED"
    by_state = stored(table)[(f"sf#TASK#{task_id}", "TASK")]
    assert by_state["status"] == TaskStatus.TIMEOUT.value and by_state["completedAt"]
    assert repository.list_tasks(WORKFLOW) == []
