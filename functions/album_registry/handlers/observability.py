"""Logger, tracer and metrics shared by the handlers of both patterns."""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from album_registry.constants import METRICS_NAMESPACES
from album_registry.domain.failures import failure_of
from album_registry.domain.models import ValidationTask, WorkflowType

SERVICE_NAME = "album-registration"
STEP_DURATION_METRIC = "StepDuration"
VALIDATION_WAIT_METRIC = "ValidationWaitTime"
STEP_DIMENSION = "step"
EXECUTION_ID_METADATA = "executionId"

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
    """Emit the wrapped business step's duration as ``StepDuration`` (ms, per step),
    and log a failed attempt's error (property 31) with the step, the execution
    and the error's stable code, as its record will store it.

    The clock is read inside the step, so a durable replay, which returns the
    checkpointed result without calling the step, emits nothing; every attempt
    that runs, failed or not, emits its own duration.
    """

    def decorate(function: _Step) -> _Step:
        signature = inspect.signature(function)

        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            result: Any = None
            try:
                result = function(*args, **kwargs)
                return result
            except Exception as error:
                arguments = signature.bind_partial(*args, **kwargs).arguments
                _log_failure(workflow, step, _execution_id(arguments, None), error)
                raise
            finally:
                elapsed_ms = (time.perf_counter() - started) * 1000
                metrics = metrics_for(workflow)
                metrics.add_dimension(name=STEP_DIMENSION, value=step)
                execution_id = _execution_id(signature.bind_partial(*args, **kwargs).arguments, result)
                if execution_id:
                    # Metadata, not a dimension: lets a reader place the step in its execution.
                    metrics.add_metadata(key=EXECUTION_ID_METADATA, value=execution_id)
                metrics.add_metric(
                    name=STEP_DURATION_METRIC,
                    unit=MetricUnit.Milliseconds,
                    value=elapsed_ms,
                )
                metrics.flush_metrics()

        return timed  # type: ignore[return-value]

    return decorate


def _log_failure(workflow: WorkflowType, step: str, execution_id: str | None, error: Exception) -> None:
    failure = failure_of(error_type=f"{type(error).__module__}.{type(error).__qualname__}", message=str(error))
    context = {"step": step, "workflowType": workflow.value, "errorCode": failure.code, "error": failure.message}
    # Without an id in the step's arguments, the one the step appended (if any) stands.
    logger.error("step failed", extra=context | ({"executionId": execution_id} if execution_id else {}))


def _execution_id(arguments: dict[str, Any], result: Any) -> str | None:
    """The execution a step belongs to: an argument, the event, or what it returned."""
    for source in (arguments, arguments.get("event"), result):
        if isinstance(source, dict):
            found = source.get("execution_id") or source.get(EXECUTION_ID_METADATA)
            if isinstance(found, str):
                return found
    return None


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
