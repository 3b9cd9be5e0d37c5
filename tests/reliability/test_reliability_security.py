"""What must never leak or get in.

Covered elsewhere, not repeated here:
- least-privilege IAM, private encrypted versioned bucket, table SSE and PITR,
  IAM auth on the function URL: tests/infra/test_infra_iam.py,
  tests/infra/test_infra_data.py, tests/infra/test_infra_pipelines.py;
- ``albums ui`` on 127.0.0.1 only, behind its per-run token:
  tests/validation/test_validation_ui_server.py;
- the API never returns nor logs resume handles for seeded tasks:
  tests/validation/test_validation_api.py.

Here: a full run of both pipelines on a running ``albums local up``, with a
Discogs token in the pricing functions' Secrets Manager secret, whose logs
(every function's, the stack's, the validation API's) and API answers must hold
neither that token, nor the secret the functions sign their AWS calls with,
nor the task token / callback id; S3 keys with path tricks refused before any
AWS call; the local stack listening on loopback only.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import botocore.client
import pytest
from album_registry import composition, constants
from album_registry.adapters.system_clock import SystemClock
from album_registry.domain.errors import InvalidS3KeyError
from album_registry.domain.models import WorkflowType
from album_registry.handlers import step_functions_tasks
from album_registry.handlers.upload_event import upload_from_event
from local_aws.s3_events import object_created_event
from album_registry.handlers.validation_api import build_app

from local_aws.stack_info import free_loopback_port
from local_aws.lambda_runtime import reset_composition
from local_aws.stack_info import FUNCTION_LOG_DIR
from tests.local_stack.conftest import child_processes
from tests.stack_pipelines import PipelinesOnStack, StackPool
from tests.validation.function_url_events import FakeLambdaContext, function_url_event

FAKE_DISCOGS_TOKEN = "dIsCoGsFaKeToKeN0123456789abcdefXYZ"
PATH_TRICKS = [
    "uploads/../secrets/shelf.jpg",
    "uploads/./shelf.jpg",
    "/uploads/shelf.jpg",
    "uploads/a/../../etc/passwd.jpg",
    "uploads/shelf.jpg\x00.png",
    "uploads/\nshelf.jpg",
    "other/shelf.jpg",
    "uploads/..",
]
# How the kernel's socket tables write a listening address on the loopback interface.
LOOPBACK = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1, ::1


class NoImages:
    def link(self, key: str) -> str:
        return f"https://images.invalid/{key}"


class ApplicationLogs(logging.Handler):
    """Every record logged in this process (the validation API's), formatted."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record) + " " + json.dumps(record.__dict__, default=str))


def _stack_processes(stack_pid: int) -> list[Path]:
    """The /proc entries of the stack and its children (its Lambda workers among them)."""
    return [Path(f"/proc/{stack_pid}"), *child_processes(stack_pid)]


def _functions_secret(stack_pid: int) -> str:
    """The AWS secret access key the stack's Lambda workers sign with, from their environment."""
    secrets = set()
    for entry in _stack_processes(stack_pid):
        try:
            variables = dict(
                pair.split("=", 1) for pair in (entry / "environ").read_text().split("\0") if "=" in pair
            )
        except OSError:
            continue
        if "AWS_LAMBDA_FUNCTION_NAME" in variables:
            secrets.add(variables["AWS_SECRET_ACCESS_KEY"])
    assert len(secrets) == 1, f"the workers sign with {len(secrets)} secrets"
    return secrets.pop()


def _logs(pipelines: PipelinesOnStack) -> str:
    """What the stack logged: its own output, and every function's log."""
    logs = [pipelines.stack.log, *sorted((pipelines.data_dir / FUNCTION_LOG_DIR).glob("*.log"))]
    return "\n".join(path.read_text(errors="replace") for path in logs)


def test_a_full_run_leaks_no_handle_and_no_secret(
    stack_pool: StackPool, shelf_photo: bytes, capfd: pytest.CaptureFixture[str]
) -> None:
    # Discogs is unreachable here: a closed loopback port makes every price agent fail fast.
    pipelines = stack_pool.stack(discogsBaseUrl=f"http://127.0.0.1:{free_loopback_port()}")
    pipelines.set_discogs_token(FAKE_DISCOGS_TOKEN)
    recorder = ApplicationLogs()
    logging.getLogger().addHandler(recorder)
    try:
        # The validation API as `albums ui` serves it for a local stack: in this process, over the stack.
        app = build_app(repository=pipelines.repository, resumer=pipelines.resumer, clock=SystemClock(), images=NoImages())

        def call(method: str, path: str, **event: Any) -> str:
            answer = app.resolve(function_url_event(method, path, **event), FakeLambdaContext())
            assert answer["statusCode"] < 500, answer
            return json.dumps(answer)

        started = pipelines.put_photo(shelf_photo, "uploads/secure.jpg")
        answers: list[str] = []
        handles: list[str] = []
        for workflow in WorkflowType:
            task = pipelines.wait_for_task(workflow, started.execution_id(workflow))
            handles.append(task.taskToken or task.callbackId or "")
            answers += [call("GET", "/tasks"), call("GET", f"/tasks/{task.taskId}")]
            answers.append(call("POST", f"/tasks/{task.taskId}", body={"corrections": [{"albumIndex": 2, "year": 1975}]}))
        for workflow in WorkflowType:
            outcome = pipelines.wait_for_execution_outcome(workflow, started.execution_id(workflow))
            assert outcome.status == "SUCCEEDED", outcome.error
            albums = pipelines.repository.get_albums(workflow, started.execution_id(workflow))
            # The token was used: every agent tried Discogs and failed on the closed port.
            assert albums and all("Discogs unreachable" in (album.priceError or "") for album in albums), albums
            answers += [call("GET", "/albums", query={"status": "price_failed"}), call("GET", "/executions")]
            answers.append(call("POST", f"/tasks/task-{started.execution_id(workflow)}", body={"accept": True}))
        signing_secret = _functions_secret(pipelines.stack.process.pid)
    finally:
        logging.getLogger().removeHandler(recorder)

    captured = capfd.readouterr()
    logged = "\n".join([_logs(pipelines), captured.out, captured.err, *recorder.lines])
    stored = json.dumps(pipelines.dynamodb.scan(TableName=pipelines.table_name)["Items"])
    assert all(f'"executionId":"{started.execution_id(w)}"' in logged for w in WorkflowType), "the capture is broken"
    assert all(handle for handle in handles)
    for secret in [*handles, FAKE_DISCOGS_TOKEN, signing_secret]:
        assert secret not in logged
        assert all(secret not in answer for answer in answers)
    for secret in (FAKE_DISCOGS_TOKEN, signing_secret):
        assert secret not in stored  # e.g. not inside a recorded priceError
    assert not any("taskToken" in answer or "callbackId" in answer for answer in answers)


class AwsCallAttempted(Exception):
    pass


@pytest.fixture
def aws_forbidden(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every botocore API call raises: what the code under test calls, it calls too early."""
    attempted: list[str] = []

    def refuse(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        attempted.append(operation_name)
        raise AwsCallAttempted(operation_name)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", refuse)
    monkeypatch.setenv(constants.TABLE_NAME_ENV, "albums-no-aws")
    reset_composition()
    yield attempted
    reset_composition()


@pytest.mark.parametrize("key", PATH_TRICKS)
def test_path_tricks_are_refused_before_any_aws_call(aws_forbidden: list[str], key: str) -> None:
    event = object_created_event(bucket="shelf-photos", key=key, version="v1", size=10)
    # The Step Functions pattern's first Lambda, as the state machine invokes it.
    with pytest.raises(InvalidS3KeyError):
        step_functions_tasks.prepare_execution_handler(
            {"event": event, "stateMachineExecutionArn": "arn:aws:states:us-east-1:123456789012:execution:m:e"},
            FakeLambdaContext(),
        )
    # The durable pattern's first step runs the same two calls before its one write.
    with pytest.raises(InvalidS3KeyError):
        composition.registration().prepare_execution(WorkflowType.DURABLE_FUNCTIONS, upload_from_event(event))
    assert aws_forbidden == []


def _listening_addresses(socket_inodes: set[str]) -> set[str]:
    """Local addresses in LISTEN state of these sockets, from the kernel's socket tables."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in socket_inodes:
                found.add(local)
    return found


def _socket_inodes(processes: list[Path]) -> set[str]:
    """The inodes of the sockets these processes hold open."""
    found = set()
    for entry in processes:
        try:
            targets = [link.readlink().name for link in (entry / "fd").iterdir()]
        except OSError:
            continue  # gone meanwhile
        found |= {target[len("socket:[") : -1] for target in targets if target.startswith("socket:[")}
    return found


def test_the_local_stack_listens_on_loopback_only(stack_pool: StackPool) -> None:
    """Every port the stack and its children listen on (the endpoint, the durable runner,
    the workers' Runtime APIs, the Bedrock readers) is bound to the loopback address."""
    pipelines = stack_pool.any()
    listening = _listening_addresses(_socket_inodes(_stack_processes(pipelines.stack.process.pid)))
    endpoint = f"0100007F:{pipelines.stack.port:04X}"
    assert endpoint in listening
    assert {address.rsplit(":", 1)[0] for address in listening} <= LOOPBACK, listening
