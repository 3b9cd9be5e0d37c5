"""Where the stack workload reads a run's histories and usage: a deployed stack or a local one.

``StackHistories`` reads the engine histories through the AWS APIs from any
endpoint, and lists the engine runs of a stack so that a bench can see
duplicates. On it, ``AwsSource`` adds the usage from CloudWatch (Lambda
``REPORT`` lines, the table's consumed capacity, the model's token counts)
and the handlers' EMF lines from CloudWatch Logs, and
``RunningLocalStackSource`` reads a local stack (``albums local up``, or the
bench's own), which keeps no CloudWatch but counts the same things itself
(``GET /_local/usage``, see ``local_aws.usage``) and writes the functions'
EMF lines to their log files.

Cold starts: on AWS, the REPORT lines that carry an ``Init Duration``; on a
local stack, its worker pools' own counts (``local_aws.stack_api``). The
local stack's counters run from its start: the source reads them before and
after the run.
"""

from __future__ import annotations

import json
import re
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from album_registry.constants import BEDROCK_MODEL_ID_ENV, DEFAULT_BEDROCK_MODEL_ID, METRICS_NAMESPACES
from album_registry.domain.models import Upload, WorkflowType
from album_registry.handlers.upload_event import upload_from_event
from albums.bench.collector import LambdaUsage, PhaseUsage
from albums.bench.emf import MetricSample, emf_document, emf_documents, samples_from_emf
from albums.history.reader import read_durable_history, read_step_functions_history
from local_aws.stack_api import COLD_STARTS_PATH, USAGE_PATH
from local_aws.usage import NOT_A_FUNCTION, CallerUsage
from albums.stack_outputs import StackOutputs

_LAMBDA_ARN = re.compile(r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_-]+)")


@dataclass(frozen=True)
class EngineRun:
    """One run of an engine, and the upload whose event started it (None: not an upload)."""

    workflow: WorkflowType
    engine_arn: str
    upload: Upload | None


def _upload_of(event_json: str | None) -> Upload | None:
    try:
        return upload_from_event(json.loads(event_json or ""))
    except (ValueError, TypeError):  # another kind of input: not one of the bench's runs
        return None


def _as_datetime(value: datetime | float) -> datetime:
    """A timestamp as boto3 parses it, or as epoch seconds in the runner's raw JSON."""
    return value if isinstance(value, datetime) else datetime.fromtimestamp(float(value), tz=timezone.utc)


