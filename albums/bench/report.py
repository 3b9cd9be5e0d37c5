"""The comparison report as plain data, computed from one bench run.

Every number comes from the run's measurements, the repository (code size)
or the price table; the only constants here are the volumes and waits the
report is asked about. Nothing here draws: ``report_html`` renders this
model, and ``report.json`` is its JSON form.

The report leads with what transfers to AWS (counts the engines bill, the
usage they cause, the modeled cost, code size), each figure naming its
source; the timings follow apart, as what they are: this machine's emulator,
or AWS when the run was on a deployed stack.
"""

from __future__ import annotations

import os
import platform
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from album_registry.domain.models import WorkflowType
from album_registry.handlers.observability import STEP_DIMENSION, STEP_DURATION_METRIC, VALIDATION_WAIT_METRIC
from albums.bench.code_size import CodeSize
from albums.bench.collector import ExecutionMeasurement, PhaseUsage, Span
from albums.bench.cost_model import (
    LEFT_OUT,
    PRICED_WAITS_HOURS,
    ClaimCheck,
    CostBreakdown,
    PriceTable,
    WaitCost,
    WorkflowUsage,
    check_dzone_claim,
    crossover_wait_hours,
    lambda_gb_seconds,
    retry_cost,
    validation_wait_cost,
    workflow_cost,
)
from albums.bench.shape import ShapeRun
from albums.bench.workload import BenchRun, BenchSettings, PatternRun, StackKind

MONTHLY_VOLUMES = (1_000, 100_000, 10_000_000)
# The person's wait, from minutes to days, in hours: the cost-vs-wait curve.
HUMAN_WAIT_HOURS = (1 / 60, 10 / 60, 1.0, 6.0, 24.0, 3 * 24.0, 7 * 24.0, 30 * 24.0)
COUNT_METRICS = ("ExecutionsStarted", "ExecutionsCompleted", "ExecutionsFailed", "PriceAgentFailures")
MEASURED_SPAN = "step (measured)"


class FigureSource(StrEnum):
    """Where a figure comes from."""

    ENGINE_HISTORY = "engine history"
    METRICS = "metrics"
    COST_MODEL = "cost model"
    REPOSITORY = "repository"


class ReportModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


class Percentiles(ReportModel):
    count: int
    p50: float | None
    p95: float | None
    max: float | None


def percentiles(values: Sequence[float]) -> Percentiles:
    if not values:
        return Percentiles(count=0, p50=None, p95=None, max=None)
    data = np.asarray(values, dtype=float)
    return Percentiles(
        count=len(values),
        p50=float(np.percentile(data, 50)),
        p95=float(np.percentile(data, 95)),
        max=float(data.max()),
    )


# --- what transfers to AWS ------------------------------------------------------


class Figure(ReportModel):
    """One figure per workflow, for each pattern (None: not measured, or not the pattern's)."""

    label: str
    unit: str
    source: FigureSource
    values: dict[str, float | None]
    note: str = ""


class FigureGroup(ReportModel):
    title: str
    figures: list[Figure]


class FunctionUsage(ReportModel):
    """One Lambda function's share of a workflow."""

    workflow: WorkflowType
    function: str
    invocations_per_workflow: float
    gb_seconds_per_workflow: float
    source: FigureSource


# --- the timings, apart ---------------------------------------------------------


class Machine(ReportModel):
    platform: str
    python: str
    cpus: int | None


class TimingsSection(ReportModel):
    """Where the timings were measured, and what they can say."""

    title: str
    measured_on: StackKind
    machine: Machine
    concurrency: int
    patterns_concurrent: bool
    # Uploads run before the measured ones, unmeasured (0: the run's cold starts are in its timings).
    warm_up_uploads: int = 0
    caveat: str


class Executions(ReportModel):
    uploaded: int
    by_status: dict[str, int]
    lost: int
    duplicated: int
    execution_records: int


class Latency(ReportModel):
    end_to_end: Percentiles
    business: Percentiles
    orchestration_overhead: Percentiles
    validation_wait: Percentiles
    per_step: dict[str, Percentiles]


class MetricSummary(ReportModel):
    measured: bool
    counts: dict[str, float | None]
    step_duration_ms: dict[str, Percentiles]
    validation_wait_ms: Percentiles
    workflow_duration_ms: Percentiles
    lines: int | None


