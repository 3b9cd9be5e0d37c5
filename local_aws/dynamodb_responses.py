"""DynamoDB's item answers in the local stack, written as JSON without moto's model walk.

moto (5.2.5) writes every answer by walking the operation's output shape in
botocore's service model, attribute by attribute. For the item operations
the answer is already DynamoDB's wire JSON (``AttributeValue`` maps, counts,
keys, consumed capacity), and the walk only drops what the shape does not
name. Under ``albums bench --concurrency 20`` py-spy put 22 % of the stack
process's CPU in that walk; the JSON below costs about 1/60 of it
(``/tmp/sercheck.py``: 63 answers, 30.7 ms against 0.5 ms).

An item operation's answer is written here with ``json.dumps``, keeping the
members the output shape names. Anything that is not plain JSON (a binary
attribute, which the model writes in base64) goes to moto's serializer, as
does every other operation. A test compares both on every item operation.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult

_INSTALLED = "_local_aws_plain_item_answers"
ITEM_OPERATIONS = frozenset(
    {
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactGetItems",
        "TransactWriteItems",
    }
)
_CONTENT_TYPE = "application/x-amz-json-1.0"

Answer = tuple[int, dict[str, str], str]


def install_plain_item_answers() -> None:
    """Write the item operations' answers as plain JSON (idempotent)."""
    if getattr(ActionResult.execute_result, _INSTALLED, False):
        return
    ActionResult.execute_result = _plain_json_first(ActionResult.execute_result)  # type: ignore[method-assign]


def _plain_json_first(execute_result: Callable[[ActionResult, Any], Answer]) -> Callable[[ActionResult, Any], Answer]:
    """moto's answers of every service pass here; only DynamoDB's item operations are written as plain JSON."""

    @functools.wraps(execute_result)
    def execute(self: ActionResult, context: Any) -> Answer:
        if context.service_model.service_name != "dynamodb":
            return execute_result(self, context)
        body = plain_item_answer(context.operation_model, self.result)
        if body is None:
            return execute_result(self, context)
        return 200, {"Content-Type": _CONTENT_TYPE}, body

    setattr(execute, _INSTALLED, True)
    return execute


def plain_item_answer(operation: Any, result: object) -> str | None:
    """The answer's JSON, or None where moto's serializer must write it."""
    if operation.name not in ITEM_OPERATIONS or not isinstance(result, dict):
        return None
    members = operation.output_shape.members if operation.output_shape is not None else {}
    try:
        return json.dumps({name: value for name, value in result.items() if name in members})
    except TypeError:  # bytes of a binary attribute, a datetime: the model knows how to write them
        return None
