"""``albums bench --stack local``: two photos through both patterns on a local stack of the bench's own.

The bench starts ``albums local up`` in its own process (Lambda workers
running the built archives) and drives it through its trigger, as any stack;
it runs here in a child process, as the command does, so the stack's
environment and moto's memory stay out of the test process. The run is
shared by the module; each test reads it from another angle, and recomputes
report numbers from the measurements and the price table.
"""

from __future__ import annotations

import json
import subprocess
import sys
from html.parser import HTMLParser

import pytest

from album_registry.domain.models import WorkflowType
from albums.bench.code_size import measure_code_size
from albums.bench.collector import VALIDATION_WAIT_SPAN
from albums.bench.cost_model import lambda_gb_seconds, load_price_table
from albums.bench.report import MONTHLY_VOLUMES, build_report
from albums.bench.report_html import CHART_IDS, render_html, write_report
from albums.bench.sources import RunningLocalStackSource
from albums.bench.workload import BenchRun, StackKind
from local_aws.stack_info import DEFAULT_FUNCTION_CONCURRENCY
from tests.browser_support import chromium_context

IMAGES = 2
DEADLINE_SECONDS = 300
# Starting the stack, two photos through both patterns, stopping it.
CHILD_TIMEOUT_SECONDS = 600
PRICES = load_price_table()
# The happy path of the ASL, counted by hand: PrepareExecution, CreateExecutionRecord,
# ProcessImage, StoreInitialData, StoreAlbums, 6 x PutAlbum, CountAlbums,
# WaitForValidation, ApplyValidation, EstimatePrices, 6 x EstimatePrice,
# 6 x StorePrice, CompleteExecution.
HAPPY_PATH_TRANSITIONS = 1 + 1 + 1 + 1 + 1 + 6 + 1 + 1 + 1 + 1 + 6 + 6 + 1
# The durable handler, by AWS's rules: start 1; steps prepare, process, store,
# apply, complete + 6 estimate-price + 6 record-price = 17; wait_for_callback 3;
# map 1 + 6 items.
HAPPY_PATH_DURABLE_OPERATIONS = 1 + 17 + 3 + (1 + 6)
# The state machine's Lambda tasks per workflow, by function: six price estimates, one of each other task.
PRICE_ESTIMATES = 6
TASK_INVOCATIONS = 5 + PRICE_ESTIMATES

# The bench, as ``albums bench --stack local`` runs it, in a child process; the run comes back as JSON.
_CHILD = """
import sys
from albums.bench.own_stack import run_own_stack_bench
from tests.bench.bench_support import ProgressCounter, small_run_settings

images, deadline, out = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
progress = ProgressCounter()
# The answer comes two seconds after the task opens: the durable function has suspended by then.
settings = small_run_settings(images, validation="delay=2")
run = run_own_stack_bench(settings, progress=progress, deadline_seconds=deadline)
assert all(ticks == images for ticks in progress.ticks.values()), progress.ticks
open(out, "w").write(run.model_dump_json())
"""


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("own-stack-bench") / "run.json"
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, str(IMAGES), str(DEADLINE_SECONDS), str(out)],
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_SECONDS,
    )
    assert child.returncode == 0, child.stderr[-6000:]
    return BenchRun.model_validate_json(out.read_text())


@pytest.fixture(scope="module")
def report_model(bench_run):
    return build_report(
        bench_run, PRICES, measure_code_size(), adds_native_write_units=RunningLocalStackSource.adds_native_write_units
    )


@pytest.fixture(scope="module")
def report(report_model):
    """The report as ``report.json`` holds it."""
    return report_model.to_json()


def _pattern(run, workflow):
    return next(pattern for pattern in run.patterns if pattern.workflow is workflow)


def _section(report, workflow):
    return next(section for section in report["patterns"] if section["workflow"] == workflow.value)


