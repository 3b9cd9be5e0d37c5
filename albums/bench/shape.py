"""``albums bench --shape steps=N``: the same N no-op steps on both engines, to see overhead grow with N.

Durable functions: the ``steps`` example (``durable_examples.noop_steps``),
deployed by the program like the seed's examples, runs N ``context.step``
calls that return at once. Step Functions: a chain of N Pass states,
generated here from the same N and created through ``CreateStateMachine``
when the bench runs (it is a measuring device, not part of the product, so
the program does not deploy it). Pass states are the fair counterpart: like
a no-op durable step, a Pass state does no work and adds no Lambda
invocation, and each is one unit its engine bills (a state transition
against a durable operation). A chain of no-op Lambda tasks would add N
invocations that the durable side does not make, since its steps run inside
the function.

A run of one step on each engine comes first and is not reported, so that
the durable function's cold start is not spread over the steps. Each run is
read back through the engines' own histories (``GetExecutionHistory``,
``GetDurableExecutionHistory``): total time from the execution's start to
its end as the engine stamped them, per-step overhead as that over N,
transitions or operations, the durable function's invocations (the first
and its replays) and checkpoint bytes, and the modeled cost per workflow.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from album_registry.domain.models import WorkflowType
from albums.bench.collector import measure_durable_execution, measure_step_functions_execution
from albums.bench.cost_model import (
    CostBreakdown,
    PriceTable,
    WorkflowUsage,
    lambda_gb_seconds,
    workflow_cost,
)
from albums.history.reader import read_durable_history, read_step_functions_history

STEPS_SHAPE = re.compile(r"^steps=(?P<counts>[1-9]\d*(?:,[1-9]\d*)*)$")
# The durable side's ceiling (noop_steps.MAX_STEPS); Step Functions allows 25,000 history events.
MAX_SHAPE_STEPS = 2_000
POLL_SECONDS = 0.1
_RUNNING = {"RUNNING", "PENDING"}
# Any role ARN passes moto; on AWS the chain of Pass states needs a role that Step Functions can assume.
SHAPE_ROLE_ARN = "arn:aws:iam::123456789012:role/shape-bench"


class ShapeError(Exception):
    def __init__(self, *, shape: str, reason: str) -> None:
        super().__init__(f"--shape {shape!r}: {reason}")
        self.shape = shape
        self.reason = reason


def parse_shape(shape: str) -> list[int]:
    """``steps=10,100,1000`` as the step counts to run, in the order given."""
    match = STEPS_SHAPE.match(shape.strip())
    if match is None:
        raise ShapeError(shape=shape, reason="expected steps=N or steps=N,M,..., each N a whole number from 1")
    counts = [int(count) for count in match["counts"].split(",")]
    too_many = [count for count in counts if count > MAX_SHAPE_STEPS]
    if too_many:
        raise ShapeError(shape=shape, reason=f"at most {MAX_SHAPE_STEPS} steps (a durable execution holds 3,000 operations)")
    return counts


def pass_state_name(index: int) -> str:
    return f"Step{index:04d}"


def pass_chain_definition(steps: int) -> str:
    """The ASL of N Pass states in a row: no work, one transition each."""
    states: dict[str, Any] = {}
    for index in range(1, steps + 1):
        state: dict[str, Any] = {"Type": "Pass", "Comment": f"no-op step {index} of {steps}"}
        if index == steps:
            state["End"] = True
        else:
            state["Next"] = pass_state_name(index + 1)
        states[pass_state_name(index)] = state
    return json.dumps(
        {"Comment": f"{steps} no-op steps, the Step Functions side of albums bench --shape steps={steps}", "StartAt": pass_state_name(1), "States": states}
    )


class ShapeMeasurement(BaseModel):
    """One run of N no-op steps on one engine, from its history."""

    model_config = ConfigDict(frozen=True)

    workflow: WorkflowType
    steps: int
    engine_arn: str
    status: str
    total_seconds: float
    history_events: int
    # Step Functions: transitions; durable functions: operations, invocations (the first plus replays), checkpoint bytes.
    state_transitions: int = 0
    durable_operations: int = 0
    invocations: int = 0
    checkpoint_bytes: int = 0
    invocation_billed_ms: int = 0
    replay_billed_ms: int = 0
    cost: CostBreakdown

    @property
    def per_step_ms(self) -> float:
        return self.total_seconds * 1000 / self.steps

    @property
    def replays(self) -> int:
        return max(0, self.invocations - 1)


class ShapeRun(BaseModel):
    model_config = ConfigDict(frozen=True)

    stack: str
    lambda_memory_mb: int
    durable_retention_days: int
    measurements: list[ShapeMeasurement]


def measured_cost(
    workflow: WorkflowType,
    *,
    state_transitions: int = 0,
    durable_operations: int = 0,
    checkpoint_bytes: int = 0,
    execution_seconds: float = 0.0,
    invocations: int = 0,
    invocation_billed_ms: int = 0,
    replay_billed_ms: int = 0,
    prices: PriceTable,
    memory_mb: int,
    retention_days: int,
) -> CostBreakdown:
    """What one such workflow costs on AWS at the price table's rates, by the project's cost model."""
    usage = WorkflowUsage(
        workflow=workflow,
        state_transitions=state_transitions,
        durable_operations=durable_operations,
        checkpoint_bytes_written=checkpoint_bytes,
        execution_hours=execution_seconds / 3600,
        lambda_requests=invocations,
        lambda_gb_seconds=lambda_gb_seconds(invocation_billed_ms, memory_mb),
        replay_requests=max(0, invocations - 1),
        replay_gb_seconds=lambda_gb_seconds(replay_billed_ms, memory_mb),
    )
    return workflow_cost(usage, prices, retention_days=retention_days)


def run_shape_bench(
    client: Callable[[str], Any],
    *,
    steps_function_arn: str,
    step_counts: Sequence[int],
    prices: PriceTable,
    memory_mb: int,
    retention_days: int,
    stack: str,
    timeout_seconds: float = 600.0,
    progress: Callable[[str], None] = lambda _: None,
) -> ShapeRun:
    """Each N once on each engine, one run at a time; ``client(service)`` makes the stack's boto3 clients."""
    step_functions, lambda_client = client("stepfunctions"), client("lambda")
    run_tag = uuid.uuid4().hex[:8]
    # One step on each engine first, not reported: the durable function's cold start
    # (a new worker, its imports) is a fixed cost, not a per-step one.
    progress("warm-up: one step on each engine")
    _run_state_machine(step_functions, 1, f"{run_tag}-warm", prices, memory_mb, retention_days, timeout_seconds)
    _run_durable(lambda_client, steps_function_arn, 1, f"{run_tag}-warm", prices, memory_mb, retention_days, timeout_seconds)
    measurements: list[ShapeMeasurement] = []
    for steps in step_counts:
        progress(f"steps={steps}: Step Functions")
        measurements.append(
            _run_state_machine(step_functions, steps, run_tag, prices, memory_mb, retention_days, timeout_seconds)
        )
        progress(f"steps={steps}: durable functions")
        measurements.append(
            _run_durable(lambda_client, steps_function_arn, steps, run_tag, prices, memory_mb, retention_days, timeout_seconds)
        )
    return ShapeRun(stack=stack, lambda_memory_mb=memory_mb, durable_retention_days=retention_days, measurements=measurements)


