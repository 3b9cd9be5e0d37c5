"""End to end against a real ``albums local up`` on a free port."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from album_registry.adapters.system_clock import SystemClock
from album_registry.domain import ids
from album_registry.domain.models import AlbumCorrection, ExecutionStatus, ValidationOutcome, WorkflowType
from album_registry.domain.validation import submit_validation
from local_aws.stack_info import free_loopback_port
from local_aws.provisioning import LOCAL_PROJECT_CONFIG, LOCAL_STACK_NAME
from local_aws.pulumi_program import run_program
from tests.local_stack.conftest import json_lines, start_stack, wait_until
from tests.table_items import items_by_pattern

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def upload(stack, key: str, body: bytes) -> dict[WorkflowType, str]:
    """Put an object; the execution ids each pattern derives for it."""
    bucket = stack.outputs["bucketName"]
    version = stack.client("s3").put_object(Bucket=bucket, Key=key, Body=body)["VersionId"]
    return {
        workflow: ids.execution_id_for_upload(workflow, bucket=bucket, key=key, version=version)
        for workflow in WorkflowType
    }


def wait_for_status(stack, execution_ids, statuses, timeout=180):
    repository = stack.repository()

    def reached():
        found = {w: repository.get_execution(w, i) for w, i in execution_ids.items()}
        return found if all(e is not None and e.status.value in statuses for e in found.values()) else None

    return wait_until(reached, timeout=timeout, what=f"executions {list(execution_ids.values())} in {statuses}")


def validate_all(stack, execution_ids, outcome: ValidationOutcome) -> None:
    repository = stack.repository()
    for workflow, execution_id in execution_ids.items():
        submit_validation(
            ids.task_id_for_execution(execution_id), outcome, repository=repository, resumer=stack.resumer(), clock=SystemClock()
        )


def test_an_upload_starts_both_pipelines_with_distinct_ids(running_stack):
    """Properties 1 and 2: one upload, two workflows, two distinct ids.

    The durable record keeps its engine's ARN in AWS's shape, of the version
    the trigger's alias points to, and Lambda's API finds the execution by it.
    """
    execution_ids = upload(running_stack, "uploads/e2e-start.jpg", (SAMPLES / "shelf-02.jpg").read_bytes())
    executions = wait_for_status(running_stack, execution_ids, {"waiting_validation"})
    assert len(set(execution_ids.values())) == 2
    for workflow, execution in executions.items():
        assert execution.workflowType is workflow
        assert execution.imageS3Key == "uploads/e2e-start.jpg"
    lambda_client = running_stack.client("lambda")
    engine_arn = executions[WorkflowType.DURABLE_FUNCTIONS].engineExecutionArn
    assert re.fullmatch(lambda_client.meta.service_model.shape_for("DurableExecutionArn").metadata["pattern"], engine_arn)
    described = lambda_client.get_durable_execution(DurableExecutionArn=engine_arn)
    assert described["DurableExecutionArn"] == engine_arn
    alias = run_program(LOCAL_STACK_NAME, dict(LOCAL_PROJECT_CONFIG)).one("aws:lambda/alias:Alias", "durable-alias")
    assert described["Version"] == alias.inputs["functionVersion"]
    assert engine_arn.startswith(f"{running_stack.outputs['durableFunctionAliasArn'].rsplit(':', 1)[0]}:{described['Version']}/")


def test_validated_uploads_complete_with_equal_items_per_pattern(running_stack):
    """Properties 4, 14, 29 and 30: tagged, prefixed, and equal across patterns."""
    execution_ids = upload(running_stack, "uploads/e2e-complete.jpg", (SAMPLES / "shelf-03.jpg").read_bytes())
    wait_for_status(running_stack, execution_ids, {"waiting_validation"})
    validate_all(
        running_stack, execution_ids, ValidationOutcome(reviewed=True, corrections=[AlbumCorrection(albumIndex=2, year=1972)])
    )
    executions = wait_for_status(running_stack, execution_ids, {"completed"})
    assert all(e.pricedCount is not None for e in executions.values())
    items = items_by_pattern(running_stack.client("dynamodb"), running_stack.outputs["tableName"])
    mine = {
        workflow: [item for item in items[workflow] if "e2e-complete" in json.dumps(item) or execution_ids[workflow][-32:] in json.dumps(item)]
        for workflow in WorkflowType
    }
    assert len(mine[WorkflowType.STEP_FUNCTIONS]) == 8
    assert mine[WorkflowType.STEP_FUNCTIONS] == mine[WorkflowType.DURABLE_FUNCTIONS]
    albums = running_stack.repository().get_albums(WorkflowType.STEP_FUNCTIONS, execution_ids[WorkflowType.STEP_FUNCTIONS])
    assert albums[1].year == 1972


@pytest.mark.parametrize(
    ("key", "body"),
    [("photos/shelf.jpg", "sample"), ("uploads/shelf.gif", "sample")],
    ids=["wrong-prefix", "wrong-extension"],
)
def test_uploads_outside_the_rules_start_nothing(running_stack, key, body):
    before = items_by_pattern(running_stack.client("dynamodb"), running_stack.outputs["tableName"])
    execution_ids = upload(running_stack, key, (SAMPLES / "shelf-01.jpg").read_bytes())
    # Give the trigger the time it takes for a real upload to show up.
    other = upload(running_stack, "uploads/e2e-marker.jpg", (SAMPLES / "shelf-01.jpg").read_bytes())
    wait_for_status(running_stack, other, {"waiting_validation"})
    repository = running_stack.repository()
    assert all(repository.get_execution(w, i) is None for w, i in execution_ids.items())
    after = items_by_pattern(running_stack.client("dynamodb"), running_stack.outputs["tableName"])
    for workflow in WorkflowType:
        assert [i for i in before[workflow]] == [i for i in after[workflow] if i in before[workflow]]


def test_a_file_that_is_not_an_image_ends_failed_with_the_reason(running_stack):
    execution_ids = upload(running_stack, "uploads/notes.jpg", b"these are my shopping notes, not a photo")
    executions = wait_for_status(running_stack, execution_ids, {"failed"})
    for execution in executions.values():
        assert "image" in execution.error.lower()
    repository = running_stack.repository()
    assert all(repository.get_albums(w, i) == [] for w, i in execution_ids.items())


def test_a_run_stopped_on_its_engine_ends_failed_through_the_status_change_rule(running_stack):
    """The stack publishes the engines' status-change events to the program's rules, as AWS
    does: a durable run stopped while it waits for a person ends failed, its task closed.

    The state machine's run is left alone: moto's StopExecution ends a run only when its
    wait ends (it stays RUNNING until then). Its ending through the same rules is shown
    on a timeout, in the equivalence suite.
    """
    execution_ids = upload(running_stack, "uploads/e2e-stopped.jpg", (SAMPLES / "shelf-01.jpg").read_bytes())
    executions = wait_for_status(running_stack, execution_ids, {"waiting_validation"})
    durable = {WorkflowType.DURABLE_FUNCTIONS: execution_ids[WorkflowType.DURABLE_FUNCTIONS]}
    running_stack.client("lambda").stop_durable_execution(
        DurableExecutionArn=executions[WorkflowType.DURABLE_FUNCTIONS].engineExecutionArn
    )
    ended = wait_for_status(running_stack, durable, {"failed"})[WorkflowType.DURABLE_FUNCTIONS]
    assert (ended.errorCode, ended.error) == ("ExecutionStopped", "the run was stopped on its engine")
    task = running_stack.repository().get_task(WorkflowType.DURABLE_FUNCTIONS, ids.task_id_for_execution(ended.executionId))
    assert task.status.value == "timeout"
    logged = json_lines((running_stack.data_dir / "logs" / "vinyl-local-run-endings.log").read_text())
    assert [(r["executionId"], r["errorCode"], r["engineStatus"]) for r in logged if r.get("level") == "ERROR"] == [
        (ended.executionId, "ExecutionStopped", "STOPPED")
    ]


def test_the_local_stack_is_the_program(running_stack):
    """One source of truth: what runs locally is what the Pulumi program declares."""
    program = run_program(LOCAL_STACK_NAME, dict(LOCAL_PROJECT_CONFIG))
    assert running_stack.outputs == {name: str(value) for name, value in program.exports.items()}
    table = program.one("aws:dynamodb/table:Table").inputs
    described = running_stack.client("dynamodb").describe_table(TableName=table["name"])["Table"]
    assert {(k["AttributeName"], k["KeyType"]) for k in described["KeySchema"]} == {
        (table["hashKey"], "HASH"),
        (table["rangeKey"], "RANGE"),
    }
    assert [index["IndexName"] for index in described["GlobalSecondaryIndexes"]] == [
        index["name"] for index in table["globalSecondaryIndexes"]
    ]
    machine = program.one("aws:sfn/stateMachine:StateMachine").inputs
    deployed = running_stack.client("stepfunctions").describe_state_machine(
        stateMachineArn=running_stack.outputs["stateMachineArn"]
    )
    assert json.loads(deployed["definition"]) == json.loads(machine["definition"])
    events = running_stack.client("events")
    declared_targets = program.of_type("aws:cloudwatch/eventTarget:EventTarget")
    for rule in (resource.inputs for resource in program.of_type("aws:cloudwatch/eventRule:EventRule")):
        assert json.loads(events.describe_rule(Name=rule["name"])["EventPattern"]) == json.loads(rule["eventPattern"])
        targets = {t["Arn"] for t in events.list_targets_by_rule(Rule=rule["name"])["Targets"]}
        assert targets == {t.inputs["arn"] for t in declared_targets if t.inputs["rule"] == rule["name"]}


def test_restart_keeps_the_data_and_a_paused_durable_workflow_completes(tmp_path):
    stack = start_stack(tmp_path / "data", free_loopback_port())
    try:
        execution_ids = upload(stack, "uploads/e2e-restart.jpg", (SAMPLES / "shelf-04.jpg").read_bytes())
        wait_for_status(stack, execution_ids, {"waiting_validation"})
    finally:
        stack.stop()
    stack = start_stack(tmp_path / "data", stack.port)
    try:
        assert "restored saved state" in stack.log.read_text()
        durable = WorkflowType.DURABLE_FUNCTIONS
        execution = stack.repository().get_execution(durable, execution_ids[durable])
        assert execution.status is ExecutionStatus.WAITING_VALIDATION
        # The engine ARN the record kept before the restart still names the execution.
        lambda_client = stack.client("lambda")
        assert lambda_client.get_durable_execution(DurableExecutionArn=execution.engineExecutionArn)["Status"] == "RUNNING"
        validate_all(stack, {durable: execution_ids[durable]}, ValidationOutcome(reviewed=True))
        completed = wait_for_status(stack, {durable: execution_ids[durable]}, {"completed"})
        assert completed[durable].albumCount == 6
        assert completed[durable].engineExecutionArn == execution.engineExecutionArn

        def engine_status():
            status = lambda_client.get_durable_execution(DurableExecutionArn=execution.engineExecutionArn)["Status"]
            return status if status != "RUNNING" else None

        assert wait_until(engine_status, what="the durable execution to end") == "SUCCEEDED"
    finally:
        stack.stop()


def test_a_port_in_use_or_an_unwritable_data_dir_is_refused_with_one_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = subprocess.run(
            [sys.executable, "-m", "albums.cli", "local", "up", "--port", str(port), "--data-dir", str(tmp_path / "d")],
            capture_output=True, text=True, timeout=60,
        )
    assert busy.returncode == 2
    assert busy.stderr.strip().splitlines() == [f"albums local up: port {port} on 127.0.0.1 is in use (try --port)"]
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    unwritable = subprocess.run(
        [sys.executable, "-m", "albums.cli", "local", "up", "--port", str(free_loopback_port()), "--data-dir", str(blocker / "data")],
        capture_output=True, text=True, timeout=60,
    )
    assert unwritable.returncode == 2
    assert len(unwritable.stderr.strip().splitlines()) == 1
    assert "is not writable" in unwritable.stderr


def test_invoking_the_durable_function_twice_with_one_name_starts_one_execution(running_stack):
    """A caller's Invoke starts a durable execution; DurableExecutionName makes it idempotent."""
    client = running_stack.client("lambda")
    event = json.dumps({"detail-type": "not an upload"}).encode()
    alias = running_stack.outputs["durableFunctionAliasArn"]
    first = client.invoke(FunctionName=alias, InvocationType="Event", DurableExecutionName="same-name", Payload=event)
    second = client.invoke(FunctionName=alias, InvocationType="Event", DurableExecutionName="same-name", Payload=event)
    other = client.invoke(FunctionName=alias, InvocationType="Event", DurableExecutionName="other-name", Payload=event)
    assert first["DurableExecutionArn"] == second["DurableExecutionArn"]
    assert other["DurableExecutionArn"] != first["DurableExecutionArn"]


