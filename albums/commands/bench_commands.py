"""``albums bench``: the same photos through both pipelines, measured and priced.

Three ways to run it, all through the stack's own trigger (each upload
starts both pipelines) with the same workload (``albums.bench.stack_workload``):

- ``--stack local``: a local stack of the bench's own (``albums local up`` in
  a child process, on a free port and a temporary data dir, stopped after
  the run: Lambda workers running the built archives); what CloudWatch would know, the stack counts
  itself (``GET /_local/usage``), and the report shows its cold starts;
- ``--stack local --running-local-stack``: the same against a running
  ``albums local up`` (found through ``--data-dir``), whose counters then
  hold whatever else ran on it during the bench;
- ``--stack NAME``: a deployed stack, through its outputs (``pulumi stack
  output`` or ``--outputs FILE``) and the caller's AWS credentials; usage
  comes from CloudWatch.

``--shape steps=N[,M,...]`` runs, instead of the photos, a synthetic workflow
of N no-op steps on each engine (``albums.bench.shape``), on a local stack:
one of the bench's own, or the running one with ``--running-local-stack``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from tqdm import tqdm

from album_registry.domain.models import WorkflowType
from local_aws.stack_info import DEFAULT_DATA_DIR

LOCAL_STACK = "local"
STACK_DEADLINE_SECONDS = 900.0


def _progress(workflow: WorkflowType, total: int) -> Callable[[], None]:
    bar = tqdm(total=total, desc=f"{workflow.value:>17}", unit="workflow", file=sys.stderr, leave=True)

    def tick() -> None:
        bar.update(1)
        if bar.n >= total:
            bar.close()

    return tick


def _deployment_defaults() -> tuple[int, int]:
    """Lambda memory and durable retention as a stack gets them when unset."""
    from components.settings import StackSettings

    fields = StackSettings.model_fields
    return int(fields["lambda_memory_mb"].default), int(fields["durable_retention_days"].default)


def _shape_bench(args: argparse.Namespace) -> int:
    from albums.bench.cost_model import load_price_table
    from albums.bench.report import build_shape_report
    from albums.bench.report_html import write_shape_report
    from albums.bench.own_stack import own_local_stack
    from local_aws.stack_info import LocalStackStartError
    from albums.bench.shape import ShapeError, parse_shape, run_shape_bench
    from albums.stack_access import LocalStackNotRunningError, open_stack

    if args.stack != LOCAL_STACK:
        print("albums bench: --shape runs on the local stack only (--stack local)", file=sys.stderr)
        return 2
    try:
        step_counts = parse_shape(args.shape)
    except ShapeError as error:
        print(f"albums bench: {error}", file=sys.stderr)
        return 2
    memory_mb, retention_days = _deployment_defaults()
    began = time.perf_counter()

    def measure(access: Any) -> Any:
        return run_shape_bench(
            access.client,
            steps_function_arn=access.outputs.durable_example_steps_alias_arn,
            step_counts=step_counts,
            prices=load_price_table(),
            memory_mb=args.memory_mb or memory_mb,
            retention_days=args.retention_days or retention_days,
            stack=f"{access.name} ({access.endpoint_url})",
            timeout_seconds=args.deadline,
            progress=lambda what: print(f"running {what}", file=sys.stderr, flush=True),
        )

    try:
        if args.running_local_stack:
            run = measure(open_stack(LOCAL_STACK, data_dir=args.data_dir))
        else:
            # Two workers per function: the no-op steps need no more.
            with own_local_stack(function_concurrency=2) as access:
                run = measure(access)
    except LocalStackNotRunningError as error:
        print(f"albums bench: {error}", file=sys.stderr)
        return 2
    except LocalStackStartError as error:
        print(f"albums bench: the bench's own local stack cannot start: {error.reason}", file=sys.stderr)
        return 2
    report = build_shape_report(run)
    directory = Path(args.out) / datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    json_path, html_path = write_shape_report(report, directory)
    for series in report.series:
        for point in series.points:
            durable = (
                f", {point.invocations} invocations ({point.replays} replays), {point.checkpoint_bytes} checkpoint bytes"
                if series.workflow is WorkflowType.DURABLE_FUNCTIONS
                else ""
            )
            print(
                f"{series.workflow.value:>17} steps={point.steps}: {point.status}, {point.total_seconds:.3f} s, "
                f"{point.per_step_ms:.2f} ms per step, {point.billed_units} {series.billed_unit}{durable}, "
                f"modeled ${point.cost_per_workflow_usd * 1_000_000:.2f} per million"
            )
    print(f"cloud anchor ({report.cloud_anchor_label}): {report.cloud_anchor_ms_per_step:.0f} ms per step")
    print(f"wrote {json_path} and {html_path} in {time.perf_counter() - began:.1f} s")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from albums.bench.code_size import measure_code_size
    from albums.bench.cost_model import load_price_table
    from albums.bench.report import build_report
    from albums.bench.report_html import write_report
    from albums.bench.sources import RunningLocalStackSource
    from albums.bench.stack_workload import run_stack_bench, source_for
    from albums.bench.workload import BenchSettings, ValidationMode, ValidationPlan
    from albums.stack_access import STACK_ACCESS_ERRORS, open_stack

    if args.running_local_stack and args.stack != LOCAL_STACK:
        print("albums bench: --running-local-stack goes with --stack local", file=sys.stderr)
        return 2
    if args.shape:
        return _shape_bench(args)
    own_stack = args.stack == LOCAL_STACK and not args.running_local_stack
    try:
        validation = ValidationPlan.parse(args.validation)
    except ValueError as error:
        print(f"albums bench: {error}", file=sys.stderr)
        return 2
    if not own_stack and validation.mode is ValidationMode.TIMEOUT:
        print(
            "albums bench: --validation timeout: nobody answers, so every workflow waits for the stack's own "
            f"validation timeout (set when it was deployed or started); --deadline ({args.deadline:.0f} s) must exceed it",
            file=sys.stderr,
        )
    memory_mb, retention_days = _deployment_defaults()
    try:
        settings = BenchSettings(
            images=args.images,
            concurrency=args.concurrency,
            validation=validation,
            warm_up=args.warm_up,
            lambda_memory_mb=args.memory_mb or memory_mb,
            durable_retention_days=args.retention_days or retention_days,
        )
    except ValidationError as error:
        problem = error.errors()[0]
        option = "--" + str(problem["loc"][0]).replace("_", "-")
        print(f"albums bench: {option}: {problem['msg']} (got {problem['input']})", file=sys.stderr)
        return 2
    began = time.perf_counter()
    if own_stack:
        from albums.bench.own_stack import run_own_stack_bench
        from local_aws.stack_info import LocalStackStartError

        try:
            run = run_own_stack_bench(settings, progress=_progress, deadline_seconds=args.deadline)
        except LocalStackStartError as error:
            print(f"albums bench: the bench's own local stack cannot start: {error.reason}", file=sys.stderr)
            return 2
        adds_native_write_units = RunningLocalStackSource.adds_native_write_units
    else:
        try:
            access = open_stack(args.stack, outputs_file=args.outputs, data_dir=args.data_dir)
        except STACK_ACCESS_ERRORS as error:
            print(f"albums bench: {error}", file=sys.stderr)
            return 2
        source = source_for(access)
        run = run_stack_bench(access, settings, progress=_progress, deadline_seconds=args.deadline, source=source)
        adds_native_write_units = source.adds_native_write_units
    report = build_report(run, load_price_table(), measure_code_size(), adds_native_write_units=adds_native_write_units)
    directory = Path(args.out) / datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    json_path, html_path = write_report(report, directory)
    for section in report.patterns:
        orchestration = section.orchestration
        billed = (
            f"{orchestration.state_transitions_per_workflow:.1f} transitions"
            if section.workflow is WorkflowType.STEP_FUNCTIONS
            else f"{orchestration.durable_operations_per_workflow:.1f} operations"
        )
        print(
            f"{section.workflow.value:>17}: {json_dumps_compact(section.executions.by_status)}, "
            f"lost {section.executions.lost}, duplicated {section.executions.duplicated}; per workflow "
            f"{billed}, {orchestration.invocations_per_execution.p50 or 0:.0f} Lambda invocations, "
            f"{section.usage_per_workflow.replay_requests:.1f} replays, "
            f"modeled cost ${section.cost_per_workflow.total:.6f}"
            + (f" (not measured: {', '.join(section.not_measured)})" if section.not_measured else "")
        )
    print(report.timings.title + ":")
    for section in report.patterns:
        overhead = section.latency_seconds.orchestration_overhead
        print(
            f"{section.workflow.value:>17}: overhead p50 {_seconds(overhead.p50)} p95 {_seconds(overhead.p95)}, "
            f"throughput {section.throughput_per_second:.2f}/s"
            + (f", cold starts {sum(section.cold_starts.values())}" if section.cold_starts is not None else "")
        )
    print(f"wrote {json_path} and {html_path} in {time.perf_counter() - began:.1f} s")
    return 0


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f} s"


def json_dumps_compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    bench = subparsers.add_parser(
        "bench",
        help="run both pipelines on the same photos and write the comparison report",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    bench.add_argument(
        "--stack",
        default=LOCAL_STACK,
        help="'local' (a local stack of the bench's own, started for the run) or a deployed stack's name; "
        "either way, uploads to the stack's bucket start both pipelines",
    )
    bench.add_argument(
        "--running-local-stack",
        action="store_true",
        help="with --stack local: drive the running `albums local up` found in --data-dir "
        "through its endpoint, exactly as a deployed stack is driven",
    )
    bench.add_argument("--outputs", type=Path, help="a deployed stack's outputs as JSON, for users without the Pulumi CLI")
    bench.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="the running local stack's data dir")
    bench.add_argument(
        "--deadline",
        type=float,
        default=STACK_DEADLINE_SECONDS,
        help="on a stack: seconds to wait for every workflow to end; later ones are reported lost or running",
    )
    bench.add_argument("--images", type=int, default=10, help="photos uploaded, each running both patterns")
    bench.add_argument("--concurrency", type=int, default=4, help="uploads in flight, each running both patterns")
    bench.add_argument(
        "--warm-up",
        type=int,
        default=0,
        metavar="N",
        help="first run N uploads, unmeasured, so the stack's workers have started (default 0: cold starts count)",
    )
    bench.add_argument(
        "--validation",
        default="auto",
        help="auto (answer at once with a fixed correction), delay=SECONDS, or timeout (nobody answers)",
    )
    bench.add_argument("--memory-mb", type=int, default=None, help="Lambda memory to price (default: the stack default)")
    bench.add_argument("--retention-days", type=int, default=None, help="durable retention to price (default: the stack default)")
    bench.add_argument(
        "--shape",
        default=None,
        metavar="steps=N[,M,...]",
        help="instead of photos: a workflow of N no-op steps on each engine, once per N, on a local stack "
        "(e.g. steps=10,100,1000); the report plots overhead against N",
    )
    bench.add_argument("--out", default="reports", help="directory for <timestamp>/report.json and report.html")
    bench.set_defaults(handler=_bench)
