"""The stack workload against a real ``albums local up``: two photos, both patterns.

The bench reaches the stack only through its endpoint, as it reaches a
deployed one. The run is shared by the module; each test checks it against
what the stack itself says (records, albums, the engines' histories).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from statistics import mean

import pytest

from album_registry.domain import ids
from album_registry.domain.models import ExecutionStatus, WorkflowType
from albums.bench.code_size import measure_code_size
from albums.bench.cost_model import (
    billable_durable_operations,
    count_durable_operations,
    count_state_transitions,
    load_price_table,
)
from albums.bench.report import build_report
from albums.bench.sources import RunningLocalStackSource
from albums.bench.stack_workload import WARM_UP_PREFIX, count_duplicates, run_stack_bench, source_for
from albums.bench.workload import deterministic_correction
from local_aws.stack_info import free_loopback_port
from albums.stack_access import open_stack
from tests.bench.test_bench_local_run import HAPPY_PATH_DURABLE_OPERATIONS, HAPPY_PATH_TRANSITIONS
from tests.local_stack.conftest import TEST_FUNCTION_CONCURRENCY, start_stack
from tests.bench.bench_support import ProgressCounter, small_run_settings

IMAGES = 2
DEADLINE_SECONDS = 120


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    running = start_stack(tmp_path_factory.mktemp("bench-stack") / "data", free_loopback_port())
    yield running
    running.stop()


@pytest.fixture(scope="module")
def access(stack):
    return open_stack("local", data_dir=stack.data_dir)


@pytest.fixture(scope="module")
def bench_run(access):
    progress = ProgressCounter()
    settings = small_run_settings(IMAGES)
    run = run_stack_bench(access, settings, progress=progress, deadline_seconds=DEADLINE_SECONDS)
    assert progress.ticks == {workflow: IMAGES for workflow in WorkflowType}
    return run


@pytest.fixture(scope="module")
def report(bench_run, access):
    """The report as ``report.json`` holds it."""
    return build_report(
        bench_run, load_price_table(), measure_code_size(), adds_native_write_units=source_for(access).adds_native_write_units
    ).to_json()


def _pattern(run, workflow):
    return next(pattern for pattern in run.patterns if pattern.workflow is workflow)


def _section(report, workflow):
    return next(section for section in report["patterns"] if section["workflow"] == workflow.value)


def _uploads(stack, workflow):
    """This run's executions on the stack, by execution id, from the table itself."""
    found = stack.repository().list_executions(workflow, limit=50)
    return {execution.executionId: execution for execution in found if "/bench-" in execution.imageS3Key}


def test_every_upload_runs_once_to_completion_in_both_patterns(stack, bench_run, report):
    assert bench_run.patterns_concurrent
    for workflow in WorkflowType:
        pattern = _pattern(bench_run, workflow)
        assert [outcome.status for outcome in pattern.outcomes] == ["SUCCEEDED"] * IMAGES
        records = _uploads(stack, workflow)
        assert len(records) == IMAGES
        assert all(record.status is ExecutionStatus.COMPLETED for record in records.values())
        assert {outcome.engine_arn for outcome in pattern.outcomes} == {r.engineExecutionArn for r in records.values()}
        executions = _section(report, workflow)["executions"]
        assert executions["lost"] == 0 and executions["duplicated"] == 0
        assert executions["byStatus"] == {"SUCCEEDED": IMAGES} and executions["executionRecords"] == IMAGES


def test_the_deterministic_correction_reached_both_pipelines(stack, bench_run):
    repository = stack.repository()
    for workflow in WorkflowType:
        for execution_id, record in _uploads(stack, workflow).items():
            image = int(record.imageS3Key.rsplit("/", 1)[-1].removesuffix(".jpg"))
            correction = deterministic_correction(image).corrections[0]
            album = repository.get_albums(workflow, execution_id)[correction.albumIndex - 1]
            assert album.year == correction.year and album.yearValidated


