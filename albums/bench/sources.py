"""The two places the collector reads from: this machine, or a deployed stack.

``LocalSource`` reads the local stack's engines and measures what AWS would
bill: the in-process Lambda runtime's durations, the repository's
``ReturnConsumedCapacity`` and the S3 and Bedrock calls made during a phase.
``AwsSource`` reads the same histories through the AWS APIs and the usage
from CloudWatch (Lambda ``REPORT`` lines, the table's consumed capacity, the
model's token counts).
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3

from album_registry import composition
from albums.bench.collector import HistoryTruncatedError, LambdaUsage, PhaseUsage, lambda_usage_from_durations
from albums.local_stack.pipelines import LocalPipelines

_BEDROCK_TOKENS = {"inputTokens": "input", "outputTokens": "output"}


class ApiCallCounter:
    """Counts S3 requests and Bedrock tokens of every boto3 client made after ``install``.

    Hooks go on the default session, whose event hooks each new client copies.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.tokens: Counter[str] = Counter()

    def install(self) -> ApiCallCounter:
        if boto3.DEFAULT_SESSION is None:
            boto3.setup_default_session()
        events = boto3.DEFAULT_SESSION.events  # type: ignore[union-attr]
        events.register("after-call.s3", self._count)
        events.register("after-call.bedrock-runtime", self._count)
        return self

    def _count(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        usage = parsed.get("usage") or {}
        with self._lock:
            self.calls[f"{model.service_model.endpoint_prefix}.{model.name}"] += 1
            for key, kind in _BEDROCK_TOKENS.items():
                self.tokens[kind] += int(usage.get(key, 0))

    def snapshot(self) -> tuple[Counter[str], Counter[str]]:
        with self._lock:
            return Counter(self.calls), Counter(self.tokens)


@dataclass(frozen=True)
class _LocalMark:
    invocations: int
    read_units: float
    write_units: float
    calls: Counter[str]
    tokens: Counter[str]


class LocalSource:
    adds_native_write_units = True

    def __init__(self, pipelines: LocalPipelines, counter: ApiCallCounter) -> None:
        self._pipelines = pipelines
        self._counter = counter

    def step_functions_history(self, execution_arn: str) -> list[dict[str, Any]]:
        return _step_functions_history(self._pipelines.step_functions, execution_arn)

    def durable_history(self, execution_arn: str) -> list[dict[str, Any]]:
        response = self._pipelines.durable_runner.get_execution_history(execution_arn, include_execution_data=True)
        if response.next_marker is not None:
            raise HistoryTruncatedError(execution_arn=execution_arn, events=len(response.events))
        return [event.to_dict() for event in response.events]

    def begin_phase(self) -> _LocalMark:
        capacity = composition.repository().capacity
        calls, tokens = self._counter.snapshot()
        return _LocalMark(
            invocations=len(self._pipelines.runtime.invocations),
            read_units=capacity.read_units,
            write_units=capacity.write_units,
            calls=calls,
            tokens=tokens,
        )

    def phase_usage(self, mark: object) -> PhaseUsage:
        if not isinstance(mark, _LocalMark):
            raise TypeError("a LocalSource phase mark is needed")
        capacity = composition.repository().capacity
        calls, tokens = self._counter.snapshot()
        calls.subtract(mark.calls)
        tokens.subtract(mark.tokens)
        records = self._pipelines.runtime.invocations[mark.invocations :]
        return PhaseUsage(
            lambda_functions=lambda_usage_from_durations((r.function_name, r.duration_ms) for r in records),
            dynamodb_read_units=capacity.read_units - mark.read_units,
            dynamodb_write_units=capacity.write_units - mark.write_units,
            s3_put_requests=calls["s3.PutObject"],
            s3_get_requests=calls["s3.GetObject"],
            bedrock_input_tokens=tokens["input"],
            bedrock_output_tokens=tokens["output"],
            source=(
                "local: Lambda durations measured by the in-process runtime (task functions) and "
                "InvocationCompleted events (durable function); DynamoDB units from the repository's "
                "ReturnConsumedCapacity plus one WRU per started KB of each native write in the "
                "state machine's history; S3 requests and Bedrock tokens counted on the boto3 clients"
            ),
        )


def _step_functions_history(client: Any, execution_arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    request: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
    while True:
        page = client.get_execution_history(**request)
        events.extend(page["events"])
        if not page.get("nextToken"):
            return events
        request["nextToken"] = page["nextToken"]


_LAMBDA_ARN = re.compile(r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_-]+)")
_QUERY_POLL_SECONDS = 1.0
_REPORT_QUERY = (
    'filter @type = "REPORT" | stats count(*) as invocations, sum(@billedDuration) as billedMs by @log'
)


class AwsSource:
    """A deployed stack, read through its outputs and the caller's credentials."""

    adds_native_write_units = False

    def __init__(self, session: boto3.Session, *, state_machine_arn: str, table_name: str, model_id: str) -> None:
        self._step_functions = session.client("stepfunctions")
        self._lambda = session.client("lambda")
        self._cloudwatch = session.client("cloudwatch")
        self._logs = session.client("logs")
        self._state_machine_arn = state_machine_arn
        self._table_name = table_name
        self._model_id = model_id

    def step_functions_history(self, execution_arn: str) -> list[dict[str, Any]]:
        return _step_functions_history(self._step_functions, execution_arn)

    def durable_history(self, execution_arn: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        request: dict[str, Any] = {"DurableExecutionArn": execution_arn, "IncludeExecutionData": True}
        while True:
            page = self._lambda.get_durable_execution_history(**request)
            events.extend(page["Events"])
            if not page.get("NextMarker"):
                return events
            request["Marker"] = page["NextMarker"]

    def begin_phase(self) -> datetime:
        return datetime.now(timezone.utc)

    def task_function_names(self) -> list[str]:
        definition = self._step_functions.describe_state_machine(stateMachineArn=self._state_machine_arn)["definition"]
        return sorted(set(_LAMBDA_ARN.findall(definition)))

    def phase_usage(self, mark: object) -> PhaseUsage:
        if not isinstance(mark, datetime):
            raise TypeError("an AwsSource phase mark is the phase's start time")
        # Metrics and log lines arrive a little after the calls they describe.
        start, end = mark - timedelta(minutes=1), datetime.now(timezone.utc) + timedelta(minutes=1)
        return PhaseUsage(
            lambda_functions=self._lambda_usage(start, end),
            dynamodb_read_units=self._metric_sum("AWS/DynamoDB", "ConsumedReadCapacityUnits", "TableName", self._table_name, start, end),
            dynamodb_write_units=self._metric_sum("AWS/DynamoDB", "ConsumedWriteCapacityUnits", "TableName", self._table_name, start, end),
            s3_put_requests=0,
            s3_get_requests=0,
            bedrock_input_tokens=int(self._metric_sum("AWS/Bedrock", "InputTokenCount", "ModelId", self._model_id, start, end)),
            bedrock_output_tokens=int(self._metric_sum("AWS/Bedrock", "OutputTokenCount", "ModelId", self._model_id, start, end)),
            source=(
                "aws: Lambda REPORT lines (CloudWatch Logs Insights), the table's Consumed*CapacityUnits "
                "and the model's token counts (CloudWatch metrics); S3 requests are not measured "
                "(request metrics are off) and are counted by the bench"
            ),
        )

    def _metric_sum(self, namespace: str, metric: str, dimension: str, value: str, start: datetime, end: datetime) -> float:
        response = self._cloudwatch.get_metric_statistics(
            Namespace=namespace,
            MetricName=metric,
            Dimensions=[{"Name": dimension, "Value": value}],
            StartTime=start,
            EndTime=end,
            Period=60,
            Statistics=["Sum"],
        )
        return sum(point["Sum"] for point in response["Datapoints"])

    def _lambda_usage(self, start: datetime, end: datetime) -> list[LambdaUsage]:
        names = self.task_function_names()
        if not names:
            return []
        query_id = self._logs.start_query(
            logGroupNames=[f"/aws/lambda/{name}" for name in names],
            startTime=int(start.timestamp()),
            endTime=int(end.timestamp()),
            queryString=_REPORT_QUERY,
        )["queryId"]
        while True:
            response = self._logs.get_query_results(queryId=query_id)
            if response["status"] not in ("Scheduled", "Running"):
                break
            time.sleep(_QUERY_POLL_SECONDS)
        usage = []
        for row in response.get("results", []):
            fields = {field["field"]: field["value"] for field in row}
            usage.append(
                LambdaUsage(
                    function_name=fields["@log"].rsplit("/", 1)[-1],
                    invocations=int(float(fields["invocations"])),
                    billed_ms=int(float(fields["billedMs"])),
                )
            )
        return sorted(usage, key=lambda item: item.function_name)
