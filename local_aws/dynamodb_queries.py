"""DynamoDB queries in the local stack, reading what they need instead of sorting the table.

moto (5.2.5) answers every ``Query`` by listing the whole table, sorted
(``Table.all_items``), then keeping the items of the asked partition (or of
the asked index key) and sorting those again. A query then costs
O(n log n) in the size of the table, not in the size of its answer, and the
workflows' own reads of their partition get slower with every workflow the
stack has run (py-spy on the stack under ``albums bench --concurrency 20``
put 6 % of its CPU in that listing with a few hundred items).

Here, while a query runs, ``all_items`` of its table returns the asked
partition only for a base-table query, and the items unsorted for an index
query (moto sorts an index query's candidates itself). moto's own code
still decides everything else: key conditions, filters, order, limits and
pagination.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
from collections.abc import Callable
from typing import Any

from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

_INSTALLED = "_local_aws_partition_reads"
# The table a query runs on, and the partition it asks for (None: an index query).
_query_scope: contextvars.ContextVar[tuple[Table, DynamoType | None] | None] = contextvars.ContextVar(
    "local_aws_query_scope", default=None
)


def install_partition_reads() -> None:
    """Make moto's queries read their partition, or the unsorted items for an index (idempotent)."""
    if getattr(Table.query, _INSTALLED, False):
        return
    Table.all_items = _scoped_all_items(Table.all_items)  # type: ignore[method-assign]
    Table.query = _scoping_query(Table.query)  # type: ignore[method-assign]


def _scoping_query(query: Callable[..., Any]) -> Callable[..., Any]:
    signature = inspect.signature(query)

    @functools.wraps(query)
    def scoped(self: Table, *args: Any, **kwargs: Any) -> Any:
        asked = signature.bind(self, *args, **kwargs).arguments
        partition = None if asked.get("index_name") else asked.get("hash_key")
        token = _query_scope.set((self, partition))
        try:
            return query(self, *args, **kwargs)
        finally:
            _query_scope.reset(token)

    setattr(scoped, _INSTALLED, True)
    return scoped


def _scoped_all_items(all_items: Callable[[Table], list[Item]]) -> Callable[[Table], list[Item]]:
    @functools.wraps(all_items)
    def scoped(self: Table) -> list[Item]:
        scope = _query_scope.get()
        if scope is None or scope[0] is not self:
            return all_items(self)  # a scan, an export: the whole table, in moto's order
        partition = scope[1]
        if partition is None:
            return [item for stored in self.items.values() for item in _partition_items(self, stored)]
        # .get, not [...]: the table's defaultdict would keep an empty partition.
        stored = self.items.get(partition)
        return [] if stored is None else _partition_items(self, stored)

    return scoped


def _partition_items(table: Table, stored: Any) -> list[Item]:
    """A partition holds items by range key when the table has one, else it is the item."""
    return list(stored.values()) if table.range_key_attr else [stored]
