"""The cost model against AWS's own examples and hand-computed ones."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from album_registry import constants
from album_registry.domain.models import WorkflowType
from datetime import timedelta

from albums.bench.collector import measure_durable_execution
from albums.bench.cost_model import (
    BYTES_PER_GB,
    DZONE_SAVING,
    PRICED_WAITS_HOURS,
    CostPart,
    billable_durable_operations,
    check_dzone_claim,
    count_durable_operations,
    count_state_retries,
    count_state_transitions,
    crossover_wait_hours,
    durable_operations_cost,
    durable_storage_cost,
    load_price_table,
    retry_cost,
    step_functions_cost,
    validation_wait_cost,
    workflow_cost,
    WorkflowUsage,
)

PRICES = load_price_table()


def test_aws_worked_example_one_million_executions_of_four_operations_cost_32_dollars():
    assert durable_operations_cost(1_000_000 * 4, PRICES) == pytest.approx(32.00)


def test_aws_worked_example_through_a_history_and_the_workflow_cost():
    """AWS's example, from a history of four operations (start, two steps, a wait) to $32.00 per 1M executions."""
    events = [
        _event("ExecutionStarted", "exec"),
        _event("StepStarted", "validate"),
        _event("StepSucceeded", "validate"),
        _event("StepStarted", "charge"),
        _event("StepSucceeded", "charge"),
        _event("WaitStarted", "cool-off"),
        _event("WaitSucceeded", "cool-off"),
    ]
    operations = billable_durable_operations(count_durable_operations(events))
    assert operations == 4
    usage = WorkflowUsage(workflow=WorkflowType.DURABLE_FUNCTIONS, durable_operations=operations)
    cost = workflow_cost(usage, PRICES, retention_days=14)
    assert cost.orchestration * 1_000_000 == pytest.approx(32.00)


def test_hand_computed_step_functions_example():
    # 28 transitions per workflow (the happy path of the ASL), 1M workflows:
    # 28,000,000 x $0.025 / 1,000 = $700.00.
    assert step_functions_cost(28 * 1_000_000, PRICES) == pytest.approx(700.00)


def test_hand_computed_step_functions_workflow_with_retries():
    """28 transitions of which 2 retries, 13 task invocations of 3.5 GB-s in all, 31 WRU, 5 RRU, one PUT, one GET.

    By hand, per workflow: 28 x $0.000025 = $0.0007; 13 x $0.0000002 = $0.0000026;
    3.5 x $0.0000133334 = $0.0000466669; 31 x $0.000000625 = $0.000019375;
    5 x $0.000000125 = $0.000000625; $0.000005 + $0.0000004 for S3:
    $0.0007746669, so $774.67 per million workflows.
    """
    usage = WorkflowUsage(
        workflow=WorkflowType.STEP_FUNCTIONS,
        state_transitions=28,
        state_transition_retries=2,
        lambda_requests=13,
        lambda_gb_seconds=3.5,
        dynamodb_write_units=31,
        dynamodb_read_units=5,
        s3_put_requests=1,
        s3_get_requests=1,
    )
    cost = workflow_cost(usage, PRICES, retention_days=14, human_wait_hours=24 * 7)
    assert cost.total == pytest.approx(0.0007746669)
    assert cost.total * 1_000_000 == pytest.approx(774.6669)
    lines = {line.item: line for line in cost.lines}
    assert lines["state transitions: retries"].quantity == 2 and lines["state transitions"].quantity == 26
    assert lines["state transitions: retries"].usd == pytest.approx(0.00005)


def test_durable_compute_is_priced_per_invocation_with_the_replays_apart():
    usage = WorkflowUsage(
        workflow=WorkflowType.DURABLE_FUNCTIONS,
        lambda_requests=3,
        replay_requests=2,
        lambda_gb_seconds=1.5,
        replay_gb_seconds=0.5,
    )
    cost = workflow_cost(usage, PRICES, retention_days=14)
    lines = {line.item: line for line in cost.lines}
    assert lines["Lambda requests: first invocations"].quantity == 1
    assert lines["Lambda requests: replays"].quantity == 2
    assert lines["Lambda GB-s: first invocations"].quantity == pytest.approx(1.0)
    assert lines["Lambda GB-s: replays"].quantity == pytest.approx(0.5)
    assert cost.compute == pytest.approx(3 * 0.0000002 + 1.5 * 0.0000133334)


