"""The repository's reads and edges, each against what DynamoDB itself would do.

On moto: the registry's listings, the task pages and their tokens, the conditions
of a write. On botocore's Stubber, where the exact request is the point (a
consistent read, the capacity asked for, a query that pages): a Stubber refuses
any request but the one it expects, as the service would answer another one
differently.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from hypothesis import given
from hypothesis import strategies as st

from album_registry.adapters.dynamodb_repository import (
    ConsumedCapacity,
    DynamoDbAlbumRepository,
    InvalidPageTokenError,
    decode_page_token,
    encode_page_token,
    integration_error_name,
    marshal,
    unmarshal,
)
from album_registry.domain import items, keys
from album_registry.domain.models import (
    Album,
    AlbumStatus,
    Execution,
    ExecutionStatus,
    TaskStatus,
    ValidationTask,
    WorkflowType,
)

SF, LDF = WorkflowType.STEP_FUNCTIONS, WorkflowType.DURABLE_FUNCTIONS
TABLE = "albums-stubbed"


@pytest.fixture
def repository(dynamodb_table: str) -> DynamoDbAlbumRepository:
    return DynamoDbAlbumRepository(boto3.client("dynamodb"), dynamodb_table)


def a_task(workflow: WorkflowType, number: int, created: str, status: TaskStatus = TaskStatus.PENDING) -> ValidationTask:
    execution_id = f"{workflow.short_name}-{number:032x}"
    return ValidationTask(
        taskId=f"task-{execution_id}", executionId=execution_id, workflowType=workflow, status=status, albums=[],
        createdAt=created, expiresAt="2099-01-01T00:00:00.000Z", taskToken="t", callbackId="c",
    )


def an_execution(workflow: WorkflowType, number: int, started: str = "2026-01-01T00:00:00.000Z") -> Execution:
    return Execution(
        executionId=f"{workflow.short_name}-{number:032x}", workflowType=workflow, imageS3Key=f"uploads/{number}.jpg",
        startedAt=started, updatedAt=started,
    )


# --- Task pages across both patterns ---------------------------------------------


def test_pages_merge_both_patterns_oldest_first_and_resume_after_the_token(repository):
    created = [
        (SF, 1, "2026-01-01T00:00:01.000Z"),
        (LDF, 2, "2026-01-01T00:00:02.000Z"),
        (SF, 3, "2026-01-01T00:00:03.000Z"),
        (LDF, 4, "2026-01-01T00:00:04.000Z"),
        (SF, 5, "2026-01-01T00:00:05.000Z"),
    ]
    for workflow, number, at in reversed(created):
        repository.create_task(a_task(workflow, number, at))
    repository.create_task(a_task(SF, 6, "2026-01-01T00:00:00.000Z", status=TaskStatus.COMPLETED))
    order = [a_task(w, n, at).taskId for w, n, at in created]

    first, token = repository.page_tasks(list(WorkflowType), limit=2)
    assert [t.taskId for t in first] == order[:2]
    assert decode_page_token(token) == f"2026-01-01T00:00:02.000Z#{order[1]}"
    # The token is the last task's position on its page.
    assert decode_page_token(repository.page_tasks(list(WorkflowType), limit=3)[1]) == f"2026-01-01T00:00:03.000Z#{order[2]}"
    second, token = repository.page_tasks(list(WorkflowType), limit=2, page_token=token)
    assert [t.taskId for t in second] == order[2:4]
    last, token = repository.page_tasks(list(WorkflowType), limit=2, page_token=token)
    assert ([t.taskId for t in last], token) == (order[4:], None)
    # A page exactly as long as what is left has no next page.
    assert repository.page_tasks(list(WorkflowType), limit=5)[1] is None
    only_sf, _ = repository.page_tasks([SF])
    assert [t.taskId for t in only_sf] == [order[0], order[2], order[4]]
    completed, _ = repository.page_tasks(list(WorkflowType), status=TaskStatus.COMPLETED.value)
    assert [t.status for t in completed] == [TaskStatus.COMPLETED]


def test_a_page_holds_fifty_tasks_unless_asked_otherwise(repository):
    for number in range(51):
        repository.create_task(a_task(SF, number, f"2026-01-01T00:{number // 60:02d}:{number % 60:02d}.000Z"))
    page, token = repository.page_tasks([SF])
    assert len(page) == 50 and token is not None
    assert len(repository.list_tasks(SF)) == 50
    assert len(repository.list_tasks(SF, limit=51)) == 51


@pytest.mark.parametrize(
    ("token", "reason"),
    [("a", "not base64url"), (encode_page_token("no task here"), "not a task position"), ("_w", "not base64url")],
)
def test_a_token_the_api_did_not_issue_is_refused_with_the_reason(repository, token, reason):
    with pytest.raises(InvalidPageTokenError) as raised:
        repository.page_tasks(list(WorkflowType), page_token=token)
    assert raised.value.reason == reason
    assert str(raised.value) == f"page token is not one this API issued: {reason}"


@given(st.text(min_size=0, max_size=12))
def test_page_tokens_round_trip_without_padding(prefix):
    sort_key = f"{prefix}#task-sf-1"
    token = encode_page_token(sort_key)
    assert "=" not in token and set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert decode_page_token(token) == sort_key


@pytest.mark.parametrize(
    ("sort_key", "token"),
    [
        ("é#task-x", "w6kjdGFzay14"),
        ("2026#task-sf-aW", "MjAyNiN0YXNrLXNmLWFX"),  # only the padding is cut, never a last "X"
    ],
)
def test_a_token_is_the_sort_keys_base64url(sort_key, token):
    assert encode_page_token(sort_key) == token
    assert decode_page_token(token) == sort_key


# --- The registry ------------------------------------------------------------------


def _album(index: int, status: AlbumStatus) -> Album:
    return Album(albumIndex=index, artist=f"Artist {index}", albumName=f"Album {index}", status=status)


def test_the_registry_lists_albums_of_one_status_with_their_execution(repository):
    repository.save_albums(SF, "sf-a", [_album(1, AlbumStatus.PRICED), _album(2, AlbumStatus.PRICE_FAILED)])
    repository.save_albums(SF, "sf-b", [_album(1, AlbumStatus.PRICED)])
    repository.save_albums(LDF, "ldf-a", [_album(1, AlbumStatus.PRICED)])
    registered = repository.list_registered_albums(SF)
    assert sorted((execution_id, album.albumIndex) for execution_id, album in registered) == [("sf-a", 1), ("sf-b", 1)]
    assert all(album.status is AlbumStatus.PRICED for _, album in registered)
    failed = repository.list_registered_albums(SF, status=AlbumStatus.PRICE_FAILED.value)
    assert [(e, a) for e, a in failed] == [("sf-a", _album(2, AlbumStatus.PRICE_FAILED))]
    assert len(repository.list_registered_albums(SF, limit=1)) == 1
    assert sorted(a.albumIndex for a in repository.list_albums(SF)) == [1, 1]
    assert repository.list_albums(SF, status=AlbumStatus.PRICE_FAILED.value) == [_album(2, AlbumStatus.PRICE_FAILED)]
    assert len(repository.list_albums(SF, limit=1)) == 1
    assert [a.albumIndex for a in repository.list_albums(LDF)] == [1]


def test_the_registry_holds_up_to_five_hundred_albums_a_listing(repository):
    for execution in range(84):  # 504 albums
        repository.save_albums(SF, f"sf-{execution}", [_album(index, AlbumStatus.PRICED) for index in range(1, 7)])
    assert len(repository.list_albums(SF)) == 500
    assert len(repository.list_registered_albums(SF)) == 500


def test_executions_list_fifty_newest_first(repository):
    for number in range(51):
        repository.create_execution(an_execution(SF, number, f"2026-01-01T00:00:{number:02d}.000Z"))
    listed = repository.list_executions(SF)
    assert len(listed) == 50 and listed[0].startedAt == "2026-01-01T00:00:50.000Z"


# --- Conditions of the writes ------------------------------------------------------


def test_a_task_is_created_again_only_while_it_is_pending(repository):
    pending = a_task(SF, 1, "2026-01-01T00:00:00.000Z")
    repository.create_task(pending)
    repository.create_task(pending.model_copy(update={"taskToken": "retried-wait"}))
    assert repository.get_task(SF, pending.taskId).taskToken == "retried-wait"
    repository.close_task(pending.model_copy(update={"status": TaskStatus.COMPLETED}), expected_status="pending")
    repository.create_task(pending)  # a late retry of the wait
    assert repository.get_task(SF, pending.taskId).status is TaskStatus.COMPLETED


def test_a_final_record_still_takes_its_own_status_again(repository):
    execution = an_execution(SF, 1)
    repository.create_execution(execution)
    completed = execution.model_copy(update={"status": ExecutionStatus.COMPLETED, "pricedCount": 5})
    repository.update_execution(completed)
    repository.update_execution(completed.model_copy(update={"pricedCount": 6}))
    assert repository.get_execution(SF, execution.executionId).pricedCount == 6
    repository.update_execution(completed.model_copy(update={"status": ExecutionStatus.FAILED}))
    assert repository.get_execution(SF, execution.executionId).status is ExecutionStatus.COMPLETED


def test_nothing_stored_reads_as_none(repository):
    assert repository.get_execution(SF, "sf-none") is None
    assert repository.get_task(SF, "task-sf-none") is None
    assert repository.get_albums(SF, "sf-none") == []


# --- Exact requests, on a Stubber ----------------------------------------------------


def stubbed() -> tuple[DynamoDbAlbumRepository, Stubber]:
    client = boto3.client("dynamodb", region_name="us-east-1")
    return DynamoDbAlbumRepository(client, TABLE), Stubber(client)


def test_a_record_is_read_consistently_and_its_units_counted():
    repository, stubber = stubbed()
    execution = an_execution(SF, 1)
    key = {"pk": keys.execution_pk(SF, execution.executionId), "sk": keys.EXECUTION_SK}
    stubber.add_response(
        "get_item",
        {"Item": marshal(items.execution_item(execution)), "ConsumedCapacity": {"TableName": TABLE, "CapacityUnits": 1.0}},
        {"TableName": TABLE, "Key": marshal(key), "ConsistentRead": True, "ReturnConsumedCapacity": "TOTAL"},
    )
    with stubber:
        assert repository.get_execution(SF, execution.executionId) == execution
    assert (repository.capacity.read_units, repository.capacity.write_units) == (1.0, 0.0)


def _query_request(**overrides: Any) -> dict[str, Any]:
    return {
        "TableName": TABLE,
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :album)",
        "ScanIndexForward": True,
        "ReturnConsumedCapacity": "TOTAL",
        "ConsistentRead": True,
        "ExpressionAttributeValues": marshal({":pk": keys.execution_pk(SF, "sf-1"), ":album": keys.ALBUM_SK_PREFIX}),
        **overrides,
    }


def test_a_query_reads_every_page_the_table_returns():
    repository, stubber = stubbed()
    first_page = [marshal(items.album_item(SF, "sf-1", _album(i, AlbumStatus.EXTRACTED))) for i in (1, 2)]
    last_page = [marshal(items.album_item(SF, "sf-1", _album(3, AlbumStatus.EXTRACTED)))]
    resume = {"pk": {"S": keys.execution_pk(SF, "sf-1")}, "sk": {"S": keys.album_sk(2)}}
    stubber.add_response("query", {"Items": first_page, "LastEvaluatedKey": resume}, _query_request())
    stubber.add_response("query", {"Items": last_page}, _query_request(ExclusiveStartKey=resume))
    with stubber:
        assert [a.albumIndex for a in repository.get_albums(SF, "sf-1")] == [1, 2, 3]
        stubber.assert_no_pending_responses()


def test_a_query_stops_once_it_has_what_was_asked_and_reads_a_page_without_items():
    repository, stubber = stubbed()
    tasks = [marshal(items.task_item(a_task(SF, n, f"2026-01-01T00:00:0{n}.000Z"))) for n in (1, 2)]
    request = {
        "TableName": TABLE,
        "KeyConditionExpression": "GSI1PK = :gsi",
        "ScanIndexForward": True,
        "ReturnConsumedCapacity": "TOTAL",
        "IndexName": keys.GSI1_NAME,
        "ExpressionAttributeValues": marshal({":gsi": keys.tasks_gsi1pk(SF, "pending")}),
    }
    more = {"pk": {"S": "x"}, "sk": {"S": "y"}, "GSI1PK": {"S": "z"}, "GSI1SK": {"S": "w"}}
    stubber.add_response("query", {"Items": tasks, "LastEvaluatedKey": more}, request)
    stubber.add_response("query", {"LastEvaluatedKey": more}, request)
    stubber.add_response("query", {}, {**request, "ExclusiveStartKey": more})
    with stubber:
        # Two asked, two on the first page: no second request although the table has more.
        assert [t.taskId for t in repository.list_tasks(SF, limit=2)] == [a_task(SF, n, "x").taskId for n in (1, 2)]
        # A page may hold no items at all and still point further.
        assert repository.list_tasks(SF, limit=2) == []
        stubber.assert_no_pending_responses()


def _transaction(album: Album) -> dict[str, Any]:
    return {
        "TransactItems": [
            {
                "Put": {
                    "TableName": TABLE,
                    "Item": marshal(items.album_item(SF, "sf-1", album)),
                    "ConditionExpression": "attribute_not_exists(pk) OR #status = :extracted",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": marshal({":extracted": "extracted"}),
                }
            }
        ],
        "ReturnConsumedCapacity": "TOTAL",
    }


def test_albums_are_written_in_one_transaction_and_its_units_counted():
    repository, stubber = stubbed()
    album = _album(1, AlbumStatus.EXTRACTED)
    capacity = [{"TableName": TABLE, "CapacityUnits": 2.0}, {"TableName": TABLE, "CapacityUnits": 2.5}]
    stubber.add_response("transact_write_items", {"ConsumedCapacity": capacity}, _transaction(album))
    with stubber:
        repository.save_albums(SF, "sf-1", [album])
    assert repository.capacity.write_units == 4.5


@pytest.mark.parametrize(
    ("reasons", "refused"),
    [
        ([{"Code": "ConditionalCheckFailed"}], False),  # an album moved on: kept, not an error
        ([{"Code": "None"}, {"Code": "ConditionalCheckFailed"}], False),
        ([{"Code": "ThrottlingError"}], True),
        (None, True),  # cancelled with no reason given
    ],
)
def test_a_cancelled_transaction_is_an_error_unless_an_album_moved_on(reasons, refused):
    repository, stubber = stubbed()
    album = _album(1, AlbumStatus.EXTRACTED)
    stubber.add_client_error(
        "transact_write_items",
        service_error_code="TransactionCanceledException",
        expected_params=_transaction(album),
        response_meta={} if reasons is None else None,
        modeled_fields={"CancellationReasons": reasons} if reasons is not None else None,
    )
    with stubber:
        if refused:
            with pytest.raises(ClientError, match="TransactionCanceledException"):
                repository.save_albums(SF, "sf-1", [album])
        else:
            repository.save_albums(SF, "sf-1", [album])


def test_another_write_error_is_raised_as_it_came():
    repository, stubber = stubbed()
    album = _album(1, AlbumStatus.EXTRACTED)
    stubber.add_client_error("transact_write_items", service_error_code="ProvisionedThroughputExceededException")
    with stubber, pytest.raises(ClientError) as raised:
        repository.save_albums(SF, "sf-1", [album])
    assert integration_error_name(raised.value) == "DynamoDB.ProvisionedThroughputExceededException"


# --- Plain values and capacity -------------------------------------------------------


def test_numbers_read_back_as_ints_when_whole_and_floats_otherwise():
    plain = unmarshal(marshal({"count": 6, "price": 31.5, "nested": {"n": Decimal("2")}, "list": [Decimal("0.25")]}))
    assert plain == {"count": 6, "price": 31.5, "nested": {"n": 2}, "list": [0.25]}
    assert type(plain["count"]) is int and type(plain["nested"]["n"]) is int and type(plain["price"]) is float


@pytest.mark.parametrize(
    ("response", "units"),
    [
        ({"ConsumedCapacity": {"CapacityUnits": 1.5}}, 1.5),
        ({"ConsumedCapacity": [{"CapacityUnits": 1.0}, {"CapacityUnits": 0.5}]}, 1.5),
        ({"ConsumedCapacity": {"TableName": TABLE}}, 0.0),  # no units reported: none counted
        ({"ConsumedCapacity": None}, 0.0),
        ({}, 0.0),
    ],
)
def test_capacity_adds_up_what_each_response_reports(response, units):
    capacity = ConsumedCapacity()
    assert (capacity.read_units, capacity.write_units) == (0.0, 0.0)
    capacity.add_reads(response)
    capacity.add_reads(response)
    capacity.add_writes(response)
    capacity.add_writes(response)
    capacity.add_writes(response)
    assert (capacity.read_units, capacity.write_units) == (2 * units, 3 * units)


def _task_query(workflow: WorkflowType) -> dict[str, Any]:
    return {
        "TableName": TABLE,
        "KeyConditionExpression": "GSI1PK = :gsi",
        "ScanIndexForward": True,
        "ReturnConsumedCapacity": "TOTAL",
        "IndexName": keys.GSI1_NAME,
        "ExpressionAttributeValues": marshal({":gsi": keys.tasks_gsi1pk(workflow, "pending")}),
    }


def test_a_task_page_reads_each_pattern_only_until_it_has_one_more_than_asked():
    """One more than the page shows whether another page exists; reading on would cost for nothing."""
    repository, stubber = stubbed()
    pending = [a_task(SF, n, f"2026-01-01T00:00:0{n}.000Z") for n in (1, 2, 3)]
    further = {"pk": {"S": "x"}, "sk": {"S": "y"}, "GSI1PK": {"S": "z"}, "GSI1SK": {"S": "w"}}
    stubber.add_response(
        "query", {"Items": [marshal(items.task_item(t)) for t in pending], "LastEvaluatedKey": further}, _task_query(SF)
    )
    stubber.add_response("query", {"Items": []}, _task_query(LDF))
    with stubber:
        page, token = repository.page_tasks(list(WorkflowType), limit=2)
        stubber.assert_no_pending_responses()
    assert [t.taskId for t in page] == [t.taskId for t in pending[:2]] and token is not None
