"""``albums tasks`` and ``albums validate`` against the local stack and a signed function URL."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from album_registry import constants
from album_registry.domain.models import WorkflowType
from album_registry.handlers import validation_api
from albums.cli import main
from albums.commands.validation_commands import InvalidSettingError, parse_settings
from local_aws.lambda_runtime import reset_composition
from tests.stack_pipelines import SAMPLE_PHOTO, PipelinesOnStack

UNKNOWN_TASK = "task-sf-" + "0" * 32


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def on(stack: PipelinesOnStack, *argv: str) -> list[str]:
    """A command's arguments, pointed at ``stack``'s data dir: the commands find
    the running stack through it, as a user's would."""
    return [*argv, "--data-dir", str(stack.data_dir)]


def test_tasks_and_validate_release_a_step_functions_run(
    local_stack: PipelinesOnStack, capsys: pytest.CaptureFixture[str]
) -> None:
    # The Step Functions run: the local stack resumes it through the stepfunctions
    # API, as Boto3EngineResumer does on AWS.
    stack = local_stack
    workflow = WorkflowType.STEP_FUNCTIONS
    execution_id = stack.upload(SAMPLE_PHOTO.read_bytes(), "uploads/cli-shelf.jpg")[workflow]
    task = stack.wait_for_task(workflow, execution_id)

    code, out, _ = run(capsys, *on(stack, "tasks", "--stack", "local", "--workflow-type", "step-functions"))
    assert code == 0 and task.taskId in out and "uploads/cli-shelf.jpg" in out
    code, out, _ = run(capsys, *on(stack, "tasks", "--json"))
    assert task.taskId in [listed["taskId"] for listed in json.loads(out)["tasks"]]
    assert "taskToken" not in out

    code, _, err = run(capsys, *on(stack, "validate", task.taskId, "--set", "3.year=1800"))
    assert code == 1
    assert err == "albums validate: invalid --set 3.year: Input should be greater than or equal to 1900 (422)\n"

    code, _, err = run(capsys, *on(stack, "validate", UNKNOWN_TASK, "--accept"))
    assert (code, err) == (1, f"albums validate: task {UNKNOWN_TASK} not found (404)\n")

    code, out, _ = run(
        capsys, *on(stack, "validate", task.taskId, "--set", "3.year=1971", "--set", "5.artist=Someone Else")
    )
    assert code == 0 and "submitted with 2 correction(s)" in out
    assert stack.wait_for_engine(workflow, execution_id, timeout=60) == "SUCCEEDED"
    albums = stack.repository.get_albums(workflow, execution_id)
    assert albums[2].year == 1971 and albums[4].artist == "Someone Else"

    code, _, err = run(capsys, *on(stack, "validate", task.taskId, "--accept"))
    assert code == 1
    assert err == f"albums validate: validation task {task.taskId} is already completed (409)\n"
    code, out, _ = run(capsys, *on(stack, "tasks"))
    assert task.taskId not in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["validate", UNKNOWN_TASK], "give --accept, or one or more --set N.FIELD=VALUE"),
        (["validate", UNKNOWN_TASK, "--accept", "--set", "1.year=1970"], "give --accept, or one or more"),
        (["validate", UNKNOWN_TASK, "--set", "7.year=1970"], "expected N.FIELD=VALUE"),
        (["validate", UNKNOWN_TASK, "--set", "2.year=nineteen"], "year must be a whole number"),
    ],
)
def test_usage_errors_are_one_line(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2 and message in err and err.count("\n") == 1


def test_an_unconfigured_local_stack_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(constants.TABLE_NAME_ENV, raising=False)
    reset_composition()
    validation_api.default_app.cache_clear()
    try:
        code, _, err = run(capsys, "tasks", "--stack", "local")
    finally:
        reset_composition()
    assert code == 2 and "local stack is not configured (TABLE_NAME is not set)" in err


@given(
    st.dictionaries(
        st.integers(min_value=1, max_value=6),
        st.fixed_dictionaries({}, optional={"year": st.integers(1900, 2027), "artist": st.text(min_size=1, max_size=20).filter(lambda s: "\n" not in s)}),
        min_size=1,
    )
)
def test_set_options_become_one_correction_per_album(wanted: dict[int, dict[str, Any]]) -> None:
    wanted = {index: fields for index, fields in wanted.items() if fields}
    settings = [f"{index}.{field}={value}" for index, fields in wanted.items() for field, value in fields.items()]
    assert parse_settings(settings) == [{"albumIndex": index, **wanted[index]} for index in sorted(wanted)]


@pytest.mark.parametrize("setting", ["3year=1970", "0.year=1970", "3.colour=red", "3.year=19x0", "3.year"])
def test_malformed_set_options_are_refused(setting: str) -> None:
    with pytest.raises(InvalidSettingError):
        parse_settings([setting])


class _RecordingFunctionUrl(BaseHTTPRequestHandler):
    """Stands in for a deployed function URL: records requests, answers one page of tasks."""

    seen: list[dict[str, Any]] = []

    def do_GET(self) -> None:  # noqa: N802
        type(self).seen.append({"path": self.path, "headers": dict(self.headers.items())})
        body = json.dumps({"tasks": [], "nextToken": None}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return


def test_a_deployed_stack_is_called_with_sigv4_signed_requests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RecordingFunctionUrl)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    outputs = {
        "stack": "dev",
        "region": "eu-west-1",
        "bucketName": "b",
        "tableName": "t",
        "stateMachineArn": "arn:aws:states:eu-west-1:1:stateMachine:x",
        "durableFunctionName": "f",
        "durableFunctionAliasArn": "arn:aws:lambda:eu-west-1:1:function:f:live",
        "validationApiUrl": f"http://127.0.0.1:{server.server_address[1]}/",
        "dashboardUrl": "https://example.invalid/",
        "durableExampleMinimalAliasArn": "arn:aws:lambda:eu-west-1:1:function:m:live",
        "durableExampleShowcaseAliasArn": "arn:aws:lambda:eu-west-1:1:function:s:live",
        "durableExampleStepsAliasArn": "arn:aws:lambda:eu-west-1:1:function:n:live",
        "discogsTokenSecretName": "vinyl-dev-discogs-token",
    }
    (tmp_path / "outputs.json").write_text(json.dumps(outputs))
    try:
        code, out, _ = run(capsys, "tasks", "--stack", "dev", "--outputs", str(tmp_path / "outputs.json"))
    finally:
        server.shutdown()
        server.server_close()
    assert (code, out) == (0, "no pending tasks\n")
    [request] = _RecordingFunctionUrl.seen
    assert request["path"].startswith("/tasks?status=pending")
    authorization = request["headers"]["Authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-1/lambda/aws4_request" in authorization
    assert "X-Amz-Date" in request["headers"]


HISTORY_KEY = "uploads/cli-history.jpg"


def printed_history(out: str) -> str:
    """What ``albums history`` printed last, without the log lines the in-process handlers print."""
    text = "\n".join(line for line in out.splitlines() if not line.startswith("{"))
    print(text)
    return text[text.rindex(f"history of {HISTORY_KEY}") :]


def test_history_shows_both_engines_of_an_upload_live_and_follows_it_to_the_end(
    local_stack: PipelinesOnStack, capsys: pytest.CaptureFixture[str]
) -> None:
    """``albums history KEY``: both engines' timelines, waiting; ``--follow`` until both end."""
    from album_registry.domain.models import ValidationOutcome
    from albums.history.stack_reader import history_reader_for_stack
    from tests.local_stack.conftest import wait_until

    stack = local_stack
    ids_by_workflow = stack.upload(SAMPLE_PHOTO.read_bytes(), HISTORY_KEY)
    tasks = {workflow: stack.wait_for_task(workflow, ids_by_workflow[workflow]) for workflow in WorkflowType}
    reader = history_reader_for_stack("local", data_dir=stack.data_dir)
    # Both engines have recorded the pause: the task waiting for its token, the callback.
    wait_until(
        lambda: all(engine.timeline and engine.timeline.waits for engine in reader.read(ids_by_workflow).engines),
        timeout=30,
        what="both engines to record their validation wait",
    )

    code, out, err = run(capsys, *on(stack, "history", HISTORY_KEY, "--stack", "local"))
    assert (code, err) == (0, "")
    out = printed_history(out)
    sf_id, durable_id = (ids_by_workflow[workflow] for workflow in WorkflowType)
    assert out.startswith(f"history of {HISTORY_KEY} (read ")
    assert f"== Step Functions · {sf_id} · waiting_validation · engine RUNNING" in out
    assert f"== durable functions · {durable_id} · waiting_validation · engine RUNNING" in out
    step_functions, durable = out.split("== durable functions")
    assert "WaitForValidation" in step_functions and " waiting" in step_functions
    assert "Callback" in durable and " waiting" in durable
    # The function's first invocation ended at the callback; nothing has replayed yet.
    assert "1 invocation (0 replays)" in durable and "replay 1" not in durable

    for task in tasks.values():
        stack.submit(task.taskId, ValidationOutcome(reviewed=True, corrections=[]))
    code, out, err = run(capsys, *on(stack, "history", HISTORY_KEY, "--follow", "--interval", "0.2"))
    assert (code, err) == (0, "")
    last = printed_history(out)
    assert f"== Step Functions · {sf_id} · completed · engine SUCCEEDED" in last
    assert f"== durable functions · {durable_id} · completed · engine SUCCEEDED" in last
    step_functions, durable = last.split("== durable functions")
    assert "CompleteExecution" in step_functions and " waiting" not in step_functions
    # The answer woke the durable function: it replayed up to the callback and went on.
    assert "replay 1" in durable


def test_history_of_an_upload_that_is_not_there_is_a_one_line_error(
    local_stack: PipelinesOnStack, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, *on(local_stack, "history", "uploads/never-uploaded.jpg"))
    assert (code, out) == (1, "")
    assert err == (
        f"albums history: s3://{local_stack.bucket_name}/uploads/never-uploaded.jpg does not exist: "
        "upload it first (albums upload IMAGE)\n"
    )
