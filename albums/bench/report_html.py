"""``report.html`` (and ``report.json``) from a ``BenchReport``: rendering only.

The charts are plotly figures; plotly's JavaScript, which ships in its wheel,
is inlined once, so the page is one file that opens offline. Every number a
chart shows is also in a table, so the text reads without JavaScript.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from album_registry.domain.models import WorkflowType
from albums.bench.cost_model import MAX_DURABLE_EXECUTION_HOURS, CostBreakdown
from albums.bench.report import (
    HUMAN_WAIT_HOURS,
    MONTHLY_VOLUMES,
    BenchReport,
    Figure,
    PatternSection,
    ShapePoint,
    ShapeReport,
)

COLOURS = {WorkflowType.STEP_FUNCTIONS.value: "#d9480f", WorkflowType.DURABLE_FUNCTIONS.value: "#1971c2"}
LABELS = {WorkflowType.STEP_FUNCTIONS.value: "Step Functions", WorkflowType.DURABLE_FUNCTIONS.value: "durable functions"}
WAITING_COLOUR = "#adb5bd"
CHART_CONFIG = {"displaylogo": False, "responsive": True}
# The charts, by element id: the browser test finds each one drawn.
CHART_IDS = (
    "chart-orchestration",
    "chart-cost",
    "chart-lambda",
    "chart-wait",
    "chart-latency",
    "chart-timeline",
)
PER_THOUSAND = 1_000
PER_MILLION = 1_000_000


def write_report(report: BenchReport, directory: Path) -> tuple[Path, Path]:
    return _write_files(directory, report.to_json(), render_html(report))


def _write_files(directory: Path, document: dict[str, Any], page: str) -> tuple[Path, Path]:
    """``report.json`` and ``report.html`` in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    json_path, html_path = directory / "report.json", directory / "report.html"
    json_path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    html_path.write_text(page, encoding="utf-8")
    return json_path, html_path


# --- text ---------------------------------------------------------------------------


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if value != 0 and abs(value) < 0.001:
            return f"{value:.3e}"
        return f"{value:,.{digits}f}"
    return html.escape(str(value))


def _number(value: float | None) -> str:
    """A count as a whole number, anything else to four significant digits."""
    if value is None:
        return "–"
    if value == int(value) or abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def _usd(value: float) -> str:
    return f"${value:,.2f}" if abs(value) >= 1 else f"${value:.6f}"


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, table_id: str | None = None) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    identity = f' id="{table_id}"' if table_id else ""
    return f"<table{identity}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _label(workflow: str) -> str:
    return html.escape(LABELS.get(workflow, workflow))


def _wait_label(hours: float) -> str:
    if hours < 1:
        return f"{hours * 60:.0f} min"
    return f"{hours:.0f} h" if hours < 24 else f"{hours / 24:.0f} d"


# --- charts ---------------------------------------------------------------------------


def _chart(figure: go.Figure, chart_id: str, title: str) -> str:
    figure.update_layout(
        title={"text": title, "font": {"size": 14}},
        height=340,
        margin={"l": 60, "r": 20, "t": 50, "b": 60},
        legend={"orientation": "h", "y": -0.2},
        template="plotly_white",
    )
    return pio.to_html(figure, full_html=False, include_plotlyjs=False, div_id=chart_id, config=CHART_CONFIG)


def _orchestration_chart(report: BenchReport) -> str:
    """What each engine bills, per workflow: transitions or operations, invocations, replays."""
    measures = ("billed orchestration units", "Lambda invocations", "replays")
    figure = go.Figure()
    for section in report.patterns:
        units = (
            section.orchestration.state_transitions_per_workflow
            if section.workflow is WorkflowType.STEP_FUNCTIONS
            else section.orchestration.durable_operations_per_workflow
        )
        values = [units, section.orchestration.invocations_per_execution.p50 or 0, section.usage_per_workflow.replay_requests]
        figure.add_bar(name=LABELS[section.workflow.value], x=list(measures), y=values, marker_color=COLOURS[section.workflow.value])
    figure.update_layout(barmode="group", yaxis_title="per workflow")
    return _chart(figure, "chart-orchestration", "Per workflow: transitions or durable operations, invocations, replays")