def test_the_cli_lists_and_validates_tasks_on_the_running_stack(running_stack):
    """albums tasks / albums validate act on the running local stack through its data dir."""
    execution_ids = upload(running_stack, "uploads/e2e-cli.jpg", (SAMPLES / "shelf-01.jpg").read_bytes())
    wait_for_status(running_stack, execution_ids, {"waiting_validation"})
    where = ["--stack", "local", "--data-dir", str(running_stack.data_dir)]
    listed = subprocess.run(
        [sys.executable, "-m", "albums.cli", "tasks", "--json", *where], capture_output=True, text=True, timeout=60
    )
    assert listed.returncode == 0, listed.stderr
    task_ids = {task["taskId"] for task in json.loads(listed.stdout)["tasks"]}
    assert {ids.task_id_for_execution(execution_id) for execution_id in execution_ids.values()} <= task_ids
    for execution_id in execution_ids.values():
        submitted = subprocess.run(
            [sys.executable, "-m", "albums.cli", "validate", ids.task_id_for_execution(execution_id), "--set", "4.year=1968", *where],
            capture_output=True, text=True, timeout=60,
        )
        assert submitted.returncode == 0, submitted.stderr
    wait_for_status(running_stack, execution_ids, {"completed"})
    for workflow, execution_id in execution_ids.items():
        assert running_stack.repository().get_albums(workflow, execution_id)[3].year == 1968


