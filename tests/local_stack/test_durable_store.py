"""The durable runner's store with the executions in flight held in memory (local_aws/durable_store.py).

The official executor drives the store here, in process: the seed's showcase
(steps, a callback, parallel and map) and the minimal example (a step retried
after a delay). At every load the copy the store serves from memory must be
what sqlite holds, so a change made to one execution's copy that leaked into
another's, or into the held one, shows as a difference.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from datetime import datetime
from enum import Enum
from pathlib import Path

from aws_durable_execution_sdk_python.execution import InvocationStatus
from aws_durable_execution_sdk_python_testing import DurableFunctionTestRunner
from aws_durable_execution_sdk_python_testing.execution import Execution
from aws_durable_execution_sdk_python_testing.stores.sqlite import SQLiteExecutionStore

from durable_examples import minimal, showcase
from local_aws.durable_store import InFlightCachedExecutionStore, copy_of_execution

APPROVAL_CALLBACK = f"{showcase.APPROVAL_WAIT} create callback id"


class StoreCheckedAgainstSqlite(InFlightCachedExecutionStore):
    """Compares every load with the execution's sqlite row; counts the loads served from memory.

    A load and its comparison run with no save in between: otherwise a
    checkpoint saved by another thread between the two reads would show as a
    difference that no reader of the store could see.
    """

    def __init__(self, db_path: Path) -> None:
        super().__init__(db_path)
        self.differences: list[str] = []
        self.loads_from_memory = 0
        self._no_save_between = threading.RLock()

    def save(self, execution: Execution) -> None:
        with self._no_save_between:
            super().save(execution)

    def load(self, execution_arn: str) -> Execution:
        with self._no_save_between:
            from_memory = execution_arn in self._in_flight
            served = super().load(execution_arn)
            on_disk = SQLiteExecutionStore.load(self, execution_arn)
            self.loads_from_memory += from_memory
            if served.to_json_dict() != on_disk.to_json_dict():
                self.differences.append(execution_arn)
        return served


def test_what_the_store_serves_is_what_sqlite_holds_through_callbacks_parallel_map_and_retries(
    tmp_path: Path,
) -> None:
    store = StoreCheckedAgainstSqlite(tmp_path / "executions.sqlite")
    store._init_db()
    with DurableFunctionTestRunner(handler=showcase.handler, store=store, skip_time=True, poll_interval=0.02) as runner:
        event = {"workflowId": "wf-store", "inputData": {"items": ["alpha", "beta", "gamma"]}}
        arn = runner.run_async(input=json.dumps(event), execution_name="wf-store")
        callback_id = runner.wait_for_callback(arn, name=APPROVAL_CALLBACK)
        runner.send_callback_success(callback_id, json.dumps({"approvedBy": "alice", "priorityBoost": 1}).encode())
        showcase_result = runner.wait_for_result(arn)
    with DurableFunctionTestRunner(handler=minimal.handler, store=store, skip_time=True) as runner:
        # The first attempt of the processing step fails, the retry after its delay succeeds.
        minimal_result = runner.run(input=json.dumps({"message": "one two", "simulated_transient_failures": 1}))
    assert showcase_result.status is InvocationStatus.SUCCEEDED
    assert minimal_result.status is InvocationStatus.SUCCEEDED
    assert store.differences == []
    assert store.loads_from_memory > 10


def test_a_copy_shares_no_container_with_its_execution(tmp_path: Path) -> None:
    store = InFlightCachedExecutionStore(tmp_path / "executions.sqlite")
    store._init_db()
    with DurableFunctionTestRunner(handler=minimal.handler, store=store, skip_time=True) as runner:
        arn = runner.run_async(input=json.dumps({"message": "one two"}), execution_name="copied")
        runner.wait_for_result(arn)
    execution = store.load(arn)
    before = execution.to_json_dict()
    copy = copy_of_execution(execution)
    assert copy.to_json_dict() == before

    copy.operations.pop()
    copy.updates.clear()
    copy.update_timestamps.append(datetime.now())
    copy.invocation_completions.clear()
    copy.updated_operation_ids.append("another")
    copy.operation_last_touched_seq["another"] = 99
    copy.operation_size_bytes.clear()
    copy.chained_invoke_children["another"] = "child"
    copy.needs_reinvoke = not copy.needs_reinvoke
    assert execution.to_json_dict() == before


def test_everything_an_execution_holds_is_copied_or_immutable(tmp_path: Path) -> None:
    """What ``copy_of_execution`` shares must never change in place: this fails if the SDK adds a mutable field."""
    store = InFlightCachedExecutionStore(tmp_path / "executions.sqlite")
    store._init_db()
    with DurableFunctionTestRunner(handler=minimal.handler, store=store, skip_time=True) as runner:
        arn = runner.run_async(input=json.dumps({"message": "one two", "simulated_transient_failures": 1}), execution_name="held")
        runner.wait_for_result(arn)
    execution = store.load(arn)
    for name, value in vars(execution).items():
        if isinstance(value, list | set):
            elements = list(value)
        elif isinstance(value, dict):
            elements = [*value.keys(), *value.values()]
        elif name == "_state_lock":
            continue
        else:
            elements = [value]
        assert all(_immutable(element) for element in elements), f"Execution.{name} holds {value!r}"


def _immutable(value: object) -> bool:
    if value is None or isinstance(value, str | int | float | bool | bytes | datetime | Enum):
        return True
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if not type(value).__dataclass_params__.frozen:  # type: ignore[attr-defined]
            return False
        # A frozen dataclass may still hold a list (an operation's child operations): nobody appends to it.
        return all(
            _immutable(element)
            for field in dataclasses.fields(value)
            for element in _elements(getattr(value, field.name))
        )
    return False


def _elements(value: object) -> list[object]:
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, dict):
        return [*value.keys(), *value.values()]
    return [value]