class StackHistories:
    """A stack's engine histories and runs, through the AWS APIs of any endpoint."""

    # The table's own metrics include the state machine's native writes.
    adds_native_write_units = False
    # How long CloudWatch takes to hold what a run produced.
    metrics_delay_seconds = 0.0

    def __init__(self, *, step_functions: Any, lambda_client: Any, outputs: StackOutputs) -> None:
        self._step_functions = step_functions
        self._lambda = lambda_client
        self._outputs = outputs

    def begin(self) -> None:
        """The run starts now: counters read as differences are read once here."""

    def task_function_names(self) -> list[str]:
        """The Lambda functions the state machine's tasks invoke, from its definition."""
        definition = self._step_functions.describe_state_machine(stateMachineArn=self._outputs.state_machine_arn)[
            "definition"
        ]
        return sorted(set(_LAMBDA_ARN.findall(definition)))

    def step_functions_history(self, execution_arn: str) -> list[dict[str, Any]]:
        return read_step_functions_history(self._step_functions, execution_arn)

    def durable_history(self, execution_arn: str) -> list[dict[str, Any]]:
        return read_durable_history(self._lambda, execution_arn, include_execution_data=True)

    def engine_status(self, workflow: WorkflowType, engine_arn: str) -> str:
        if workflow is WorkflowType.STEP_FUNCTIONS:
            return str(self._step_functions.describe_execution(executionArn=engine_arn)["status"])
        return str(self._lambda.get_durable_execution(DurableExecutionArn=engine_arn)["Status"])

    def engine_runs(self, workflow: WorkflowType, since: datetime) -> list[EngineRun]:
        """Every run of the pattern's engine started at ``since`` or later, with its upload."""
        if workflow is WorkflowType.STEP_FUNCTIONS:
            return [
                EngineRun(
                    workflow=workflow,
                    engine_arn=summary["executionArn"],
                    upload=_upload_of(
                        self._step_functions.describe_execution(executionArn=summary["executionArn"]).get("input")
                    ),
                )
                for summary in self._state_machine_executions(since)
            ]
        runs = []
        for summary in self._durable_executions():
            if _as_datetime(summary["StartTimestamp"]) < since:
                continue
            described = self._lambda.get_durable_execution(DurableExecutionArn=summary["DurableExecutionArn"])
            runs.append(
                EngineRun(
                    workflow=workflow,
                    engine_arn=summary["DurableExecutionArn"],
                    upload=_upload_of(described.get("InputPayload")),
                )
            )
        return runs

    def _state_machine_executions(self, since: datetime) -> Iterator[dict[str, Any]]:
        request: dict[str, Any] = {"stateMachineArn": self._outputs.state_machine_arn, "maxResults": 1000}
        while True:
            page = self._step_functions.list_executions(**request)
            # Newest first: the first older one ends the listing.
            for summary in page["executions"]:
                if _as_datetime(summary["startDate"]) < since:
                    return
                yield summary
            if not page.get("nextToken"):
                return
            request["nextToken"] = page["nextToken"]

    def _durable_executions(self) -> Iterator[dict[str, Any]]:
        request: dict[str, Any] = {"FunctionName": self._outputs.durable_function_name}
        while True:
            page = self._lambda.list_durable_executions_by_function(**request)
            yield from page.get("DurableExecutions", [])
            if not page.get("NextMarker"):
                return
            request["Marker"] = page["NextMarker"]


_QUERY_POLL_SECONDS = 1.0
_REPORT_QUERY = (
    'filter @type = "REPORT" | stats count(*) as invocations, sum(@billedDuration) as billedMs, '
    "count(@initDuration) as coldStarts by @log"
)
_EMF_FILTER = '"CloudWatchMetrics"'
# Metrics and log lines arrive a little after the calls they describe.
_WINDOW_MARGIN = timedelta(minutes=1)


