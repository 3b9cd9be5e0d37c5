"""One wrapper for the business steps of both shells.

A step of either pattern (a Step Functions task Lambda, a durable step) is a
function over plain arguments and models. ``Shell.step`` wraps it once:

- the log keys: the step, the pattern and, once known, the execution;
- the models crossing the step boundary: arguments are validated into the
  types the function declares, its result dumped to JSON values (what a task
  returns to the ASL, what a durable checkpoint stores);
- the metrics of the run, through Powertools ``Metrics``, flushed once when the
  run ends: ``StepDuration`` (per step) and what the body reports with
  ``execution_started``, ``execution_completed``, ``execution_failed`` and
  ``validation_waited``;
- a failed attempt's error log (property 31) with the execution, the step and
  the error's stable code, as its record will store it;
- for a write the state machine makes natively, a DynamoDB error renamed as
  that task names it (``DynamoDB.<code>``).

``Shell.task`` makes a Step Functions task Lambda of a step: the handler calls
it with the event's fields (camelCase in the ASL, snake_case here).

The clock is read inside the run, so a durable replay, which returns the
checkpointed result without calling the step, emits nothing; every attempt
that runs, failed or not, emits its own duration.
"""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from datetime import datetime
from typing import Any, TypeVar, get_type_hints

from aws_durable_execution_sdk_python import DurableOperationError, StepContext, durable_step
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy, StepConfig
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy
from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError
from pydantic import TypeAdapter
from pydantic.alias_generators import to_camel

from album_registry import composition
from album_registry.adapters.dynamodb_repository import integration_error_name
from album_registry.domain import ids
from album_registry.domain.errors import ServiceError
from album_registry.domain.failures import Failure, failure_of
from album_registry.domain.models import Execution, WorkflowType
from album_registry.handlers.observability import (
    EXECUTION_ID_METADATA,
    METRICS_NAMESPACES,
    SERVICE_NAME,
    STEP_DIMENSION,
    STEP_DURATION_METRIC,
    VALIDATION_WAIT_METRIC,
    logger,
    tracer,
)

# A parameter so named is the engine's own (a durable step's or callback's context), no step input.
ENGINE_CONTEXT_SUFFIX = "_context"

_Step = TypeVar("_Step", bound=Callable[..., Any])


def step_metrics(workflow: WorkflowType) -> Metrics:
    """Powertools ``Metrics`` with a provider of its own: the local stack runs many
    invocations of both patterns at once in one process, and the default provider's
    metric set is shared by every instance (it would mix their namespaces)."""
    metrics = Metrics(provider=AmazonCloudWatchEMFProvider(namespace=METRICS_NAMESPACES[workflow], service=SERVICE_NAME))
    # A dimension of this object's own (default dimensions would go to the shared state too).
    metrics.add_dimension(name="workflowType", value=workflow.value)
    return metrics


class StepRun:
    """One run of one step: its execution, once known, and what it reports."""

    def __init__(self, workflow: WorkflowType, step: str, execution_id: str | None) -> None:
        self.workflow = workflow
        self.step = step
        self.execution_id = execution_id
        self.outcomes: list[tuple[str, MetricUnit, float]] = []

    def flush(self, elapsed_ms: float) -> None:
        timing = self._metrics()
        timing.add_dimension(name=STEP_DIMENSION, value=self.step)
        timing.add_metric(name=STEP_DURATION_METRIC, unit=MetricUnit.Milliseconds, value=elapsed_ms)
        timing.flush_metrics()
        if self.outcomes:
            # Outcomes are the workflow's, not the step's: no step dimension.
            outcomes = self._metrics()
            for name, unit, value in self.outcomes:
                outcomes.add_metric(name=name, unit=unit, value=value)
            outcomes.flush_metrics()

    def _metrics(self) -> Metrics:
        metrics = step_metrics(self.workflow)
        if self.execution_id:
            # Metadata, not a dimension: lets a reader place the step in its execution.
            metrics.add_metadata(key=EXECUTION_ID_METADATA, value=self.execution_id)
        return metrics


_current_run: ContextVar[StepRun | None] = ContextVar("current_step_run", default=None)


def _run() -> StepRun:
    run = _current_run.get()
    if run is None:
        raise RuntimeError("called outside a step")
    return run


def in_execution(execution_id: str) -> None:
    """The running step belongs to this execution (a step that creates it learns it late)."""
    _run().execution_id = execution_id
    logger.thread_safe_append_keys(executionId=execution_id)


def execution_started() -> None:
    _run().outcomes.append(("ExecutionsStarted", MetricUnit.Count, 1))


def execution_completed(execution: Execution) -> None:
    _run().outcomes.extend(
        [
            ("ExecutionsCompleted", MetricUnit.Count, 1),
            ("WorkflowDuration", MetricUnit.Milliseconds, execution.durationMs or 0),
            ("PriceAgentFailures", MetricUnit.Count, execution.priceFailedCount or 0),
        ]
    )


def execution_failed(failure: Failure) -> None:
    logger.error("execution failed", extra={"errorCode": failure.code, "error": failure.message})
    _run().outcomes.append(("ExecutionsFailed", MetricUnit.Count, 1))