def _cost_chart(report: BenchReport) -> str:
    parts = ("orchestration", "compute", "storage", "ai")
    figure = go.Figure()
    names = [LABELS[section.workflow.value] for section in report.patterns]
    for part in parts:
        figure.add_bar(
            name=part,
            x=names,
            y=[getattr(section.cost_per_workflow, part) * PER_THOUSAND for section in report.patterns],
        )
    figure.update_layout(barmode="stack", yaxis_title="USD per 1,000 workflows")
    return _chart(figure, "chart-cost", "Modeled AWS cost per 1,000 workflows, by part")


def _lambda_chart(report: BenchReport) -> str:
    figure = go.Figure()
    for section in report.patterns:
        rows = section.lambda_functions
        figure.add_bar(
            name=LABELS[section.workflow.value],
            y=[row.function for row in rows],
            x=[row.gb_seconds_per_workflow for row in rows],
            orientation="h",
            marker_color=COLOURS[section.workflow.value],
        )
    figure.update_layout(xaxis_title="GB-s per workflow", yaxis={"automargin": True})
    return _chart(figure, "chart-lambda", "Lambda GB-seconds per workflow, by function")


def _wait_chart(report: BenchReport) -> str:
    wait = report.cost_vs_human_wait
    figure = go.Figure()
    for workflow, points in wait.series.items():
        figure.add_scatter(
            name=LABELS[workflow],
            x=[point.wait_hours for point in points],
            y=[point.cost_per_workflow for point in points],
            mode="lines+markers",
            line={"color": COLOURS[workflow]},
            text=[_wait_label(point.wait_hours) for point in points],
        )
    if wait.crossover_wait_hours is not None and wait.crossover_wait_hours <= max(HUMAN_WAIT_HOURS):
        figure.add_vline(x=wait.crossover_wait_hours, line_dash="dash", line_color="#2b8a3e")
    figure.update_xaxes(type="log", title="the person's wait (hours, log scale)")
    figure.update_yaxes(title="USD per workflow")
    return _chart(figure, "chart-wait", "Cost per workflow as the validation wait grows")


def _latency_chart(report: BenchReport) -> str:
    figure = go.Figure()
    measures = (("end to end", "end_to_end"), ("orchestration overhead", "orchestration_overhead"))
    for section in report.patterns:
        for statistic in ("p50", "p95"):
            figure.add_bar(
                name=f"{LABELS[section.workflow.value]} {statistic}",
                x=[label for label, _ in measures],
                y=[getattr(getattr(section.latency_seconds, key), statistic) or 0 for _, key in measures],
                marker_color=COLOURS[section.workflow.value],
                opacity=1.0 if statistic == "p50" else 0.55,
            )
    figure.update_layout(barmode="group", yaxis_title="seconds")
    return _chart(figure, "chart-latency", f"{report.timings.title}: latency p50 and p95")


def _timeline_chart(report: BenchReport) -> str:
    """One photo through both pipelines: each span a bar from its start to its end."""
    figure = go.Figure()
    for workflow, entry in report.timeline.items():
        spans = entry.spans
        figure.add_bar(
            name=LABELS[workflow],
            y=[f"{LABELS[workflow]}: {span.name}" for span in spans],
            x=[max(span.seconds, 0.001) for span in spans],
            base=[span.start for span in spans],
            orientation="h",
            marker_color=[WAITING_COLOUR if span.waiting else COLOURS[workflow] for span in spans],
        )
    figure.update_layout(xaxis_title="seconds from the execution's start", yaxis={"autorange": "reversed", "automargin": True})
    figure.update_layout(height=max(340, 18 * sum(len(entry.spans) for entry in report.timeline.values())))
    return _chart(figure, "chart-timeline", "One photo through both pipelines")


# --- sections ---------------------------------------------------------------------------


def _figure_rows(figures: Sequence[Figure], names: Sequence[str]) -> list[list[str]]:
    return [
        [
            html.escape(figure.label),
            html.escape(figure.unit),
            *(_number(figure.values.get(name)) for name in names),
            f'<span class="source">{html.escape(figure.source.value)}</span>',
            html.escape(figure.note),
        ]
        for figure in figures
    ]


