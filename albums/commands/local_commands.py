"""``albums local up|down``, ``albums upload`` and ``albums status``."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from album_registry.domain.errors import InvalidS3KeyError
from album_registry.domain.models import Execution, ExecutionStatus, WorkflowType
from album_registry.domain.s3_keys import UPLOAD_PREFIX, validate_upload_key
from local_aws.stack_info import DEFAULT_DATA_DIR, DEFAULT_PORT, NOT_PERSISTED, LocalStackInfo
from albums.stack_access import add_stack_arguments, stack_from_arguments

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# A local Step Functions execution a restart took away (stack_info.NOT_PERSISTED):
# its record stays, its engine run is gone.
LOST_ON_RESTART = "lost on restart"
_FINAL = {ExecutionStatus.COMPLETED, ExecutionStatus.FAILED}
STOP_WAIT_SECONDS = 15


def register(subparsers: Any) -> None:
    local = subparsers.add_parser("local", help="the embedded local AWS stack")
    verbs = local.add_subparsers(dest="local_command", required=True, metavar="VERB")
    up = verbs.add_parser("up", help="start the local stack on 127.0.0.1 and serve until stopped")
    up.add_argument("--port", type=int, default=DEFAULT_PORT)
    up.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    up.add_argument(
        "--validation-timeout", type=int, help="seconds a validation task waits (the stack's default: 3600)"
    )
    up.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="Lambda workers (execution environments) per function at most; further invokes wait (default: 3 per core)",
    )
    up.add_argument(
        "--config",
        action="append",
        default=[],
        type=_config_entry,
        metavar="KEY=VALUE",
        help="set a key of the Pulumi program's config for this stack, as `pulumi config set KEY VALUE` "
        "would (components/settings.py lists the keys); repeatable",
    )
    up.set_defaults(handler=local_up)
    down = verbs.add_parser("down", help="stop the local stack (it saves its data first)")
    down.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    down.set_defaults(handler=local_down)

    upload = subparsers.add_parser("upload", help="upload shelf photos; both pipelines start")
    upload.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    add_stack_arguments(upload)
    upload.set_defaults(handler=upload_images)

    status = subparsers.add_parser("status", help="executions of both patterns with their status")
    add_stack_arguments(status)
    status.add_argument("--limit", type=int, default=20)
    status.set_defaults(handler=show_status)


def _config_entry(entry: str) -> tuple[str, str]:
    key, equals, value = entry.partition("=")
    if not equals or not key:
        raise argparse.ArgumentTypeError(f"{entry!r} is not KEY=VALUE")
    return key, value


def local_stack_config(validation_timeout: int | None, entries: Sequence[tuple[str, str]] = ()) -> dict[str, str]:
    """The program's config for the local stack; raises ValueError naming a bad key or value."""
    # Imported here, as the engines are: the program's settings load Pulumi.
    from components.settings import project_config
    from local_aws.provisioning import LOCAL_PROJECT_CONFIG, LOCAL_STACK_NAME

    values = dict(entries)
    if validation_timeout is not None:
        values["validationTimeoutSeconds"] = str(validation_timeout)
    config = project_config(LOCAL_STACK_NAME, values)
    for key, value in config.items():
        if LOCAL_PROJECT_CONFIG.get(key, value) != value:
            raise ValueError(f"{key}: the local stack sets it to {LOCAL_PROJECT_CONFIG[key]!r}")
    return config


def local_up(args: argparse.Namespace) -> int:
    # The engines are imported only by the verb that runs them: other verbs start fast.
    from local_aws.server import LocalStack, LocalStackStartError

    started = time.perf_counter()
    try:
        config = local_stack_config(args.validation_timeout, args.config)
    except ValueError as error:
        print(f"albums local up: --config {error}", file=sys.stderr)
        return 2
    concurrency = {} if args.concurrency is None else {"function_concurrency": args.concurrency}
    stack = LocalStack(port=args.port, data_dir=args.data_dir, config=config, **concurrency)
    try:
        stack.start()
    except LocalStackStartError as error:
        print(f"albums local up: {error.reason}", file=sys.stderr)
        return 2
    print(f"local stack on {stack.endpoint} (data in {args.data_dir}), ready in {time.perf_counter() - started:.1f} s")
    if stack.restored_services:
        print(f"restored saved state: {', '.join(stack.restored_services)}")
    print(f"note: {NOT_PERSISTED}")
    print(f"export AWS_ENDPOINT_URL={stack.endpoint}   # to use it from your own AWS SDK or CLI")
    sys.stdout.flush()
    stack.serve_until_signalled()
    return 0


