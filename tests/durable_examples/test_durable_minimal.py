"""The minimal durable function (seed 003) on the official local runner, and each of its steps alone."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from aws_durable_execution_sdk_python import StepContext
from aws_durable_execution_sdk_python.execution import InvocationStatus
from aws_durable_execution_sdk_python_testing import DurableFunctionTestResult, DurableFunctionTestRunner
from hypothesis import given
from hypothesis import strategies as st

from durable_examples import minimal
from durable_examples.errors import EmptyMessageError, TransientProcessingError


def step_context(attempt: int = 1) -> StepContext:
    return StepContext(logger=logging.getLogger("durable-examples-test"), attempt=attempt)


@pytest.fixture(scope="module")
def runner() -> Iterator[DurableFunctionTestRunner]:
    with DurableFunctionTestRunner(handler=minimal.handler, skip_time=True) as shared_runner:
        yield shared_runner


def run(runner: DurableFunctionTestRunner, event: dict[str, Any], execution_name: str) -> tuple[str, DurableFunctionTestResult]:
    arn = runner.run_async(input=json.dumps(event), execution_name=execution_name)
    return arn, runner.wait_for_result(arn)


def record_step_runs(monkeypatch: pytest.MonkeyPatch, step_name: str) -> list[int]:
    """Wrap one of the module's step functions so each run of its body records its attempt number."""
    attempts: list[int] = []
    original: Callable[..., Callable[[StepContext], Any]] = getattr(minimal, step_name)

    def recorded(*args: Any) -> Callable[[StepContext], Any]:
        body = original(*args)

        def run_body(context: StepContext) -> Any:
            attempts.append(context.attempt)
            return body(context)

        return run_body

    monkeypatch.setattr(minimal, step_name, recorded)
    return attempts


def test_happy_path_returns_the_seed_output(runner: DurableFunctionTestRunner) -> None:
    arn, result = run(runner, {"message": "  hello   durable\tworld "}, "minimal-happy")

    assert result.status is InvocationStatus.SUCCEEDED
    output = json.loads(result.result)
    assert set(output) == {"execution_id", "steps_completed", "final_result", "status"}
    assert output["execution_id"] == arn
    assert output["steps_completed"] == ["normalize-message", "process-message", "summarize-message"]
    assert output["status"] == "succeeded"
    final = output["final_result"]
    assert final["summary"] == "HELLO DURABLE WORLD (3 words)"
    assert final["word_count"] == 3
    assert final["process_attempts"] == 1
    assert datetime.fromisoformat(final["completed_at"]).tzinfo is not None
    assert [op.name for op in result.operations] == output["steps_completed"]


@pytest.mark.parametrize("failures", [1, 2])
def test_retry_strategy_retries_a_transient_failure_until_it_succeeds(
    runner: DurableFunctionTestRunner, monkeypatch: pytest.MonkeyPatch, failures: int
) -> None:
    attempts = record_step_runs(monkeypatch, "process_message")

    _, result = run(runner, {"message": "flaky call", "simulated_transient_failures": failures}, f"minimal-retry-{failures}")

    assert result.status is InvocationStatus.SUCCEEDED
    assert attempts == list(range(1, failures + 2))
    assert result.get_step("process-message").attempt == failures + 1
    assert json.loads(result.result)["final_result"]["process_attempts"] == failures + 1


def test_retry_strategy_gives_up_after_its_maximum_attempts(
    runner: DurableFunctionTestRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts = record_step_runs(monkeypatch, "process_message")

    _, result = run(runner, {"message": "always down", "simulated_transient_failures": 10}, "minimal-retry-exhausted")

    assert result.status is InvocationStatus.FAILED
    assert attempts == list(range(1, minimal.PROCESS_MAX_ATTEMPTS + 1))
    assert result.error is not None
    assert result.error.message == str(
        TransientProcessingError(attempt=minimal.PROCESS_MAX_ATTEMPTS, simulated_failures=10)
    )


def test_a_pure_step_failure_is_not_retried(runner: DurableFunctionTestRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    attempts = record_step_runs(monkeypatch, "normalize_message")

    _, result = run(runner, {"message": " \t "}, "minimal-empty")

    assert result.status is InvocationStatus.FAILED
    assert attempts == [1]
    assert result.get_step("normalize-message").attempt == 1


def test_a_second_invocation_of_the_execution_replays_instead_of_rerunning(
    runner: DurableFunctionTestRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The handler is invoked again after the retry wait; completed steps come back from their checkpoints."""
    runs = {name: record_step_runs(monkeypatch, name) for name in ("normalize_message", "process_message", "summarize_message")}

    arn, result = run(runner, {"message": "replay me", "simulated_transient_failures": 1}, "minimal-replay")

    history = runner.get_execution_history(arn)
    invocations = [event for event in history.events if event.event_type == "InvocationCompleted"]
    assert len(invocations) == 2
    assert runs == {"normalize_message": [1], "process_message": [1, 2], "summarize_message": [1]}
    assert json.loads(result.result)["execution_id"] == arn


# Each step on its own: a @durable_step call binds the arguments and returns the
# body, which takes the StepContext the SDK would pass.


@given(st.text())
def test_normalize_message_keeps_the_words_and_drops_extra_whitespace(message: str) -> None:
    if not message.split():
        with pytest.raises(EmptyMessageError):
            minimal.normalize_message(message)(step_context())
        return
    normalized = minimal.normalize_message(message)(step_context())
    assert normalized.split() == message.split()
    assert normalized == normalized.strip()
    assert "  " not in normalized


@given(failures=st.integers(min_value=0, max_value=5), attempt=st.integers(min_value=1, max_value=6))
def test_process_message_fails_exactly_on_the_simulated_attempts(failures: int, attempt: int) -> None:
    body = minimal.process_message("two words", failures)
    if attempt <= failures:
        with pytest.raises(TransientProcessingError):
            body(step_context(attempt))
        return
    assert body(step_context(attempt)) == {"text": "TWO WORDS", "word_count": 2, "attempts": attempt}


def test_summarize_message_builds_the_final_result() -> None:
    final = minimal.summarize_message({"text": "HI THERE", "word_count": 2, "attempts": 3})(step_context())

    assert final["summary"] == "HI THERE (2 words)"
    assert final["word_count"] == 2
    assert final["process_attempts"] == 3
    assert datetime.fromisoformat(final["completed_at"]).tzinfo is not None
