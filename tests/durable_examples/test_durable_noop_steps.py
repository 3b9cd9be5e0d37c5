"""The shape bench's durable function: N no-op steps, each one checkpointed operation, on the official runner."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from aws_durable_execution_sdk_python.execution import InvocationStatus
from aws_durable_execution_sdk_python_testing import DurableFunctionTestRunner

from durable_examples import noop_steps


@pytest.fixture(scope="module")
def runner() -> Iterator[DurableFunctionTestRunner]:
    with DurableFunctionTestRunner(handler=noop_steps.handler, skip_time=True) as shared_runner:
        yield shared_runner


@pytest.mark.parametrize("steps", [1, 7])
def test_n_steps_run_once_each_in_order_and_return_their_count(runner: DurableFunctionTestRunner, steps: int) -> None:
    arn = runner.run_async(input=json.dumps({"steps": steps}), execution_name=f"noop-{steps}")
    result = runner.wait_for_result(arn)
    assert result.status is InvocationStatus.SUCCEEDED
    assert json.loads(result.result) == {"steps_completed": steps}
    assert [operation.name for operation in result.operations] == [noop_steps.step_name(i) for i in range(1, steps + 1)]
    assert [result.get_step(noop_steps.step_name(i)).result for i in (1, steps)] == [json.dumps(1), json.dumps(steps)]


@pytest.mark.parametrize("event", [{}, {"steps": 0}, {"steps": noop_steps.MAX_STEPS + 1}, {"steps": 3, "extra": 1}])
def test_a_step_count_outside_what_an_execution_holds_fails_the_run(runner: DurableFunctionTestRunner, event: dict) -> None:
    arn = runner.run_async(input=json.dumps(event), execution_name=f"noop-bad-{len(json.dumps(event))}-{event.get('steps')}")
    result = runner.wait_for_result(arn)
    assert result.status is InvocationStatus.FAILED
    assert result.operations == []
