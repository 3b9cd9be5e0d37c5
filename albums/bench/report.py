"""``report.json`` and ``report.html`` from one bench run.

Every number comes from the run's measurements, the repository (code size)
or the price table; the only constants here are the volumes and wait times
the report is asked about. Charts are inline SVG, so the page reads offline.
"""

from __future__ import annotations

import html
import json
import os
import platform
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from album_registry.domain.models import WorkflowType
from album_registry.handlers.observability import STEP_DIMENSION, STEP_DURATION_METRIC, VALIDATION_WAIT_METRIC
from albums.bench.code_size import CodeSize
from albums.bench.collector import ExecutionMeasurement, PhaseUsage
from albums.bench.cost_model import (
    LEFT_OUT,
    PriceTable,
    WorkflowUsage,
    crossover_wait_hours,
    lambda_gb_seconds,
    workflow_cost,
)
from albums.bench.workload import BenchRun, PatternRun

MONTHLY_VOLUMES = (1_000, 100_000, 10_000_000)
# The person's wait, from minutes to days, in hours.
HUMAN_WAIT_HOURS = (1 / 60, 10 / 60, 1.0, 6.0, 24.0, 3 * 24.0, 7 * 24.0, 30 * 24.0)
COUNT_METRICS = ("ExecutionsStarted", "ExecutionsCompleted", "ExecutionsFailed", "PriceAgentFailures")
COLOURS = {WorkflowType.STEP_FUNCTIONS: "#d9480f", WorkflowType.DURABLE_FUNCTIONS: "#1971c2"}


def percentiles(values: Sequence[float]) -> dict[str, float | int | None]:
    if not values:
        return {"count": 0, "p50": None, "p95": None, "max": None}
    data = np.asarray(values, dtype=float)
    return {
        "count": len(values),
        "p50": float(np.percentile(data, 50)),
        "p95": float(np.percentile(data, 95)),
        "max": float(data.max()),
    }


def _mean(values: Iterable[float]) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def workflow_usage(pattern: PatternRun, *, memory_mb: int, adds_native_write_units: bool) -> WorkflowUsage:
    """Average usage per finished workflow, from the phase totals and histories."""
    measured = pattern.measurements
    finished = max(1, len(measured))
    usage: PhaseUsage = pattern.usage
    task_requests = sum(item.invocations for item in usage.lambda_functions)
    task_billed_ms = sum(item.billed_ms for item in usage.lambda_functions)
    native_writes = sum(m.native_dynamodb_write_units for m in measured) if adds_native_write_units else 0.0
    return WorkflowUsage(
        workflow=pattern.workflow,
        state_transitions=_mean(m.state_transitions for m in measured),
        durable_operations=_mean(m.billable_durable_operations for m in measured),
        checkpoint_bytes_written=_mean(m.checkpoint_bytes for m in measured),
        execution_hours=_mean(m.end_to_end_seconds / 3600 for m in measured),
        lambda_requests=(task_requests + sum(m.invocations for m in measured)) / finished,
        lambda_gb_seconds=lambda_gb_seconds(task_billed_ms + sum(m.invocation_billed_ms for m in measured), memory_mb)
        / finished,
        dynamodb_write_units=(usage.dynamodb_write_units + native_writes) / finished,
        dynamodb_read_units=usage.dynamodb_read_units / finished,
        s3_put_requests=usage.s3_put_requests / finished,
        s3_get_requests=usage.s3_get_requests / finished,
        bedrock_input_tokens=usage.bedrock_input_tokens / finished,
        bedrock_output_tokens=usage.bedrock_output_tokens / finished,
    )


def _step_latencies(measured: Sequence[ExecutionMeasurement]) -> dict[str, dict[str, Any]]:
    by_step: dict[str, list[float]] = defaultdict(list)
    for measurement in measured:
        for span in measurement.spans:
            if not span.waiting and span.name != "step (measured)":
                by_step[span.name].append(span.seconds)
    return {name: percentiles(values) for name, values in sorted(by_step.items())}


