"""The DynamoDB repository on moto: key scheme, tenants, idempotent writes."""

from __future__ import annotations

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from album_registry.adapters.dynamodb_repository import BATCH_GET_KEYS, DynamoDbAlbumRepository, marshal, unmarshal
from album_registry.domain import ids, items, keys
from album_registry.domain.models import (
    Album,
    AlbumStatus,
    Execution,
    ExecutionStatus,
    TaskStatus,
    ValidationTask,
    WorkflowType,
)
from album_registry.domain.registration import timestamp
from tests.fakes import SteppingClock, six_covers


@pytest.fixture
def repository(dynamodb_table: str) -> DynamoDbAlbumRepository:
    return DynamoDbAlbumRepository(boto3.client("dynamodb"), dynamodb_table)


def all_items(table: str) -> list[dict]:
    return [unmarshal(item) for item in boto3.client("dynamodb").scan(TableName=table)["Items"]]


def an_execution(workflow: WorkflowType, key: str = "uploads/a.jpg") -> Execution:
    now = timestamp(SteppingClock().now())
    return Execution(
        executionId=ids.execution_id_for_upload(workflow, bucket="b", key=key, version="1"),
        workflowType=workflow,
        imageS3Key=key,
        bucket="b",
        startedAt=now,
        updatedAt=now,
    )


def albums() -> list[Album]:
    return [Album.from_extracted(cover) for cover in six_covers()]


@pytest.mark.parametrize("workflow", list(WorkflowType))
def test_six_album_items_with_prefixed_keys_and_workflow_type(repository, dynamodb_table, workflow):
    """Properties 12, 13 and 14: six separate album items keyed by execution and index, all tagged."""
    execution = an_execution(workflow)
    repository.create_execution(execution)
    repository.save_albums(workflow, execution.executionId, albums())
    stored = all_items(dynamodb_table)
    album_items = [item for item in stored if item["entityType"] == "album"]
    assert len(album_items) == 6
    assert {item["sk"] for item in album_items} == {f"ALBUM#{index}" for index in range(1, 7)}
    for item in stored:
        assert item["workflowType"] == workflow.value
        assert item["pk"].startswith(workflow.prefix)
        assert item["GSI1PK"].startswith(workflow.prefix)
    assert {item["pk"] for item in album_items} == {f"{workflow.prefix}EXEC#{execution.executionId}"}


def test_replayed_writes_neither_duplicate_nor_regress(repository, dynamodb_table):
    """Idempotent writes: a replayed save leaves one record, and progress stands."""
    workflow = WorkflowType.STEP_FUNCTIONS
    execution = an_execution(workflow)
    assert repository.create_execution(execution) is True
    assert repository.create_execution(execution) is False
    repository.save_albums(workflow, execution.executionId, albums())
    priced = albums()[0].model_copy(update={"status": AlbumStatus.PRICED, "priceEstimate": 31.5, "priceConfidence": 0.7, "priceSource": "offline-model"})
    repository.save_album(workflow, execution.executionId, priced)
    repository.save_albums(workflow, execution.executionId, albums())
    assert repository.get_albums(workflow, execution.executionId)[0] == priced
    completed = execution.model_copy(update={"status": ExecutionStatus.COMPLETED})
    assert repository.update_execution(completed) is True
    assert repository.update_execution(execution) is False  # a stale "running" write arriving late
    assert repository.get_execution(workflow, execution.executionId).status is ExecutionStatus.COMPLETED
    assert len(all_items(dynamodb_table)) == 7


def test_task_close_is_conditional_on_its_status(repository):
    workflow = WorkflowType.DURABLE_FUNCTIONS
    task = ValidationTask(
        taskId="task-ldf-1", executionId="ldf-1", workflowType=workflow, albums=albums(),
        createdAt="2026-11-24T12:00:00.000Z", expiresAt="2026-11-24T13:00:00.000Z", callbackId="cb",
    )
    repository.create_task(task)
    assert [t.taskId for t in repository.list_tasks(workflow)] == ["task-ldf-1"]
    done = task.model_copy(update={"status": TaskStatus.COMPLETED})
    assert repository.close_task(done, expected_status="pending") is True
    timed_out = task.model_copy(update={"status": TaskStatus.TIMEOUT})
    assert repository.close_task(timed_out, expected_status="pending") is False
    assert repository.get_task(workflow, "task-ldf-1").status is TaskStatus.COMPLETED
    assert repository.list_tasks(workflow) == []


