"""Lambda's durable-execution API on a running local stack, through botocore's own ``lambda`` client.

Every control-plane route the AWS CLI has is driven through the stack's one
endpoint, and every answer is checked against botocore's service model: the
parsed output with botocore's own validator, and each string's enum, length
and pattern from the model (the execution ARN's pattern among them).

The seed's showcase function waits for an approval callback: three of its
executions, started through the ``live`` alias, are answered with success
(after a heartbeat), with failure, and stopped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local_aws.provisioning import LOCAL_PROJECT_CONFIG, LOCAL_STACK_NAME
from local_aws.pulumi_program import run_program
from tests.local_stack.conftest import RunningStack, wait_until
from tests.service_models import assert_is_model_error, assert_is_model_output

SHOWCASE = "durableExampleShowcaseAliasArn"
RUNS = ("api-succeed", "api-fail", "api-stop")


@dataclass(frozen=True)
class WaitingRun:
    arn: str
    callback_id: str


@pytest.fixture(scope="module")
def lambda_client(running_stack: RunningStack) -> Any:
    return running_stack.client("lambda")


@pytest.fixture(scope="module")
def alias_version() -> str:
    """The version the program's ``live`` alias of the showcase function points to."""
    aliases = run_program(LOCAL_STACK_NAME, dict(LOCAL_PROJECT_CONFIG)).of_type("aws:lambda/alias:Alias")
    (showcase,) = [alias for alias in aliases if alias.inputs["functionName"].endswith("durable-example-showcase")]
    return str(showcase.inputs["functionVersion"])


@pytest.fixture(scope="module")
def waiting_runs(running_stack: RunningStack, lambda_client: Any) -> Iterator[dict[str, WaitingRun]]:
    """Three showcase executions started through the alias, each waiting for its approval callback."""
    started = {}
    for name in RUNS:
        event = {"workflowId": name, "inputData": {"items": ["a", "bb"]}, "approvalTimeoutSeconds": 600}
        response = lambda_client.invoke(
            FunctionName=running_stack.outputs[SHOWCASE],
            InvocationType="Event",
            DurableExecutionName=name,
            Payload=json.dumps(event).encode(),
        )
        assert_is_model_output(lambda_client, "Invoke", response)
        started[name] = response["DurableExecutionArn"]

    def callback_id(arn: str) -> str | None:
        events = lambda_client.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
        return next((e["CallbackStartedDetails"]["CallbackId"] for e in events if e["EventType"] == "CallbackStarted"), None)

    yield {
        name: WaitingRun(arn, wait_until(lambda: callback_id(arn), timeout=120, interval=0.5, what=f"{name}'s callback"))
        for name, arn in started.items()
    }


def test_invoking_the_alias_starts_an_execution_of_its_version_with_an_aws_arn(
    running_stack: RunningStack, lambda_client: Any, waiting_runs: dict[str, WaitingRun], alias_version: str
) -> None:
    function_name = running_stack.outputs[SHOWCASE].split(":")[6]
    for name, run in waiting_runs.items():
        assert run.arn == (
            f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}:{alias_version}"
            f"/durable-execution/{name}/{run.arn.rsplit('/', 1)[1]}"
        )
    again = lambda_client.invoke(
        FunctionName=running_stack.outputs[SHOWCASE], InvocationType="Event", DurableExecutionName="api-succeed", Payload=b"{}"
    )
    assert again["DurableExecutionArn"] == waiting_runs["api-succeed"].arn
    assert again["ExecutedVersion"] == alias_version


def test_an_execution_name_that_cannot_be_in_an_arn_is_refused(running_stack: RunningStack, lambda_client: Any) -> None:
    with pytest.raises(ClientError) as refused:
        lambda_client.invoke(
            FunctionName=running_stack.outputs[SHOWCASE], InvocationType="Event", DurableExecutionName="a/b c", Payload=b"{}"
        )
    assert_is_model_error(lambda_client, "Invoke", refused.value, "InvalidParameterValueException")
    assert "DurableExecutionName" in refused.value.response["Error"]["Message"]


