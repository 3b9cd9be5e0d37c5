"""DynamoDB transactions in the local stack, rolled back item by item.

moto (5.2.5) backs up every table a ``TransactWriteItems`` touches with a
deep copy of the whole table before it runs, and puts the copies back if the
transaction is cancelled. Two things follow that DynamoDB never does:

- a transaction costs time and memory in proportion to the table, not to
  its own items. Profiling the stack under ``albums load`` (py-spy, 40
  uploads) put 35 % of the stack process's CPU in that copy, with the table
  at about 700 items, so every workflow made the next ones slower;
- a cancelled transaction restores the whole table, undoing every other
  client's writes made while it ran.

Here the backup holds the transaction's own items only: while a transaction
runs, moto's copy of a table is the table itself, and a cancelled
transaction puts back, or deletes, exactly the items it named. Any other
deep copy of a table (``CreateBackup``) stays a real one. moto's own logic decides everything else: conditions,
cancellation reasons, the one-operation-per-item rule.
"""

from __future__ import annotations

import copy
import functools
import threading
from collections.abc import Callable
from typing import Any

from moto.dynamodb.exceptions import (
    DynamodbException,
    MockValidationException,
    MultipleTransactionsException,
    TransactionCanceledException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import Table

_CANCELLED = (TransactionCanceledException, MultipleTransactionsException, MockValidationException)
_INSTALLED = "_local_aws_item_rollback"
_in_transaction = threading.local()

ItemKey = dict[str, dict[str, Any]]
Snapshot = tuple[str, ItemKey, Item | None]


def install_item_rollback() -> None:
    """Make moto's transactions back up and restore their own items only (idempotent)."""
    if getattr(DynamoDBBackend.transact_write_items, _INSTALLED, False):
        return
    Table.__deepcopy__ = _deepcopy_table  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = _with_item_rollback(DynamoDBBackend.transact_write_items)  # type: ignore[method-assign]


def _deepcopy_table(table: Table, memo: dict[int, Any]) -> Table:
    """The table itself for a transaction's backup; otherwise the default deep copy of an object."""
    if getattr(_in_transaction, "active", False):
        return table
    clone = copy.copy(table)
    memo[id(table)] = clone
    clone.__dict__.update(copy.deepcopy(table.__dict__, memo))
    return clone


def _with_item_rollback(
    transact_write_items: Callable[[DynamoDBBackend, list[dict[str, Any]]], None],
) -> Callable[[DynamoDBBackend, list[dict[str, Any]]], None]:
    @functools.wraps(transact_write_items)
    def transact_with_item_rollback(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        snapshots = [_snapshot(backend, operation) for operation in transact_items]
        _in_transaction.active = True
        try:
            transact_write_items(backend, transact_items)
        except _CANCELLED:
            for snapshot in reversed([s for s in snapshots if s is not None]):
                _restore(backend, snapshot)
            raise
        finally:
            _in_transaction.active = False

    setattr(transact_with_item_rollback, _INSTALLED, True)
    return transact_with_item_rollback


def _snapshot(backend: DynamoDBBackend, operation: dict[str, Any]) -> Snapshot | None:
    """The named item as it is now (None: absent), or None when moto will refuse the operation anyway."""
    if len(operation) != 1:
        return None
    kind, request = next(iter(operation.items()))
    table = backend.tables.get(request.get("TableName", ""))
    if table is None:
        return None
    if kind == "Put":
        attributes = request.get("Item", {})
        key_names = [name for name in (table.hash_key_attr, table.range_key_attr) if name is not None]
        if any(name not in attributes for name in key_names):
            return None
        key = {name: attributes[name] for name in key_names}
    elif "Key" in request:
        key = request["Key"]
    else:
        return None
    try:
        current = backend.get_item(table.name, key)
    except DynamodbException:
        return None
    return table.name, key, copy.deepcopy(current)


def _restore(backend: DynamoDBBackend, snapshot: Snapshot) -> None:
    table_name, key, item = snapshot
    table = backend.get_table(table_name)
    if item is None:
        if backend.get_item(table_name, key) is not None:
            backend.delete_item(table_name, key)
    else:
        table.put_item(item.to_json()["Attributes"], overwrite=True)
