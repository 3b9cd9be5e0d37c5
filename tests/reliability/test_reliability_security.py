"""What must never leak or get in.

Covered elsewhere, not repeated here:
- least-privilege IAM, private encrypted versioned bucket, table SSE and PITR,
  IAM auth on the function URL: tests/infra/test_infra_iam.py,
  tests/infra/test_infra_data.py, tests/infra/test_infra_pipelines.py;
- ``albums ui`` on 127.0.0.1 only, behind its per-run token:
  tests/validation/test_validation_ui_server.py;
- the API never returns nor logs resume handles for seeded tasks:
  tests/validation/test_validation_api.py.

Here: a full run of both real pipelines, with a Discogs token in the pricing
functions' Secrets Manager secret and an AWS secret key in the environment,
whose logs and API answers must hold neither
those secrets nor the task token / callback id; S3 keys with path tricks
refused before any AWS call; the local stack's endpoint on loopback only.
"""

from __future__ import annotations

import json
import logging
import os
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

from local_aws.durable_service import free_loopback_port
from local_aws.pipelines import LocalPipelines
from local_aws.lambda_runtime import reset_composition
from tests.reliability.conftest import JsonLogs, wait_for_pending_task
from tests.validation.function_url_events import FakeLambdaContext, function_url_event

FAKE_DISCOGS_TOKEN = "dIsCoGsFaKeToKeN0123456789abcdefXYZ"
FAKE_AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKESECRETKEY"
# The emulators (moto's interpreter, the durable test runner) are not this project's code.
EMULATOR_LOGGERS = ("moto", "aws_durable_execution_sdk_python_testing")
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


class NoImages:
    def link(self, key: str) -> str:
        return f"https://images.invalid/{key}"


class ApplicationLogs(logging.Handler):
    """Every record of the project's loggers (and libraries' but the emulators'), formatted."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not record.name.startswith(EMULATOR_LOGGERS):
            self.lines.append(self.format(record) + " " + json.dumps(record.__dict__, default=str))


@pytest.fixture
def unreachable_discogs(monkeypatch: pytest.MonkeyPatch) -> None:
    # Discogs is unreachable here: a closed loopback port makes every price agent fail fast.
    monkeypatch.setenv(constants.DISCOGS_BASE_URL_ENV, f"http://127.0.0.1:{free_loopback_port()}")


def test_a_full_run_leaks_no_handle_and_no_secret(
    unreachable_discogs: None,
    local_pipelines,
    shelf_photo: bytes,
    json_logs: JsonLogs,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recorder = ApplicationLogs()
    logging.getLogger().addHandler(recorder)
    try:
        pipelines: LocalPipelines = local_pipelines(discogs_token=FAKE_DISCOGS_TOKEN)
        # The functions' own clients sign with this secret from here on.
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_AWS_SECRET)
        reset_composition()
        app = build_app(repository=pipelines.repository, resumer=pipelines.resumer, clock=SystemClock(), images=NoImages())

        def call(method: str, path: str, **event: Any) -> str:
            answer = app.resolve(function_url_event(method, path, **event), FakeLambdaContext())
            assert answer["statusCode"] < 500, answer
            return json.dumps(answer)

        started = pipelines.upload(shelf_photo, "uploads/secure.jpg")
        answers: list[str] = []
        handles: list[str] = []
        for workflow in WorkflowType:
            task = wait_for_pending_task(pipelines, workflow, started.execution_id(workflow))
            handles.append(task.taskToken or task.callbackId or "")
            answers += [call("GET", "/tasks"), call("GET", f"/tasks/{task.taskId}")]
            answers.append(call("POST", f"/tasks/{task.taskId}", body={"corrections": [{"albumIndex": 2, "year": 1975}]}))
        for workflow in WorkflowType:
            assert pipelines.wait_for_engine(workflow, started.engine_arns[workflow]).status == "SUCCEEDED"
            albums = pipelines.repository.get_albums(workflow, started.execution_id(workflow))
            # The token was used: every agent tried Discogs and failed on the closed port.
            assert any(album.priceError for album in albums)
            answers += [call("GET", "/albums", query={"status": "price_failed"}), call("GET", "/executions")]
            answers.append(call("POST", f"/tasks/task-{started.execution_id(workflow)}", body={"accept": True}))
    finally:
        logging.getLogger().removeHandler(recorder)

    captured = capfd.readouterr()
    logged = "\n".join([json_logs.text, captured.out, captured.err, *recorder.lines])
    stored = json.dumps(pipelines.dynamodb.scan(TableName=pipelines.table_name)["Items"])
    assert json_logs.lines(), "the run logged nothing: the capture is broken"
    assert all(handle for handle in handles)
    for secret in [*handles, FAKE_DISCOGS_TOKEN, FAKE_AWS_SECRET]:
        assert secret not in logged
        assert all(secret not in answer for answer in answers)
    for secret in (FAKE_DISCOGS_TOKEN, FAKE_AWS_SECRET):
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


def _listening_addresses(port: int) -> set[str]:
    """Local addresses in LISTEN state on ``port``, from the kernel's socket tables."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.rsplit(":", 1)
            if state == "0A" and int(port_hex, 16) == port:
                found.add(address)
    return found


def test_the_local_endpoint_listens_on_loopback_only(local_pipelines) -> None:
    local_pipelines()
    port = int(os.environ["MOTO_PORT"])
    # 0100007F is 127.0.0.1 in the kernel's byte order; 00000000 would be every interface.
    assert _listening_addresses(port) == {"0100007F"}
