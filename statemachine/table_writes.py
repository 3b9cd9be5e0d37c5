"""The state machine's native DynamoDB writes, rendered from the core.

Keys come from ``album_registry.domain.keys``, attribute names from the
models' fields, status values from their enums, and conditions from the
repository, so the ASL template holds no second copy of the item schema:
it names each write's ``Parameters`` (and the one retry rule every write
shares) with a placeholder that ``render_definition`` fills from here.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from album_registry.adapters.dynamodb_repository import (
    WriteCondition,
    execution_update_condition,
    first_album_write_condition,
    marshal,
    new_execution_condition,
    task_status_condition,
)
from album_registry.domain import ids, keys
from album_registry.domain.models import (
    Album,
    AlbumStatus,
    Execution,
    ExecutionStatus,
    TaskStatus,
    ValidationTask,
    WorkflowType,
)

WORKFLOW = WorkflowType.STEP_FUNCTIONS
TABLE = "${TableName}"
# States.Format's slot, handed to the key functions in place of an id or index.
_SLOT: Any = "{}"
_NOW = {"S.$": "$$.State.EnteredTime"}
_THIS_RUN = "$$.Execution.Id"

# Throttling and DynamoDB's own transient errors, retried on every write.
TABLE_WRITE_RETRY: list[dict[str, Any]] = [
    {
        "ErrorEquals": [
            "DynamoDB.ProvisionedThroughputExceededException",
            "DynamoDB.ThrottlingException",
            "DynamoDB.RequestLimitExceeded",
            "DynamoDB.InternalServerErrorException",
        ],
        "IntervalSeconds": 1,
        "MaxAttempts": 3,
        "BackoffRate": 2,
    }
]


def _format(template: str, path: str) -> str:
    return f"States.Format('{template}', {path})"


def _field(model: type[BaseModel], name: str) -> str:
    """An attribute name, checked against the model that stores it."""
    if name not in model.model_fields:
        raise KeyError(f"{model.__name__} has no field {name!r}")
    return name


def _execution_key() -> dict[str, Any]:
    return {
        keys.PARTITION_KEY: {"S.$": _format(keys.execution_pk(WORKFLOW, _SLOT), "$.executionId")},
        keys.SORT_KEY: {"S": keys.EXECUTION_SK},
    }


def _album_key() -> dict[str, Any]:
    return {
        keys.PARTITION_KEY: {"S.$": _format(keys.execution_pk(WORKFLOW, _SLOT), "$.executionId")},
        keys.SORT_KEY: {"S.$": _format(keys.album_sk(_SLOT), "$.album.albumIndex")},
    }


def _task_key() -> dict[str, Any]:
    task_pk = keys.task_pk(WORKFLOW, ids.task_id_for_execution(_SLOT))
    return {
        keys.PARTITION_KEY: {"S.$": _format(task_pk, "$.executionId")},
        keys.SORT_KEY: {"S": keys.TASK_SK},
    }


def _condition(
    condition: WriteCondition, dynamic: dict[str, dict[str, str]] | None = None
) -> tuple[dict[str, Any], dict[str, str], dict[str, Any]]:
    """A repository condition as ASL: values marshalled, some taken from the state's input."""
    values = {**marshal(condition.values), **(dynamic or {})}
    return {"ConditionExpression": condition.expression}, dict(condition.names), values


def _update(
    key: dict[str, Any], assignments: dict[str, dict[str, Any]], condition: WriteCondition | None = None
) -> dict[str, Any]:
    """``SET #name = :name, ...`` over the given attributes, under the repository's condition."""
    names = {f"#{name}": name for name in assignments}
    values = {f":{name}": value for name, value in assignments.items()}
    parameters: dict[str, Any] = {
        "TableName": TABLE,
        "Key": key,
        "UpdateExpression": "SET " + ", ".join(f"#{name} = :{name}" for name in assignments),
    }
    if condition is not None:
        clause, condition_names, condition_values = _condition(condition)
        parameters |= clause
        names |= condition_names
        values |= condition_values
    return parameters | {"ExpressionAttributeNames": names, "ExpressionAttributeValues": values}


def _plain(value: Any) -> dict[str, Any]:
    return marshal({"value": value})["value"]