def test_report_orchestration_numbers_are_what_the_histories_say(stack, bench_run, report):
    step_functions, lambda_client = stack.client("stepfunctions"), stack.client("lambda")
    sf_arns = [o.engine_arn for o in _pattern(bench_run, WorkflowType.STEP_FUNCTIONS).outcomes]
    transitions = [
        count_state_transitions(step_functions.get_execution_history(executionArn=arn, maxResults=1000)["events"])
        for arn in sf_arns
    ]
    durable_arns = [o.engine_arn for o in _pattern(bench_run, WorkflowType.DURABLE_FUNCTIONS).outcomes]
    histories = [
        lambda_client.get_durable_execution_history(DurableExecutionArn=arn, IncludeExecutionData=True)["Events"]
        for arn in durable_arns
    ]
    operations = [billable_durable_operations(count_durable_operations(events)) for events in histories]
    assert transitions == [HAPPY_PATH_TRANSITIONS] * IMAGES
    assert operations == [HAPPY_PATH_DURABLE_OPERATIONS] * IMAGES
    sf = _section(report, WorkflowType.STEP_FUNCTIONS)["orchestration"]
    ldf = _section(report, WorkflowType.DURABLE_FUNCTIONS)["orchestration"]
    assert sf["stateTransitionsPerWorkflow"] == mean(transitions)
    assert sf["durableOperationsPerWorkflow"] == 0
    assert ldf["durableOperationsPerWorkflow"] == mean(operations)
    assert ldf["stateTransitionsPerWorkflow"] == 0
    invocations = [sum(1 for e in events if e["EventType"] == "InvocationCompleted") for events in histories]
    assert ldf["invocationsPerExecution"]["max"] == max(invocations)
    assert ldf["replaysPerExecution"]["p50"] == pytest.approx(mean(invocations) - 1)


def test_durable_business_time_includes_the_steps_own_measured_durations(bench_run):
    """The SDK sends a short step's START with its SUCCEED, so the history alone shows it taking no
    time; the handlers' StepDuration metrics, named by the registry's execution id, fill it in."""
    pattern = _pattern(bench_run, WorkflowType.DURABLE_FUNCTIONS)
    durations = [sample for sample in pattern.metrics if sample.name == "StepDuration"]
    for outcome, measurement in zip(pattern.outcomes, pattern.measurements, strict=True):
        own = [sample.value / 1000 for sample in durations if sample.execution_id == outcome.execution_id]
        measured = [span for span in measurement.spans if span.name == "step (measured)"]
        assert own and sorted(span.seconds for span in measured) == pytest.approx(sorted(own), abs=1e-3)
        assert measurement.business_seconds >= max(own)


def test_the_running_stack_s_own_counters_give_the_usage_cloudwatch_would(bench_run, report):
    for workflow in WorkflowType:
        section = _section(report, workflow)
        assert section["notMeasured"] == []
        # The workers' log files hold the functions' EMF lines, as CloudWatch would.
        assert section["metrics"]["measured"] is True
        assert all(count is not None for count in section["metrics"]["counts"].values())
        usage = section["usagePerWorkflow"]
        assert usage["s3_put_requests"] == 1 and usage["s3_get_requests"] == 1
        assert usage["bedrock_input_tokens"] > 0 and usage["dynamodb_read_units"] > 0 and usage["dynamodb_write_units"] > 0
    # The task functions' time is the workers'; the durable function's is in its history.
    sf_functions = _pattern(bench_run, WorkflowType.STEP_FUNCTIONS).usage.lambda_functions
    assert sum(item.invocations for item in sf_functions) == 11 * IMAGES and all(item.billed_ms > 0 for item in sf_functions)
    assert _pattern(bench_run, WorkflowType.DURABLE_FUNCTIONS).usage.lambda_functions == []
    # One invocation at least; a second only if the validation came after the function suspended,
    # which depends on how fast the bench answers.
    assert _section(report, WorkflowType.DURABLE_FUNCTIONS)["usagePerWorkflow"]["lambda_requests"] >= 1