def test_every_upload_completes_once_in_both_patterns(bench_run, report):
    assert bench_run.stack_kind is StackKind.OWN_LOCAL_STACK and bench_run.patterns_concurrent
    for workflow in WorkflowType:
        pattern = _pattern(bench_run, workflow)
        assert [outcome.status for outcome in pattern.outcomes] == ["SUCCEEDED"] * IMAGES
        assert len({outcome.engine_arn for outcome in pattern.outcomes}) == IMAGES
        section = _section(report, workflow)
        assert section["executions"]["lost"] == 0 and section["executions"]["duplicated"] == 0


def test_state_transitions_from_the_history_match_the_hand_count(bench_run):
    for measurement in _pattern(bench_run, WorkflowType.STEP_FUNCTIONS).measurements:
        assert measurement.state_transitions == HAPPY_PATH_TRANSITIONS


def test_durable_operations_from_the_history_match_the_rules(bench_run):
    for measurement in _pattern(bench_run, WorkflowType.DURABLE_FUNCTIONS).measurements:
        assert measurement.durable_operations == {
            "start": 1,
            "step": 17,
            "wait_for_callback": 1,
            "map_or_parallel": 1,
            "item_or_branch": 6,
        }
        assert measurement.billable_durable_operations == HAPPY_PATH_DURABLE_OPERATIONS
        # One invocation up to the callback, one replay after it (the answer comes
        # a while after the task opens: the function has suspended by then).
        assert measurement.invocations == 2 and measurement.replays == 1
        assert measurement.checkpoint_bytes > 0


def test_time_splits_into_business_wait_and_overhead(bench_run):
    for pattern in bench_run.patterns:
        for measurement in pattern.measurements:
            assert any(span.name == VALIDATION_WAIT_SPAN for span in measurement.spans)
            assert 0 < measurement.business_seconds < measurement.end_to_end_seconds
            assert 0 < measurement.validation_wait_seconds < measurement.end_to_end_seconds
            parts = measurement.business_seconds + measurement.validation_wait_seconds + measurement.overhead_seconds
            assert parts == pytest.approx(measurement.end_to_end_seconds)


def test_emf_lines_are_read_back_per_pattern(report):
    for workflow in WorkflowType:
        metrics = _section(report, workflow)["metrics"]
        assert metrics["counts"]["ExecutionsStarted"] == IMAGES
        assert metrics["counts"]["ExecutionsCompleted"] == IMAGES
        assert metrics["counts"]["ExecutionsFailed"] == 0
        assert metrics["validationWaitMs"]["count"] == IMAGES
        assert metrics["stepDurationMs"]["process-image"]["count"] == IMAGES
        assert metrics["stepDurationMs"]["estimate-price"]["count"] == 6 * IMAGES