class Orchestration(ReportModel):
    state_transitions_per_workflow: float
    state_transition_retries_per_workflow: float
    durable_operations_per_workflow: float
    durable_operation_retries_per_workflow: float
    durable_operations_by_kind: dict[str, int]
    checkpoint_bytes_per_workflow: float
    invocations_per_execution: Percentiles
    replays_per_execution: Percentiles
    history_events_per_execution: Percentiles


class Failures(ReportModel):
    failed_attempts: int
    executions_recovered_after_failed_attempts: int
    executions_failed: int
    price_agent_failures: float | None
    errors: list[str]


class PatternSection(ReportModel):
    workflow: WorkflowType
    executions: Executions
    wall_seconds: float
    throughput_per_second: float
    latency_seconds: Latency
    metrics: MetricSummary
    orchestration: Orchestration
    failures: Failures
    usage_per_workflow: WorkflowUsage
    usage_source: str
    # Usage the source could not read: 0 in the figures and the cost.
    not_measured: list[str]
    lambda_functions: list[FunctionUsage]
    cold_starts: dict[str, int] | None
    cold_starts_source: str
    cost_per_workflow: CostBreakdown
    cost_per_month: dict[str, float]


# --- the cost model's questions ----------------------------------------------------


class WaitPoint(ReportModel):
    wait_hours: float
    cost_per_workflow: float


class CostVsWait(ReportModel):
    series: dict[str, list[WaitPoint]]
    crossover_wait_hours: float | None
    retention_days: float


class CostModelSection(ReportModel):
    """What the engines bill beyond one happy workflow: the wait, retries, a published claim."""

    validation_wait: list[WaitCost]
    retry: dict[str, CostBreakdown]
    claim: ClaimCheck | None


class TimelineEntry(ReportModel):
    engine_arn: str
    end_to_end_seconds: float
    spans: list[Span]


class CodeSizeSection(ReportModel):
    code_size: CodeSize
    tests_running: dict[str, int]


class RunInfo(ReportModel):
    stack: str
    stack_kind: StackKind
    started_at: datetime
    wall_seconds: float
    patterns_concurrent: bool
    settings: BenchSettings
    machine: Machine


class BenchReport(ReportModel):
    run: RunInfo
    price_table: PriceTable
    transfers: list[FigureGroup]
    timings: TimingsSection
    patterns: list[PatternSection]
    cost_vs_human_wait: CostVsWait
    cost_model: CostModelSection
    timeline: dict[str, TimelineEntry]
    code_size: CodeSizeSection
    left_out: list[str]

    def to_json(self) -> dict[str, Any]:
        """``report.json``: camelCase keys, as the HTML's readers and other tools see it."""
        return self.model_dump(mode="json", by_alias=True)


# --- computation ---------------------------------------------------------------


def _mean(values: Iterable[float]) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def workflow_usage(pattern: PatternRun, *, memory_mb: int, adds_native_write_units: bool) -> WorkflowUsage:
    """Average usage per finished workflow, from the phase totals and histories.

    Lambda is priced per invocation: the task functions' invocations, and
    every invocation of the durable function (the first and each replay).
    """
    measured = pattern.measurements
    finished = max(1, len(measured))
    usage: PhaseUsage = pattern.usage
    task_requests = sum(item.invocations for item in usage.lambda_functions)
    task_billed_ms = sum(item.billed_ms for item in usage.lambda_functions)
    native_writes = sum(m.native_dynamodb_write_units for m in measured) if adds_native_write_units else 0.0
    return WorkflowUsage(
        workflow=pattern.workflow,
        state_transitions=_mean(m.state_transitions for m in measured),
        state_transition_retries=_mean(m.state_transition_retries for m in measured),
        durable_operations=_mean(m.billable_durable_operations for m in measured),
        durable_operation_retries=_mean(m.durable_operation_retries for m in measured),
        checkpoint_bytes_written=_mean(m.checkpoint_bytes for m in measured),
        execution_hours=_mean(m.end_to_end_seconds / 3600 for m in measured),
        lambda_requests=(task_requests + sum(m.invocations for m in measured)) / finished,
        lambda_gb_seconds=lambda_gb_seconds(task_billed_ms + sum(m.invocation_billed_ms for m in measured), memory_mb)
        / finished,
        replay_requests=sum(m.replays for m in measured) / finished,
        replay_gb_seconds=lambda_gb_seconds(sum(m.replay_billed_ms for m in measured), memory_mb) / finished,
        dynamodb_write_units=(usage.dynamodb_write_units + native_writes) / finished,
        dynamodb_read_units=usage.dynamodb_read_units / finished,
        s3_put_requests=usage.s3_put_requests / finished,
        s3_get_requests=usage.s3_get_requests / finished,
        bedrock_input_tokens=usage.bedrock_input_tokens / finished,
        bedrock_output_tokens=usage.bedrock_output_tokens / finished,
    )