def _transfers_section(report: BenchReport) -> str:
    names = [section.workflow.value for section in report.patterns]
    headers = ["figure", "unit", *(LABELS[name] for name in names), "source", "how"]
    groups = "".join(
        f"<h3>{html.escape(group.title)}</h3>{_table(headers, _figure_rows(group.figures, names))}"
        for group in report.transfers
    )
    not_measured = "".join(
        f"<p><b>Not measured</b> for {_label(s.workflow.value)} (– above, 0 in the cost): "
        f"{html.escape(', '.join(s.not_measured))}.</p>"
        for s in report.patterns
        if s.not_measured
    )
    return f"""<section id="transfers"><h2>What transfers to AWS</h2>
<p>The figures AWS would bill for this workflow, per workflow (the mean over the run's finished workflows).
Each names its source: <b>engine history</b> (the engines' own histories, read through the APIs AWS serves),
<b>metrics</b> (Lambda durations, consumed capacity, token counts, the handlers' EMF lines), the <b>cost model</b>
(the price table applied to those), or the <b>repository</b> (lines in this tree). Timings are not among them:
they follow in their own section.</p>
{_orchestration_chart(report)}{_cost_chart(report)}{_lambda_chart(report)}
{groups}{not_measured}</section>"""


def _cost_lines(cost: CostBreakdown) -> list[list[str]]:
    return [
        [
            html.escape(line.part.value),
            html.escape(line.item),
            _number(line.quantity),
            html.escape(line.unit),
            f"{line.unit_usd:.6g}",
            _usd(line.usd),
            _usd(line.usd * PER_THOUSAND),
        ]
        for line in cost.lines
    ]


def _cost_model_section(report: BenchReport) -> str:
    model = report.cost_model
    lines = "".join(
        f"<h3>{_label(s.workflow.value)}: {_usd(s.cost_per_workflow.total)} per workflow</h3>"
        + _table(
            ["part", "item", "quantity per workflow", "unit", "unit price USD", "USD per workflow", "USD per 1,000"],
            _cost_lines(s.cost_per_workflow),
        )
        for s in report.patterns
    )
    month_rows = [[_label(s.workflow.value), *(_usd(v) for v in s.cost_per_month.values())] for s in report.patterns]
    wait_rows = [
        [
            html.escape(wait.wait),
            _label(wait.workflow.value),
            _per_million(wait.fixed),
            _usd(wait.growing.total * PER_MILLION),
            _usd(wait.total * PER_MILLION),
            _usd(wait.workflow_total),
        ]
        for wait in model.validation_wait
    ]
    retry_rows = [[_label(workflow), _per_million(cost), _usd(cost.total * PER_MILLION)] for workflow, cost in model.retry.items()]
    wait = report.cost_vs_human_wait
    crossover = wait.crossover_wait_hours
    if crossover is None:
        crossover_text = "The curves do not cross: one pattern costs less at every wait."
    else:
        crossover_text = f"The curves cross at a wait of {crossover:,.1f} hours ({crossover / 24:,.1f} days)"
        crossover_text += (
            f", beyond the longest a durable execution may run ({MAX_DURABLE_EXECUTION_HOURS / 24:,.0f} days): "
            "durable functions stay cheaper for any wait they can hold."
            if crossover > MAX_DURABLE_EXECUTION_HOURS
            else "."
        )
    return f"""<section id="cost-model"><h2>The cost model</h2>
<p>Prices: table {html.escape(report.price_table.version)} ({html.escape(report.price_table.region)}, retrieved
{html.escape(report.price_table.retrieved)}). Lambda is priced per invocation: a durable function's replays are
requests and GB-seconds of their own; retries are transitions on Step Functions and operations on durable functions.</p>
{lines}
<h3>Per month</h3>{_table(["pattern", *(f"{v:,} workflows" for v in MONTHLY_VOLUMES)], month_rows)}
<h3>The validation wait</h3>
<p>A paused Step Functions task is not a transition: the wait costs the task state entered, whatever its length.
A durable function suspends (no compute) but bills the <code>wait_for_callback</code>'s operations, the replay the answer
starts, and the retention of its execution data while the execution stays open, then for the {wait.retention_days:g}
days of retention after.</p>
{_table(["wait", "pattern", "billed for the wait at all (USD per 1M workflows)", "billed for its length (per 1M)", "the wait costs (per 1M)", "whole workflow (USD each)"], wait_rows, table_id="wait-cost")}
{_wait_chart(report)}<p>{crossover_text}</p>
<h3>A retry</h3>
<p>Both patterns run the failed step's work again (its Lambda time is in the measured figures); orchestrating the retry costs:</p>
{_table(["pattern", "billed (USD per 1M retries)", "per 1M retries"], retry_rows)}
{_claim(report)}
<h3>Usage per workflow (measured)</h3>{_usage_table(report)}
{"".join(f"<p>How {_label(s.workflow.value)}'s usage was measured: {html.escape(s.usage_source)}</p>" for s in report.patterns)}
</section>"""


