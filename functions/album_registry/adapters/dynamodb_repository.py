"""The repository on one DynamoDB table, through the low-level boto3 client.

Every write is safe to repeat: new records are conditional on absence,
updates never move an execution out of a final status, and a redelivered
album write cannot undo progress made after it.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

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

# The most keys one BatchGetItem request may name.
BATCH_GET_KEYS = 100
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


@dataclass(frozen=True)
class WriteCondition:
    """A write's ConditionExpression with its names and (plain) values.

    The state machine's native DynamoDB tasks render the same conditions
    (``statemachine/table_writes.py``), so each rule is written here once.
    """

    expression: str
    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)


_STATUS = {"#status": "status"}


def new_execution_condition(engine_execution_arn: str | None) -> WriteCondition:
    """Absent, or written by this same engine run and still running (a resent write)."""
    if engine_execution_arn is None:
        return WriteCondition("attribute_not_exists(pk)")
    return WriteCondition(
        "attribute_not_exists(pk) OR (#engine = :engine AND #status = :running)",
        names={**_STATUS, "#engine": "engineExecutionArn"},
        values={":engine": engine_execution_arn, ":running": ExecutionStatus.RUNNING.value},
    )


def execution_update_condition(new_status: str) -> WriteCondition:
    """A final status is never left: a late or replayed write is refused."""
    return WriteCondition(
        "attribute_exists(pk) AND (NOT #status IN (:completed, :failed) OR #status = :new)",
        names=dict(_STATUS),
        values={
            ":completed": ExecutionStatus.COMPLETED.value,
            ":failed": ExecutionStatus.FAILED.value,
            ":new": new_status,
        },
    )


def first_album_write_condition() -> WriteCondition:
    """A redelivered first write cannot reset an album that moved on."""
    return WriteCondition(
        "attribute_not_exists(pk) OR #status = :extracted",
        names=dict(_STATUS),
        values={":extracted": AlbumStatus.EXTRACTED.value},
    )


def task_status_condition(expected_status: str) -> WriteCondition:
    return WriteCondition("#status = :expected", names=dict(_STATUS), values={":expected": expected_status})


def new_task_condition() -> WriteCondition:
    """A retried wait creates the same task again with a fresh resume handle."""
    return WriteCondition(
        "attribute_not_exists(pk) OR #status = :pending",
        names=dict(_STATUS),
        values={":pending": TaskStatus.PENDING.value},
    )


def integration_error_name(error: ClientError) -> str:
    """A DynamoDB error as Step Functions' native DynamoDB tasks name it."""
    return f"DynamoDB.{error.response['Error']['Code']}"


def marshal(item: dict[str, Any]) -> dict[str, Any]:
    """Plain values to DynamoDB attribute values (floats become decimals)."""
    return {name: _serializer.serialize(_decimals(value)) for name, value in item.items()}


def unmarshal(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _plain(_deserializer.deserialize(value)) for name, value in item.items()}


class ConsumedCapacity:
    """Read and write units the repository consumed, for the cost model."""

    def __init__(self) -> None:
        self.read_units = 0.0
        self.write_units = 0.0

    def add_reads(self, response: dict[str, Any]) -> None:
        self.read_units += _capacity_units(response)

    def add_writes(self, response: dict[str, Any]) -> None:
        self.write_units += _capacity_units(response)


def _capacity_units(response: dict[str, Any]) -> float:
    """The total a response reports; the operation tells reads from writes."""
    reported = response.get("ConsumedCapacity")
    entries = reported if isinstance(reported, list) else [reported] if reported else []
    return sum(float(entry.get("CapacityUnits", 0.0)) for entry in entries)