class AwsSource(StackHistories):
    """A deployed stack, read through its outputs and the caller's credentials.

    Both pipelines run for every upload, so the window of a run holds both
    patterns: Lambda time splits by function (the state machine's task
    functions; the durable function's time is in its history), EMF lines by
    namespace. The table and the model are shared: their CloudWatch totals
    are split evenly, as both patterns read the same photo and write the
    same items.
    """

    metrics_delay_seconds = 90.0

    def __init__(
        self, *, step_functions: Any, lambda_client: Any, cloudwatch: Any, logs: Any, outputs: StackOutputs
    ) -> None:
        super().__init__(step_functions=step_functions, lambda_client=lambda_client, outputs=outputs)
        self._cloudwatch = cloudwatch
        self._logs = logs

    @classmethod
    def for_stack(cls, client: Callable[[str], Any], outputs: StackOutputs) -> AwsSource:
        """``client(service)`` makes a boto3 client for the stack (``StackAccess.client``)."""
        return cls(
            step_functions=client("stepfunctions"),
            lambda_client=client("lambda"),
            cloudwatch=client("cloudwatch"),
            logs=client("logs"),
            outputs=outputs,
        )

    def model_id(self) -> str:
        """The vision model the pipelines call, as the durable function is configured."""
        configuration = self._lambda.get_function_configuration(FunctionName=self._outputs.durable_function_name)
        variables = configuration.get("Environment", {}).get("Variables", {})
        return str(variables.get(BEDROCK_MODEL_ID_ENV, DEFAULT_BEDROCK_MODEL_ID))

    def usage_by_pattern(self, start: datetime, end: datetime, *, uploads: int) -> dict[WorkflowType, PhaseUsage]:
        start, end = start - _WINDOW_MARGIN, end + _WINDOW_MARGIN
        table = self._outputs.table_name
        model = self.model_id()
        read_units = self._metric_sum("AWS/DynamoDB", "ConsumedReadCapacityUnits", "TableName", table, start, end)
        write_units = self._metric_sum("AWS/DynamoDB", "ConsumedWriteCapacityUnits", "TableName", table, start, end)
        input_tokens = self._metric_sum("AWS/Bedrock", "InputTokenCount", "ModelId", model, start, end)
        output_tokens = self._metric_sum("AWS/Bedrock", "OutputTokenCount", "ModelId", model, start, end)
        task_names = self.task_function_names()
        reports = self._report_lines(start, end, [*task_names, self._outputs.durable_function_name])
        task_functions = [usage for usage, _ in reports if usage.function_name in task_names]
        cold_starts = {usage.function_name: count for usage, count in reports}
        pattern_functions = {
            WorkflowType.STEP_FUNCTIONS: task_names,
            WorkflowType.DURABLE_FUNCTIONS: [self._outputs.durable_function_name],
        }
        shares = len(WorkflowType)
        return {
            workflow: PhaseUsage(
                lambda_functions=task_functions if workflow is WorkflowType.STEP_FUNCTIONS else [],
                dynamodb_read_units=read_units / shares,
                dynamodb_write_units=write_units / shares,
                s3_put_requests=uploads,
                s3_get_requests=0,
                bedrock_input_tokens=round(input_tokens / shares),
                bedrock_output_tokens=round(output_tokens / shares),
                not_measured=["s3_get_requests"],
                cold_starts={name: cold_starts.get(name, 0) for name in pattern_functions[workflow]},
                cold_starts_source="REPORT lines with an Init Duration (CloudWatch Logs Insights)",
                source=(
                    "aws: the task functions' REPORT lines (CloudWatch Logs Insights; the durable function's "
                    "time is in its history), the table's Consumed*CapacityUnits and the model's token counts "
                    "(CloudWatch metrics, split evenly: both patterns ran on every upload); S3 PUTs are the "
                    "bench's uploads, one per workflow; S3 GETs are not measured (request metrics are off)"
                ),
            )
            for workflow in WorkflowType
        }

    def emf_samples(self, start: datetime, end: datetime) -> list[MetricSample]:
        """The handlers' EMF lines, read back from the functions' log groups."""
        start, end = start - _WINDOW_MARGIN, end + _WINDOW_MARGIN
        namespaces = set(METRICS_NAMESPACES.values())
        samples: list[MetricSample] = []
        for name in [*self.task_function_names(), self._outputs.durable_function_name]:
            request: dict[str, Any] = {
                "logGroupName": f"/aws/lambda/{name}",
                "startTime": int(start.timestamp() * 1000),
                "endTime": int(end.timestamp() * 1000),
                "filterPattern": _EMF_FILTER,
            }
            while True:
                page = self._logs.filter_log_events(**request)
                for event in page.get("events", []):
                    document = emf_document(event["message"].strip())
                    if document is not None:
                        samples.extend(s for s in samples_from_emf(document) if s.namespace in namespaces)
                if not page.get("nextToken"):
                    break
                request["nextToken"] = page["nextToken"]
        return samples

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

    def _report_lines(self, start: datetime, end: datetime, names: list[str]) -> list[tuple[LambdaUsage, int]]:
        """Invocations and billed time per function, with its cold starts, from its REPORT lines."""
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
            reported = LambdaUsage(
                function_name=fields["@log"].rsplit("/", 1)[-1],
                invocations=int(float(fields["invocations"])),
                billed_ms=int(float(fields["billedMs"])),
            )
            usage.append((reported, int(float(fields.get("coldStarts", 0)))))
        return sorted(usage, key=lambda item: item[0].function_name)


