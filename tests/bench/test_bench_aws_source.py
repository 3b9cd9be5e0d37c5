"""``AwsSource`` against stubbed AWS answers (botocore Stubber: no network).

Each stub states the request the source must make and the answer AWS would
give; the tests check what the source makes of the answers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import boto3
import pytest
from botocore.stub import ANY, Stubber

from album_registry.constants import BEDROCK_MODEL_ID_ENV, METRICS_NAMESPACES
from album_registry.domain.models import WorkflowType
from album_registry.handlers.steps import Shell, step_metrics
from local_aws.s3_events import object_created_event
from albums.bench.collector import LambdaUsage
from albums.bench.emf import EmfCapture
from albums.bench.sources import AwsSource
from albums.bench.stack_workload import count_duplicates
from albums.stack_outputs import StackOutputs

START = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
END = START + timedelta(minutes=5)
MARGIN = timedelta(minutes=1)
ACCOUNT = "123456789012"
OUTPUTS = StackOutputs(
    stack="bench",
    region="us-east-1",
    bucket_name="vinyl-bench-uploads",
    table_name="vinyl-bench-albums",
    state_machine_arn=f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:vinyl-bench-registration",
    durable_function_name="vinyl-bench-durable-pipeline",
    durable_function_alias_arn=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:vinyl-bench-durable-pipeline:live",
    validation_api_url="https://example.invalid/",
    dashboard_url="https://example.invalid/dashboard",
    durable_example_minimal_alias_arn=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:vinyl-bench-durable-example-minimal:live",
    durable_example_showcase_alias_arn=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:vinyl-bench-durable-example-showcase:live",
    durable_example_steps_alias_arn=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:vinyl-bench-durable-example-steps:live",
    discogs_token_secret_name="vinyl-bench-discogs-token",
)
TASK_FUNCTIONS = ["vinyl-bench-process-image", "vinyl-bench-store-albums"]
MODEL = "eu.example.model-v1:0"
DEFINITION = json.dumps(
    {
        "StartAt": "ProcessImage",
        "States": {
            "ProcessImage": {"Type": "Task", "Resource": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{TASK_FUNCTIONS[0]}", "Next": "Store"},
            "Store": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{TASK_FUNCTIONS[1]}:$LATEST"},
                "Next": "Again",
            },
            "Again": {"Type": "Task", "Resource": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{TASK_FUNCTIONS[0]}", "End": True},
        },
    }
)


def _client(service: str):
    return boto3.client(service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


class Stubs:
    def __init__(self) -> None:
        self.clients = {name: _client(name) for name in ("stepfunctions", "lambda", "cloudwatch", "logs")}
        self.stubbers = {name: Stubber(client) for name, client in self.clients.items()}
        self.source = AwsSource.for_stack(self.clients.__getitem__, OUTPUTS)

    def __getitem__(self, service: str) -> Stubber:
        return self.stubbers[service]

    def describe_state_machine(self) -> None:
        self.stubbers["stepfunctions"].add_response(
            "describe_state_machine",
            {
                "stateMachineArn": OUTPUTS.state_machine_arn,
                "name": "vinyl-bench-registration",
                "definition": DEFINITION,
                "roleArn": f"arn:aws:iam::{ACCOUNT}:role/r",
                "type": "STANDARD",
                "creationDate": START,
            },
            {"stateMachineArn": OUTPUTS.state_machine_arn},
        )


@pytest.fixture
def stubs() -> Iterator[Stubs]:
    found = Stubs()
    for stubber in found.stubbers.values():
        stubber.activate()
    yield found
    for stubber in found.stubbers.values():
        stubber.assert_no_pending_responses()
        stubber.deactivate()


def _metric(stubs: Stubs, namespace: str, metric: str, dimension: str, value: str, sums: list[float]) -> None:
    stubs["cloudwatch"].add_response(
        "get_metric_statistics",
        {"Label": metric, "Datapoints": [{"Timestamp": START, "Sum": s, "Unit": "Count"} for s in sums]},
        {
            "Namespace": namespace,
            "MetricName": metric,
            "Dimensions": [{"Name": dimension, "Value": value}],
            "StartTime": START - MARGIN,
            "EndTime": END + MARGIN,
            "Period": 60,
            "Statistics": ["Sum"],
        },
    )


def test_lambda_time_comes_from_report_lines_and_shared_metrics_split_evenly(stubs):
    stubs["lambda"].add_response(
        "get_function_configuration",
        {"FunctionName": OUTPUTS.durable_function_name, "Environment": {"Variables": {BEDROCK_MODEL_ID_ENV: MODEL}}},
        {"FunctionName": OUTPUTS.durable_function_name},
    )
    _metric(stubs, "AWS/DynamoDB", "ConsumedReadCapacityUnits", "TableName", OUTPUTS.table_name, [10.0, 4.0])
    _metric(stubs, "AWS/DynamoDB", "ConsumedWriteCapacityUnits", "TableName", OUTPUTS.table_name, [30.0])
    _metric(stubs, "AWS/Bedrock", "InputTokenCount", "ModelId", MODEL, [3000.0, 1001.0])
    _metric(stubs, "AWS/Bedrock", "OutputTokenCount", "ModelId", MODEL, [])
    stubs.describe_state_machine()
    stubs["logs"].add_response(
        "start_query",
        {"queryId": "q-1"},
        {
            "logGroupNames": [f"/aws/lambda/{name}" for name in [*TASK_FUNCTIONS, OUTPUTS.durable_function_name]],
            "startTime": int((START - MARGIN).timestamp()),
            "endTime": int((END + MARGIN).timestamp()),
            "queryString": ANY,
        },
    )

    def row(function: str, invocations: str, billed_ms: str, cold_starts: str) -> list[dict[str, str]]:
        return [
            {"field": "@log", "value": f"{ACCOUNT}:/aws/lambda/{function}"},
            {"field": "invocations", "value": invocations},
            {"field": "billedMs", "value": billed_ms},
            {"field": "coldStarts", "value": cold_starts},
        ]

    rows = [
        row(TASK_FUNCTIONS[1], "12", "2400.0", "2"),
        row(OUTPUTS.durable_function_name, "8", "900", "1"),
        row(TASK_FUNCTIONS[0], "4", "7003", "0"),
    ]
    stubs["logs"].add_response("get_query_results", {"status": "Complete", "results": rows}, {"queryId": "q-1"})

    usage = stubs.source.usage_by_pattern(START, END, uploads=4)

    sf, ldf = usage[WorkflowType.STEP_FUNCTIONS], usage[WorkflowType.DURABLE_FUNCTIONS]
    assert sf.lambda_functions == [
        LambdaUsage(function_name=TASK_FUNCTIONS[0], invocations=4, billed_ms=7003),
        LambdaUsage(function_name=TASK_FUNCTIONS[1], invocations=12, billed_ms=2400),
    ]
    # The durable function's time is read from its history, not counted twice.
    assert ldf.lambda_functions == []
    # Cold starts: the REPORT lines with an Init Duration, by pattern.
    assert sf.cold_starts == {TASK_FUNCTIONS[0]: 0, TASK_FUNCTIONS[1]: 2}
    assert ldf.cold_starts == {OUTPUTS.durable_function_name: 1}
    for pattern in (sf, ldf):
        assert (pattern.dynamodb_read_units, pattern.dynamodb_write_units) == (7.0, 15.0)
        assert (pattern.bedrock_input_tokens, pattern.bedrock_output_tokens) == (2000, 0)
        assert pattern.s3_put_requests == 4
        assert pattern.not_measured == ["s3_get_requests"]


def test_a_running_query_is_polled_until_it_completes(stubs, monkeypatch):
    monkeypatch.setattr("albums.bench.sources._QUERY_POLL_SECONDS", 0)
    stubs["logs"].add_response("start_query", {"queryId": "q-2"}, {"logGroupNames": ANY, "startTime": ANY, "endTime": ANY, "queryString": ANY})
    stubs["logs"].add_response("get_query_results", {"status": "Running", "results": []}, {"queryId": "q-2"})
    row = [{"field": "@log", "value": f"{ACCOUNT}:/aws/lambda/{TASK_FUNCTIONS[0]}"}, {"field": "invocations", "value": "1"}, {"field": "billedMs", "value": "5"}]
    stubs["logs"].add_response("get_query_results", {"status": "Complete", "results": [row]}, {"queryId": "q-2"})
    assert stubs.source._report_lines(START, END, TASK_FUNCTIONS[:1]) == [
        (LambdaUsage(function_name=TASK_FUNCTIONS[0], invocations=1, billed_ms=5), 0)
    ]


def _emf_lines() -> list[str]:
    """Real EMF documents, as the handlers print them."""

    @Shell(WorkflowType.DURABLE_FUNCTIONS).step("process-image")
    def step(execution_id: str) -> str:
        return execution_id

    with EmfCapture() as capture:
        step("ldf-0123")
        metrics = step_metrics(WorkflowType.STEP_FUNCTIONS)
        metrics.add_metric(name="ExecutionsCompleted", unit="Count", value=1)
        metrics.flush_metrics()
    return [json.dumps(document) for document in capture.documents]


def test_emf_lines_are_read_back_from_every_pipeline_log_group(stubs):
    durable_line, completed_line = _emf_lines()
    stubs.describe_state_machine()
    pages = {
        TASK_FUNCTIONS[0]: [[completed_line + "\n", "START RequestId: 1 Version: $LATEST"], []],
        TASK_FUNCTIONS[1]: [[]],
        OUTPUTS.durable_function_name: [[durable_line]],
    }
    for name, answers in pages.items():
        for number, messages in enumerate(answers):
            request = {
                "logGroupName": f"/aws/lambda/{name}",
                "startTime": int((START - MARGIN).timestamp() * 1000),
                "endTime": int((END + MARGIN).timestamp() * 1000),
                "filterPattern": ANY,
            }
            if number:
                request["nextToken"] = f"{name}-{number}"
            answer: dict = {"events": [{"message": message, "timestamp": 0} for message in messages]}
            if number + 1 < len(answers):
                answer["nextToken"] = f"{name}-{number + 1}"
            stubs["logs"].add_response("filter_log_events", answer, request)

    samples = stubs.source.emf_samples(START, END)

    by_namespace = {namespace: [s for s in samples if s.namespace == namespace] for namespace in METRICS_NAMESPACES.values()}
    assert [(s.name, s.value) for s in by_namespace[METRICS_NAMESPACES["step-functions"]]] == [("ExecutionsCompleted", 1.0)]
    (duration,) = by_namespace[METRICS_NAMESPACES["durable-functions"]]
    assert duration.name == "StepDuration" and duration.execution_id == "ldf-0123"
    assert duration.dimensions["step"] == "process-image"


def _event(key: str, version: str) -> str:
    return json.dumps(object_created_event(bucket=OUTPUTS.bucket_name, key=key, version=version))


def test_engine_runs_list_until_the_run_began_and_show_duplicates(stubs):
    prefix = "uploads/bench-x/"
    arn = f"arn:aws:states:us-east-1:{ACCOUNT}:execution:vinyl-bench-registration:"
    summaries = [
        (f"{arn}c", START + timedelta(seconds=30), _event(f"{prefix}00001.jpg", "v1")),
        (f"{arn}b", START + timedelta(seconds=20), _event(f"{prefix}00001.jpg", "v1")),
        (f"{arn}a", START + timedelta(seconds=10), '{"manual": true}'),
    ]
    listing = [
        {"executionArn": a, "stateMachineArn": OUTPUTS.state_machine_arn, "name": a[-1], "status": "SUCCEEDED", "startDate": d}
        for a, d, _ in summaries
    ]
    older = {**listing[0], "executionArn": f"{arn}old", "name": "old", "startDate": START - timedelta(seconds=1)}
    first_page = {"stateMachineArn": OUTPUTS.state_machine_arn, "maxResults": 1000}
    pages = [
        ({"executions": listing[:2], "nextToken": "t"}, first_page),
        ({"executions": [listing[2], older]}, first_page | {"nextToken": "t"}),
    ]
    # Each page's runs are described as the page is read.
    for (answer, request), described in zip(pages, (summaries[:2], summaries[2:]), strict=True):
        stubs["stepfunctions"].add_response("list_executions", answer, request)
        for a, d, payload in described:
            stubs["stepfunctions"].add_response(
                "describe_execution",
                {"executionArn": a, "stateMachineArn": OUTPUTS.state_machine_arn, "status": "SUCCEEDED", "startDate": d, "input": payload},
                {"executionArn": a},
            )
    runs = stubs.source.engine_runs(WorkflowType.STEP_FUNCTIONS, START)
    assert [run.engine_arn for run in runs] == [a for a, _, _ in summaries]
    assert runs[2].upload is None
    assert count_duplicates(runs, prefix) == 1
    assert count_duplicates(runs, "uploads/bench-other/") == 0


def test_durable_runs_and_history_follow_the_markers(stubs):
    durable_arn = f"{OUTPUTS.durable_function_alias_arn}/durable-execution/one/1"
    stubs["lambda"].add_response(
        "list_durable_executions_by_function",
        {"DurableExecutions": [{"DurableExecutionArn": "early", "DurableExecutionName": "e", "FunctionArn": OUTPUTS.durable_function_alias_arn, "Status": "SUCCEEDED", "StartTimestamp": START - timedelta(hours=1)}], "NextMarker": "m"},
        {"FunctionName": OUTPUTS.durable_function_name},
    )
    stubs["lambda"].add_response(
        "list_durable_executions_by_function",
        {"DurableExecutions": [{"DurableExecutionArn": durable_arn, "DurableExecutionName": "one", "FunctionArn": OUTPUTS.durable_function_alias_arn, "Status": "SUCCEEDED", "StartTimestamp": START}]},
        {"FunctionName": OUTPUTS.durable_function_name, "Marker": "m"},
    )
    stubs["lambda"].add_response(
        "get_durable_execution",
        {"DurableExecutionArn": durable_arn, "DurableExecutionName": "one", "FunctionArn": OUTPUTS.durable_function_alias_arn, "InputPayload": _event("uploads/a.jpg", "v9"), "StartTimestamp": START, "Status": "SUCCEEDED"},
        {"DurableExecutionArn": durable_arn},
    )
    (run,) = stubs.source.engine_runs(WorkflowType.DURABLE_FUNCTIONS, START)
    assert (run.engine_arn, run.upload.key, run.upload.version) == (durable_arn, "uploads/a.jpg", "v9")

    event = {"EventType": "ExecutionStarted", "EventTimestamp": START, "Id": "1"}
    stubs["lambda"].add_response(
        "get_durable_execution_history",
        {"Events": [event], "NextMarker": "n"},
        {"DurableExecutionArn": durable_arn, "IncludeExecutionData": True},
    )
    stubs["lambda"].add_response(
        "get_durable_execution_history",
        {"Events": [{**event, "EventType": "ExecutionSucceeded", "Id": "2"}]},
        {"DurableExecutionArn": durable_arn, "IncludeExecutionData": True, "Marker": "n"},
    )
    assert [e["EventType"] for e in stubs.source.durable_history(durable_arn)] == ["ExecutionStarted", "ExecutionSucceeded"]
