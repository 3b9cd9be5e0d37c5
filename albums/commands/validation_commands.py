"""``albums ui``, ``albums tasks`` and ``albums validate``: the person in the loop.

All three talk to a stack's validation API through one client: in this
process for ``--stack local`` (the local stack's environment: table, bucket,
``AWS_ENDPOINT_URL``), or the deployed function URL signed with SigV4.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from albums.stack_outputs import STACK_OUTPUTS_ERRORS
from albums.stack_access import add_stack_arguments
from albums.ui.validation_client import (
    LOCAL_STACK,
    LocalStackNotConfiguredError,
    NoCredentialsForStackError,
    ValidationApiClient,
    ValidationApiError,
    transport_for_stack,
)

EXIT_API_ERROR = 1
EXIT_USAGE = 2
_SETTING = re.compile(r"^(?P<index>[1-6])\.(?P<field>year|artist|albumName|album)=(?P<value>.*)$", re.DOTALL)
_FIELD_NAMES = {"album": "albumName"}
_WORKFLOW_TYPES = ("step-functions", "durable-functions")
_STACK_ERRORS = (
    LocalStackNotConfiguredError,
    NoCredentialsForStackError,
    *STACK_OUTPUTS_ERRORS,
)


class InvalidSettingError(Exception):
    def __init__(self, *, setting: str, reason: str) -> None:
        super().__init__(f"--set {setting!r}: {reason}")
        self.setting = setting
        self.reason = reason


def _fail(command: str, reason: str, code: int) -> int:
    print(f"albums {command}: {reason}", file=sys.stderr)
    return code


def _client(args: argparse.Namespace) -> ValidationApiClient:
    return ValidationApiClient(transport_for_stack(args.stack, outputs_file=args.outputs, data_dir=args.data_dir))


def parse_settings(settings: list[str]) -> list[dict[str, Any]]:
    """``["3.year=1971", "5.artist=X"]`` as corrections, one per album, in album order."""
    by_album: dict[int, dict[str, Any]] = {}
    for setting in settings:
        match = _SETTING.match(setting)
        if not match:
            raise InvalidSettingError(setting=setting, reason="expected N.FIELD=VALUE, N 1-6, FIELD year|artist|albumName")
        index, value = int(match["index"]), match["value"]
        field = _FIELD_NAMES.get(match["field"], match["field"])
        if field == "year":
            if not re.fullmatch(r"-?\d{1,9}", value.strip()):
                raise InvalidSettingError(setting=setting, reason="year must be a whole number")
            by_album.setdefault(index, {"albumIndex": index})[field] = int(value)
        else:
            by_album.setdefault(index, {"albumIndex": index})[field] = value
    return [by_album[index] for index in sorted(by_album)]


def _describe_api_error(error: ValidationApiError, task_id: str, sent: list[dict[str, Any]]) -> str:
    if error.status == 404:
        return f"task {task_id} not found (404)"
    if error.status == 409:
        return f"{error.message} (409)"
    if error.status == 422:
        names = [_setting_name(field, sent) for field in error.fields] or ["request"]
        return f"invalid {', '.join(names)}: {error.message.partition(': ')[2] or error.message} (422)"
    return f"the API answered {error.status}: {error.message}"


def _setting_name(field: str, sent: list[dict[str, Any]]) -> str:
    """``corrections[0].year`` as the ``--set`` it came from, e.g. ``--set 3.year``."""
    match = re.fullmatch(r"corrections\[(\d+)\]\.(\w+)", field)
    if match and int(match[1]) < len(sent):
        return f"--set {sent[int(match[1])]['albumIndex']}.{match[2]}"
    return field


def _tasks(args: argparse.Namespace) -> int:
    try:
        tasks = _client(args).list_tasks(status=args.status, workflow_type=args.workflow_type)
    except _STACK_ERRORS as error:
        return _fail("tasks", str(error), EXIT_USAGE)
    except ValidationApiError as error:
        return _fail("tasks", f"the API answered {error.status}: {error.message}", EXIT_API_ERROR)
    if args.json:
        print(json.dumps({"tasks": tasks}))
        return 0
    if not tasks:
        print(f"no {args.status} tasks")
        return 0
    for task in tasks:
        print(
            f"{task['taskId']}  {task['workflowType']:<17}  {task['imageS3Key']}  "
            f"opened {task['createdAt']}  expires {task['expiresAt']}  low-confidence {task['lowConfidenceCount']}"
        )
    return 0


def _validate(args: argparse.Namespace) -> int:
    if args.accept == bool(args.set):
        return _fail("validate", "give --accept, or one or more --set N.FIELD=VALUE", EXIT_USAGE)
    try:
        sent = parse_settings(args.set)
    except InvalidSettingError as error:
        return _fail("validate", str(error), EXIT_USAGE)
    body: dict[str, Any] = {"accept": True} if args.accept else {"corrections": sent}
    try:
        answer = _client(args).submit(args.task_id, body)
    except _STACK_ERRORS as error:
        return _fail("validate", str(error), EXIT_USAGE)
    except ValidationApiError as error:
        return _fail("validate", _describe_api_error(error, args.task_id, sent), EXIT_API_ERROR)
    task = answer["task"]
    what = "accepted as read" if args.accept else f"submitted with {len(sent)} correction(s)"
    print(f"{task['taskId']} {what}; the {task['workflowType']} workflow resumes")
    return 0


def _ui(args: argparse.Namespace) -> int:
    from albums.history.stack_reader import history_reader_for_stack
    from albums.ui.server import UiServer

    try:
        server = UiServer(
            transport_for_stack(args.stack, outputs_file=args.outputs, data_dir=args.data_dir),
            port=args.port,
            histories=history_reader_for_stack(args.stack, outputs_file=args.outputs, data_dir=args.data_dir),
        )
    except _STACK_ERRORS as error:
        return _fail("ui", str(error), EXIT_USAGE)
    except OSError as error:
        return _fail("ui", f"cannot listen on 127.0.0.1:{args.port}: {error.strerror}", EXIT_USAGE)
    print(f"albums ui for stack {args.stack}: open {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped")
    return 0


def _add_stack_options(parser: argparse.ArgumentParser) -> None:
    add_stack_arguments(parser, default=LOCAL_STACK)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ui = subparsers.add_parser("ui", help="serve the validation page on 127.0.0.1")
    _add_stack_options(ui)
    ui.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    ui.set_defaults(handler=_ui)

    tasks = subparsers.add_parser("tasks", help="list validation tasks, oldest first")
    _add_stack_options(tasks)
    tasks.add_argument("--workflow-type", choices=_WORKFLOW_TYPES, default=None)
    tasks.add_argument("--status", choices=("pending", "completed", "timeout"), default="pending")
    tasks.add_argument("--json", action="store_true", help='print {"tasks": [...]}')
    tasks.set_defaults(handler=_tasks)

    validate = subparsers.add_parser("validate", help="correct or accept a validation task")
    _add_stack_options(validate)
    validate.add_argument("task_id", metavar="TASK_ID")
    validate.add_argument(
        "--set", action="append", default=[], metavar="N.FIELD=VALUE", help="e.g. --set 3.year=1971 --set 5.artist=Name"
    )
    validate.add_argument("--accept", action="store_true", help="accept the six albums as read")
    validate.set_defaults(handler=_validate)