@dataclass(frozen=True)
class LocalStackUsage:
    """A local stack's usage counters (``GET /_local/usage``): Lambda per function, the rest per caller."""

    lambda_functions: dict[str, LambdaUsage]
    callers: dict[str, dict[CallerUsage, float]]

    @classmethod
    def from_answer(cls, answer: dict[str, Any]) -> LocalStackUsage:
        return cls(
            lambda_functions={
                name: LambdaUsage(
                    function_name=name, invocations=int(counts["Invocations"]), billed_ms=int(counts["BilledDurationMs"])
                )
                for name, counts in answer["Lambda"].items()
            },
            callers={
                caller: {CallerUsage(usage): float(amount) for usage, amount in counts.items()}
                for caller, counts in answer["Callers"].items()
            },
        )

    def since(self, earlier: LocalStackUsage) -> LocalStackUsage:
        """What was counted after ``earlier`` was read."""
        lambda_functions = {}
        for name, now in self.lambda_functions.items():
            before = earlier.lambda_functions.get(name)
            invocations = now.invocations - (before.invocations if before else 0)
            if invocations:
                billed_ms = now.billed_ms - (before.billed_ms if before else 0)
                lambda_functions[name] = LambdaUsage(function_name=name, invocations=invocations, billed_ms=billed_ms)
        callers = {
            caller: {usage: amount - earlier.callers.get(caller, {}).get(usage, 0.0) for usage, amount in counts.items()}
            for caller, counts in self.callers.items()
        }
        return LocalStackUsage(lambda_functions=lambda_functions, callers=callers)

    def total(self, callers: list[str], usage: CallerUsage) -> float:
        return sum(self.callers.get(caller, {}).get(usage, 0.0) for caller in callers)