SEED_EXAMPLE_EVENTS = {
    "durableExampleMinimalAliasArn": {"message": "  the seed's   minimal example  "},
    "durableExampleShowcaseAliasArn": {
        "workflowId": "seed-showcase",
        "inputData": {"items": ["a", "bb", "ccc"]},
        "approvalTimeoutSeconds": 1,
    },
}


@pytest.mark.parametrize("output", sorted(SEED_EXAMPLE_EVENTS))
def test_each_seed_example_runs_once_per_execution_name_through_its_alias(running_stack, output):
    """The seed's examples are deployed: invoked by alias twice with one
    DurableExecutionName, the second call returns the first execution, which completes."""
    client = running_stack.client("lambda")
    alias = running_stack.outputs[output]
    assert alias.endswith(":live")
    event = json.dumps(SEED_EXAMPLE_EVENTS[output]).encode()
    first = client.invoke(FunctionName=alias, InvocationType="Event", DurableExecutionName="seed-run-1", Payload=event)
    second = client.invoke(FunctionName=alias, InvocationType="Event", DurableExecutionName="seed-run-1", Payload=event)
    assert first["DurableExecutionArn"] == second["DurableExecutionArn"]

    def finished():
        execution = client.get_durable_execution(DurableExecutionArn=first["DurableExecutionArn"])
        return execution if execution["Status"] != "RUNNING" else None

    execution = wait_until(finished, timeout=60, what=f"{output} execution to finish")
    assert execution["Status"] == "SUCCEEDED", execution
    result = json.loads(execution["Result"])
    if output == "durableExampleMinimalAliasArn":
        assert result["execution_id"] == first["DurableExecutionArn"]
        assert result["final_result"]["summary"] == "THE SEED'S MINIMAL EXAMPLE (4 words)"
    else:
        assert result["workflowId"] == "seed-showcase"
        assert len(result["processedItems"]) == 3


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``, as ``ps --ppid`` lists them."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # "pid (comm) state ppid ...": comm may hold spaces, so split after ')'.
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # a process that ended meanwhile
        if parent == pid:
            found.append(int(stat.parent.name))
    return found