def validation_waited() -> None:
    """``ValidationWaitTime``: from the running execution's task's creation to its answer or timeout."""
    run = _run()
    task = composition.repository().get_task(run.workflow, ids.task_id_for_execution(run.execution_id or ""))
    if task is None or task.completedAt is None:
        return
    waited = datetime.fromisoformat(task.completedAt) - datetime.fromisoformat(task.createdAt)
    run.outcomes.append((VALIDATION_WAIT_METRIC, MetricUnit.Milliseconds, waited.total_seconds() * 1000))


class ModelBoundary:
    """Where models cross a step's edge: plain values in, plain values out, by the function's types."""

    def __init__(self, function: Callable[..., Any]) -> None:
        hints = get_type_hints(function)
        self.signature = inspect.signature(function)
        self.inputs = {
            name: TypeAdapter(hints[name])
            for name in self.signature.parameters
            if name in hints and not name.endswith(ENGINE_CONTEXT_SUFFIX)
        }
        self.output = TypeAdapter(hints.get("return", Any))

    def arguments(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        bound = self.signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return {
            name: self.inputs[name].validate_python(value) if name in self.inputs else value
            for name, value in bound.arguments.items()
        }

    def result(self, value: Any) -> Any:
        return self.output.dump_python(value, mode="json")


class Shell:
    """The steps of one pattern."""

    def __init__(self, workflow: WorkflowType) -> None:
        self.workflow = workflow

    def step(self, name: str, *, native_write: bool = False, log_step: str | None = None) -> Callable[[_Step], _Step]:
        """``native_write``: the state machine makes this write with a native DynamoDB task.
        ``log_step``: the workflow step the logs name, when it is not the business step's name."""

        def decorate(function: _Step) -> _Step:
            boundary = ModelBoundary(function)

            @functools.wraps(function)
            def run(*args: Any, **kwargs: Any) -> Any:
                arguments = boundary.arguments(args, kwargs)
                execution_id = arguments.get("execution_id")
                logger.thread_safe_append_keys(
                    step=log_step or name, executionId=execution_id, workflowType=self.workflow.value
                )
                step_run = StepRun(self.workflow, name, execution_id)
                token = _current_run.set(step_run)
                started = time.perf_counter()
                try:
                    return boundary.result(function(**arguments))
                except ClientError as error:
                    if not native_write:
                        self._log_failure(step_run, error)
                        raise
                    named = ServiceError(name=integration_error_name(error))
                    self._log_failure(step_run, named)
                    raise named from error
                except Exception as error:
                    self._log_failure(step_run, error)
                    raise
                finally:
                    _current_run.reset(token)
                    step_run.flush((time.perf_counter() - started) * 1000)

            return run  # type: ignore[return-value]

        return decorate

    def durable_step(self, name: str, **options: Any) -> Callable[[_Step], Callable[..., Callable[[StepContext], Any]]]:
        """A ``@durable_step`` of this shell's step: called with its arguments, it is what ``context.step`` runs."""

        def decorate(function: _Step) -> Callable[..., Callable[[StepContext], Any]]:
            return durable_step(self.step(name, **options)(function))

        return decorate

    def task(self, name: str, *, log_step: str | None = None) -> Callable[[Callable[..., Any]], Callable[[dict[str, Any], LambdaContext], Any]]:
        """A Step Functions task Lambda: the step, called with the event's fields."""

        def decorate(function: Callable[..., Any]) -> Callable[[dict[str, Any], LambdaContext], Any]:
            step = self.step(name, log_step=log_step)(function)
            fields = {parameter: to_camel(parameter) for parameter in inspect.signature(function).parameters}

            @logger.inject_lambda_context
            @tracer.capture_lambda_handler
            def handler(event: dict[str, Any], context: LambdaContext) -> Any:
                return step(**{parameter: event[field] for parameter, field in fields.items() if field in event})

            # Named as the task's function (its signature stays the handler's own).
            for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
                setattr(handler, attribute, getattr(function, attribute))
            return handler

        return decorate

    def _log_failure(self, run: StepRun, error: Exception) -> None:
        failure = failure_of(error_type=f"{type(error).__module__}.{type(error).__qualname__}", message=str(error))
        context = {"step": run.step, "workflowType": self.workflow.value, "errorCode": failure.code, "error": failure.message}
        # Without an execution, the one the step appended (if any) stands.
        logger.error("step failed", extra=context | ({"executionId": run.execution_id} if run.execution_id else {}))


def stored_failure(error: DurableOperationError) -> Failure:
    """The code and short message a failed durable operation is recorded with (no stack trace)."""
    return failure_of(error_type=error.error_type, message=error.message)


def retried(
    *,
    attempts: int,
    first_delay_seconds: int,
    on: Sequence[type[Exception]] | None = None,
    jitter: JitterStrategy | None = None,
) -> StepConfig:
    """A durable step's retries, as the ASL's ``Retry`` (``MaxAttempts`` counts retries,
    ``attempts`` counts the first try too), doubling the delay each time."""
    options: dict[str, Any] = {}
    if on is not None:
        options["retryable_error_types"] = list(on)
    if jitter is not None:
        options["jitter_strategy"] = jitter
    return StepConfig(
        retry_strategy=create_retry_strategy(
            RetryStrategyConfig(
                max_attempts=attempts, initial_delay=Duration.from_seconds(first_delay_seconds), backoff_rate=2, **options
            )
        )
    )
