"""``albums history UPLOAD_KEY``: both engines' timelines of one upload, live with ``--follow``."""

from __future__ import annotations

import argparse
import sys
import time

from albums.stack_access import STACK_ACCESS_ERRORS, add_stack_arguments

EXIT_NOT_FOUND = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
DEFAULT_INTERVAL_SECONDS = 1.0
# On a terminal, each refresh replaces the last: cursor home, clear the screen.
_CLEAR_SCREEN = "\x1b[H\x1b[2J"


def _history(args: argparse.Namespace) -> int:
    from albums.history.reader import UploadNotFoundError
    from albums.history.stack_reader import history_reader_for_stack
    from albums.history.terminal import render_history
    from albums.ui.validation_client import LocalStackNotConfiguredError

    try:
        reader = history_reader_for_stack(args.stack, outputs_file=args.outputs, data_dir=args.data_dir)
        execution_ids = reader.execution_ids_for_upload(args.upload_key, args.version)
    except (LocalStackNotConfiguredError, *STACK_ACCESS_ERRORS) as error:
        print(f"albums history: {error}", file=sys.stderr)
        return EXIT_USAGE
    except UploadNotFoundError as error:
        print(f"albums history: {error}", file=sys.stderr)
        return EXIT_NOT_FOUND
    title = f"history of {args.upload_key}"
    on_terminal = sys.stdout.isatty()
    shown = ""
    try:
        while True:
            history = reader.read(execution_ids)
            text = render_history(history, title=title)
            # Off a terminal a refresh is printed only when something changed.
            body = text.partition("\n")[2]
            if on_terminal or body != shown:
                print((_CLEAR_SCREEN if on_terminal and args.follow else "") + text, end="", flush=True)
                shown = body
            if not args.follow or history.ended:
                return 0
            time.sleep(args.interval)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    history = subparsers.add_parser(
        "history",
        help="one upload's executions on both engines: states, operations, attempts, waits, replays",
        description=__doc__,
    )
    add_stack_arguments(history)
    history.add_argument("upload_key", metavar="UPLOAD_KEY", help="the photo's S3 key, e.g. uploads/shelf-01.jpg")
    history.add_argument("--version", default=None, help="the upload's S3 version (default: the key's current one)")
    history.add_argument(
        "--follow", action="store_true", help="refresh until both engines have ended the run"
    )
    history.add_argument("--interval", type=float, default=DEFAULT_INTERVAL_SECONDS, help="seconds between refreshes")
    history.set_defaults(handler=_history)