def _function_usage(pattern: PatternRun, memory_mb: int) -> list[FunctionUsage]:
    """Lambda invocations and GB-s per workflow, by function.

    The task functions' come from the runtime's or CloudWatch's durations
    (metrics); the durable function's from its own history, split into its
    first invocations and its replays.
    """
    finished = max(1, len(pattern.measurements))
    rows = [
        FunctionUsage(
            workflow=pattern.workflow,
            function=item.function_name,
            invocations_per_workflow=item.invocations / finished,
            gb_seconds_per_workflow=lambda_gb_seconds(item.billed_ms, memory_mb) / finished,
            source=FigureSource.METRICS,
        )
        for item in pattern.usage.lambda_functions
    ]
    measured = [m for m in pattern.measurements if m.invocations]
    if measured:
        first_ms = sum(m.invocation_billed_ms - m.replay_billed_ms for m in measured)
        rows += [
            FunctionUsage(
                workflow=pattern.workflow,
                function="durable function: first invocation",
                invocations_per_workflow=sum(1 for _ in measured) / finished,
                gb_seconds_per_workflow=lambda_gb_seconds(first_ms, memory_mb) / finished,
                source=FigureSource.ENGINE_HISTORY,
            ),
            FunctionUsage(
                workflow=pattern.workflow,
                function="durable function: replays",
                invocations_per_workflow=sum(m.replays for m in measured) / finished,
                gb_seconds_per_workflow=lambda_gb_seconds(sum(m.replay_billed_ms for m in measured), memory_mb)
                / finished,
                source=FigureSource.ENGINE_HISTORY,
            ),
        ]
    return rows


def _step_latencies(measured: Sequence[ExecutionMeasurement]) -> dict[str, Percentiles]:
    by_step: dict[str, list[float]] = defaultdict(list)
    for measurement in measured:
        for span in measurement.spans:
            if not span.waiting and span.name != MEASURED_SPAN:
                by_step[span.name].append(span.seconds)
    return {name: percentiles(values) for name, values in sorted(by_step.items())}


def _metric_summary(pattern: PatternRun) -> MetricSummary:
    if pattern.metrics is None:
        return MetricSummary(
            measured=False,
            counts={name: None for name in COUNT_METRICS},
            step_duration_ms={},
            validation_wait_ms=percentiles([]),
            workflow_duration_ms=percentiles([]),
            lines=None,
        )
    counts: dict[str, float | None] = {name: 0.0 for name in COUNT_METRICS}
    step_ms: dict[str, list[float]] = defaultdict(list)
    waits: list[float] = []
    durations: list[float] = []
    for sample in pattern.metrics:
        if sample.name in counts:
            counts[sample.name] = (counts[sample.name] or 0.0) + sample.value
        elif sample.name == STEP_DURATION_METRIC:
            step_ms[sample.dimensions.get(STEP_DIMENSION, "?")].append(sample.value)
        elif sample.name == VALIDATION_WAIT_METRIC:
            waits.append(sample.value)
        elif sample.name == "WorkflowDuration":
            durations.append(sample.value)
    return MetricSummary(
        measured=True,
        counts=counts,
        step_duration_ms={step: percentiles(values) for step, values in sorted(step_ms.items())},
        validation_wait_ms=percentiles(waits),
        workflow_duration_ms=percentiles(durations),
        lines=len(pattern.metrics),
    )