def test_each_invocation_of_a_durable_execution_is_billed_on_its_own():
    """Three invocations (the first and two replays), each rounded up to the millisecond on its own."""
    origin = datetime(2026, 1, 1, tzinfo=timezone.utc)

    def invocation(start_ms: float, length_ms: float) -> dict:
        start = origin + timedelta(milliseconds=start_ms)
        return {
            "EventType": "InvocationCompleted",
            "EventTimestamp": start + timedelta(milliseconds=length_ms),
            "InvocationCompletedDetails": {"StartTimestamp": start, "EndTimestamp": start + timedelta(milliseconds=length_ms)},
        }

    events = [
        {"EventType": "ExecutionStarted", "EventTimestamp": origin, "Id": "exec", "Name": "run"},
        invocation(0, 100.2),
        invocation(1000, 50),
        invocation(2000, 20.5),
        {"EventType": "ExecutionSucceeded", "EventTimestamp": origin + timedelta(seconds=3), "Id": "exec"},
    ]
    measurement = measure_durable_execution(events, "arn:run")
    assert (measurement.invocations, measurement.replays) == (3, 2)
    assert measurement.invocation_billed_ms == 101 + 50 + 21
    assert measurement.replay_billed_ms == 50 + 21


def test_the_validation_wait_costs_a_transition_or_three_operations_and_a_replay_then_retention():
    sf = WorkflowUsage(workflow=WorkflowType.STEP_FUNCTIONS, state_transitions=28)
    ldf = WorkflowUsage(workflow=WorkflowType.DURABLE_FUNCTIONS, durable_operations=28, checkpoint_bytes_written=10_000)
    gb = 10_000 / BYTES_PER_GB
    totals = {}
    for label, hours in PRICED_WAITS_HOURS.items():
        sf_wait = validation_wait_cost(sf, PRICES, wait=label, wait_hours=hours, retention_days=14)
        assert sf_wait.fixed.total == pytest.approx(0.000025) and sf_wait.growing.total == 0
        ldf_wait = validation_wait_cost(ldf, PRICES, wait=label, wait_hours=hours, retention_days=14)
        assert ldf_wait.fixed.orchestration == pytest.approx(3 * 0.000008)
        assert ldf_wait.fixed.compute == pytest.approx(0.0000002)
        assert ldf_wait.growing.storage == pytest.approx(gb * 0.15 * hours / 730)
        totals[label] = (sf_wait.workflow_total, ldf_wait.workflow_total)
    assert list(PRICED_WAITS_HOURS) == ["1 min", "1 h", "1 day", "7 days"]
    # The length of the wait moves the durable workflow's cost by its retention alone.
    assert totals["7 days"][0] == totals["1 min"][0]
    assert totals["7 days"][1] - totals["1 min"][1] == pytest.approx(gb * 0.15 * (7 * 24 - 1 / 60) / 730)


def test_a_retry_is_a_transition_or_an_operation_with_another_invocation():
    sf, ldf = retry_cost(WorkflowType.STEP_FUNCTIONS, PRICES), retry_cost(WorkflowType.DURABLE_FUNCTIONS, PRICES)
    assert sf.orchestration == pytest.approx(0.000025) and sf.compute == pytest.approx(0.0000002)
    assert ldf.orchestration == pytest.approx(0.000008) and ldf.compute == pytest.approx(0.0000002)


def test_the_dzone_claim_is_recomputed_either_way():
    # Orchestration alone, 28 units each: 1 - (28 x $8/M) / (28 x $0.025/1k) = 1 - 0.224 / 0.7 = 68 %.
    sf = workflow_cost(WorkflowUsage(workflow=WorkflowType.STEP_FUNCTIONS, state_transitions=28), PRICES, retention_days=14)
    ldf = workflow_cost(WorkflowUsage(workflow=WorkflowType.DURABLE_FUNCTIONS, durable_operations=28), PRICES, retention_days=14)
    check = check_dzone_claim(sf, ldf)
    assert (check.workflows, check.claimed_saving) == (1_000, DZONE_SAVING)
    assert check.step_functions_usd == pytest.approx(0.70) and check.durable_usd == pytest.approx(0.224)
    assert check.saving == pytest.approx(0.68) and not check.holds
    assert check.parts[0].part is CostPart.ORCHESTRATION and check.parts[0].durable_saves_usd == pytest.approx(0.476)
    # Far more transitions than operations (a long state machine): the claim holds.
    longer = workflow_cost(
        WorkflowUsage(workflow=WorkflowType.STEP_FUNCTIONS, state_transitions=200), PRICES, retention_days=14
    )
    assert check_dzone_claim(longer, ldf).holds
    # A cost both share (a vision model) dilutes the share saved, not the dollars.
    shared = {"bedrock_input_tokens": 1_600, "bedrock_output_tokens": 400}
    sf_ai = workflow_cost(WorkflowUsage(workflow=WorkflowType.STEP_FUNCTIONS, state_transitions=28, **shared), PRICES, retention_days=14)
    ldf_ai = workflow_cost(WorkflowUsage(workflow=WorkflowType.DURABLE_FUNCTIONS, durable_operations=28, **shared), PRICES, retention_days=14)
    diluted = check_dzone_claim(sf_ai, ldf_ai)
    assert diluted.saving < 0.05
    assert diluted.step_functions_usd - diluted.durable_usd == pytest.approx(0.476)


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
    assert count_state_retries(events) == 1


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