def _put(item_path: str, condition: WriteCondition, dynamic: dict[str, dict[str, str]] | None = None) -> dict[str, Any]:
    clause, names, values = _condition(condition, dynamic)
    return {
        "TableName": TABLE,
        "Item.$": item_path,
        **clause,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


def create_execution_record() -> dict[str, Any]:
    """The execution item the prepare task built, under ``create_execution``'s condition:
    a write resent by this same run finds its own record and goes on."""
    return _put(
        "$.executionItem", new_execution_condition(_THIS_RUN), dynamic={":engine": {"S.$": _THIS_RUN}}
    )


def put_album() -> dict[str, Any]:
    """One album item the vision task built, under ``save_albums``' condition."""
    return _put("$", first_album_write_condition())


def count_albums() -> dict[str, Any]:
    """``store_albums``' execution update: the album count, while the run is not final."""
    return _update(
        _execution_key(),
        {
            _field(Execution, "albumCount"): {"N.$": "$.extracted.albumCount"},
            _field(Execution, "updatedAt"): _NOW,
        },
        execution_update_condition(ExecutionStatus.RUNNING.value),
    )


def mark_validation_timed_out() -> dict[str, Any]:
    """``time_out_validation``: the pending task closes as timed out."""
    return _update(
        _task_key(),
        {
            _field(ValidationTask, "status"): _plain(TaskStatus.TIMEOUT.value),
            keys.GSI1_PARTITION_KEY: _plain(keys.tasks_gsi1pk(WORKFLOW, TaskStatus.TIMEOUT.value)),
            _field(ValidationTask, "completedAt"): _NOW,
        },
        task_status_condition(TaskStatus.PENDING.value),
    )


def store_price() -> dict[str, Any]:
    """``record_price``: the estimate, status priced, any earlier error cleared."""
    return _update(
        _album_key(),
        {
            _field(Album, "priceEstimate"): {"N.$": "$.estimate.priceEstimate"},
            _field(Album, "priceConfidence"): {"N.$": "$.estimate.priceConfidence"},
            _field(Album, "priceSource"): {"S.$": "$.estimate.priceSource"},
            _field(Album, "priceError"): _plain(None),
            _field(Album, "priceErrorCode"): _plain(None),
            _field(Album, "status"): _plain(AlbumStatus.PRICED.value),
            keys.GSI1_PARTITION_KEY: _plain(keys.albums_gsi1pk(WORKFLOW, AlbumStatus.PRICED.value)),
        },
    )


def record_price_failure() -> dict[str, Any]:
    """``record_price_failure``: the failure's code and short message, status price_failed."""
    return _update(
        _album_key(),
        {
            _field(Album, "priceError"): {"S.$": "$.failure.message"},
            _field(Album, "priceErrorCode"): {"S.$": "$.failure.code"},
            _field(Album, "status"): _plain(AlbumStatus.PRICE_FAILED.value),
            keys.GSI1_PARTITION_KEY: _plain(keys.albums_gsi1pk(WORKFLOW, AlbumStatus.PRICE_FAILED.value)),
        },
    )


def mark_execution_failed() -> dict[str, Any]:
    """``fail_execution``: failed with code and message, never over a final status."""
    return _update(
        _execution_key(),
        {
            _field(Execution, "status"): _plain(ExecutionStatus.FAILED.value),
            _field(Execution, "error"): {"S.$": "$.failure.message"},
            _field(Execution, "errorCode"): {"S.$": "$.failure.code"},
            _field(Execution, "updatedAt"): _NOW,
        },
        execution_update_condition(ExecutionStatus.FAILED.value),
    )


def rendered_writes() -> dict[str, Any]:
    """The template's write placeholders and what fills them."""
    return {
        "CreateExecutionRecordParameters": create_execution_record(),
        "PutAlbumParameters": put_album(),
        "CountAlbumsParameters": count_albums(),
        "MarkValidationTimedOutParameters": mark_validation_timed_out(),
        "StorePriceParameters": store_price(),
        "RecordPriceFailureParameters": record_price_failure(),
        "MarkExecutionFailedParameters": mark_execution_failed(),
        "TableWriteRetry": TABLE_WRITE_RETRY,
    }