def _summed(counts: Iterable[Mapping[str, int]]) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for count in counts:
        for kind, n in count.items():
            total[kind] += n
    return dict(total)


def _pattern_section(
    pattern: PatternRun, usage: WorkflowUsage, prices: PriceTable, settings: BenchSettings
) -> PatternSection:
    measured = pattern.measurements
    statuses: dict[str, int] = defaultdict(int)
    for outcome in pattern.outcomes:
        statuses[outcome.status] += 1
    succeeded = statuses.get("SUCCEEDED", 0)
    cost = workflow_cost(usage, prices, retention_days=settings.durable_retention_days)
    recovered = [m for m in measured if m.failed_attempts and m.status == "SUCCEEDED"]
    metrics = _metric_summary(pattern)
    return PatternSection(
        workflow=pattern.workflow,
        executions=Executions(
            uploaded=settings.images,
            by_status=dict(statuses),
            lost=statuses.get("LOST", 0) + sum(1 for m in measured if m.status == "RUNNING"),
            duplicated=(
                pattern.duplicated
                if pattern.duplicated is not None
                else max(0, pattern.execution_records - settings.images)
            ),
            execution_records=pattern.execution_records,
        ),
        wall_seconds=pattern.wall_seconds,
        throughput_per_second=succeeded / pattern.wall_seconds if pattern.wall_seconds else 0.0,
        latency_seconds=Latency(
            end_to_end=percentiles([m.end_to_end_seconds for m in measured]),
            business=percentiles([m.business_seconds for m in measured]),
            orchestration_overhead=percentiles([m.overhead_seconds for m in measured]),
            validation_wait=percentiles([m.validation_wait_seconds for m in measured]),
            per_step=_step_latencies(measured),
        ),
        metrics=metrics,
        orchestration=Orchestration(
            state_transitions_per_workflow=usage.state_transitions,
            state_transition_retries_per_workflow=usage.state_transition_retries,
            durable_operations_per_workflow=usage.durable_operations,
            durable_operation_retries_per_workflow=usage.durable_operation_retries,
            durable_operations_by_kind=_summed(m.durable_operations for m in measured),
            checkpoint_bytes_per_workflow=usage.checkpoint_bytes_written,
            invocations_per_execution=percentiles(
                [m.invocations if m.workflow is WorkflowType.DURABLE_FUNCTIONS else m.task_invocations for m in measured]
            ),
            replays_per_execution=percentiles([m.replays for m in measured]),
            history_events_per_execution=percentiles([m.history_events for m in measured]),
        ),
        failures=Failures(
            failed_attempts=sum(m.failed_attempts for m in measured),
            executions_recovered_after_failed_attempts=len(recovered),
            executions_failed=sum(1 for m in measured if m.status not in ("SUCCEEDED", "RUNNING")),
            price_agent_failures=metrics.counts["PriceAgentFailures"],
            errors=sorted({o.error for o in pattern.outcomes if o.error})[:10],
        ),
        usage_per_workflow=usage,
        usage_source=pattern.usage.source,
        not_measured=list(pattern.usage.not_measured) + ([] if pattern.metrics is not None else ["emf_metrics"]),
        lambda_functions=_function_usage(pattern, settings.lambda_memory_mb),
        cold_starts=pattern.usage.cold_starts,
        cold_starts_source=pattern.usage.cold_starts_source,
        cost_per_workflow=cost,
        cost_per_month={str(volume): cost.total * volume for volume in MONTHLY_VOLUMES},
    )


def _by_workflow(
    sections: Sequence[PatternSection], value: Any, *, only: WorkflowType | None = None
) -> dict[str, float | None]:
    """``value(section)`` for each pattern; None for the pattern a figure does not apply to."""
    return {
        section.workflow.value: (value(section) if only is None or section.workflow is only else None)
        for section in sections
    }


PER_WORKFLOW = "per workflow"


