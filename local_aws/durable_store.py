"""The durable runner's store, with the executions in flight held parsed in memory.

The official runner keeps each execution as one JSON row in sqlite and reads it
back for every use: a checkpoint loads it three times (to apply the update, to
settle the invocation's state, to re-arm its wake-up) and saves it once. Each
load parses every operation and every update the execution ever received, so a
checkpoint cost grew with the steps before it, and parsing took most of the
runner's time (58 % of its samples in a 300-step run, by py-spy).

This store writes every save through to that same sqlite row, so an execution
survives a restart exactly as before, and keeps a copy of each execution in
flight. A load hands out a copy of that copy. The copy is cheap because what an
execution holds is immutable (frozen dataclasses, strings, datetimes) except
its own lists and dicts, which are copied. A finished execution leaves memory
and is read from sqlite again if ever asked for.

The runner's store also opened a connection for every read and write, and
closing the last connection to a WAL database checkpoints the log into the
database and syncs it. This one keeps one connection open for its life.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aws_durable_execution_sdk_python_testing.execution import Execution
from aws_durable_execution_sdk_python_testing.stores.sqlite import SQLiteExecutionStore


_LOCK = type(threading.Lock())


def copy_of_execution(execution: Execution) -> Execution:
    """An execution no change to which reaches ``execution``, and the other way round.

    Its containers are new; their elements, immutable, are shared.
    """
    copy = Execution.__new__(Execution)
    for name, value in vars(execution).items():
        if isinstance(value, list):
            value = list(value)
        elif isinstance(value, dict):
            value = dict(value)
        elif isinstance(value, set):
            value = set(value)
        elif isinstance(value, _LOCK):
            value = threading.Lock()
        copy.__dict__[name] = value
    return copy


class InFlightCachedExecutionStore(SQLiteExecutionStore):
    def __init__(self, db_path: Path) -> None:
        super().__init__(db_path)
        self._in_flight: dict[str, Execution] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()
        self._connection_lock = threading.Lock()
        self._open_connection: sqlite3.Connection | None = None

    def save(self, execution: Execution) -> None:
        arn = execution.durable_execution_arn
        # The row and the copy change together, so the copy is always what sqlite holds.
        with self._lock_for(arn):
            super().save(execution)
            if execution.is_complete:
                self._in_flight.pop(arn, None)
            else:
                self._in_flight[arn] = copy_of_execution(execution)

    def load(self, execution_arn: str) -> Execution:
        held = self._in_flight.get(execution_arn)
        if held is not None:
            return copy_of_execution(held)
        with self._lock_for(execution_arn):
            execution = super().load(execution_arn)
            if not execution.is_complete:
                self._in_flight[execution_arn] = copy_of_execution(execution)
            return execution

    @contextmanager
    def _lock_for(self, execution_arn: str) -> Iterator[None]:
        with self._locks_lock:
            lock = self._locks.setdefault(execution_arn, threading.Lock())
        with lock:
            yield

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """The store's one connection, one user at a time; a block commits or rolls back as the runner's did."""
        with self._connection_lock:
            if self._open_connection is None:
                self._open_connection = sqlite3.connect(self.db_path, timeout=30.0, check_same_thread=False)
                self._open_connection.execute("PRAGMA journal_mode=WAL;")
                self._open_connection.execute("PRAGMA synchronous=NORMAL;")
            with self._open_connection:
                yield self._open_connection

    def close(self) -> None:
        with self._connection_lock:
            if self._open_connection is not None:
                self._open_connection.close()
                self._open_connection = None