def test_cold_starts_are_the_stack_workers_started_for_the_run(stack, report):
    """A fresh stack: every function the run invoked started at least one worker, at most its pool's size."""
    outputs = stack.outputs
    definition = stack.client("stepfunctions").describe_state_machine(stateMachineArn=outputs["stateMachineArn"])["definition"]
    sf = _section(report, WorkflowType.STEP_FUNCTIONS)
    ldf = _section(report, WorkflowType.DURABLE_FUNCTIONS)
    assert len(sf["coldStarts"]) >= 5 and all(name in definition for name in sf["coldStarts"])
    assert set(ldf["coldStarts"]) == {outputs["durableFunctionName"]}
    for section in (sf, ldf):
        assert "worker pools" in section["coldStartsSource"]
        counts = section["coldStarts"].values()
        assert all(1 <= count <= TEST_FUNCTION_CONCURRENCY for count in counts), section["coldStarts"]
    # The run began on a fresh stack: its counters now hold exactly the run's cold starts.
    since_start = source_for(open_stack("local", data_dir=stack.data_dir)).cold_start_counts()
    for section in (sf, ldf):
        for name, count in section["coldStarts"].items():
            assert since_start[name] == count


def test_the_timings_are_titled_as_the_emulator_s(report):
    assert report["timings"]["measuredOn"] == "running local stack"
    assert report["timings"]["title"].startswith("Emulator measurements")


def test_a_redelivered_event_is_counted_as_a_duplicate(stack, access, bench_run):
    """The listing behind ``duplicated`` sees every engine run: add one per pattern and it counts it."""
    source = source_for(access)
    assert isinstance(source, RunningLocalStackSource)
    outputs = stack.outputs
    key = next(iter(_uploads(stack, WorkflowType.STEP_FUNCTIONS).values())).imageS3Key
    prefix = key.rsplit("/", 1)[0] + "/"
    before = {workflow: source.engine_runs(workflow, bench_run.started_at) for workflow in WorkflowType}
    assert {w: count_duplicates(runs, prefix) for w, runs in before.items()} == {w: 0 for w in WorkflowType}
    assert all(len([r for r in runs if r.upload and r.upload.key.startswith(prefix)]) == IMAGES for runs in before.values())
    sf_run = next(r for r in before[WorkflowType.STEP_FUNCTIONS] if r.upload and r.upload.key == key)
    event = json.loads(
        stack.client("stepfunctions").describe_execution(executionArn=sf_run.engine_arn)["input"]
    ) | {"id": str(uuid.uuid4())}
    stack.client("stepfunctions").start_execution(
        stateMachineArn=outputs["stateMachineArn"], name=event["id"], input=json.dumps(event)
    )
    stack.client("lambda").invoke(
        FunctionName=outputs["durableFunctionAliasArn"], InvocationType="Event", Payload=json.dumps(event).encode()
    )
    after = {workflow: source.engine_runs(workflow, bench_run.started_at) for workflow in WorkflowType}
    assert {w: count_duplicates(runs, prefix) for w, runs in after.items()} == {w: 1 for w in WorkflowType}
    # The redelivery found its upload handled: still one record per upload and pattern.
    upload = sf_run.upload
    for workflow in WorkflowType:
        execution_id = ids.execution_id_for_upload(workflow, bucket=upload.bucket, key=upload.key, version=upload.version)
        assert stack.repository().get_execution(workflow, execution_id) is not None


def test_a_warm_up_runs_first_and_appears_nowhere_in_the_report(stack, access):
    """``--warm-up N``: N uploads through both patterns to their end before the measured ones, none counted."""
    settings = small_run_settings(1).model_copy(update={"warm_up": 2})
    run = run_stack_bench(access, settings, progress=ProgressCounter(), deadline_seconds=DEADLINE_SECONDS)
    report = build_report(run, load_price_table(), measure_code_size(), adds_native_write_units=True).to_json()
    assert report["timings"]["warmUpUploads"] == 2
    for workflow in WorkflowType:
        warmed = [
            execution
            for execution in stack.repository().list_executions(workflow, limit=50)
            if f"/{WARM_UP_PREFIX}" in execution.imageS3Key
        ]
        assert len(warmed) == 2 and all(execution.status is ExecutionStatus.COMPLETED for execution in warmed)
        assert all(datetime.fromisoformat(execution.completedAt) < run.started_at for execution in warmed)
        pattern = _pattern(run, workflow)
        assert [outcome.status for outcome in pattern.outcomes] == ["SUCCEEDED"]
        assert not {outcome.engine_arn for outcome in pattern.outcomes} & {e.engineExecutionArn for e in warmed}
        executions = _section(report, workflow)["executions"]
        assert executions["executionRecords"] == 1 and executions["duplicated"] == 0
