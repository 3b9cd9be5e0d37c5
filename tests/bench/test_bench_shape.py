"""``albums bench --shape steps=N``: the generated ASL, the cost per N, and the report against N."""

from __future__ import annotations

import json
from typing import Any

import pytest

from album_registry.domain.models import WorkflowType
from albums.bench.cost_model import load_price_table
from albums.bench.report import CLOUD_ANCHOR_MS_PER_STEP, build_shape_report
from albums.bench.report_html import SHAPE_CHART_IDS, render_shape_html, write_shape_report
from albums.bench.shape import (
    MAX_SHAPE_STEPS,
    ShapeError,
    ShapeMeasurement,
    ShapeRun,
    measured_cost,
    parse_shape,
    pass_chain_definition,
)
from albums.deploy_check.asl_check import asl_findings
from tests.browser_support import chromium_context

PRICES = load_price_table()


@pytest.mark.parametrize(("shape", "counts"), [("steps=3", [3]), ("steps=10,100,1000", [10, 100, 1000]), (" steps=1 ", [1])])
def test_a_shape_names_the_step_counts_to_run(shape: str, counts: list[int]) -> None:
    assert parse_shape(shape) == counts


@pytest.mark.parametrize("shape", ["steps=0", "steps=", "steps=10,", "step=10", "steps=ten", "steps=-1", f"steps={MAX_SHAPE_STEPS + 1}"])
def test_a_malformed_shape_is_refused_with_what_is_expected(shape: str) -> None:
    with pytest.raises(ShapeError, match=r"^--shape .*: (expected steps=N|at most 2000 steps)"):
        parse_shape(shape)


def chain(definition: dict[str, Any]) -> list[str]:
    """The states a run passes through, from StartAt to the state that ends it."""
    visited, name = [], definition["StartAt"]
    while True:
        visited.append(name)
        state = definition["States"][name]
        if state.get("End"):
            return visited
        name = state["Next"]


@pytest.mark.parametrize("steps", [1, 3, 250])
def test_the_generated_asl_is_n_pass_states_in_a_row_and_valid(steps: int) -> None:
    text = pass_chain_definition(steps)
    definition = json.loads(text)
    assert len(definition["States"]) == steps
    assert {state["Type"] for state in definition["States"].values()} == {"Pass"}
    assert len(chain(definition)) == steps
    # Step Functions' schema, as albums deploy-check checks the registration state machine.
    assert asl_findings(text) == []


def test_the_cost_of_n_pass_states_is_n_transitions_and_of_n_steps_their_operations_and_one_invocation() -> None:
    transitions = measured_cost(WorkflowType.STEP_FUNCTIONS, state_transitions=1000, prices=PRICES, memory_mb=1024, retention_days=1)
    assert transitions.total == pytest.approx(1000 * PRICES.step_functions_state_transition.usd)
    durable = measured_cost(
        WorkflowType.DURABLE_FUNCTIONS,
        durable_operations=1001,
        invocations=1,
        invocation_billed_ms=1000,
        prices=PRICES,
        memory_mb=1024,
        retention_days=1,
    )
    expected = 1001 * PRICES.durable_operation.usd + PRICES.lambda_request.usd + PRICES.lambda_arm64_gb_second.usd
    assert durable.total == pytest.approx(expected)
    assert durable.orchestration == pytest.approx(1001 * PRICES.durable_operation.usd)


def measurement(workflow: WorkflowType, steps: int, seconds: float, invocations: int = 0) -> ShapeMeasurement:
    return ShapeMeasurement(
        workflow=workflow,
        steps=steps,
        engine_arn=f"arn:{workflow.value}:{steps}",
        status="SUCCEEDED",
        total_seconds=seconds,
        history_events=2 * steps + 3,
        state_transitions=steps if workflow is WorkflowType.STEP_FUNCTIONS else 0,
        durable_operations=steps + 1 if workflow is WorkflowType.DURABLE_FUNCTIONS else 0,
        invocations=invocations,
        checkpoint_bytes=12 * steps if workflow is WorkflowType.DURABLE_FUNCTIONS else 0,
        cost=measured_cost(workflow, state_transitions=steps, prices=PRICES, memory_mb=1024, retention_days=1),
    )


SHAPE_RUN = ShapeRun(
    stack="local (test)",
    lambda_memory_mb=1024,
    durable_retention_days=14,
    measurements=[
        measurement(WorkflowType.STEP_FUNCTIONS, 100, 2.0),
        measurement(WorkflowType.DURABLE_FUNCTIONS, 100, 1.0, invocations=1),
        measurement(WorkflowType.STEP_FUNCTIONS, 10, 0.3),
        measurement(WorkflowType.DURABLE_FUNCTIONS, 10, 0.2, invocations=1),
    ],
)


def test_the_report_holds_each_engine_s_points_in_order_of_n_with_per_step_overhead() -> None:
    report = build_shape_report(SHAPE_RUN)
    step_functions = report.series_of(WorkflowType.STEP_FUNCTIONS)
    assert [point.steps for point in step_functions.points] == [10, 100]
    assert [point.per_step_ms for point in step_functions.points] == pytest.approx([30.0, 20.0])
    durable = report.series_of(WorkflowType.DURABLE_FUNCTIONS)
    assert [(point.billed_units, point.invocations, point.replays) for point in durable.points] == [(11, 1, 0), (101, 1, 0)]
    assert report.cloud_anchor_ms_per_step == CLOUD_ANCHOR_MS_PER_STEP == 41.0
    assert "#710" in report.cloud_anchor_source and "#725" in report.cloud_anchor_source
    document = report.to_json()
    assert document["series"][0]["points"][0]["perStepMs"] == pytest.approx(30.0)


def test_the_page_plots_against_n_with_the_anchor_labelled_external_and_a_table_of_every_number() -> None:
    page = render_shape_html(build_shape_report(SHAPE_RUN))
    for chart in SHAPE_CHART_IDS:
        assert f'id="{chart}"' in page
    assert "external: durable SDK on AWS Lambda" in page
    assert "Emulator measurements against N (this machine, not AWS)" in page
    table = page[page.index('id="shape-points"') :]
    table = table[: table.index("</table>")]
    assert table.count("<tr>") == 1 + 4  # the header and each engine at each N
    assert "<td>30.00</td>" in table and "<td>20.00</td>" in table


@pytest.mark.browser
def test_the_browser_draws_the_overhead_chart_with_the_reference_line(tmp_path) -> None:
    _, html_path = write_shape_report(build_shape_report(SHAPE_RUN), tmp_path)
    with chromium_context() as browser:
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(html_path.as_uri(), timeout=180_000)
        page.wait_for_selector("#chart-shape-per-step .main-svg", timeout=180_000)
        traces = page.evaluate(
            """() => document.getElementById('chart-shape-per-step').data.map(trace => [trace.name, trace.x, trace.y])"""
        )
    assert errors == []
    assert [name for name, _, _ in traces] == [
        "Step Functions",
        "durable functions",
        "external: durable SDK on AWS Lambda, ~41 ms per step (SDK 2.0.1)",
    ]
    assert traces[0][1] == [10, 100] and traces[0][2] == pytest.approx([30.0, 20.0])
    assert traces[2][2] == [41.0, 41.0]