def test_get_durable_execution_reports_the_version_the_alias_ran(
    lambda_client: Any, waiting_runs: dict[str, WaitingRun], alias_version: str
) -> None:
    run = waiting_runs["api-succeed"]
    execution = lambda_client.get_durable_execution(DurableExecutionArn=run.arn)
    assert_is_model_output(lambda_client, "GetDurableExecution", execution)
    assert execution["DurableExecutionArn"] == run.arn
    assert execution["DurableExecutionName"] == "api-succeed"
    assert execution["FunctionArn"] == run.arn.split("/")[0]
    assert execution["FunctionArn"].endswith(f":{alias_version}")
    assert execution["Version"] == alias_version
    assert execution["Status"] == "RUNNING"


def test_list_by_function_finds_the_executions_by_name_arn_and_qualifier(
    running_stack: RunningStack, lambda_client: Any, waiting_runs: dict[str, WaitingRun], alias_version: str
) -> None:
    alias_arn = running_stack.outputs[SHOWCASE]
    function_arn, function_name = alias_arn.rsplit(":", 1)[0], alias_arn.split(":")[6]
    mine = {run.arn for run in waiting_runs.values()}
    for request in (
        {"FunctionName": function_name},
        {"FunctionName": function_arn},
        {"FunctionName": function_name, "Qualifier": "live"},
        {"FunctionName": function_name, "Qualifier": alias_version},
    ):
        listed = lambda_client.list_durable_executions_by_function(**request)
        assert_is_model_output(lambda_client, "ListDurableExecutionsByFunction", listed)
        assert mine <= {summary["DurableExecutionArn"] for summary in listed["DurableExecutions"]}, request
    latest = lambda_client.list_durable_executions_by_function(FunctionName=function_name, Qualifier="$LATEST")
    assert mine.isdisjoint(summary["DurableExecutionArn"] for summary in latest["DurableExecutions"])
    page = lambda_client.list_durable_executions_by_function(FunctionName=function_name, MaxItems=1)
    assert len(page["DurableExecutions"]) == 1 and page["NextMarker"]
    # The CLI's --statuses: AWS's Statuses, filtered by the runner.
    running = lambda_client.list_durable_executions_by_function(FunctionName=function_name, Statuses=["RUNNING"])
    assert mine <= {summary["DurableExecutionArn"] for summary in running["DurableExecutions"]}
    assert {summary["Status"] for summary in running["DurableExecutions"]} == {"RUNNING"}
    succeeded = lambda_client.list_durable_executions_by_function(FunctionName=function_name, Statuses=["SUCCEEDED"])
    assert mine.isdisjoint(summary["DurableExecutionArn"] for summary in succeeded["DurableExecutions"])
    with pytest.raises(ClientError) as several:
        lambda_client.list_durable_executions_by_function(FunctionName=function_name, Statuses=["RUNNING", "FAILED"])
    assert_is_model_error(lambda_client, "ListDurableExecutionsByFunction", several.value, "InvalidParameterValueException")
    for unknown in ({"FunctionName": "no-such-function"}, {"FunctionName": function_name, "Qualifier": "staging"}):
        with pytest.raises(ClientError) as missing:
            lambda_client.list_durable_executions_by_function(**unknown)
        assert_is_model_error(lambda_client, "ListDurableExecutionsByFunction", missing.value, "ResourceNotFoundException")


def test_the_history_holds_the_execution_and_its_callback(lambda_client: Any, waiting_runs: dict[str, WaitingRun]) -> None:
    run = waiting_runs["api-fail"]
    history = lambda_client.get_durable_execution_history(DurableExecutionArn=run.arn, IncludeExecutionData=True)
    assert_is_model_output(lambda_client, "GetDurableExecutionHistory", history)
    kinds = [event["EventType"] for event in history["Events"]]
    assert kinds[0] == "ExecutionStarted" and "CallbackStarted" in kinds
    started = history["Events"][0]["ExecutionStartedDetails"]
    assert json.loads(started["Input"]["Payload"])["workflowId"] == "api-fail"


