"""The cost model against AWS's own examples and hand-computed ones."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from album_registry import constants
from album_registry.domain.models import WorkflowType
from albums.bench.cost_model import (
    BYTES_PER_GB,
    billable_durable_operations,
    count_durable_operations,
    count_state_transitions,
    crossover_wait_hours,
    durable_operations_cost,
    durable_storage_cost,
    load_price_table,
    step_functions_cost,
    workflow_cost,
    WorkflowUsage,
)

PRICES = load_price_table()


def test_aws_worked_example_one_million_executions_of_four_operations_cost_32_dollars():
    assert durable_operations_cost(1_000_000 * 4, PRICES) == pytest.approx(32.00)


def test_hand_computed_step_functions_example():
    # 28 transitions per workflow (the happy path of the ASL), 1M workflows:
    # 28,000,000 x $0.025 / 1,000 = $700.00.
    assert step_functions_cost(28 * 1_000_000, PRICES) == pytest.approx(700.00)


def test_price_table_names_the_configured_bedrock_model_and_its_sources():
    assert PRICES.bedrock_model_id == constants.DEFAULT_BEDROCK_MODEL_ID
    assert PRICES.region == "us-east-1"
    assert PRICES.lambda_arm64_gb_second.usd == 0.0000133334
    for name, field in PRICES:
        if hasattr(field, "source"):
            assert field.source.strip(), name


def _event(event_type, operation=None, sub_type=None, parent=None):
    event = {"EventType": event_type, "EventTimestamp": datetime(2026, 1, 1, tzinfo=timezone.utc)}
    if operation:
        event["Id"] = operation
    if sub_type:
        event["SubType"] = sub_type
    if parent:
        event["ParentId"] = parent
    return event


def test_durable_counting_follows_the_documented_rules():
    events = [
        _event("ExecutionStarted", "exec"),
        _event("StepStarted", "a", "Step"),
        _event("StepFailed", "a", "Step"),
        _event("StepStarted", "a", "Step"),  # a retry
        _event("StepSucceeded", "a", "Step"),
        _event("WaitStarted", "w", "Wait"),
        _event("CallbackStarted", "c", "Callback"),
        _event("ContextStarted", "wfc", "WaitForCallback"),
        _event("CallbackStarted", "wfc-cb", "Callback", parent="wfc"),
        _event("StepStarted", "wfc-submit", "Step", parent="wfc"),
        _event("StepStarted", "wfc-submit", "Step", parent="wfc"),  # submitter retried
        _event("ContextStarted", "m", "Map"),
        *[_event("ContextStarted", f"m{i}", "MapIteration", parent="m") for i in range(3)],
        _event("ContextStarted", "p", "Parallel"),
        *[_event("ContextStarted", f"p{i}", "ParallelBranch", parent="p") for i in range(2)],
        _event("ContextStarted", "child", "RunInChildContext"),
    ]
    counts = count_durable_operations(events)
    assert counts["start"] == 1 and counts["step"] == 1 and counts["step_retry"] == 1
    assert counts["wait"] == 1 and counts["callback"] == 1
    assert counts["wait_for_callback"] == 1 and counts["wait_for_callback_retry"] == 1
    assert counts["map_or_parallel"] == 2 and counts["item_or_branch"] == 5
    assert counts["child_context"] == 1
    # start 1 + step 1+1 + wait 1 + callback 1 + wfc 3+1 + map 1+3 + parallel 1+2 + child 1
    assert billable_durable_operations(counts) == 17


@given(
    steps=st.integers(0, 20),
    retries=st.integers(0, 5),
    waits=st.integers(0, 5),
    items=st.integers(0, 10),
)
def test_operation_count_is_the_documented_sum(steps, retries, waits, items):
    events = [_event("ExecutionStarted", "exec")]
    for step in range(steps):
        events += [_event("StepStarted", f"s{step}")] * (1 + (retries if step == 0 else 0))
    events += [_event("WaitStarted", f"w{wait}") for wait in range(waits)]
    events += [_event("ContextStarted", "m", "Map")]
    events += [_event("ContextStarted", f"i{item}", "MapIteration", parent="m") for item in range(items)]
    expected = 1 + steps + (retries if steps else 0) + waits + 1 + items
    assert billable_durable_operations(count_durable_operations(events)) == expected


def _sfn(event_id, event_type, previous=0):
    return {"id": event_id, "type": event_type, "previousEventId": previous, "timestamp": datetime(2026, 1, 1)}


def test_state_transitions_count_states_entered_and_retries():
    events = [
        _sfn(1, "ExecutionStarted"),
        _sfn(2, "TaskStateEntered", 1),
        _sfn(3, "LambdaFunctionScheduled", 2),
        _sfn(4, "LambdaFunctionFailed", 3),
        _sfn(5, "LambdaFunctionScheduled", 4),  # retry: a transition
        _sfn(6, "LambdaFunctionSucceeded", 5),
        _sfn(7, "TaskStateExited", 6),
        _sfn(8, "PassStateEntered", 7),
        _sfn(9, "SucceedStateEntered", 8),
        _sfn(10, "ExecutionSucceeded", 9),
    ]
    assert count_state_transitions(events) == 4


def test_durable_storage_is_written_once_and_retained_prorated():
    one_gb = BYTES_PER_GB
    month = PRICES.hours_per_month
    assert durable_storage_cost(one_gb, 0, PRICES) == pytest.approx(0.25)
    assert durable_storage_cost(one_gb, month, PRICES) == pytest.approx(0.25 + 0.15)
    assert durable_storage_cost(one_gb, month / 2, PRICES) == pytest.approx(0.25 + 0.075)


def test_workflow_cost_parts_and_crossover():
    sf = WorkflowUsage(workflow=WorkflowType.STEP_FUNCTIONS, state_transitions=28, lambda_requests=11, lambda_gb_seconds=2.0)
    ldf = WorkflowUsage(
        workflow=WorkflowType.DURABLE_FUNCTIONS, durable_operations=28, checkpoint_bytes_written=10_000, lambda_requests=2, lambda_gb_seconds=2.0
    )
    sf_cost = workflow_cost(sf, PRICES, retention_days=14)
    assert sf_cost.orchestration == pytest.approx(28 * 0.000025)
    assert sf_cost.compute == pytest.approx(11 * 0.0000002 + 2.0 * 0.0000133334)
    ldf_cost = workflow_cost(ldf, PRICES, retention_days=14)
    assert ldf_cost.orchestration == pytest.approx(28 * 0.000008)
    gb = 10_000 / BYTES_PER_GB
    assert ldf_cost.storage == pytest.approx(gb * 0.25 + gb * 0.15 * 14 * 24 / 730)
    # A longer wait costs Step Functions nothing and durable functions retention.
    assert workflow_cost(sf, PRICES, retention_days=14, human_wait_hours=48).total == pytest.approx(sf_cost.total)
    assert workflow_cost(ldf, PRICES, retention_days=14, human_wait_hours=48).total > ldf_cost.total
    crossing = crossover_wait_hours(sf, ldf, PRICES, retention_days=14)
    assert crossing is not None
    at_crossing = workflow_cost(ldf, PRICES, retention_days=14, human_wait_hours=crossing).total
    assert at_crossing == pytest.approx(sf_cost.total)
    assert crossover_wait_hours(sf.model_copy(update={"state_transitions": 1}), ldf, PRICES, retention_days=14) is None