def _per_million(cost: CostBreakdown) -> str:
    return html.escape("; ".join(f"{line.item} {_usd(line.usd * PER_MILLION)}" for line in cost.lines))


def _claim(report: BenchReport) -> str:
    claim = report.cost_model.claim
    if claim is None:
        return ""
    verdict = (
        f"For this workflow durable functions are {claim.saving:.0%} cheaper"
        if claim.saving >= 0
        else f"For this workflow durable functions are {-claim.saving:.0%} dearer"
    )
    verdict += (
        f" at {claim.workflows:,} workflows ({_usd(claim.durable_usd)} against {_usd(claim.step_functions_usd)}): "
        + ("the claim holds here." if claim.holds else f"less than the claimed {claim.claimed_saving:.0%}.")
    )
    rows = [
        [html.escape(part.part.value), _usd(part.step_functions_usd), _usd(part.durable_usd), _usd(part.durable_saves_usd)]
        for part in claim.parts
    ]
    return f"""<h3 id="claim">A published claim, recomputed</h3>
<p>Claim: “{html.escape(claim.claim)}” ({html.escape(claim.source)}). {html.escape(verdict)}
What decides it, largest first (USD for {claim.workflows:,} workflows): the orchestration price (transitions at
{_usd(report.price_table.step_functions_state_transition.usd)} against operations at
{_usd(report.price_table.durable_operation.usd)}), the Lambda requests each pattern makes, and the costs both share,
which dilute the share saved (the vision model's tokens among them; on a local run, the local Bedrock's estimate of them).</p>
{_table(["part", "Step Functions", "durable functions", "durable saves"], rows, table_id="claim-parts")}"""


def _usage_table(report: BenchReport) -> str:
    if not report.patterns:
        return ""
    keys = [key for key in type(report.patterns[0].usage_per_workflow).model_fields if key != "workflow"]
    rows = [
        [html.escape(key), *(_fmt(getattr(s.usage_per_workflow, key), 4) for s in report.patterns)] for key in keys
    ]
    return _table(["usage", *(LABELS[s.workflow.value] for s in report.patterns)], rows)


def _executions_section(report: BenchReport) -> str:
    execution_rows = [
        [
            _label(s.workflow.value),
            s.executions.uploaded,
            html.escape(json.dumps(s.executions.by_status)),
            s.executions.lost,
            s.executions.duplicated,
            s.failures.failed_attempts,
            s.failures.executions_recovered_after_failed_attempts,
            s.failures.executions_failed,
            _fmt(s.failures.price_agent_failures, 0),
            html.escape("; ".join(s.failures.errors)) or "–",
        ]
        for s in report.patterns
    ]
    operations_rows = [
        [_label(s.workflow.value), html.escape(json.dumps(s.orchestration.durable_operations_by_kind)) if s.orchestration.durable_operations_by_kind else "–",
         _fmt(s.orchestration.replays_per_execution.p50, 1), _fmt(s.orchestration.replays_per_execution.max, 0),
         _fmt(s.orchestration.history_events_per_execution.p50, 0)]
        for s in report.patterns
    ]
    return f"""<section id="executions"><h2>Executions, failures and histories</h2>
{_table(["pattern", "uploaded", "engine status", "lost", "duplicated", "failed attempts", "recovered", "failed", "price agent failures", "errors"], execution_rows)}
{_table(["pattern", "durable operations by kind (all executions)", "replays p50", "replays max", "history events p50"], operations_rows)}
</section>"""