def test_report_costs_are_recomputed_from_measurements_and_prices(bench_run, report):
    sf = _section(report, WorkflowType.STEP_FUNCTIONS)
    assert sf["orchestration"]["stateTransitionsPerWorkflow"] == HAPPY_PATH_TRANSITIONS
    assert sf["costPerWorkflow"]["orchestration"] == pytest.approx(
        HAPPY_PATH_TRANSITIONS * PRICES.step_functions_state_transition.usd
    )
    ldf = _section(report, WorkflowType.DURABLE_FUNCTIONS)
    assert ldf["costPerWorkflow"]["orchestration"] == pytest.approx(
        HAPPY_PATH_DURABLE_OPERATIONS * PRICES.durable_operation.usd
    )
    # Compute: the measured Lambda time and requests, priced.
    pattern = _pattern(bench_run, WorkflowType.STEP_FUNCTIONS)
    billed = sum(item.billed_ms for item in pattern.usage.lambda_functions)
    requests = sum(item.invocations for item in pattern.usage.lambda_functions)
    assert requests == TASK_INVOCATIONS * IMAGES
    assert sf["costPerWorkflow"]["compute"] == pytest.approx(
        (requests * PRICES.lambda_request.usd + lambda_gb_seconds(billed, 1024) * PRICES.lambda_arm64_gb_second.usd)
        / IMAGES
    )
    for section in (sf, ldf):
        usage = section["usagePerWorkflow"]
        assert usage["s3_put_requests"] == 1 and usage["s3_get_requests"] == 1
        # Each workflow reads its photo once through Bedrock's API (the stack's reader answers it).
        assert usage["bedrock_input_tokens"] > 0 and usage["bedrock_output_tokens"] > 0
        assert section["costPerWorkflow"]["ai"] == pytest.approx(
            usage["bedrock_input_tokens"] * PRICES.bedrock_input_token.usd
            + usage["bedrock_output_tokens"] * PRICES.bedrock_output_token.usd
        )
        total = section["costPerWorkflow"]["total"]
        parts = sum(section["costPerWorkflow"][part] for part in ("orchestration", "compute", "storage", "ai"))
        assert total == pytest.approx(parts)
        for volume in MONTHLY_VOLUMES:
            assert section["costPerMonth"][str(volume)] == pytest.approx(total * volume)
    series = report["costVsHumanWait"]["series"]
    assert len({point["costPerWorkflow"] for point in series["step-functions"]}) == 1
    durable_costs = [point["costPerWorkflow"] for point in series["durable-functions"]]
    assert durable_costs == sorted(durable_costs) and durable_costs[0] < durable_costs[-1]


