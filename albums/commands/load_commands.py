"""``albums load``: N uploads over S seconds to a running stack, auto-validated, counted."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from local_aws.stack_info import LocalStackInfo
from albums.stack_access import (
    LocalStackNotRunningError,
    add_stack_arguments,
    stack_from_arguments,
)

DEFAULT_TIMEOUT_SECONDS = 1800


def register(subparsers: Any) -> None:
    load = subparsers.add_parser(
        "load", help="upload N photos over S seconds, validate them all, report lost/duplicated/latency/memory"
    )
    add_stack_arguments(load)
    load.add_argument("--uploads", type=int, default=200, help="photos to upload (each starts both patterns)")
    load.add_argument("--seconds", type=float, default=60.0, help="the window the uploads are spread over")
    load.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT_SECONDS, help="seconds to wait for completion after the last upload"
    )
    load.set_defaults(handler=run_load_command)


def run_load_command(args: argparse.Namespace) -> int:
    from albums.load_test import run_load

    if args.uploads < 1 or args.seconds < 0:
        print("albums load: --uploads must be at least 1 and --seconds not negative", file=sys.stderr)
        return 2
    try:
        stack = stack_from_arguments(args)
    except LocalStackNotRunningError as error:
        print(f"albums load: {error}", file=sys.stderr)
        return 2
    info = LocalStackInfo.read(args.data_dir) if stack.is_local else None
    result = run_load(
        stack,
        uploads=args.uploads,
        seconds=args.seconds,
        timeout_seconds=args.timeout,
        stack_pid=info.pid if info else None,
    )
    for line in result.lines():
        print(line)
    return 0 if result.lost == 0 and result.duplicated == 0 and result.failed == 0 else 1