def _latency_rows(sections: Sequence[PatternSection]) -> list[list[str]]:
    measures = (
        ("end to end", "end_to_end"),
        ("business steps", "business"),
        ("orchestration overhead", "orchestration_overhead"),
        ("validation wait", "validation_wait"),
    )
    return [
        [_label(s.workflow.value), label, _fmt(values.p50), _fmt(values.p95), _fmt(values.max)]
        for s in sections
        for label, key in measures
        for values in (getattr(s.latency_seconds, key),)
    ]


def _timings_section(report: BenchReport) -> str:
    timings, patterns = report.timings, report.patterns
    machine = timings.machine
    step_rows = [
        [_label(s.workflow.value), html.escape(step), values.count, _fmt(values.p50), _fmt(values.p95)]
        for s in patterns
        for step, values in s.latency_seconds.per_step.items()
    ]
    emf_rows = [
        [_label(s.workflow.value), html.escape(step), values.count, _fmt(values.p50, 1), _fmt(values.p95, 1)]
        for s in patterns
        for step, values in s.metrics.step_duration_ms.items()
    ]
    count_rows = [
        [_label(s.workflow.value), *(_fmt(s.metrics.counts[name], 0) for name in s.metrics.counts),
         _fmt(s.metrics.validation_wait_ms.p50, 1), _fmt(s.metrics.lines)]
        for s in patterns
    ]
    count_names = list(patterns[0].metrics.counts) if patterns else []
    throughput_rows = [
        [_label(s.workflow.value), _fmt(s.wall_seconds, 1), _fmt(s.throughput_per_second, 2)] for s in patterns
    ]
    cold_rows = [
        [_label(s.workflow.value), html.escape(name), count, html.escape(s.cold_starts_source)]
        for s in patterns
        if s.cold_starts is not None
        for name, count in sorted(s.cold_starts.items())
    ]
    not_counted = "".join(
        f"<p>Cold starts of {_label(s.workflow.value)}: {html.escape(s.cold_starts_source)}.</p>"
        for s in patterns
        if s.cold_starts is None
    )
    concurrent = "both pipelines started by every upload" if timings.patterns_concurrent else "one pattern after the other"
    warm_up = (
        f"after {timings.warm_up_uploads} warm-up uploads, not measured (the workers had started)"
        if timings.warm_up_uploads
        else "no warm-up (cold starts are in the timings)"
    )
    return f"""<section id="timings"><h2>{html.escape(timings.title)}</h2>
<p class="caveat">{html.escape(timings.caveat)}</p>
<p>Machine: {html.escape(machine.platform)}, Python {html.escape(machine.python)}, {machine.cpus} CPUs.
Concurrency {timings.concurrency} workflows in flight per pattern, {concurrent}; {warm_up}.</p>
{_latency_chart(report)}
{_table(["pattern", "measure", "p50 s", "p95 s", "max s"], _latency_rows(patterns))}
<p>Orchestration overhead = end to end − business steps (vision, pricing, repository and table calls, as the
engines' histories and the steps' own StepDuration metrics time them) − the validation wait.</p>
<h3>Cold starts</h3>{_table(["pattern", "function", "cold starts", "counted by"], cold_rows, table_id="cold-starts") if cold_rows else ""}{not_counted}
<h3>Throughput</h3>{_table(["pattern", "wall s", "workflows/s"], throughput_rows)}
<h3>Per step, from the engines' histories</h3>{_table(["pattern", "step", "attempts", "p50 s", "p95 s"], step_rows)}
<h3>Per step, from the handlers' EMF StepDuration metric (ms)</h3>{_table(["pattern", "step", "samples", "p50 ms", "p95 ms"], emf_rows)}
<h3>EMF counters read back</h3>{_table(["pattern", *count_names, "ValidationWaitTime p50 ms", "EMF samples"], count_rows)}
<h3>One photo through both pipelines</h3>{_timeline_chart(report)}
</section>"""