class _ExternalReferences(HTMLParser):
    """Every attribute of the page's own tags that would fetch something from the network."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value and "//" in value:
                self.found.append(f"<{tag} {name}={value}>")


def test_report_files_are_written_and_read_offline(report_model, tmp_path):
    json_path, html_path = write_report(report_model, tmp_path / "run")
    assert json.loads(json_path.read_text())["patterns"][0]["executions"]["uploaded"] == IMAGES
    page = html_path.read_text()
    # plotly's JavaScript is inlined, no tag loads anything, and every chart has its place.
    references = _ExternalReferences()
    references.feed(page)
    assert references.found == []
    assert "Plotly.newPlot" in page and page.count("<script") >= len(CHART_IDS) + 1
    for chart in CHART_IDS:
        assert f'id="{chart}"' in page
    assert page == render_html(report_model)
    assert "data transfer" in page and "free tiers" in page


def test_the_report_leads_with_what_transfers_and_names_each_source(report_model, report):
    page = render_html(report_model)
    transfers, timings = page.index('id="transfers"'), page.index('id="timings"')
    assert transfers < page.index('id="cost-model"') < timings
    assert "Emulator measurements" in report["timings"]["title"]
    assert "do not predict AWS latency" in report["timings"]["caveat"]
    assert report["timings"]["concurrency"] == 2
    # No timing in the first section: every figure there has a source, and none is in seconds.
    figures = [figure for group in report["transfers"] for figure in group["figures"]]
    assert {figure["source"] for figure in figures} >= {"engine history", "metrics", "cost model"}
    assert not [figure for figure in figures if "second" in figure["unit"] and "GB" not in figure["unit"]]
    by_label = {figure["label"]: figure for figure in figures}
    assert by_label["state transitions"]["values"] == {"step-functions": HAPPY_PATH_TRANSITIONS, "durable-functions": None}
    assert by_label["durable operations"]["values"] == {
        "step-functions": None,
        "durable-functions": HAPPY_PATH_DURABLE_OPERATIONS,
    }
    assert by_label["replays"]["values"]["durable-functions"] == 1
    assert by_label["Lambda invocations"]["values"] == {"step-functions": TASK_INVOCATIONS, "durable-functions": 2}
    total = by_label["total"]["values"]
    for workflow in WorkflowType:
        assert total[workflow.value] == pytest.approx(_section(report, workflow)["costPerWorkflow"]["total"])


def test_on_a_deployed_stack_the_timings_are_titled_as_aws_measurements(bench_run):
    on_aws = bench_run.model_copy(update={"stack": "dev", "stack_kind": StackKind.AWS})
    report = build_report(on_aws, PRICES, measure_code_size(), adds_native_write_units=False)
    assert report.timings.title == "AWS measured timings (stack dev)"
    assert "Emulator" not in report.timings.title and "do not predict" not in report.timings.caveat
    page = render_html(report)
    assert page.index('id="transfers"') < page.index("AWS measured timings (stack dev)")


def test_lambda_time_is_priced_per_invocation_replays_apart(bench_run, report):
    ldf = _section(report, WorkflowType.DURABLE_FUNCTIONS)
    measured = _pattern(bench_run, WorkflowType.DURABLE_FUNCTIONS).measurements
    replay_ms = sum(m.replay_billed_ms for m in measured)
    assert 0 < replay_ms < sum(m.invocation_billed_ms for m in measured)
    lines = {line["item"]: line for line in ldf["costPerWorkflow"]["lines"]}
    assert lines["Lambda requests: replays"]["quantity"] == 1
    assert lines["Lambda requests: first invocations"]["quantity"] == 1
    assert lines["Lambda GB-s: replays"]["quantity"] == pytest.approx(lambda_gb_seconds(replay_ms, 1024) / IMAGES)
    rows = {row["function"]: row for row in ldf["lambdaFunctions"]}
    assert rows["durable function: replays"]["invocationsPerWorkflow"] == 1
    assert rows["durable function: replays"]["source"] == "engine history"
    sf_rows = _section(report, WorkflowType.STEP_FUNCTIONS)["lambdaFunctions"]
    assert sum(row["invocationsPerWorkflow"] for row in sf_rows) == TASK_INVOCATIONS
    assert {row["source"] for row in sf_rows} == {"metrics"}


def test_the_task_functions_time_is_what_the_workers_measured(bench_run):
    """Each task function that ran has its invocations and billed time, and a
    function's billed time holds the business step its handler timed itself."""
    pattern = _pattern(bench_run, WorkflowType.STEP_FUNCTIONS)
    functions = {item.function_name: item for item in pattern.usage.lambda_functions}
    assert set(functions) == set(pattern.usage.cold_starts)
    for name, item in functions.items():
        expected = PRICE_ESTIMATES * IMAGES if name.endswith("estimate-price") else IMAGES
        assert item.invocations == expected, name
        assert item.billed_ms >= item.invocations, name
    process_image = next(item for name, item in functions.items() if name.endswith("process-image"))
    vision_ms = sum(
        sample.value
        for sample in pattern.metrics
        if sample.name == "StepDuration" and sample.dimensions.get("step") == "process-image"
    )
    assert 0 < vision_ms <= process_image.billed_ms


def test_the_stack_counts_the_table_s3_and_model_use_per_pattern(bench_run, report):
    """Both patterns read the same photos, each through its own functions: the stack's
    counters, split by calling function, give each pattern its own reads and tokens."""
    usage = {workflow: _pattern(bench_run, workflow).usage for workflow in WorkflowType}
    for workflow, counted in usage.items():
        assert counted.not_measured == []
        assert "local stack" in counted.source
        # Each workflow reads its photo once, and only its pattern's function reads it.
        assert counted.s3_get_requests == IMAGES
        assert counted.s3_put_requests == IMAGES
        assert counted.bedrock_input_tokens > 0 and counted.bedrock_output_tokens > 0
        assert counted.dynamodb_read_units > 0
        # Every priced album is one write of the pattern's function, at least one unit each.
        assert counted.dynamodb_write_units >= PRICE_ESTIMATES * IMAGES
    sf, ldf = usage[WorkflowType.STEP_FUNCTIONS], usage[WorkflowType.DURABLE_FUNCTIONS]
    assert (sf.bedrock_input_tokens, sf.bedrock_output_tokens) == (ldf.bedrock_input_tokens, ldf.bedrock_output_tokens)
    # The state machine's own writes are not the functions': the model adds them from its history.
    native = sum(m.native_dynamodb_write_units for m in _pattern(bench_run, WorkflowType.STEP_FUNCTIONS).measurements)
    assert native > 0
    reported = _section(report, WorkflowType.STEP_FUNCTIONS)["usagePerWorkflow"]["dynamodb_write_units"]
    assert reported == pytest.approx((sf.dynamodb_write_units + native) / IMAGES)