class DynamoDbAlbumRepository:
    def __init__(self, client: Any, table_name: str, capacity: ConsumedCapacity | None = None) -> None:
        self._client = client
        self._table = table_name
        self.capacity = capacity or ConsumedCapacity()

    def create_execution(self, execution: Execution) -> bool:
        return self._put(
            items.execution_item(execution), new_execution_condition(execution.engineExecutionArn)
        )

    def get_execution(self, workflow: WorkflowType, execution_id: str) -> Execution | None:
        item = self._get(keys.execution_pk(workflow, execution_id), keys.EXECUTION_SK)
        return items.execution_from_item(item) if item else None

    def get_executions(self, workflow: WorkflowType, execution_ids: Sequence[str]) -> dict[str, Execution]:
        """The records these executions have, by id, read 100 keys a request (BatchGetItem).

        Keys DynamoDB leaves unprocessed (throttled, or past a response's
        16 MB) are not read again here: they are missing from the answer, as
        a record not written yet is, and a caller that polls reads them next time.
        """
        wanted = [
            marshal({"pk": keys.execution_pk(workflow, execution_id), "sk": keys.EXECUTION_SK})
            for execution_id in dict.fromkeys(execution_ids)
        ]
        found: dict[str, Execution] = {}
        for start in range(0, len(wanted), BATCH_GET_KEYS):
            response = self._client.batch_get_item(
                RequestItems={self._table: {"Keys": wanted[start : start + BATCH_GET_KEYS], "ConsistentRead": True}},
                ReturnConsumedCapacity="TOTAL",
            )
            self.capacity.add_reads(response)
            for item in response.get("Responses", {}).get(self._table, []):
                execution = items.execution_from_item(unmarshal(item))
                found[execution.executionId] = execution
        return found

    def update_execution(self, execution: Execution) -> bool:
        return self._put(items.execution_item(execution), execution_update_condition(execution.status.value))

    def save_albums(self, workflow: WorkflowType, execution_id: str, albums: list[Album]) -> None:
        """All albums or none; a redelivery cannot reset an album that moved on."""
        condition = first_album_write_condition()
        puts = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": marshal(items.album_item(workflow, execution_id, album)),
                    "ConditionExpression": condition.expression,
                    "ExpressionAttributeNames": condition.names,
                    "ExpressionAttributeValues": marshal(condition.values),
                }
            }
            for album in albums
        ]
        try:
            self.capacity.add_writes(
                self._client.transact_write_items(TransactItems=puts, ReturnConsumedCapacity="TOTAL")
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = error.response.get("CancellationReasons", [])
            if not any(reason.get("Code") == "ConditionalCheckFailed" for reason in reasons):
                raise

    def get_albums(self, workflow: WorkflowType, execution_id: str) -> list[Album]:
        found = self._query(
            key_condition="pk = :pk AND begins_with(sk, :album)",
            values={":pk": keys.execution_pk(workflow, execution_id), ":album": keys.ALBUM_SK_PREFIX},
        )
        return sorted((items.album_from_item(item) for item in found), key=lambda a: a.albumIndex)

    def save_album(self, workflow: WorkflowType, execution_id: str, album: Album) -> None:
        self._put(items.album_item(workflow, execution_id, album))

    def create_task(self, task: ValidationTask) -> None:
        self._put(items.task_item(task), new_task_condition())

    def get_task(self, workflow: WorkflowType, task_id: str) -> ValidationTask | None:
        item = self._get(keys.task_pk(workflow, task_id), keys.TASK_SK)
        return items.task_from_item(item) if item else None

    def close_task(self, task: ValidationTask, *, expected_status: str) -> bool:
        return self._put(items.task_item(task), task_status_condition(expected_status))

    def list_executions(
        self, workflow: WorkflowType, *, status: str | None = None, limit: int = 50
    ) -> list[Execution]:
        found = self._query(
            key_condition="GSI1PK = :gsi",
            values={":gsi": keys.executions_gsi1pk(workflow)},
            index=True,
            newest_first=True,
            filter_status=status,
            limit=limit,
        )
        return [items.execution_from_item(item) for item in found]

    def list_tasks(
        self, workflow: WorkflowType, *, status: str = TaskStatus.PENDING.value, limit: int = 50
    ) -> list[ValidationTask]:
        found = self._query(
            key_condition="GSI1PK = :gsi",
            values={":gsi": keys.tasks_gsi1pk(workflow, status)},
            index=True,
            limit=limit,
        )
        return [items.task_from_item(item) for item in found]

    def list_albums(
        self, workflow: WorkflowType, *, status: str = AlbumStatus.PRICED.value, limit: int = 500
    ) -> list[Album]:
        found = self._query(
            key_condition="GSI1PK = :gsi",
            values={":gsi": keys.albums_gsi1pk(workflow, status)},
            index=True,
            limit=limit,
        )
        return [items.album_from_item(item) for item in found]

    def page_tasks(
        self,
        workflows: Sequence[WorkflowType],
        *,
        status: str = TaskStatus.PENDING.value,
        limit: int = 50,
        page_token: str | None = None,
    ) -> tuple[list[ValidationTask], str | None]:
        """Tasks of one status across ``workflows``, oldest first, one page at a time.

        Every pattern's tasks of a status share one GSI1 partition sorted by
        ``{createdAt}#{taskId}``, the same order for both patterns. The token is
        the sort key of the last task returned, so a page resumes each partition
        with ``GSI1SK > token`` and the merge stays in order.
        """
        after = decode_page_token(page_token) if page_token else None
        candidates: list[dict[str, Any]] = []
        for workflow in workflows:
            condition = "GSI1PK = :gsi"
            values = {":gsi": keys.tasks_gsi1pk(workflow, status)}
            if after is not None:
                condition += " AND GSI1SK > :after"
                values[":after"] = after
            # One more than asked shows whether another page exists.
            candidates.extend(
                self._query(key_condition=condition, values=values, index=True, limit=limit + 1)
            )
        candidates.sort(key=lambda item: item[keys.GSI1_SORT_KEY])
        page = candidates[:limit]
        more = len(candidates) > limit
        next_token = encode_page_token(page[-1][keys.GSI1_SORT_KEY]) if more and page else None
        return [items.task_from_item(item) for item in page], next_token

    def list_registered_albums(
        self, workflow: WorkflowType, *, status: str = AlbumStatus.PRICED.value, limit: int = 500
    ) -> list[tuple[str, Album]]:
        """Albums of one status with the execution each belongs to."""
        found = self._query(
            key_condition="GSI1PK = :gsi",
            values={":gsi": keys.albums_gsi1pk(workflow, status)},
            index=True,
            limit=limit,
        )
        return [(str(item["executionId"]), items.album_from_item(item)) for item in found]

    def _put(self, item: dict[str, Any], condition: WriteCondition | None = None) -> bool:
        request: dict[str, Any] = {
            "TableName": self._table,
            "Item": marshal(item),
            "ReturnConsumedCapacity": "TOTAL",
        }
        if condition is not None:
            request["ConditionExpression"] = condition.expression
            if condition.names:
                request["ExpressionAttributeNames"] = condition.names
            if condition.values:
                request["ExpressionAttributeValues"] = marshal(condition.values)
        try:
            self.capacity.add_writes(self._client.put_item(**request))
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        response = self._client.get_item(
            TableName=self._table,
            Key=marshal({"pk": pk, "sk": sk}),
            ConsistentRead=True,
            ReturnConsumedCapacity="TOTAL",
        )
        self.capacity.add_reads(response)
        return unmarshal(response["Item"]) if "Item" in response else None

    def _query(
        self,
        *,
        key_condition: str,
        values: dict[str, Any],
        index: bool = False,
        newest_first: bool = False,
        filter_status: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": key_condition,
            "ScanIndexForward": not newest_first,
            "ReturnConsumedCapacity": "TOTAL",
        }
        expression_values = dict(values)
        if index:
            request["IndexName"] = keys.GSI1_NAME
        else:
            # A run's own items, read back by its next step: strongly consistent
            # (an index offers only eventual consistency).
            request["ConsistentRead"] = True
        if filter_status:
            request["FilterExpression"] = "#status = :status"
            request["ExpressionAttributeNames"] = {"#status": "status"}
            expression_values[":status"] = filter_status
        request["ExpressionAttributeValues"] = marshal(expression_values)
        found: list[dict[str, Any]] = []
        while True:
            response = self._client.query(**request)
            self.capacity.add_reads(response)
            found.extend(unmarshal(item) for item in response.get("Items", []))
            if (limit is not None and len(found) >= limit) or "LastEvaluatedKey" not in response:
                return found[:limit]
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def _decimals(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {key: _decimals(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_decimals(inner) for inner in value]
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _plain(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_plain(inner) for inner in value]
    return value


class InvalidPageTokenError(Exception):
    def __init__(self, *, reason: str) -> None:
        super().__init__(f"page token is not one this API issued: {reason}")
        self.reason = reason


def encode_page_token(sort_key: str) -> str:
    """Opaque to clients: a page token is only ever handed back."""
    return base64.urlsafe_b64encode(sort_key.encode("utf-8")).decode("ascii").rstrip("=")


def decode_page_token(token: str) -> str:
    try:
        padded = token + "=" * (-len(token) % 4)
        sort_key = base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError) as error:
        raise InvalidPageTokenError(reason="not base64url") from error
    if "#task-" not in sort_key:
        raise InvalidPageTokenError(reason="not a task position")
    return sort_key