def _code_section(report: BenchReport) -> str:
    code = report.code_size
    rows = [
        [
            _label(size.workflow.value),
            size.orchestration_lines,
            size.test_lines,
            code.code_size.shared_test_lines,
            code.tests_running[size.workflow.value],
            html.escape(", ".join(f"{f.path} ({f.lines})" for f in size.orchestration)),
            html.escape(", ".join(f"{f.path} ({f.lines})" for f in size.tests)) or "–",
        ]
        for size in code.code_size.patterns
    ]
    shared = ", ".join(f"{f.path} ({f.lines})" for f in code.code_size.shared_tests)
    return f"""<section id="code-size"><h2>Code size</h2>
{_table(["pattern", "orchestration lines", "own test lines", "shared test lines", "tests that run it", "orchestration files", "own test files"], rows, table_id="code-size-table")}
<p>Shared (run both engines): {html.escape(shared) or "–"}.</p>
<p class="rule"><b>How lines are counted.</b> {html.escape(code.code_size.rule)}</p>
</section>"""


def _prices_section(report: BenchReport) -> str:
    prices = report.price_table.model_dump(mode="json", by_alias=True)
    rows = [
        [html.escape(key), _fmt(value["usd"], 10), html.escape(value["unit"]), html.escape(value["source"])]
        for key, value in prices.items()
        if isinstance(value, dict)
    ]
    left_out = "".join(f"<li>{html.escape(item)}</li>" for item in report.left_out)
    return f"""<section id="prices"><h2>Price table</h2>{_table(["item", "USD", "unit", "source"], rows)}
<h2>What the model leaves out</h2><ul>{left_out}</ul></section>"""


STYLE = """body{font-family:system-ui,sans-serif;margin:2rem;max-width:1150px;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}
th,td{border:1px solid #ddd;padding:3px 8px;font-size:13px;text-align:left;vertical-align:top}
th{background:#f1f3f5}.source{white-space:nowrap;color:#495057}.caveat{background:#fff4e6;padding:.5rem .8rem;border-left:4px solid #d9480f}
section{margin-bottom:2.5rem}"""


