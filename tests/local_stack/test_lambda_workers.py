"""The local stack's Lambda workers: awslambdaric processes serving invokes as Lambda does.

The first tests run small handlers written here; the last ones run the
project's own archives and layers as the local stack's program declares them.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from local_aws.declared_functions import DeclaredFunction, declared_functions
from local_aws.lambda_runtime import UnknownFunctionError
from local_aws.lambda_workers import WORKER_NICENESS, FunctionDefinition, WorkerHost, WorkerLambdaRuntime
from local_aws.provisioning import LOCAL_PROJECT_CONFIG, LOCAL_STACK_NAME
from local_aws.pulumi_program import run_program
from local_aws.usage import StackUsage, session_token_for
from components.lambda_package import LAMBDA_RUNTIME_LAYER, LAYER_PREFIX, build_layer, local_platform

HANDLERS = '''
import os, threading, time

def echo(event, context):
    return {"event": event, "pid": os.getpid(), "function": context.function_name,
            "deadline_left_ms": context.get_remaining_time_in_millis(),
            "greeting": os.environ.get("GREETING"), "handler": os.environ.get("_HANDLER"),
            "version": os.environ.get("AWS_LAMBDA_FUNCTION_VERSION"),
            "invoked_arn": context.invoked_function_arn,
            "session_token": os.environ.get("AWS_SESSION_TOKEN"),
            "site_packages": [p for p in __import__("sys").path if "site-packages" in p]}

def fails(event, context):
    raise ValueError("a handler error")

def sleeps(event, context):
    time.sleep(event["seconds"])
    return {"pid": os.getpid()}

def exits(event, context):
    os._exit(3)
'''


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> WorkerHost:
    root = tmp_path_factory.mktemp("workers")
    return WorkerHost(
        interpreter=sys.executable,
        runtime=build_layer(LAMBDA_RUNTIME_LAYER, local_platform()).tree / LAYER_PREFIX,
        endpoint="http://127.0.0.1:9",
        log_dir=root / "logs",
        bytecode_dir=root / "bytecode",
    )


@pytest.fixture(scope="module")
def code(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("code")
    (root / "fixture_handlers.py").write_text(HANDLERS, encoding="utf-8")
    return root


def _definition(code: Path, name: str, handler: str, timeout: int = 30) -> FunctionDefinition:
    return FunctionDefinition(
        name=name, handler=f"fixture_handlers.{handler}", code=code, layers=(),
        environment={"GREETING": "hello"}, timeout_seconds=timeout, memory_mb=128,
    )


@pytest.fixture
def runtime(host: WorkerHost) -> Iterator[WorkerLambdaRuntime]:
    runtime = WorkerLambdaRuntime(host, concurrency=2, idle_seconds=600)
    yield runtime
    runtime.stop()


def _payload(result) -> dict:
    return json.loads(result.payload)


def test_a_warm_worker_is_reused_and_sees_no_site_packages(runtime: WorkerLambdaRuntime, code: Path) -> None:
    runtime.register(_definition(code, "echo", "echo"))
    first = runtime.invoke("echo", b'{"n": 1}')
    second = runtime.invoke("arn:aws:lambda:us-east-1:123456789012:function:echo", b'{"n": 2}')
    assert first.function_error is None and second.function_error is None
    assert _payload(first)["event"] == {"n": 1}
    assert _payload(first)["function"] == "echo"
    # The function's own environment, and the variables the Lambda runtime sets.
    assert _payload(first)["greeting"] == "hello"
    assert _payload(first)["handler"] == "fixture_handlers.echo"
    assert 0 < _payload(first)["deadline_left_ms"] <= 30_000
    assert _payload(first)["pid"] == _payload(second)["pid"]
    assert _payload(first)["site_packages"] == []
    assert runtime.cold_starts() == {"echo": 1}
    assert [pid for pid in runtime.worker_pids()["echo"]] == [_payload(first)["pid"]]
    # Below the stack's priority, so twenty busy workers never starve the engines.
    worker_priority = os.getpriority(os.PRIO_PROCESS, _payload(first)["pid"])
    assert worker_priority == min(os.getpriority(os.PRIO_PROCESS, 0) + WORKER_NICENESS, 19)


def test_an_alias_runs_the_version_it_points_to_in_that_versions_own_workers(
    runtime: WorkerLambdaRuntime, code: Path
) -> None:
    """As on Lambda: each version has its own environments, and the handler sees the ARN it was invoked by."""
    runtime.register(_definition(code, "echo", "echo"))
    runtime.versions.add_alias("echo", "live", "3")
    latest = runtime.invoke("echo", b"{}")
    by_alias = runtime.invoke("arn:aws:lambda:us-east-1:123456789012:function:echo:live", b"{}")
    by_version = runtime.invoke("echo:3", b"{}")
    assert (latest.executed_version, by_alias.executed_version, by_version.executed_version) == ("$LATEST", "3", "3")
    assert _payload(latest)["version"] == "$LATEST"
    assert _payload(by_alias)["version"] == _payload(by_version)["version"] == "3"
    assert _payload(by_alias)["pid"] == _payload(by_version)["pid"] != _payload(latest)["pid"]
    assert _payload(latest)["invoked_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:echo"
    assert _payload(by_alias)["invoked_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:echo:live"
    assert runtime.cold_starts() == {"echo": 2}
    for unknown in ("echo:staging", "echo:4"):
        with pytest.raises(UnknownFunctionError, match=unknown):
            runtime.invoke(unknown, b"{}")


def test_busy_workers_scale_out_to_the_concurrency_and_further_invokes_wait(
    runtime: WorkerLambdaRuntime, code: Path
) -> None:
    runtime.register(_definition(code, "sleeps", "sleeps"))
    results: list[dict] = []
    threads = [
        threading.Thread(target=lambda: results.append(_payload(runtime.invoke("sleeps", b'{"seconds": 1}'))))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Three invokes, two environments at most: one of them ran twice.
    assert len(results) == 3
    assert len({result["pid"] for result in results}) == 2
    assert runtime.cold_starts()["sleeps"] == 2


def test_a_handler_error_comes_back_as_lambda_reports_it_and_the_worker_stays(
    runtime: WorkerLambdaRuntime, code: Path
) -> None:
    runtime.register(_definition(code, "fails", "fails"))
    result = runtime.invoke("fails", b"{}")
    assert result.function_error == "Unhandled"
    assert _payload(result)["errorType"] == "ValueError"
    assert _payload(result)["errorMessage"] == "a handler error"
    runtime.invoke("fails", b"{}")
    assert runtime.cold_starts()["fails"] == 1


@pytest.mark.parametrize(
    ("handler", "event", "error_type"),
    [
        ("exits", b"{}", "Runtime.ExitError"),
        ("sleeps", b'{"seconds": 30}', "Sandbox.Timedout"),
        ("no_such_handler", b"{}", "Runtime.HandlerNotFound"),
    ],
)
def test_a_worker_that_dies_times_out_or_cannot_start_is_replaced(
    runtime: WorkerLambdaRuntime, code: Path, handler: str, event: bytes, error_type: str
) -> None:
    runtime.register(_definition(code, "broken", handler, timeout=1))
    for attempt in (1, 2):
        result = runtime.invoke("broken", event)
        assert result.function_error == "Unhandled"
        assert _payload(result)["errorType"] == error_type
        assert runtime.cold_starts()["broken"] == attempt


def test_idle_workers_are_reaped(host: WorkerHost, code: Path) -> None:
    runtime = WorkerLambdaRuntime(host, concurrency=2, idle_seconds=0.5)
    try:
        runtime.register(_definition(code, "echo", "echo"))
        runtime.invoke("echo", b"{}")
        assert runtime.worker_pids()["echo"]
        deadline = time.monotonic() + 10
        while runtime.worker_pids()["echo"] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert runtime.worker_pids()["echo"] == []
        runtime.invoke("echo", b"{}")
        assert runtime.cold_starts()["echo"] == 2
    finally:
        runtime.stop()


def test_invocations_and_billed_time_are_counted_per_function_and_calls_sign_as_the_function(
    host: WorkerHost, code: Path
) -> None:
    """As REPORT lines would count them: each invocation, and the handler's time rounded up to the
    millisecond (at least 1 ms each; a handler that sleeps, at least its sleep)."""
    usage = StackUsage()
    runtime = WorkerLambdaRuntime(host, concurrency=2, idle_seconds=600, usage=usage)
    try:
        runtime.register(_definition(code, "echo", "echo"))
        runtime.register(_definition(code, "sleeps", "sleeps"))
        echoed = _payload(runtime.invoke("echo", b"{}"))
        for _ in range(2):
            runtime.invoke("sleeps", json.dumps({"seconds": 0.2}).encode())
        runtime.invoke("echo", b"{}")
        counted = usage.snapshot()["Lambda"]
    finally:
        runtime.stop()
    assert echoed["session_token"] == session_token_for("echo")
    assert counted.keys() == {"echo", "sleeps"}
    assert counted["sleeps"]["Invocations"] == 2 and counted["echo"]["Invocations"] == 2
    assert counted["sleeps"]["BilledDurationMs"] >= 2 * 200
    assert counted["echo"]["BilledDurationMs"] >= 2


# --- the project's own archives -----------------------------------------------


@pytest.fixture(scope="module")
def local_functions() -> list[DeclaredFunction]:
    return declared_functions(run_program(LOCAL_STACK_NAME, dict(LOCAL_PROJECT_CONFIG)))


def _from_program(function: DeclaredFunction, code: Path | None = None) -> FunctionDefinition:
    return FunctionDefinition(
        name=function.name,
        handler=function.handler,
        code=code or function.code.tree,
        layers=tuple(layer.tree for layer in function.layers),
        environment=function.environment,
        timeout_seconds=function.timeout_seconds,
        memory_mb=function.memory_mb,
    )


def test_a_module_missing_from_one_archive_fails_that_function_alone(
    host: WorkerHost, local_functions: list[DeclaredFunction], tmp_path: Path
) -> None:
    """As on AWS: Runtime.ImportModuleError for the function whose archive lacks
    a module its handler imports; the functions beside it run."""
    damaged_name = next(f.name for f in local_functions if f.name.endswith("sf-complete-execution"))
    damaged = next(f for f in local_functions if f.name == damaged_name)
    damaged_code = tmp_path / "damaged"
    shutil.copytree(damaged.code.tree, damaged_code)
    (damaged_code / "album_registry" / "domain" / "price_estimator.py").unlink()
    runtime = WorkerLambdaRuntime(host, concurrency=1, idle_seconds=600)
    try:
        registry = [f for f in local_functions if f.handler.startswith("album_registry.handlers.step_functions_tasks")]
        for function in registry:
            runtime.register(_from_program(function, damaged_code if function.name == damaged_name else None))
        errors = {
            function.name: _payload(result).get("errorType") if (result := runtime.invoke(function.name, b"{}")).function_error else None
            for function in registry
        }
    finally:
        runtime.stop()
    assert errors.pop(damaged_name) == "Runtime.ImportModuleError"
    # The others imported and ran their handler (which rejects an empty event in its own words).
    assert errors and "Runtime.ImportModuleError" not in errors.values()
