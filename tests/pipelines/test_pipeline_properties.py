"""Properties that only show in a run, on both engines, each by what it would break.

- 20: the six price agents run at once: each waits at a barrier the six must
  reach together before it prices, so agents run one after another would break
  it (no clock is read).
- 16: a workflow waiting for a person holds no compute: no Lambda and no durable
  invocation runs while its task is pending, and the engine starts none until
  the wait ends.
- 31: a failing step logs an error record that carries the execution, the step
  and the error's stable code.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from album_registry import composition
from album_registry.domain.models import (
    Album,
    ExecutionStatus,
    PriceEstimate,
    TaskStatus,
    ValidationOutcome,
    WorkflowType,
)
from album_registry.domain.ports import PriceEstimator
from album_registry.handlers.observability import logger as powertools_logger
from local_aws.lambda_runtime import InvocationGauge
from local_aws.pipelines import LocalPipelines

ENGINES = pytest.mark.parametrize("workflow", list(WorkflowType), ids=lambda w: w.short_name)
ACCEPT = ValidationOutcome(reviewed=True)
AGENTS = 6
# Only a barrier that six agents never reach together waits this long: then it breaks.
BARRIER_SECONDS = 120


class AgentsTogether:
    """The real estimator behind a barrier: no agent prices before all six are running."""

    def __init__(self, estimator: PriceEstimator) -> None:
        self._estimator = estimator
        self.barrier = threading.Barrier(AGENTS, timeout=BARRIER_SECONDS)
        self.passed = 0
        self._lock = threading.Lock()

    def estimate(self, album: Album) -> PriceEstimate:
        self.barrier.wait()
        with self._lock:
            self.passed += 1
        return self._estimator.estimate(album)


@ENGINES
def test_the_six_price_agents_run_at_once(local_pipelines, shelf_photo, monkeypatch, workflow):
    """Property 20: six agents, each held until all six are running; none is priced otherwise."""
    pipelines: LocalPipelines = local_pipelines(lambda_concurrency=AGENTS + 2)
    together = AgentsTogether(composition.price_estimator())
    monkeypatch.setattr(composition, "price_estimator", lambda: together)
    started = pipelines.upload(shelf_photo, "uploads/together.jpg", workflows=(workflow,))
    task = pipelines.wait_for_task(workflow, started.execution_id(workflow))
    pipelines.submit(task.taskId, ACCEPT)
    outcome = pipelines.wait_for_engine(workflow, started.engine_arns[workflow])
    assert outcome.status == "SUCCEEDED", outcome.error
    assert not together.barrier.broken
    assert together.passed == AGENTS
    execution = pipelines.repository.get_execution(workflow, started.execution_id(workflow))
    assert (execution.pricedCount, execution.priceFailedCount) == (AGENTS, 0)


def _compute(pipelines: LocalPipelines, workflow: WorkflowType) -> InvocationGauge:
    """What runs the pattern's code: the task Lambdas, or the durable handler."""
    return pipelines.runtime.gauge if workflow is WorkflowType.STEP_FUNCTIONS else pipelines.durable_invocations


def _wait_for_pause(pipelines: LocalPipelines, workflow: WorkflowType, task_id: str, timeout: float = 60) -> int:
    """Until the task is pending with nothing running: the invocations started so far."""
    gauge = _compute(pipelines, workflow)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        running, started = gauge.running, gauge.started
        task = pipelines.repository.get_task(workflow, task_id)
        # Read after the gauge: the task was still pending when nothing ran.
        if running == 0 and task.status is TaskStatus.PENDING:
            return started
        time.sleep(0.02)
    raise AssertionError(f"{workflow.value}: compute kept running while its validation task waited")