def render_html(report: BenchReport) -> str:
    run = report.run
    settings = run.settings
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Step Functions vs durable functions: bench report</title>
<style>{STYLE}</style>
<script type="text/javascript">{get_plotlyjs()}</script></head><body>
<h1>Album registration: Step Functions vs Lambda durable functions</h1>
<p>Stack <b>{html.escape(run.stack)}</b> ({html.escape(run.stack_kind.value)}), started {html.escape(run.started_at.isoformat())},
{settings.images} photos per pattern, validation {html.escape(settings.validation.mode.value)}{f" after {settings.validation.delay_seconds:g} s" if settings.validation.delay_seconds else ""},
Lambda priced at {settings.lambda_memory_mb} MB, durable retention {settings.durable_retention_days} days,
run wall time {_fmt(run.wall_seconds, 1)} s.</p>
<noscript><p>The charts need JavaScript; every number they show is in the tables.</p></noscript>
{_transfers_section(report)}
{_cost_model_section(report)}
{_executions_section(report)}
{_code_section(report)}
{_timings_section(report)}
{_prices_section(report)}
</body></html>
"""


# --- overhead as workflows grow (albums bench --shape steps=N) ----------------------

SHAPE_CHART_IDS = ("chart-shape-per-step", "chart-shape-total", "chart-shape-durable", "chart-shape-cost")
ANCHOR_COLOUR = "#495057"


def write_shape_report(report: ShapeReport, directory: Path) -> tuple[Path, Path]:
    return _write_files(directory, report.to_json(), render_shape_html(report))


def _shape_lines(report: ShapeReport, value: Callable[[ShapePoint], float], workflows: Sequence[WorkflowType]) -> go.Figure:
    figure = go.Figure()
    for workflow in workflows:
        points = report.series_of(workflow).points
        figure.add_scatter(
            name=LABELS[workflow.value],
            x=[point.steps for point in points],
            y=[value(point) for point in points],
            mode="lines+markers",
            line={"color": COLOURS[workflow.value]},
        )
    figure.update_xaxes(type="log", title="N (no-op steps per workflow)")
    return figure


def _shape_per_step_chart(report: ShapeReport) -> str:
    figure = _shape_lines(report, lambda point: point.per_step_ms, list(WorkflowType))
    steps = [point.steps for series in report.series for point in series.points]
    figure.add_scatter(
        name=report.cloud_anchor_label,
        x=[min(steps), max(steps)],
        y=[report.cloud_anchor_ms_per_step] * 2,
        mode="lines",
        line={"color": ANCHOR_COLOUR, "dash": "dash"},
    )
    figure.update_yaxes(title="ms per step (total / N)", rangemode="tozero")
    return _chart(figure, "chart-shape-per-step", "Per-step overhead against N, with the external cloud anchor")


def _shape_total_chart(report: ShapeReport) -> str:
    figure = _shape_lines(report, lambda point: point.total_seconds, list(WorkflowType))
    figure.update_yaxes(title="seconds, start to end", type="log")
    return _chart(figure, "chart-shape-total", "Total time against N")


def _shape_durable_chart(report: ShapeReport) -> str:
    points = report.series_of(WorkflowType.DURABLE_FUNCTIONS).points
    figure = go.Figure()
    x = [point.steps for point in points]
    figure.add_scatter(name="invocations", x=x, y=[point.invocations for point in points], mode="lines+markers")
    figure.add_scatter(name="replays", x=x, y=[point.replays for point in points], mode="lines+markers")
    figure.add_scatter(
        name="checkpoint KB", x=x, y=[point.checkpoint_bytes / 1024 for point in points], mode="lines+markers", yaxis="y2"
    )
    figure.update_layout(
        yaxis={"title": "invocations, replays", "rangemode": "tozero"},
        yaxis2={"title": "checkpoint KB", "overlaying": "y", "side": "right", "rangemode": "tozero"},
    )
    figure.update_xaxes(type="log", title="N (no-op steps per workflow)")
    return _chart(figure, "chart-shape-durable", "Durable functions: invocations, replays and checkpoint bytes against N")


def _shape_cost_chart(report: ShapeReport) -> str:
    figure = _shape_lines(report, lambda point: point.cost_per_workflow_usd * PER_MILLION, list(WorkflowType))
    figure.update_yaxes(title="USD per million workflows (cost model)", type="log")
    return _chart(figure, "chart-shape-cost", "Modeled cost against N")


def _shape_table(report: ShapeReport) -> str:
    rows = [
        [
            _label(series.workflow.value),
            _number(point.steps),
            html.escape(point.status),
            _fmt(point.total_seconds),
            _fmt(point.per_step_ms, 2),
            f"{_number(point.billed_units)} {html.escape(series.billed_unit)}",
            _number(point.history_events),
            _number(point.invocations) if series.workflow is WorkflowType.DURABLE_FUNCTIONS else "–",
            _number(point.replays) if series.workflow is WorkflowType.DURABLE_FUNCTIONS else "–",
            _number(point.checkpoint_bytes) if series.workflow is WorkflowType.DURABLE_FUNCTIONS else "–",
            _usd(point.cost_per_workflow_usd * PER_MILLION),
        ]
        for series in report.series
        for point in series.points
    ]
    headers = (
        "engine", "N", "status", "total s", "ms per step", "billed units", "history events",
        "invocations", "replays", "checkpoint bytes", "USD per million",
    )
    return _table(headers, rows, table_id="shape-points")


def render_shape_html(report: ShapeReport) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Overhead as workflows grow: Step Functions vs durable functions</title>
<style>{STYLE}</style>
<script type="text/javascript">{get_plotlyjs()}</script></head><body>
<h1>Overhead as workflows grow: N no-op steps on each engine</h1>
<p>Stack <b>{html.escape(report.stack)}</b> on {html.escape(report.machine.platform)} ({report.machine.cpus or "?"} CPUs),
Python {html.escape(report.machine.python)}. Step Functions: N Pass states in a row; durable functions: N
<code>context.step</code> calls that return at once. Cost priced at {report.lambda_memory_mb} MB and
{report.durable_retention_days} days of durable retention.</p>
<noscript><p>The charts need JavaScript; every number they show is in the tables.</p></noscript>
<section id="shape"><h2>Emulator measurements against N (this machine, not AWS)</h2>
<p class="caveat">{html.escape(report.caveat)}</p>
<p class="source">Reference line: {html.escape(report.cloud_anchor_source)}</p>
{_shape_per_step_chart(report)}
{_shape_total_chart(report)}
{_shape_durable_chart(report)}
{_shape_cost_chart(report)}
{_shape_table(report)}
</section>
</body></html>
"""