def local_down(args: argparse.Namespace) -> int:
    info = LocalStackInfo.read(args.data_dir)
    if info is None:
        print(f"albums local down: no local stack is running for {args.data_dir}", file=sys.stderr)
        return 1
    try:
        os.kill(info.pid, signal.SIGTERM)
    except ProcessLookupError:
        print(f"albums local down: process {info.pid} is gone; removing its state file", file=sys.stderr)
        (args.data_dir / "stack.json").unlink(missing_ok=True)
        return 1
    deadline = time.monotonic() + STOP_WAIT_SECONDS
    while LocalStackInfo.read(args.data_dir) is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    print("local stack stopped, data saved")
    return 0


def upload_images(args: argparse.Namespace) -> int:
    stack = stack_from_arguments(args)
    s3 = stack.client("s3")
    failures = 0
    for image in args.images:
        key = f"{UPLOAD_PREFIX}{image.name}"
        problem = _upload_problem(image, key)
        if problem:
            print(f"{image}: not uploaded: {problem}", file=sys.stderr)
            failures += 1
            continue
        response = s3.put_object(Bucket=stack.outputs.bucket_name, Key=key, Body=image.read_bytes())
        print(f"uploaded s3://{stack.outputs.bucket_name}/{key} (version {response.get('VersionId')})")
    return 1 if failures else 0


def _upload_problem(image: Path, key: str) -> str | None:
    if not image.is_file():
        return "no such file"
    if image.stat().st_size > MAX_UPLOAD_BYTES:
        return f"larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB"
    try:
        validate_upload_key(key)
    except InvalidS3KeyError as error:
        return error.rule
    return None


def show_status(args: argparse.Namespace) -> int:
    stack = stack_from_arguments(args)
    repository = stack.adapters().repository
    rows = []
    for workflow in WorkflowType:
        for execution in repository.list_executions(workflow, limit=args.limit):
            rows.append((execution.startedAt, execution.imageS3Key, workflow.value, execution))
    if not rows:
        print("no executions yet: upload a photo with `albums upload IMAGE`")
        return 0
    step_functions = stack.client("stepfunctions") if stack.is_local else None
    lost = 0
    print(f"{'started':24} {'image':32} {'pattern':18} {'status':19} {'albums':>6} {'priced':>6} {'ms':>7}")
    for started, image, pattern, execution in sorted(rows, key=lambda row: (row[0], row[2]), reverse=True):
        status = execution.status.value
        if step_functions is not None and _lost_on_restart(execution, step_functions):
            status, lost = LOST_ON_RESTART, lost + 1
        print(
            f"{started:24} {image[-32:]:32} {pattern:18} {status:19} "
            f"{execution.albumCount:>6} {execution.pricedCount if execution.pricedCount is not None else '-':>6} "
            f"{execution.durationMs if execution.durationMs is not None else '-':>7}"
        )
    if lost:
        print(
            f"{lost} Step Functions execution(s) {LOST_ON_RESTART}: the local stack cannot save moto's "
            "running executions; their records and photos are kept."
        )
    return 0


def _lost_on_restart(execution: Execution, step_functions: Any) -> bool:
    """An unfinished Step Functions record whose engine run the stack no longer knows."""
    if execution.workflowType is not WorkflowType.STEP_FUNCTIONS or execution.status in _FINAL:
        return False
    if not execution.engineExecutionArn:
        return False
    try:
        step_functions.describe_execution(executionArn=execution.engineExecutionArn)
    except step_functions.exceptions.ExecutionDoesNotExist:
        return True
    return False