def _transfers(sections: Sequence[PatternSection], code: CodeSizeSection) -> list[FigureGroup]:
    """The figures that hold on AWS as they were measured here, each with its source."""
    sf, ldf = WorkflowType.STEP_FUNCTIONS, WorkflowType.DURABLE_FUNCTIONS
    history, metrics, model = FigureSource.ENGINE_HISTORY, FigureSource.METRICS, FigureSource.COST_MODEL

    def figure(
        label: str,
        source: FigureSource,
        value: Any,
        *,
        only: WorkflowType | None = None,
        unit: str = PER_WORKFLOW,
        note: str = "",
    ) -> Figure:
        return Figure(label=label, unit=unit, source=source, values=_by_workflow(sections, value, only=only), note=note)

    def measured(field: str, value: Any) -> Any:
        return lambda s: None if field in s.not_measured else value(s)

    orchestration = FigureGroup(
        title="What each engine bills for orchestration",
        figures=[
            figure(
                "state transitions",
                history,
                lambda s: s.orchestration.state_transitions_per_workflow,
                only=sf,
                note="every state entered plus every retry (GetExecutionHistory)",
            ),
            figure("of which retries", history, lambda s: s.orchestration.state_transition_retries_per_workflow, only=sf),
            figure(
                "durable operations",
                history,
                lambda s: s.orchestration.durable_operations_per_workflow,
                only=ldf,
                note="by AWS's counting rules (GetDurableExecutionHistory)",
            ),
            figure("of which retries", history, lambda s: s.orchestration.durable_operation_retries_per_workflow, only=ldf),
        ],
    )
    invocations = FigureGroup(
        title="Invocations, replays and checkpoints",
        figures=[
            figure(
                "Lambda invocations",
                history,
                lambda s: s.orchestration.invocations_per_execution.p50,
                note="median; Step Functions: Lambda tasks scheduled; durable: InvocationCompleted events",
            ),
            figure(
                "replays",
                history,
                lambda s: s.usage_per_workflow.replay_requests,
                only=ldf,
                note="invocations after the first: each replays the history from the start",
            ),
            figure(
                "checkpoint bytes",
                history,
                lambda s: s.orchestration.checkpoint_bytes_per_workflow,
                only=ldf,
                note="payloads of every checkpointed operation",
            ),
        ],
    )
    gb_seconds = "GB-s per workflow"
    lambda_group = FigureGroup(
        title="Lambda GB-seconds by function",
        figures=[
            figure(
                row.function,
                row.source,
                lambda s, row=row: row.gb_seconds_per_workflow,
                only=row.workflow,
                unit=gb_seconds,
                note=f"{row.invocations_per_workflow:,.2f} invocations per workflow",
            )
            for section in sections
            for row in section.lambda_functions
        ]
        + [
            figure(
                "all functions",
                metrics,
                measured("lambda_functions", lambda s: s.usage_per_workflow.lambda_gb_seconds),
                unit=gb_seconds,
                note="billed in 1 ms steps at the priced memory; durations measured where the run ran",
            )
        ],
    )
    dynamodb = FigureGroup(
        title="DynamoDB request units",
        figures=[
            figure(
                "write request units",
                metrics,
                measured("dynamodb_write_units", lambda s: s.usage_per_workflow.dynamodb_write_units),
                note="ConsumedCapacity (Step Functions' native writes from its history)",
            ),
            figure(
                "read request units",
                metrics,
                measured("dynamodb_read_units", lambda s: s.usage_per_workflow.dynamodb_read_units),
            ),
        ],
    )
    cost = FigureGroup(
        title="Modeled AWS cost (USD per workflow)",
        figures=[
            figure(part, model, lambda s, part=part: getattr(s.cost_per_workflow, part), unit="USD per workflow")
            for part in ("orchestration", "compute", "storage", "ai", "total")
        ],
    )
    repository = FigureSource.REPOSITORY
    size = {pattern.workflow: pattern for pattern in code.code_size.patterns}
    code_group = FigureGroup(
        title="Code and test size (lines)",
        figures=[
            figure("orchestration code", repository, lambda s: size[s.workflow].orchestration_lines, unit="lines"),
            figure("the engine's own tests", repository, lambda s: size[s.workflow].test_lines, unit="lines"),
            figure(
                "tests that run the engine (own + shared)",
                repository,
                lambda s: code.tests_running[s.workflow.value],
                unit="lines",
                note=f"shared: {code.code_size.shared_test_lines} lines that run both engines",
            ),
        ],
    )
    return [orchestration, invocations, lambda_group, dynamodb, cost, code_group]