def test_the_functions_run_in_awslambdaric_workers_from_their_archives(running_stack):
    """What ``ps`` shows during a run: each function in an awslambdaric process
    whose code is the built archive, never the development venv."""
    execution_ids = upload(running_stack, "uploads/e2e-workers.jpg", (SAMPLES / "shelf-03.jpg").read_bytes())
    wait_for_status(running_stack, execution_ids, {"waiting_validation"})
    workers = {}
    for child in _children(running_stack.process.pid):
        arguments = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        if b"awslambdaric" in arguments:
            environment = dict(
                line.split(b"=", 1) for line in Path(f"/proc/{child}/environ").read_bytes().split(b"\0") if b"=" in line
            )
            workers[arguments[-2].decode()] = environment
    assert "album_registry.handlers.durable_pipeline.handler" in workers
    assert "album_registry.handlers.step_functions_tasks.process_image_handler" in workers
    for handler, environment in workers.items():
        assert b"build/lambda/code/" in environment[b"LAMBDA_TASK_ROOT"], handler
        assert b".venv" not in environment[b"PYTHONPATH"], handler


def test_the_shape_bench_runs_n_no_op_steps_on_both_engines_and_reports_each(running_stack, tmp_path, capsys):
    """``albums bench --shape steps=3`` on the running stack: 3 Pass states and the deployed steps example."""
    from albums.cli import main

    argv = ["bench", "--stack", "local", "--running-local-stack", "--data-dir", str(running_stack.data_dir)]
    assert main([*argv, "--shape", "steps=3", "--out", str(tmp_path)]) == 0
    (written,) = tmp_path.glob("*/report.json")
    report = json.loads(written.read_text())
    points = {series["workflow"]: series["points"] for series in report["series"]}
    (step_functions,) = points["step-functions"]
    (durable,) = points["durable-functions"]
    assert (step_functions["steps"], step_functions["status"], step_functions["billedUnits"]) == (3, "SUCCEEDED", 3)
    # The start and three steps; the steps ran in the function's one invocation, checkpointing their results.
    assert (durable["steps"], durable["status"], durable["billedUnits"]) == (3, "SUCCEEDED", 4)
    assert durable["invocations"] >= 1 and durable["replays"] == durable["invocations"] - 1
    assert durable["checkpointBytes"] > 0 and step_functions["checkpointBytes"] == 0
    for point in (step_functions, durable):
        assert point["perStepMs"] == pytest.approx(point["totalSeconds"] * 1000 / 3)
        assert point["costPerWorkflowUsd"] > 0
    out = capsys.readouterr().out
    assert "step-functions steps=3: SUCCEEDED" in out and "durable-functions steps=3: SUCCEEDED" in out
    assert (tmp_path / written.parent.name / "report.html").is_file()