def _metric_summary(pattern: PatternRun) -> dict[str, Any]:
    if pattern.metrics is None:
        return {
            "measured": False,
            "counts": {name: None for name in COUNT_METRICS},
            "stepDurationMs": {},
            "validationWaitMs": percentiles([]),
            "workflowDurationMs": percentiles([]),
            "lines": None,
        }
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
    return {
        "measured": True,
        "counts": counts,
        "stepDurationMs": {step: percentiles(values) for step, values in sorted(step_ms.items())},
        "validationWaitMs": percentiles(waits),
        "workflowDurationMs": percentiles(durations),
        "lines": len(pattern.metrics),
    }


def _pattern_section(
    pattern: PatternRun, usage: WorkflowUsage, prices: PriceTable, *, retention_days: float, images: int
) -> dict[str, Any]:
    measured = pattern.measurements
    statuses: dict[str, int] = defaultdict(int)
    for outcome in pattern.outcomes:
        statuses[outcome.status] += 1
    succeeded = statuses.get("SUCCEEDED", 0)
    cost = workflow_cost(usage, prices, retention_days=retention_days)
    recovered = [m for m in measured if m.failed_attempts and m.status == "SUCCEEDED"]
    return {
        "workflow": pattern.workflow.value,
        "executions": {
            "uploaded": images,
            "byStatus": dict(statuses),
            "lost": statuses.get("LOST", 0) + sum(1 for m in measured if m.status == "RUNNING"),
            "duplicated": (
                pattern.duplicated if pattern.duplicated is not None else max(0, pattern.execution_records - images)
            ),
            "executionRecords": pattern.execution_records,
        },
        "wallSeconds": pattern.wall_seconds,
        "throughputPerSecond": succeeded / pattern.wall_seconds if pattern.wall_seconds else 0.0,
        "latencySeconds": {
            "endToEnd": percentiles([m.end_to_end_seconds for m in measured]),
            "business": percentiles([m.business_seconds for m in measured]),
            "orchestrationOverhead": percentiles([m.overhead_seconds for m in measured]),
            "validationWait": percentiles([m.validation_wait_seconds for m in measured]),
            "perStep": _step_latencies(measured),
        },
        "metrics": _metric_summary(pattern),
        "orchestration": {
            "stateTransitionsPerWorkflow": usage.state_transitions,
            "durableOperationsPerWorkflow": usage.durable_operations,
            "durableOperationsByKind": _summed(m.durable_operations for m in measured),
            "checkpointBytesPerWorkflow": usage.checkpoint_bytes_written,
            "invocationsPerExecution": percentiles([m.invocations for m in measured]),
            "replaysPerExecution": percentiles([m.replays for m in measured]),
            "historyEventsPerExecution": percentiles([m.history_events for m in measured]),
        },
        "failures": {
            "failedAttempts": sum(m.failed_attempts for m in measured),
            "executionsRecoveredAfterFailedAttempts": len(recovered),
            "executionsFailed": sum(1 for m in measured if m.status not in ("SUCCEEDED", "RUNNING")),
            "priceAgentFailures": _metric_summary(pattern)["counts"]["PriceAgentFailures"],
            "errors": sorted({o.error for o in pattern.outcomes if o.error})[:10],
        },
        "usagePerWorkflow": usage.model_dump(mode="json"),
        "usageSource": pattern.usage.source,
        # Usage the source could not read: 0 in the figures and the cost.
        "notMeasured": list(pattern.usage.not_measured) + ([] if pattern.metrics is not None else ["emf_metrics"]),
        "lambdaFunctions": [item.model_dump() for item in pattern.usage.lambda_functions],
        "costPerWorkflow": cost.model_dump() | {"total": cost.total},
        "costPerMonth": {str(volume): cost.total * volume for volume in MONTHLY_VOLUMES},
    }


def _summed(counts: Iterable[Mapping[str, int]]) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for count in counts:
        for kind, n in count.items():
            total[kind] += n
    return dict(total)


def build_report(run: BenchRun, prices: PriceTable, code_size: CodeSize, *, adds_native_write_units: bool) -> dict[str, Any]:
    settings = run.settings
    usages = {
        pattern.workflow: workflow_usage(
            pattern, memory_mb=settings.lambda_memory_mb, adds_native_write_units=adds_native_write_units
        )
        for pattern in run.patterns
    }
    sections = [
        _pattern_section(
            pattern,
            usages[pattern.workflow],
            prices,
            retention_days=settings.durable_retention_days,
            images=settings.images,
        )
        for pattern in run.patterns
    ]
    report: dict[str, Any] = {
        "run": {
            "stack": run.stack,
            "startedAt": run.started_at.isoformat(),
            "wallSeconds": run.wall_seconds,
            "patternsConcurrent": run.patterns_concurrent,
            "settings": settings.model_dump(mode="json"),
            "machine": {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count()},
        },
        "priceTable": prices.model_dump(mode="json", by_alias=True),
        "patterns": sections,
        "costVsHumanWait": _cost_vs_wait(usages, prices, settings.durable_retention_days),
        "timeline": _timeline(run),
        "codeSize": _code_size_section(code_size),
        "leftOut": list(LEFT_OUT),
    }
    return report


