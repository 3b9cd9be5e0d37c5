"""Logger, tracer and metrics shared by the handlers of both patterns."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from album_registry.constants import METRICS_NAMESPACES
from album_registry.domain.models import ValidationTask, WorkflowType

SERVICE_NAME = "album-registration"
STEP_DURATION_METRIC = "StepDuration"
VALIDATION_WAIT_METRIC = "ValidationWaitTime"
STEP_DIMENSION = "step"

logger = Logger(service=SERVICE_NAME)
tracer = Tracer(service=SERVICE_NAME)


def metrics_for(workflow: WorkflowType) -> EphemeralMetrics:
    # Ephemeral: the local stack runs both patterns in one process, and the
    # shared-state Metrics class would mix their namespaces.
    metrics = EphemeralMetrics(namespace=METRICS_NAMESPACES[workflow], service=SERVICE_NAME)
    metrics.set_default_dimensions(workflowType=workflow.value)
    return metrics


_Step = TypeVar("_Step", bound=Callable[..., Any])


def timed_step(workflow: WorkflowType, step: str) -> Callable[[_Step], _Step]:
    """Emit the wrapped business step's duration as ``StepDuration`` (ms, per step).

    The clock is read inside the step, so a durable replay, which returns the
    checkpointed result without calling the step, emits nothing; every attempt
    that runs, failed or not, emits its own duration.
    """

    def decorate(function: _Step) -> _Step:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                metrics = metrics_for(workflow)
                metrics.add_dimension(name=STEP_DIMENSION, value=step)
                metrics.add_metric(
                    name=STEP_DURATION_METRIC,
                    unit=MetricUnit.Milliseconds,
                    value=(time.perf_counter() - started) * 1000,
                )
                metrics.flush_metrics()

        return timed  # type: ignore[return-value]

    return decorate


def emit_validation_wait(workflow: WorkflowType, task: ValidationTask | None) -> None:
    """``ValidationWaitTime``: from the task's creation to its answer or timeout."""
    if task is None or task.completedAt is None:
        return
    waited = datetime.fromisoformat(task.completedAt) - datetime.fromisoformat(task.createdAt)
    metrics = metrics_for(workflow)
    metrics.add_metric(
        name=VALIDATION_WAIT_METRIC, unit=MetricUnit.Milliseconds, value=waited.total_seconds() * 1000
    )
    metrics.flush_metrics()