def _invocations_during_the_wait(pipelines: LocalPipelines, workflow: WorkflowType, engine_arn: str) -> int:
    """Invocations the engine's own history shows between the wait's start and its end."""
    if workflow is WorkflowType.STEP_FUNCTIONS:
        events = pipelines.step_functions.get_execution_history(executionArn=engine_arn, maxResults=1000)["events"]
        kinds = [event["type"] for event in events]
        start = kinds.index("TaskSubmitted")  # the task Lambda of the wait returned: the pause begins
        end = kinds.index("TaskTimedOut", start)
        return sum(kind in ("TaskScheduled", "LambdaFunctionScheduled") for kind in kinds[start:end])
    history = pipelines.durable_runner.get_execution_history(engine_arn).events
    kinds = [event.event_type for event in history]
    start = kinds.index("CallbackStarted")
    end = kinds.index("CallbackTimedOut", start)
    # The invocation that opened the task ends after the callback started; no other may.
    return sum(kind == "InvocationCompleted" for kind in kinds[start:end]) - 1


@ENGINES
def test_a_workflow_waiting_for_a_person_runs_nothing(local_pipelines, shelf_photo, workflow):
    """Property 16: while the task is pending nothing runs, and nothing starts until the wait ends."""
    pipelines: LocalPipelines = local_pipelines(validation_timeout_seconds=10)
    started = pipelines.upload(shelf_photo, "uploads/paused.jpg", workflows=(workflow,))
    execution_id = started.execution_id(workflow)
    task = pipelines.wait_for_task(workflow, execution_id)
    started_before = _wait_for_pause(pipelines, workflow, task.taskId)
    # Nobody answers; the engine's own timeout ends the wait.
    outcome = pipelines.wait_for_engine(workflow, started.engine_arns[workflow])
    assert outcome.status == "SUCCEEDED", outcome.error
    assert pipelines.repository.get_task(workflow, task.taskId).status is TaskStatus.TIMEOUT
    assert _invocations_during_the_wait(pipelines, workflow, started.engine_arns[workflow]) == 0
    # And the pattern did run code after the wait: the gauge watched the right compute.
    assert _compute(pipelines, workflow).started > started_before


class StructuredRecords(logging.Handler):
    """The logger's records as the Lambda writes them: JSON through the logger's own
    formatter, in the thread that logged (so its appended keys are in)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.setFormatter(powertools_logger.registered_formatter)
        self.records: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(json.loads(self.format(record)))


@pytest.fixture
def error_records() -> Iterator[list[dict[str, Any]]]:
    handler = StructuredRecords()
    powertools_logger.addHandler(handler)
    yield handler.records
    powertools_logger.removeHandler(handler)


@pytest.mark.parametrize(
    ("plan", "review", "step", "code"),
    [
        pytest.param({"vision_unavailable_calls": -1}, None, "process-image", "VisionUnavailableError", id="vision-down"),
        pytest.param({"price_failing_albums": [2]}, ACCEPT, "estimate-price", "PriceEstimationError", id="price-agent-down"),
    ],
)
def test_a_failing_step_logs_its_execution_step_and_error_code(
    local_pipelines, shelf_photo, error_records, plan, review, step, code
):
    """Property 31, on both engines: the error record names the run, the step and the stable code."""
    pipelines: LocalPipelines = local_pipelines(fault_injection=json.dumps(plan))
    started = pipelines.upload(shelf_photo, "uploads/logged.jpg")
    if review is not None:
        for workflow in WorkflowType:
            pipelines.submit(pipelines.wait_for_task(workflow, started.execution_id(workflow)).taskId, review)
    for workflow in WorkflowType:
        pipelines.wait_for_engine(workflow, started.engine_arns[workflow])
    for workflow in WorkflowType:
        logged = [
            record
            for record in error_records
            if record.get("executionId") == started.execution_id(workflow) and record.get("step") == step
        ]
        assert logged, f"{workflow.value}: no error record of {step} for its execution"
        assert all(record["errorCode"] == code and record["level"] == "ERROR" for record in logged)
        assert all("Traceback" not in record["error"] and "\n" not in record["error"] for record in logged)
        execution = pipelines.repository.get_execution(workflow, started.execution_id(workflow))
        assert execution.status in (ExecutionStatus.COMPLETED, ExecutionStatus.FAILED)