def _cost_vs_wait(usages: Mapping[WorkflowType, WorkflowUsage], prices: PriceTable, retention_days: float) -> dict[str, Any]:
    series = {
        workflow.value: [
            {"waitHours": wait, "costPerWorkflow": workflow_cost(usage, prices, retention_days=retention_days, human_wait_hours=wait).total}
            for wait in HUMAN_WAIT_HOURS
        ]
        for workflow, usage in usages.items()
    }
    crossover = None
    if len(usages) == len(WorkflowType):
        crossover = crossover_wait_hours(
            usages[WorkflowType.STEP_FUNCTIONS], usages[WorkflowType.DURABLE_FUNCTIONS], prices, retention_days=retention_days
        )
    return {"series": series, "crossoverWaitHours": crossover, "retentionDays": retention_days}


def _timeline(run: BenchRun) -> dict[str, Any]:
    """The same photo (the first upload) through both pipelines."""
    timeline = {}
    for pattern in run.patterns:
        if not pattern.measurements:
            continue
        first = pattern.measurements[0]
        timeline[pattern.workflow.value] = {
            "engineArn": first.engine_arn,
            "endToEndSeconds": first.end_to_end_seconds,
            "spans": [span.model_dump() for span in first.spans if span.name != "step (measured)"],
        }
    return timeline


def _code_size_section(code_size: CodeSize) -> dict[str, Any]:
    return {
        "patterns": {
            size.workflow.value: {
                "orchestrationLines": size.orchestration_lines,
                "testLines": size.test_lines,
                "orchestrationFiles": [item.model_dump() for item in size.orchestration],
                "testFiles": [item.model_dump() for item in size.tests],
            }
            for size in code_size.patterns
        },
        "sharedTestLines": sum(item.lines for item in code_size.shared_tests),
        "sharedTestFiles": [item.model_dump() for item in code_size.shared_tests],
    }


def write_report(report: dict[str, Any], directory: Path) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    json_path, html_path = directory / "report.json", directory / "report.html"
    json_path.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    html_path.write_text(render_html(report), encoding="utf-8")
    return json_path, html_path


# --- HTML -----------------------------------------------------------------


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if value != 0 and abs(value) < 0.001:
            return f"{value:.3e}"
        return f"{value:,.{digits}f}"
    return html.escape(str(value))


def _usd(value: float) -> str:
    return f"${value:,.2f}" if value >= 1 else f"${value:.6f}"


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _bar_chart(title: str, groups: Sequence[str], series: Mapping[str, Sequence[float]], unit: str) -> str:
    """Grouped horizontal bars: one group per label, one bar per pattern."""
    width, label_width, bar_height = 640, 190, 14
    peak = max((v for values in series.values() for v in values), default=0) or 1
    rows = []
    y = 24
    for index, group in enumerate(groups):
        rows.append(f'<text x="0" y="{y + 11}" font-size="11">{html.escape(group)}</text>')
        for name, values in series.items():
            value = values[index]
            length = (width - label_width - 90) * value / peak
            colour = COLOURS[WorkflowType(name)]
            rows.append(
                f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height - 2}" fill="{colour}"/>'
                f'<text x="{label_width + length + 4:.1f}" y="{y + 10}" font-size="10">{_fmt(value)} {unit}</text>'
            )
            y += bar_height
        y += 6
    legend = " ".join(
        f'<span style="color:{COLOURS[WorkflowType(name)]}">■ {html.escape(name)}</span>' for name in series
    )
    return (
        f'<figure><figcaption>{html.escape(title)} {legend}</figcaption><svg width="{width}" height="{y + 4}" '
        f'xmlns="http://www.w3.org/2000/svg">{"".join(rows)}</svg></figure>'
    )