TIMING_CAVEAT = (
    "These times come from this machine's local stack (moto's state-machine interpreter, the local "
    "durable runner, the functions' built archives in awslambdaric worker processes, all over loopback "
    "HTTP on shared cores); AWS's engines, network and Lambda placement differ, so they do not predict "
    "AWS latency."
)
AWS_TIMING_NOTE = "Measured on AWS: the engines' own histories and CloudWatch, for this stack, region and load."


def _timings(run: BenchRun, machine: Machine) -> TimingsSection:
    on_aws = run.stack_kind is StackKind.AWS
    return TimingsSection(
        title=(
            f"AWS measured timings (stack {run.stack})"
            if on_aws
            else f"Emulator measurements ({run.stack_kind.value} on this machine, not AWS)"
        ),
        measured_on=run.stack_kind,
        machine=machine,
        concurrency=run.settings.concurrency,
        patterns_concurrent=run.patterns_concurrent,
        warm_up_uploads=run.settings.warm_up,
        caveat=AWS_TIMING_NOTE if on_aws else TIMING_CAVEAT,
    )


def _cost_vs_wait(usages: Mapping[WorkflowType, WorkflowUsage], prices: PriceTable, retention_days: float) -> CostVsWait:
    series = {
        workflow.value: [
            WaitPoint(
                wait_hours=wait,
                cost_per_workflow=workflow_cost(usage, prices, retention_days=retention_days, human_wait_hours=wait).total,
            )
            for wait in HUMAN_WAIT_HOURS
        ]
        for workflow, usage in usages.items()
    }
    crossover = None
    if len(usages) == len(WorkflowType):
        crossover = crossover_wait_hours(
            usages[WorkflowType.STEP_FUNCTIONS], usages[WorkflowType.DURABLE_FUNCTIONS], prices, retention_days=retention_days
        )
    return CostVsWait(series=series, crossover_wait_hours=crossover, retention_days=retention_days)


def _cost_model_section(
    usages: Mapping[WorkflowType, WorkflowUsage], sections: Sequence[PatternSection], prices: PriceTable, retention_days: float
) -> CostModelSection:
    waits = [
        validation_wait_cost(usage, prices, wait=label, wait_hours=hours, retention_days=retention_days)
        for label, hours in PRICED_WAITS_HOURS.items()
        for usage in usages.values()
    ]
    costs = {section.workflow: section.cost_per_workflow for section in sections}
    claim = None
    if len(costs) == len(WorkflowType):
        claim = check_dzone_claim(costs[WorkflowType.STEP_FUNCTIONS], costs[WorkflowType.DURABLE_FUNCTIONS])
    return CostModelSection(
        validation_wait=waits,
        retry={workflow.value: retry_cost(workflow, prices) for workflow in usages},
        claim=claim,
    )


def _timeline(run: BenchRun) -> dict[str, TimelineEntry]:
    """The same photo (the first upload) through both pipelines."""
    return {
        pattern.workflow.value: TimelineEntry(
            engine_arn=pattern.measurements[0].engine_arn,
            end_to_end_seconds=pattern.measurements[0].end_to_end_seconds,
            spans=[span for span in pattern.measurements[0].spans if span.name != MEASURED_SPAN],
        )
        for pattern in run.patterns
        if pattern.measurements
    }


def build_report(run: BenchRun, prices: PriceTable, code_size: CodeSize, *, adds_native_write_units: bool) -> BenchReport:
    settings = run.settings
    usages = {
        pattern.workflow: workflow_usage(
            pattern, memory_mb=settings.lambda_memory_mb, adds_native_write_units=adds_native_write_units
        )
        for pattern in run.patterns
    }
    sections = [_pattern_section(pattern, usages[pattern.workflow], prices, settings) for pattern in run.patterns]
    code = CodeSizeSection(
        code_size=code_size,
        tests_running={size.workflow.value: code_size.tests_running(size.workflow) for size in code_size.patterns},
    )
    machine = Machine(platform=platform.platform(), python=platform.python_version(), cpus=os.cpu_count())
    return BenchReport(
        run=RunInfo(
            stack=run.stack,
            stack_kind=run.stack_kind,
            started_at=run.started_at,
            wall_seconds=run.wall_seconds,
            patterns_concurrent=run.patterns_concurrent,
            settings=settings,
            machine=machine,
        ),
        price_table=prices,
        transfers=_transfers(sections, code),
        timings=_timings(run, machine),
        patterns=sections,
        cost_vs_human_wait=_cost_vs_wait(usages, prices, settings.durable_retention_days),
        cost_model=_cost_model_section(usages, sections, prices, settings.durable_retention_days),
        timeline=_timeline(run),
        code_size=code,
        left_out=list(LEFT_OUT),
    )


