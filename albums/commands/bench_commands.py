"""``albums bench``: the same photos through both pipelines, measured and priced."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from tqdm import tqdm

from album_registry.domain.models import WorkflowType

LOCAL_STACK = "local"


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


def _bench(args: argparse.Namespace) -> int:
    from albums.bench.code_size import measure_code_size
    from albums.bench.cost_model import load_price_table
    from albums.bench.report import build_report, write_report
    from albums.bench.workload import BenchSettings, ValidationPlan, run_local_bench

    if args.stack != LOCAL_STACK:
        print(
            f"albums bench --stack {args.stack}: driving a deployed stack is not written yet "
            "(only the collector's AWS source, albums.bench.sources.AwsSource, exists); use --stack local",
            file=sys.stderr,
        )
        return 2
    try:
        validation = ValidationPlan.parse(args.validation)
    except ValueError as error:
        print(f"albums bench: {error}", file=sys.stderr)
        return 2
    memory_mb, retention_days = _deployment_defaults()
    settings = BenchSettings(
        images=args.images,
        concurrency=args.concurrency,
        validation=validation,
        lambda_memory_mb=args.memory_mb or memory_mb,
        durable_retention_days=args.retention_days or retention_days,
    )
    began = time.perf_counter()
    run = run_local_bench(settings, progress=_progress)
    report = build_report(run, load_price_table(), measure_code_size(), adds_native_write_units=True)
    directory = Path(args.out) / datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    json_path, html_path = write_report(report, directory)
    for section in report["patterns"]:
        overhead = section["latencySeconds"]["orchestrationOverhead"]
        print(
            f"{section['workflow']:>17}: {json_dumps_compact(section['executions']['byStatus'])}, "
            f"lost {section['executions']['lost']}, duplicated {section['executions']['duplicated']}, "
            f"overhead p50 {overhead['p50']:.3f} s p95 {overhead['p95']:.3f} s, "
            f"throughput {section['throughputPerSecond']:.2f}/s, "
            f"cost/workflow ${section['costPerWorkflow']['total']:.6f}"
        )
    print(f"wrote {json_path} and {html_path} in {time.perf_counter() - began:.1f} s")
    return 0


def json_dumps_compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    bench = subparsers.add_parser("bench", help="run both pipelines on the same photos and write the comparison report")
    bench.add_argument("--stack", default=LOCAL_STACK, help="'local' (this machine) or a deployed stack's name")
    bench.add_argument("--images", type=int, default=10, help="photos per pattern")
    bench.add_argument("--concurrency", type=int, default=4, help="workflows in flight per pattern")
    bench.add_argument(
        "--validation",
        default="auto",
        help="auto (answer at once with a fixed correction), delay=SECONDS, or timeout (nobody answers)",
    )
    bench.add_argument("--memory-mb", type=int, default=None, help="Lambda memory to price (default: the stack default)")
    bench.add_argument("--retention-days", type=int, default=None, help="durable retention to price (default: the stack default)")
    bench.add_argument("--out", default="reports", help="directory for <timestamp>/report.json and report.html")
    bench.set_defaults(handler=_bench)