def _line_chart(title: str, series: Mapping[str, Sequence[dict[str, float]]], crossover: float | None) -> str:
    width, height, pad = 640, 260, 60
    xs = [point["waitHours"] for points in series.values() for point in points]
    ys = [point["costPerWorkflow"] for points in series.values() for point in points]
    x_low, x_high = np.log10(min(xs)), np.log10(max(xs))
    y_high = max(ys) * 1.1 or 1

    def place(x: float, y: float) -> tuple[float, float]:
        return (
            pad + (np.log10(x) - x_low) / (x_high - x_low) * (width - 2 * pad),
            height - pad + -y / y_high * (height - 2 * pad),
        )

    parts = [f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#999"/>']
    for points in next(iter(series.values()), []):
        x, _ = place(points["waitHours"], 0)
        label = f'{points["waitHours"] * 60:.0f} min' if points["waitHours"] < 1 else (
            f'{points["waitHours"]:.0f} h' if points["waitHours"] < 24 else f'{points["waitHours"] / 24:.0f} d'
        )
        parts.append(f'<text x="{x:.1f}" y="{height - pad + 16}" font-size="10" text-anchor="middle">{label}</text>')
    for name, points in series.items():
        coordinates = " ".join(f"{x:.1f},{y:.1f}" for x, y in (place(p["waitHours"], p["costPerWorkflow"]) for p in points))
        colour = COLOURS[WorkflowType(name)]
        parts.append(f'<polyline points="{coordinates}" fill="none" stroke="{colour}" stroke-width="2"/>')
        last_x, last_y = place(points[-1]["waitHours"], points[-1]["costPerWorkflow"])
        parts.append(f'<text x="{last_x - 4:.1f}" y="{last_y - 6:.1f}" font-size="10" text-anchor="end" fill="{colour}">{name} {_usd(points[-1]["costPerWorkflow"])}</text>')
    if crossover is not None and min(xs) <= crossover <= max(xs):
        x, _ = place(crossover, 0)
        parts.append(f'<line x1="{x:.1f}" y1="{pad}" x2="{x:.1f}" y2="{height - pad}" stroke="#2b8a3e" stroke-dasharray="4"/>')
    return (
        f'<figure><figcaption>{html.escape(title)}</figcaption><svg width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg></figure>'
    )


def _gantt(timeline: Mapping[str, Any]) -> str:
    width, label_width, row = 700, 200, 13
    longest = max((entry["endToEndSeconds"] for entry in timeline.values()), default=1) or 1
    parts = []
    y = 4
    for name, entry in timeline.items():
        parts.append(f'<text x="0" y="{y + 12}" font-size="12" font-weight="bold">{html.escape(name)} ({_fmt(entry["endToEndSeconds"])} s)</text>')
        y += 18
        for span in entry["spans"]:
            x = label_width + span["start"] / longest * (width - label_width - 10)
            length = max(1.0, (span["end"] - span["start"]) / longest * (width - label_width - 10))
            colour = "#adb5bd" if span["waiting"] else COLOURS[WorkflowType(name)]
            parts.append(
                f'<text x="0" y="{y + 10}" font-size="10">{html.escape(span["name"])}</text>'
                f'<rect x="{x:.1f}" y="{y}" width="{length:.1f}" height="{row - 3}" fill="{colour}">'
                f'<title>{html.escape(span["name"])}: {span["start"]:.3f}–{span["end"]:.3f} s</title></rect>'
            )
            y += row
        y += 10
    return f'<svg width="{width}" height="{y}" xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>'


def render_html(report: Mapping[str, Any]) -> str:
    patterns = report["patterns"]
    names = [section["workflow"] for section in patterns]
    latency_rows = []
    for section in patterns:
        latency = section["latencySeconds"]
        for label, key in (("end to end", "endToEnd"), ("business steps", "business"), ("orchestration overhead", "orchestrationOverhead"), ("validation wait", "validationWait")):
            latency_rows.append([section["workflow"], label, _fmt(latency[key]["p50"]), _fmt(latency[key]["p95"]), _fmt(latency[key]["max"])])
    step_rows = [
        [section["workflow"], html.escape(step), values["count"], _fmt(values["p50"]), _fmt(values["p95"])]
        for section in patterns
        for step, values in section["latencySeconds"]["perStep"].items()
    ]
    emf_rows = [
        [section["workflow"], html.escape(step), values["count"], _fmt(values["p50"], 1), _fmt(values["p95"], 1)]
        for section in patterns
        for step, values in section["metrics"]["stepDurationMs"].items()
    ]
    count_rows = [
        [section["workflow"], *(_fmt(section["metrics"]["counts"][name], 0) for name in COUNT_METRICS),
         _fmt(section["metrics"]["validationWaitMs"]["p50"], 1), section["metrics"]["lines"]]
        for section in patterns
    ]
    execution_rows = [
        [section["workflow"], section["executions"]["uploaded"], html.escape(json.dumps(section["executions"]["byStatus"])),
         section["executions"]["lost"], section["executions"]["duplicated"], _fmt(section["wallSeconds"], 1),
         _fmt(section["throughputPerSecond"], 2)]
        for section in patterns
    ]
    cost_parts = ("orchestration", "compute", "storage", "ai", "total")
    cost_rows = [[section["workflow"], *(_usd(section["costPerWorkflow"][part]) for part in cost_parts)] for section in patterns]
    month_rows = [[section["workflow"], *(_usd(v) for v in section["costPerMonth"].values())] for section in patterns]
    orchestration_rows = [
        [section["workflow"], _fmt(section["orchestration"]["stateTransitionsPerWorkflow"], 1),
         _fmt(section["orchestration"]["durableOperationsPerWorkflow"], 1),
         html.escape(json.dumps(section["orchestration"]["durableOperationsByKind"])),
         _fmt(section["orchestration"]["checkpointBytesPerWorkflow"], 0),
         _fmt(section["orchestration"]["replaysPerExecution"]["p50"], 1), _fmt(section["orchestration"]["replaysPerExecution"]["max"], 0)]
        for section in patterns
    ]
    failure_rows = [
        [section["workflow"], section["failures"]["failedAttempts"], section["failures"]["executionsRecoveredAfterFailedAttempts"],
         section["failures"]["executionsFailed"], _fmt(section["failures"]["priceAgentFailures"], 0),
         html.escape("; ".join(section["failures"]["errors"])) or "–"]
        for section in patterns
    ]
    usage_keys = list(patterns[0]["usagePerWorkflow"]) if patterns else []
    usage_rows = [[html.escape(key), *(_fmt(section["usagePerWorkflow"][key], 4) for section in patterns)] for key in usage_keys if key != "workflow"]
    code = report["codeSize"]
    code_rows = [[name, values["orchestrationLines"], values["testLines"],
                  html.escape(", ".join(f'{f["path"]} ({f["lines"]})' for f in values["orchestrationFiles"]))]
                 for name, values in code["patterns"].items()]
    wait = report["costVsHumanWait"]
    crossover = wait["crossoverWaitHours"]
    crossover_text = (
        "The curves do not cross: durable functions cost more at every wait."
        if crossover is None
        else f"The curves cross at a wait of {crossover:,.1f} hours ({crossover / 24:,.1f} days)."
    )
    price_rows = [
        [html.escape(key), _fmt(value["usd"], 10), html.escape(value["unit"]), html.escape(value["source"])]
        for key, value in report["priceTable"].items()
        if isinstance(value, dict)
    ]
    overhead_chart = _bar_chart(
        "Orchestration overhead per workflow (s), p50 and p95",
        ["p50", "p95"],
        {s["workflow"]: [s["latencySeconds"]["orchestrationOverhead"]["p50"] or 0, s["latencySeconds"]["orchestrationOverhead"]["p95"] or 0] for s in patterns},
        "s",
    )
    latency_chart = _bar_chart(
        "End-to-end latency (s), p50 and p95",
        ["p50", "p95"],
        {s["workflow"]: [s["latencySeconds"]["endToEnd"]["p50"] or 0, s["latencySeconds"]["endToEnd"]["p95"] or 0] for s in patterns},
        "s",
    )
    cost_chart = _bar_chart(
        "Cost per workflow by part (USD)",
        list(cost_parts[:-1]),
        {s["workflow"]: [s["costPerWorkflow"][part] for part in cost_parts[:-1]] for s in patterns},
        "$",
    )
    run = report["run"]
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Step Functions vs durable functions: bench report</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:1100px;color:#222}}table{{border-collapse:collapse;margin:.5rem 0 1.5rem}}
th,td{{border:1px solid #ddd;padding:3px 8px;font-size:13px;text-align:left;vertical-align:top}}th{{background:#f1f3f5}}
figure{{margin:1rem 0}}figcaption{{font-weight:600;margin-bottom:4px}}.sf{{color:{COLOURS[WorkflowType.STEP_FUNCTIONS]}}}.ldf{{color:{COLOURS[WorkflowType.DURABLE_FUNCTIONS]}}}</style></head><body>
<h1>Album registration: Step Functions vs Lambda durable functions</h1>
<p>Stack <b>{html.escape(run["stack"])}</b>, started {html.escape(run["startedAt"])}, {run["settings"]["images"]} photos per pattern,
concurrency {run["settings"]["concurrency"]}{", both pipelines started by every upload" if run["patternsConcurrent"] else ", one pattern after the other"}, validation {html.escape(json.dumps(run["settings"]["validation"]))}, run wall time {_fmt(run["wallSeconds"], 1)} s,
on {html.escape(run["machine"]["platform"])} ({run["machine"]["cpus"]} CPUs). Prices: table {html.escape(report["priceTable"]["version"])}
({html.escape(report["priceTable"]["region"])}, retrieved {html.escape(report["priceTable"]["retrieved"])}).</p>
<h2>Executions and throughput</h2>{_table(["pattern", "uploaded", "engine status", "lost", "duplicated", "wall s", "workflows/s"], execution_rows)}
<h2>Latency (seconds)</h2>{latency_chart}{overhead_chart}
{_table(["pattern", "measure", "p50", "p95", "max"], latency_rows)}
<p>Orchestration overhead = end to end − business steps (vision, pricing, repository and table calls, as the engines' histories and the steps' own StepDuration metrics time them) − the validation wait.</p>
<h3>Per step, from the engines' histories</h3>{_table(["pattern", "step", "attempts", "p50 s", "p95 s"], step_rows)}
<h3>Per step, from the handlers' EMF StepDuration metric (ms)</h3>{_table(["pattern", "step", "samples", "p50 ms", "p95 ms"], emf_rows)}
<h3>EMF counters read back</h3>{_table(["pattern", *COUNT_METRICS, "ValidationWaitTime p50 ms", "EMF samples"], count_rows)}
<h2>One photo through both pipelines</h2>{_gantt(report["timeline"])}
<h2>Cost</h2>{cost_chart}{_table(["pattern", *cost_parts], cost_rows)}
<h3>Per month</h3>{_table(["pattern", *(f"{v:,} workflows" for v in MONTHLY_VOLUMES)], month_rows)}
<h3>Cost as the person's wait grows</h3>{_line_chart("Cost per workflow vs validation wait (log scale)", wait["series"], crossover)}
<p>Step Functions pays per transition, whatever the wait; durable functions pay for keeping the checkpoint data while the execution is open and for the {wait["retentionDays"]} days of retention after. {crossover_text}</p>
<h3>Usage per workflow (measured)</h3>{_table(["usage", *names], usage_rows)}
<p>{"<br>".join(html.escape(s["usageSource"]) for s in patterns[:1])}</p>
{"".join(f'<p><b>Not measured</b> for {html.escape(s["workflow"])} (0 in these figures and the cost): {html.escape(", ".join(s["notMeasured"]))}.</p>' for s in patterns if s["notMeasured"])}
<h2>Transitions, operations, replays</h2>{_table(["pattern", "state transitions", "durable operations", "operations by kind (all executions)", "checkpoint bytes", "replays p50", "replays max"], orchestration_rows)}
<h2>Failures and recoveries</h2>{_table(["pattern", "failed attempts", "executions recovered", "executions failed", "price agent failures", "errors"], failure_rows)}
<h2>Code size (non-blank, non-comment lines)</h2>{_table(["pattern", "orchestration lines", "pattern-only test lines", "orchestration files"], code_rows)}
<p>Suites that run both patterns: {code["sharedTestLines"]} lines ({html.escape(", ".join(f["path"] for f in code["sharedTestFiles"]))}).</p>
<h2>Price table</h2>{_table(["item", "USD", "unit", "source"], price_rows)}
<h2>What the model leaves out</h2><ul>{"".join(f"<li>{html.escape(item)}</li>" for item in report["leftOut"])}</ul>
</body></html>
"""
