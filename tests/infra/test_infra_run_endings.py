"""Runs their engine ended: one status-change rule per engine, into the run-endings function."""

from __future__ import annotations

import json
from typing import Any

import pytest
from moto.events.models import EventPattern

from album_registry.domain.failures import engine_ending
from album_registry.handlers.run_endings import DURABLE_FAILED_STATUSES, STEP_FUNCTIONS_FAILED_STATUSES
from components.run_endings import durable_ending_pattern, step_functions_ending_pattern
from local_aws.pulumi_program import ProgramRun

COMPONENT = "vinyl:index:RunEndings"


def _children(run: ProgramRun, resource_type: str) -> list[dict[str, Any]]:
    return [r.inputs for r in run.of_type(resource_type) if r.parent_type == COMPONENT]


def _function_arn(run: ProgramRun, name: str) -> str:
    return f"arn:aws:lambda:{run.region}:{run.account_id}:function:{name}"


def _policy(run: ProgramRun) -> dict[str, dict[str, Any]]:
    (policy,) = _children(run, "aws:iam/rolePolicy:RolePolicy")
    return {statement["Sid"]: statement for statement in json.loads(policy["policy"])["Statement"]}


def test_each_engine_has_a_rule_on_its_own_runs_into_the_function(dev_run: ProgramRun) -> None:
    rules = {rule["name"]: json.loads(rule["eventPattern"]) for rule in _children(dev_run, "aws:cloudwatch/eventRule:EventRule")}
    durable_arn = _function_arn(dev_run, "vinyl-dev-durable-pipeline")
    assert rules == {
        "vinyl-dev-sf-run-endings": step_functions_ending_pattern(dev_run.exports["stateMachineArn"]),
        "vinyl-dev-ldf-run-endings": durable_ending_pattern(durable_arn),
    }
    function_arn = _function_arn(dev_run, "vinyl-dev-run-endings")
    targets = _children(dev_run, "aws:cloudwatch/eventTarget:EventTarget")
    assert sorted(target["rule"] for target in targets) == sorted(rules)
    assert all(target["arn"] == function_arn and target["retryPolicy"]["maximumRetryAttempts"] > 0 for target in targets)
    permissions = _children(dev_run, "aws:lambda/permission:Permission")
    assert sorted(p["sourceArn"] for p in permissions) == sorted(
        f"arn:aws:events:{dev_run.region}:{dev_run.account_id}:rule/{name}" for name in rules
    )
    assert all(p["function"] == "vinyl-dev-run-endings" and p["principal"] == "events.amazonaws.com" for p in permissions)


def test_the_function_reads_only_this_stacks_runs(dev_run: ProgramRun) -> None:
    statements = _policy(dev_run)
    state_machine = dev_run.exports["stateMachineArn"].split(":stateMachine:", 1)[1]
    assert statements["ReadRunInputs"]["Action"] == ["states:DescribeExecution"]
    assert statements["ReadRunInputs"]["Resource"] == [
        f"arn:aws:states:{dev_run.region}:{dev_run.account_id}:execution:{state_machine}:*"
    ]
    assert statements["ReadDurableRunInputs"]["Action"] == ["lambda:GetDurableExecution"]
    assert statements["ReadDurableRunInputs"]["Resource"] == [f"{_function_arn(dev_run, 'vinyl-dev-durable-pipeline')}:*"]


@pytest.mark.parametrize("status", [*STEP_FUNCTIONS_FAILED_STATUSES, *DURABLE_FAILED_STATUSES])
def test_every_status_a_rule_sends_is_recorded_as_a_failure(status: str) -> None:
    assert engine_ending(status) is not None


# The example event of AWS's durable functions monitoring page, with the statuses the rule is about.
DURABLE_EVENT = {
    "version": "0",
    "id": "d019b03c-a8a3-9d58-85de-241e96206538",
    "detail-type": "Durable Execution Status Change",
    "source": "aws.lambda",
    "account": "123456789012",
    "time": "2025-11-20T13:08:22Z",
    "region": "us-east-1",
    "resources": [],
    "detail": {
        "durableExecutionArn": "arn:aws:lambda:us-east-1:123456789012:function:my-function:$LATEST/durable-execution/a/b",
        "durableExecutionName": "order-123",
        "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:my-function:2",
        "status": "TIMED_OUT",
        "startTimestamp": "2025-11-20T13:08:22.345Z",
    },
}
STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:registration"
STEP_FUNCTIONS_EVENT = {
    "version": "0",
    "id": "315c1398-40ff-a850-213b-158f73e60175",
    "detail-type": "Step Functions Execution Status Change",
    "source": "aws.states",
    "account": "123456789012",
    "time": "2019-02-26T19:42:21Z",
    "region": "us-east-1",
    "resources": [f"{STATE_MACHINE.replace(':stateMachine:', ':execution:')}:run"],
    "detail": {
        "executionArn": f"{STATE_MACHINE.replace(':stateMachine:', ':execution:')}:run",
        "stateMachineArn": STATE_MACHINE,
        "name": "run",
        "status": "TIMED_OUT",
        "input": "{}",
    },
}


def _with(event: dict[str, Any], **detail: str) -> dict[str, Any]:
    return {**event, "detail": {**event["detail"], **detail}}


def test_the_durable_rule_matches_the_functions_versions_and_failing_statuses_only() -> None:
    pattern = EventPattern.load(json.dumps(durable_ending_pattern("arn:aws:lambda:us-east-1:123456789012:function:my-function")))
    assert pattern.matches_event(DURABLE_EVENT)
    assert pattern.matches_event(_with(DURABLE_EVENT, status="STOPPED"))
    assert not pattern.matches_event(_with(DURABLE_EVENT, status="SUCCEEDED"))
    assert not pattern.matches_event(_with(DURABLE_EVENT, status="RUNNING"))
    other = "arn:aws:lambda:us-east-1:123456789012:function:my-function-2:1"
    assert not pattern.matches_event(_with(DURABLE_EVENT, functionArn=other))


def test_the_step_functions_rule_matches_this_state_machine_and_failing_statuses_only() -> None:
    pattern = EventPattern.load(json.dumps(step_functions_ending_pattern(STATE_MACHINE)))
    assert pattern.matches_event(STEP_FUNCTIONS_EVENT)
    assert pattern.matches_event(_with(STEP_FUNCTIONS_EVENT, status="ABORTED"))
    assert not pattern.matches_event(_with(STEP_FUNCTIONS_EVENT, status="SUCCEEDED"))
    assert not pattern.matches_event(_with(STEP_FUNCTIONS_EVENT, stateMachineArn=f"{STATE_MACHINE}-other"))