@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(list(WorkflowType)), min_size=1, max_size=8))
def test_filtering_by_workflow_type_separates_the_tenants(repository, workflows):
    """Property 29: queries of one workflow type never return the other's records."""
    created: dict[WorkflowType, set[str]] = {workflow: set() for workflow in WorkflowType}
    for position, workflow in enumerate(workflows):
        execution = an_execution(workflow, key=f"uploads/{id(workflows)}-{position}.jpg")
        if repository.create_execution(execution):
            created[workflow].add(execution.executionId)
    for workflow in WorkflowType:
        listed = {e.executionId for e in repository.list_executions(workflow, limit=1000)}
        assert created[workflow] <= listed
        assert all(ids.workflow_of(execution_id) is workflow for execution_id in listed)


def test_executions_are_listed_newest_first_and_by_status(repository):
    workflow = WorkflowType.STEP_FUNCTIONS
    clock = SteppingClock()
    for name in ("a", "b", "c"):
        now = timestamp(clock.now())
        execution = an_execution(workflow, key=f"uploads/{name}.jpg").model_copy(update={"startedAt": now, "updatedAt": now})
        repository.create_execution(execution)
    listed = repository.list_executions(workflow)
    assert [e.imageS3Key for e in listed] == ["uploads/c.jpg", "uploads/b.jpg", "uploads/a.jpg"]
    repository.update_execution(listed[1].model_copy(update={"status": ExecutionStatus.FAILED}))
    assert [e.imageS3Key for e in repository.list_executions(workflow, status="failed")] == ["uploads/b.jpg"]


def test_consumed_capacity_tells_reads_from_writes(repository):
    """The cost model prices read and write request units apart."""
    workflow = WorkflowType.DURABLE_FUNCTIONS
    execution = an_execution(workflow)
    repository.create_execution(execution)
    writes = repository.capacity.write_units
    assert writes > 0 and repository.capacity.read_units == 0
    repository.get_execution(workflow, execution.executionId)
    repository.get_albums(workflow, execution.executionId)
    assert repository.capacity.read_units > 0
    assert repository.capacity.write_units == writes


def test_executions_are_read_by_id_in_batches_within_their_tenant(repository):
    """More executions than one BatchGetItem may name, read back by id; the other tenant's
    ids and ids with no record yet are simply absent."""
    workflow, other = WorkflowType.STEP_FUNCTIONS, WorkflowType.DURABLE_FUNCTIONS
    stored = {
        workflow: [an_execution(workflow, key=f"uploads/{number:03d}.jpg") for number in range(BATCH_GET_KEYS + 20)],
        other: [an_execution(other, key=f"uploads/{number:03d}.jpg") for number in range(3)],
    }
    for executions in stored.values():
        for execution in executions:
            repository.create_execution(execution)
    missing = ids.execution_id_for_upload(workflow, bucket="b", key="uploads/not-yet.jpg", version="1")
    asked = [e.executionId for e in stored[workflow]] + [stored[workflow][0].executionId, missing]

    found = repository.get_executions(workflow, asked + [e.executionId for e in stored[other]])

    assert found == {e.executionId: repository.get_execution(workflow, e.executionId) for e in stored[workflow]}
    assert repository.get_executions(workflow, []) == {}


class _UnprocessingClient:
    """DynamoDB answering a batch read with one record and leaving the other key unprocessed."""

    def __init__(self, table: str, record: dict, unprocessed_key: dict) -> None:
        self.table, self.record, self.unprocessed_key = table, record, unprocessed_key
        self.requests = 0

    def batch_get_item(self, **request):
        self.requests += 1
        return {
            "Responses": {self.table: [self.record]},
            "UnprocessedKeys": {self.table: {"Keys": [self.unprocessed_key]}},
        }


def test_keys_left_unprocessed_are_absent_not_retried(repository, dynamodb_table):
    workflow = WorkflowType.DURABLE_FUNCTIONS
    read, unprocessed = an_execution(workflow, key="uploads/read.jpg"), an_execution(workflow, key="uploads/later.jpg")
    client = _UnprocessingClient(
        dynamodb_table,
        marshal(items.execution_item(read)),
        marshal({"pk": keys.execution_pk(workflow, unprocessed.executionId), "sk": keys.EXECUTION_SK}),
    )

    found = DynamoDbAlbumRepository(client, dynamodb_table).get_executions(
        workflow, [read.executionId, unprocessed.executionId]
    )

    assert list(found) == [read.executionId]
    assert client.requests == 1
