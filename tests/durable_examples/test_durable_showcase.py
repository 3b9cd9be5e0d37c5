"""The showcase durable function (seed 004) on the official local runner, and each of its steps alone."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from aws_durable_execution_sdk_python import StepContext
from aws_durable_execution_sdk_python.execution import InvocationStatus
from aws_durable_execution_sdk_python.lambda_service import ErrorObject, OperationStatus
from aws_durable_execution_sdk_python_testing import DurableFunctionTestResult, DurableFunctionTestRunner
from aws_durable_execution_sdk_python.serdes import EXTENDED_TYPES_SERDES
from hypothesis import given
from hypothesis import strategies as st

from durable_examples import showcase
from durable_examples.errors import EmptyWorkItemError

# wait_for_callback names the callback it creates after the operation.
APPROVAL_CALLBACK = f"{showcase.APPROVAL_WAIT} create callback id"
OUTPUT_KEYS = {"workflowId", "processedItems", "parallelResults", "mapResults", "totalDuration", "checkpointCount"}


def step_context(attempt: int = 1) -> StepContext:
    return StepContext(logger=logging.getLogger("durable-examples-test"), attempt=attempt)


@pytest.fixture(scope="module")
def runner() -> Iterator[DurableFunctionTestRunner]:
    with DurableFunctionTestRunner(handler=showcase.handler, skip_time=True, poll_interval=0.02) as shared_runner:
        yield shared_runner


def start(runner: DurableFunctionTestRunner, workflow_id: str, items: list[str], **extra: Any) -> str:
    event = {"workflowId": workflow_id, "inputData": {"items": items}, **extra}
    return runner.run_async(input=json.dumps(event), execution_name=workflow_id)


def approve(runner: DurableFunctionTestRunner, arn: str, approval: dict[str, Any]) -> DurableFunctionTestResult:
    callback_id = runner.wait_for_callback(arn, name=APPROVAL_CALLBACK)
    # The approver sends bytes; the handler receives them as a raw string.
    runner.send_callback_success(callback_id, json.dumps(approval).encode())
    return runner.wait_for_result(arn)


def step_result(result: DurableFunctionTestResult, name: str) -> dict[str, Any]:
    """A top-level step's checkpointed result, decoded with the SDK's default step serializer."""
    payload = result.get_step(name).result
    assert payload is not None
    return EXTENDED_TYPES_SERDES.deserialize(payload)


def test_callback_success_path_returns_the_seed_output(runner: DurableFunctionTestRunner) -> None:
    arn = start(runner, "wf-approved", ["alpha", "beta", "gamma", "delta"])

    result = approve(runner, arn, {"approvedBy": "alice", "priorityBoost": 2})

    assert result.status is InvocationStatus.SUCCEEDED
    output = json.loads(result.result)
    assert set(output) == OUTPUT_KEYS
    assert output["workflowId"] == "wf-approved"
    assert output["processedItems"] == [
        {"id": "wf-approved-item-1", "data": "ALPHA", "priority": 3, "status": "completed", "approvedBy": "alice"},
        {"id": "wf-approved-item-2", "data": "BETA", "priority": 4, "status": "completed", "approvedBy": "alice"},
        {"id": "wf-approved-item-3", "data": "GAMMA", "priority": 5, "status": "completed", "approvedBy": "alice"},
        {"id": "wf-approved-item-4", "data": "DELTA", "priority": 3, "status": "completed", "approvedBy": "alice"},
    ]
    assert output["parallelResults"] == [
        {"branch": "count-items", "value": 4},
        {"branch": "sum-priorities", "value": 1 + 2 + 3 + 1},
        {"branch": "measure-data", "value": len("alphabetagammadelta")},
    ]
    assert [entry["status"] for entry in output["mapResults"]] == ["SUCCEEDED"] * 4
    callback = next(op for op in result.get_all_operations() if op.name == APPROVAL_CALLBACK)
    assert callback.status is OperationStatus.SUCCEEDED


def test_total_duration_is_measured_between_the_first_and_last_steps(runner: DurableFunctionTestRunner) -> None:
    arn = start(runner, "wf-duration", ["one"])

    result = approve(runner, arn, {"approvedBy": "bob"})

    started = step_result(result, showcase.CREATE_ITEMS_STEP)["startedAtMs"]
    finished = step_result(result, showcase.AGGREGATE_STEP)["finishedAtMs"]
    assert json.loads(result.result)["totalDuration"] == finished - started >= 0


@pytest.mark.parametrize("items", [[], ["solo"], ["a", "", "c", "d", "e"]])
def test_checkpoint_count_equals_the_operations_in_the_execution_history(
    runner: DurableFunctionTestRunner, items: list[str]
) -> None:
    arn = start(runner, f"wf-count-{len(items)}", items)

    result = approve(runner, arn, {"approvedBy": "carol"})

    assert result.status is InvocationStatus.SUCCEEDED
    assert json.loads(result.result)["checkpointCount"] == len(result.get_all_operations())


def test_callback_timeout_continues_with_default_approval(runner: DurableFunctionTestRunner) -> None:
    # The local runner waits out callback timeouts in real time, even with skip_time.
    arn = start(runner, "wf-timeout", ["x", "y"], approvalTimeoutSeconds=1)

    result = runner.wait_for_result(arn)

    assert result.status is InvocationStatus.SUCCEEDED
    output = json.loads(result.result)
    assert [(item["approvedBy"], item["priority"]) for item in output["processedItems"]] == [
        ("timeout-default", 1),
        ("timeout-default", 2),
    ]
    callback = next(op for op in result.get_all_operations() if op.name == APPROVAL_CALLBACK)
    assert callback.status is OperationStatus.TIMED_OUT
    assert output["checkpointCount"] == len(result.get_all_operations())


def test_a_rejected_callback_fails_the_execution_instead_of_using_defaults(runner: DurableFunctionTestRunner) -> None:
    arn = start(runner, "wf-rejected", ["x"])
    callback_id = runner.wait_for_callback(arn, name=APPROVAL_CALLBACK)

    runner.send_callback_failure(callback_id, ErrorObject.from_message("approver said no"))
    result = runner.wait_for_result(arn)

    assert result.status is InvocationStatus.FAILED
    assert result.error is not None
    assert result.error.message == "approver said no"


def test_map_goes_on_after_one_item_fails(runner: DurableFunctionTestRunner) -> None:
    arn = start(runner, "wf-partial", ["first", "   ", "third"])

    result = approve(runner, arn, {"approvedBy": "dave"})

    assert result.status is InvocationStatus.SUCCEEDED
    output = json.loads(result.result)
    assert [(entry["itemId"], entry["status"]) for entry in output["mapResults"]] == [
        ("wf-partial-item-1", "SUCCEEDED"),
        ("wf-partial-item-2", "FAILED"),
        ("wf-partial-item-3", "SUCCEEDED"),
    ]
    assert output["mapResults"][1]["error"] == str(EmptyWorkItemError(item_id="wf-partial-item-2"))
    assert [item["id"] for item in output["processedItems"]] == ["wf-partial-item-1", "wf-partial-item-3"]


# Each step on its own: a @durable_step call binds the arguments and returns the
# body, which takes the StepContext the SDK would pass.


@given(st.lists(st.text(max_size=8), max_size=12))
def test_create_work_items_numbers_the_inputs_and_cycles_priorities(inputs: list[str]) -> None:
    batch = showcase.create_work_items("wf", inputs)(step_context())

    assert [item["id"] for item in batch["items"]] == [f"wf-item-{n}" for n in range(1, len(inputs) + 1)]
    assert [item["data"] for item in batch["items"]] == inputs
    assert [item["priority"] for item in batch["items"]] == [n % 3 + 1 for n in range(len(inputs))]
    assert {item["status"] for item in batch["items"]} <= {"pending"}
    assert batch["startedAtMs"] > 0


def test_the_three_branch_steps_summarize_the_items() -> None:
    items = [{"id": "i1", "data": "ab", "priority": 1}, {"id": "i2", "data": "cde", "priority": 2}]

    assert showcase.count_items(items)(step_context()) == {"branch": "count-items", "value": 2}
    assert showcase.sum_priorities(items)(step_context()) == {"branch": "sum-priorities", "value": 3}
    assert showcase.measure_data(items)(step_context()) == {"branch": "measure-data", "value": 5}


@given(data=st.text(min_size=1).filter(str.strip), boost=st.integers(min_value=0, max_value=5))
def test_process_work_item_applies_the_approval(data: str, boost: int) -> None:
    item = {"id": "wf-item-1", "data": data, "priority": 2, "status": "pending"}

    processed = showcase.process_work_item(item, {"approvedBy": "erin", "priorityBoost": boost})(step_context())

    assert processed == {
        "id": "wf-item-1",
        "data": data.strip().upper(),
        "priority": 2 + boost,
        "status": "completed",
        "approvedBy": "erin",
    }


def test_process_work_item_refuses_an_item_without_data() -> None:
    item = {"id": "wf-item-9", "data": " \n", "priority": 1, "status": "pending"}

    with pytest.raises(EmptyWorkItemError):
        showcase.process_work_item(item, {})(step_context())


def test_aggregate_results_measures_from_the_given_start() -> None:
    started_at_ms = 1_000

    completion = showcase.aggregate_results(started_at_ms)(step_context())

    assert completion["totalDuration"] == completion["finishedAtMs"] - started_at_ms > 0