def _wait_until_ended(describe: Callable[[], str], what: str, timeout_seconds: float) -> str:
    deadline = time.monotonic() + timeout_seconds
    while (status := describe()) in _RUNNING:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} still {status} after {timeout_seconds:.0f} s")
        time.sleep(POLL_SECONDS)
    return status


def _run_state_machine(
    step_functions: Any, steps: int, run_tag: str, prices: PriceTable, memory_mb: int, retention_days: int, timeout: float
) -> ShapeMeasurement:
    machine = step_functions.create_state_machine(
        name=f"shape-steps-{steps}-{run_tag}", definition=pass_chain_definition(steps), roleArn=SHAPE_ROLE_ARN, type="STANDARD"
    )["stateMachineArn"]
    try:
        arn = step_functions.start_execution(stateMachineArn=machine, name=f"steps-{steps}-{run_tag}", input="{}")["executionArn"]
        _wait_until_ended(
            lambda: str(step_functions.describe_execution(executionArn=arn)["status"]), f"{steps} Pass states", timeout
        )
        measured = measure_step_functions_execution(read_step_functions_history(step_functions, arn), arn)
    finally:
        step_functions.delete_state_machine(stateMachineArn=machine)
    return ShapeMeasurement(
        workflow=WorkflowType.STEP_FUNCTIONS,
        steps=steps,
        engine_arn=arn,
        status=measured.status,
        total_seconds=measured.end_to_end_seconds,
        history_events=measured.history_events,
        state_transitions=measured.state_transitions,
        cost=measured_cost(
            WorkflowType.STEP_FUNCTIONS,
            state_transitions=measured.state_transitions,
            prices=prices,
            memory_mb=memory_mb,
            retention_days=retention_days,
        ),
    )


def _run_durable(
    lambda_client: Any,
    function_arn: str,
    steps: int,
    run_tag: str,
    prices: PriceTable,
    memory_mb: int,
    retention_days: int,
    timeout: float,
) -> ShapeMeasurement:
    arn = lambda_client.invoke(
        FunctionName=function_arn,
        InvocationType="Event",
        DurableExecutionName=f"steps-{steps}-{run_tag}",
        Payload=json.dumps({"steps": steps}).encode(),
    )["DurableExecutionArn"]
    _wait_until_ended(
        lambda: str(lambda_client.get_durable_execution(DurableExecutionArn=arn)["Status"]), f"{steps} durable steps", timeout
    )
    measured = measure_durable_execution(read_durable_history(lambda_client, arn, include_execution_data=True), arn)
    return ShapeMeasurement(
        workflow=WorkflowType.DURABLE_FUNCTIONS,
        steps=steps,
        engine_arn=arn,
        status=measured.status,
        total_seconds=measured.end_to_end_seconds,
        history_events=measured.history_events,
        durable_operations=measured.billable_durable_operations,
        invocations=measured.invocations,
        checkpoint_bytes=measured.checkpoint_bytes,
        invocation_billed_ms=measured.invocation_billed_ms,
        replay_billed_ms=measured.replay_billed_ms,
        cost=measured_cost(
            WorkflowType.DURABLE_FUNCTIONS,
            durable_operations=measured.billable_durable_operations,
            checkpoint_bytes=measured.checkpoint_bytes,
            execution_seconds=measured.end_to_end_seconds,
            invocations=measured.invocations,
            invocation_billed_ms=measured.invocation_billed_ms,
            replay_billed_ms=measured.replay_billed_ms,
            prices=prices,
            memory_mb=memory_mb,
            retention_days=retention_days,
        ),
    )