# --- overhead as workflows grow (albums bench --shape steps=N) ----------------------

CLOUD_ANCHOR_MS_PER_STEP = 41.0
CLOUD_ANCHOR_LABEL = "external: durable SDK on AWS Lambda, ~41 ms per step (SDK 2.0.1)"
CLOUD_ANCHOR_SOURCE = (
    "External, not measured here: aws-durable-execution-sdk-python issue #710 and its fix, PR #725 "
    "(released in SDK 2.0.1): 1,000 sequential steps on Lambda at 1,024 MB took about 41 ms per step "
    "in the cloud (about 142 ms before the fix)."
)
SHAPE_CAVEAT = (
    "Measured on this machine's local stack: moto's state-machine interpreter and the local durable runner "
    "with its sqlite store, the durable function in an awslambdaric worker, checkpoints over loopback HTTP, "
    "on shared cores. The counts (transitions, operations, invocations, checkpoint bytes) and the cost "
    "model transfer to AWS; the times do not: AWS persists each checkpoint in its own service over the "
    "network, and runs each state transition on its own fleet."
)
BILLED_UNITS = {WorkflowType.STEP_FUNCTIONS: "state transitions", WorkflowType.DURABLE_FUNCTIONS: "durable operations"}


class ShapePoint(ReportModel):
    """One engine's run of N no-op steps."""

    steps: int
    status: str
    total_seconds: float
    per_step_ms: float
    history_events: int
    billed_units: int
    invocations: int
    replays: int
    checkpoint_bytes: int
    cost_per_workflow_usd: float
    cost: CostBreakdown


class ShapeSeries(ReportModel):
    workflow: WorkflowType
    billed_unit: str
    points: list[ShapePoint]


class ShapeReport(ReportModel):
    stack: str
    machine: Machine
    lambda_memory_mb: int
    durable_retention_days: int
    series: list[ShapeSeries]
    cloud_anchor_ms_per_step: float
    cloud_anchor_label: str
    cloud_anchor_source: str
    caveat: str

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)

    def series_of(self, workflow: WorkflowType) -> ShapeSeries:
        return next(series for series in self.series if series.workflow is workflow)


def build_shape_report(run: ShapeRun) -> ShapeReport:
    """Each N on each engine, as measured, in series against N."""
    series = []
    for workflow in WorkflowType:
        measured = sorted((m for m in run.measurements if m.workflow is workflow), key=lambda m: m.steps)
        series.append(
            ShapeSeries(
                workflow=workflow,
                billed_unit=BILLED_UNITS[workflow],
                points=[
                    ShapePoint(
                        steps=m.steps,
                        status=m.status,
                        total_seconds=m.total_seconds,
                        per_step_ms=m.per_step_ms,
                        history_events=m.history_events,
                        billed_units=m.state_transitions if workflow is WorkflowType.STEP_FUNCTIONS else m.durable_operations,
                        invocations=m.invocations,
                        replays=m.replays,
                        checkpoint_bytes=m.checkpoint_bytes,
                        cost_per_workflow_usd=m.cost.total,
                        cost=m.cost,
                    )
                    for m in measured
                ],
            )
        )
    return ShapeReport(
        stack=run.stack,
        machine=Machine(platform=platform.platform(), python=platform.python_version(), cpus=os.cpu_count()),
        lambda_memory_mb=run.lambda_memory_mb,
        durable_retention_days=run.durable_retention_days,
        series=series,
        cloud_anchor_ms_per_step=CLOUD_ANCHOR_MS_PER_STEP,
        cloud_anchor_label=CLOUD_ANCHOR_LABEL,
        cloud_anchor_source=CLOUD_ANCHOR_SOURCE,
        caveat=SHAPE_CAVEAT,
    )