def test_the_state_is_read_only_within_an_invocation(lambda_client: Any, waiting_runs: dict[str, WaitingRun]) -> None:
    """GetDurableExecutionState serves the handler's own invocation: outside it, AWS refuses the token.

    The refusal names the token: the runner looks the execution up first, so
    the ARN found its execution. (Each handler's checkpoints take the same
    route, with its current token, in every other test here.)
    """
    run = waiting_runs["api-stop"]
    with pytest.raises(ClientError) as refused:
        lambda_client.get_durable_execution_state(DurableExecutionArn=run.arn, CheckpointToken="not-a-current-token")
    assert_is_model_error(lambda_client, "GetDurableExecutionState", refused.value, "InvalidParameterValueException")
    assert "checkpoint token" in refused.value.response["Error"]["Message"].lower()


def assert_history_is_model_output(lambda_client: Any, arn: str, last_event: str) -> None:
    """The whole history of an execution that ended, page by page, in the model's shapes."""
    events, request = [], {"DurableExecutionArn": arn, "IncludeExecutionData": True, "MaxItems": 10}
    while True:
        page = lambda_client.get_durable_execution_history(**request)
        assert_is_model_output(lambda_client, "GetDurableExecutionHistory", page)
        events += page["Events"]
        if not page.get("NextMarker"):
            break
        request["Marker"] = page["NextMarker"]
    assert events[-1]["EventType"] == last_event, [event["EventType"] for event in events]


def ended(lambda_client: Any, arn: str, status: str, last_event: str) -> dict[str, Any]:
    """The execution once it ended, with the status and the last history event expected, all in the model's shapes."""

    def not_running() -> dict[str, Any] | None:
        execution = lambda_client.get_durable_execution(DurableExecutionArn=arn)
        return execution if execution["Status"] != "RUNNING" else None

    execution = wait_until(not_running, timeout=120, interval=0.5, what=f"{arn} to end")
    assert_is_model_output(lambda_client, "GetDurableExecution", execution)
    assert execution["Status"] == status, execution
    assert_history_is_model_output(lambda_client, arn, last_event)
    return execution


def test_a_heartbeat_then_a_success_callback_completes_the_execution(
    lambda_client: Any, waiting_runs: dict[str, WaitingRun]
) -> None:
    run = waiting_runs["api-succeed"]
    heartbeat = lambda_client.send_durable_execution_callback_heartbeat(CallbackId=run.callback_id)
    assert_is_model_output(lambda_client, "SendDurableExecutionCallbackHeartbeat", heartbeat)
    succeeded = lambda_client.send_durable_execution_callback_success(
        CallbackId=run.callback_id, Result=json.dumps({"approvedBy": "api-test", "priorityBoost": 1}).encode()
    )
    assert_is_model_output(lambda_client, "SendDurableExecutionCallbackSuccess", succeeded)
    execution = ended(lambda_client, run.arn, "SUCCEEDED", "ExecutionSucceeded")
    assert {item["approvedBy"] for item in json.loads(execution["Result"])["processedItems"]} == {"api-test"}


def test_a_failure_callback_fails_the_execution(lambda_client: Any, waiting_runs: dict[str, WaitingRun]) -> None:
    run = waiting_runs["api-fail"]
    failed = lambda_client.send_durable_execution_callback_failure(
        CallbackId=run.callback_id, Error={"ErrorType": "Rejected", "ErrorMessage": "the approver said no"}
    )
    assert_is_model_output(lambda_client, "SendDurableExecutionCallbackFailure", failed)
    execution = ended(lambda_client, run.arn, "FAILED", "ExecutionFailed")
    assert "the approver said no" in json.dumps(execution["Error"])


def test_stop_ends_a_waiting_execution_with_the_callers_error(
    lambda_client: Any, waiting_runs: dict[str, WaitingRun]
) -> None:
    run = waiting_runs["api-stop"]
    stopped = lambda_client.stop_durable_execution(
        DurableExecutionArn=run.arn, Error={"ErrorType": "Cancelled", "ErrorMessage": "stopped by the api test"}
    )
    assert_is_model_output(lambda_client, "StopDurableExecution", stopped)
    execution = ended(lambda_client, run.arn, "STOPPED", "ExecutionStopped")
    assert execution["EndTimestamp"] >= execution["StartTimestamp"]
    assert "stopped by the api test" in json.dumps(execution["Error"])