class RunningLocalStackSource(StackHistories):
    """A local stack, through its endpoint only.

    The histories are the engines' own; the durable runs are listed through
    the runner's ``GET /2025-12-01/durable-executions``, which the stack's
    gateway serves (the per-function listing that boto3 calls is not routed).

    The usage is the stack's own count, split by the function that made each
    call: the state machine's task functions are the Step Functions pattern's,
    the durable function the durable pattern's, so both patterns may run at
    once. Calls of no function (the bench's own reads, the state machine's
    native DynamoDB writes) are not in it: the native writes are added from
    the state machine's history (``adds_native_write_units``), and the
    bench's reads are no workflow's.
    """

    adds_native_write_units = True

    def __init__(
        self, *, endpoint_url: str, step_functions: Any, lambda_client: Any, outputs: StackOutputs, log_dir: Path | None
    ) -> None:
        super().__init__(step_functions=step_functions, lambda_client=lambda_client, outputs=outputs)
        self._endpoint_url = endpoint_url.rstrip("/")
        self._log_dir = log_dir
        self._cold_starts_before: dict[str, int] = {}
        self._usage_before = LocalStackUsage(lambda_functions={}, callers={})

    @classmethod
    def for_stack(
        cls, endpoint_url: str, client: Callable[[str], Any], outputs: StackOutputs, log_dir: Path | None = None
    ) -> RunningLocalStackSource:
        return cls(
            endpoint_url=endpoint_url,
            step_functions=client("stepfunctions"),
            lambda_client=client("lambda"),
            outputs=outputs,
            log_dir=log_dir,
        )

    def begin(self) -> None:
        self._cold_starts_before = self.cold_start_counts()
        self._usage_before = self.stack_usage()

    def cold_start_counts(self) -> dict[str, int]:
        """The stack's cold starts per function since it started, as its worker pools counted them."""
        return {name: int(count) for name, count in self._stack_api(COLD_STARTS_PATH)["ColdStarts"].items()}

    def stack_usage(self) -> LocalStackUsage:
        """What the stack counted since it started (``local_aws.usage``)."""
        return LocalStackUsage.from_answer(self._stack_api(USAGE_PATH))

    def _stack_api(self, path: str) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self._endpoint_url}{path}", timeout=30) as response:  # loopback only
            return dict(json.load(response))

    def _durable_executions(self) -> Iterator[dict[str, Any]]:
        query: dict[str, str] = {"FunctionName": self._outputs.durable_function_name}
        while True:
            url = f"{self._endpoint_url}/2025-12-01/durable-executions?{urllib.parse.urlencode(query)}"
            with urllib.request.urlopen(url, timeout=30) as response:  # loopback only
                page = json.load(response)
            yield from page.get("DurableExecutions", [])
            if not page.get("NextMarker"):
                return
            query["Marker"] = page["NextMarker"]

    def usage_by_pattern(self, start: datetime, end: datetime, *, uploads: int) -> dict[WorkflowType, PhaseUsage]:
        cold_starts = self.cold_start_counts()
        usage = self.stack_usage().since(self._usage_before)
        task_names = self.task_function_names()
        pattern_functions = {
            WorkflowType.STEP_FUNCTIONS: task_names,
            WorkflowType.DURABLE_FUNCTIONS: [self._outputs.durable_function_name],
        }
        in_patterns = {name for names in pattern_functions.values() for name in names} | {NOT_A_FUNCTION}
        shared = sorted(
            caller for caller, counts in usage.callers.items() if caller not in in_patterns and any(counts.values())
        )
        left_out = (
            f"; calls of functions that serve both patterns ({', '.join(shared)}) are in neither pattern's figures"
            if shared
            else ""
        )
        return {
            workflow: PhaseUsage(
                # The durable function's time is in its history (InvocationCompleted events).
                lambda_functions=(
                    [usage.lambda_functions[name] for name in task_names if name in usage.lambda_functions]
                    if workflow is WorkflowType.STEP_FUNCTIONS
                    else []
                ),
                dynamodb_read_units=usage.total(functions, CallerUsage.DYNAMODB_READ_UNITS),
                dynamodb_write_units=usage.total(functions, CallerUsage.DYNAMODB_WRITE_UNITS),
                s3_put_requests=uploads + round(usage.total(functions, CallerUsage.S3_PUT_REQUESTS)),
                s3_get_requests=round(usage.total(functions, CallerUsage.S3_GET_REQUESTS)),
                bedrock_input_tokens=round(usage.total(functions, CallerUsage.BEDROCK_INPUT_TOKENS)),
                bedrock_output_tokens=round(usage.total(functions, CallerUsage.BEDROCK_OUTPUT_TOKENS)),
                cold_starts={
                    name: cold_starts.get(name, 0) - self._cold_starts_before.get(name, 0) for name in functions
                },
                cold_starts_source="the local stack's worker pools (new awslambdaric workers started during the run)",
                source=(
                    "local stack (Lambda workers running the built archives): the task functions' invocations "
                    "and billed time as the workers measured them (the durable function's from its history); "
                    "the DynamoDB units the table reported, the S3 object requests and the model's tokens, "
                    "counted by the stack per calling function (this pattern's: "
                    f"{', '.join(functions)}), plus one WRU per started KB of each native write in the state "
                    "machine's history; S3 PUTs are the bench's uploads, one per workflow, and the functions' "
                    f"own; the bench's own calls are not counted{left_out}"
                ),
            )
            for workflow, functions in pattern_functions.items()
        }

    def emf_samples(self, start: datetime, end: datetime) -> list[MetricSample] | None:
        """The EMF lines the functions' workers wrote to their log files, as
        CloudWatch would have them, between ``start`` and ``end``."""
        if self._log_dir is None or not self._log_dir.is_dir():
            return None
        start_ms, end_ms = start.timestamp() * 1000, end.timestamp() * 1000
        samples = []
        for log in sorted(self._log_dir.glob("*.log")):
            with log.open(encoding="utf-8", errors="replace") as lines:
                for line in lines:
                    for document in emf_documents(line):
                        if start_ms <= document["_aws"]["Timestamp"] <= end_ms:
                            samples += samples_from_emf(document)
        return samples