def test_cold_starts_are_the_workers_the_run_started(bench_run, report):
    """A fresh stack: every function the run invoked started at least one worker, at most its pool's size."""
    sf = _section(report, WorkflowType.STEP_FUNCTIONS)
    ldf = _section(report, WorkflowType.DURABLE_FUNCTIONS)
    task_functions = {item.function_name for item in _pattern(bench_run, WorkflowType.STEP_FUNCTIONS).usage.lambda_functions}
    assert len(task_functions) == 6 and set(sf["coldStarts"]) == task_functions
    assert len(ldf["coldStarts"]) == 1 and not set(ldf["coldStarts"]) & task_functions
    for section in (sf, ldf):
        assert "worker pools" in section["coldStartsSource"]
        assert all(1 <= count <= DEFAULT_FUNCTION_CONCURRENCY for count in section["coldStarts"].values())


def test_the_timings_say_they_come_from_the_bench_s_own_local_stack(report):
    assert report["timings"]["measuredOn"] == StackKind.OWN_LOCAL_STACK.value
    assert report["timings"]["title"].startswith("Emulator measurements (local stack of the bench's own")
    assert "awslambdaric worker processes" in report["timings"]["caveat"]


# The page inlines plotly's JavaScript (about 4.8 MB): a loaded 2-core machine may take a while to parse it.
PAGE_WAIT_MS = 180_000


@pytest.fixture(scope="module")
def report_page(report_model, tmp_path_factory):
    _, html_path = write_report(report_model, tmp_path_factory.mktemp("report"))
    return html_path.as_uri()


@pytest.mark.browser
def test_the_browser_draws_every_chart_from_the_file_alone(report_page):
    """Each chart is drawn by plotly's inlined JavaScript; the page asks the network for nothing."""
    fetched: list[str] = []
    with chromium_context() as browser:
        page = browser.new_page()

        def refuse_network(route):
            if not route.request.url.startswith("file://"):
                fetched.append(route.request.url)
                route.abort()
            else:
                route.continue_()

        page.route("**/*", refuse_network)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(report_page, timeout=PAGE_WAIT_MS)
        for chart in CHART_IDS:
            page.wait_for_selector(f"#{chart} .main-svg", timeout=PAGE_WAIT_MS)
            drawn = page.evaluate(
                """id => {
                    const chart = document.getElementById(id);
                    const points = chart.querySelectorAll('.trace .point, .trace .points path, .trace path.js-line');
                    return {traces: chart.data.length, marks: points.length};
                }""",
                chart,
            )
            assert drawn["traces"] > 0 and drawn["marks"] > 0, (chart, drawn)
    assert errors == []
    assert fetched == []


@pytest.mark.browser
def test_the_text_reads_without_javascript(report_page):
    with chromium_context(java_script_enabled=False) as browser:
        page = browser.new_page()
        page.goto(report_page, timeout=PAGE_WAIT_MS)
        headings = page.locator("h2").all_inner_texts()
        assert headings[0] == "What transfers to AWS"
        assert any(heading.startswith("Emulator measurements") for heading in headings)
        transfers = page.locator("#transfers").inner_text()
        assert "state transitions" in transfers and "engine history" in transfers and "cost model" in transfers
        assert page.locator("noscript").count() == 1
        assert "every number they show is in the tables" in page.locator("body").inner_text()
