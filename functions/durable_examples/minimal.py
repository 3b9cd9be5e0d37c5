"""The seed's minimal durable function (003): three checkpointed steps, one with its own retry strategy.

Idempotent start belongs to the Lambda service: a caller invokes with
``DurableExecutionName``, and a second Invoke with the same name joins the
execution already started instead of starting another. The handler's share is
to be deterministic, so that any invocation of that one execution returns the
same output: every value that varies (the clock, the attempt number) is made
inside a step and replayed from its checkpoint, and ``execution_id`` is the
durable execution ARN, which the name identifies.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy, StepConfig
from aws_durable_execution_sdk_python.retries import RetryPresets, RetryStrategyConfig, create_retry_strategy
from pydantic import BaseModel, ConfigDict, Field

from durable_examples.errors import EmptyMessageError, TransientProcessingError

NORMALIZE_STEP = "normalize-message"
PROCESS_STEP = "process-message"
SUMMARIZE_STEP = "summarize-message"

PROCESS_MAX_ATTEMPTS = 3

# Only the step that stands for a call to another system is retried, and only
# on the error that says "try again": 3 attempts, 1 s then 2 s apart.
PROCESS_STEP_CONFIG = StepConfig(
    retry_strategy=create_retry_strategy(
        RetryStrategyConfig(
            max_attempts=PROCESS_MAX_ATTEMPTS,
            initial_delay=Duration.from_seconds(1),
            max_delay=Duration.from_seconds(10),
            backoff_rate=2.0,
            jitter_strategy=JitterStrategy.NONE,
            retryable_error_types=[TransientProcessingError],
        )
    )
)
# Pure steps fail the same way every time, so they are not retried (without a
# strategy the SDK would try 6 times, from 5 s apart).
PURE_STEP_CONFIG = StepConfig(retry_strategy=RetryPresets.none())


class MinimalInput(BaseModel):
    """The Invoke payload. The execution name is an Invoke parameter, not part of it."""

    model_config = ConfigDict(extra="ignore")

    message: str
    # Demo knob: how many attempts of the processing step fail transiently
    # before one succeeds, to watch the retry strategy at work.
    simulated_transient_failures: int = Field(default=0, ge=0)


class ProcessedMessage(BaseModel):
    text: str
    word_count: int
    attempts: int


class FinalResult(BaseModel):
    summary: str
    word_count: int
    process_attempts: int
    completed_at: str


class MinimalOutput(BaseModel):
    execution_id: str
    steps_completed: list[str]
    final_result: FinalResult
    status: Literal["succeeded"]


@durable_step
def normalize_message(step_context: StepContext, message: str) -> str:
    """Collapse runs of whitespace; a message with no words is refused."""
    normalized = " ".join(message.split())
    if not normalized:
        raise EmptyMessageError(text=message)
    return normalized


@durable_step
def process_message(step_context: StepContext, text: str, simulated_transient_failures: int) -> dict[str, Any]:
    """Stand-in for a flaky downstream call: the first attempts fail as asked, then it answers."""
    if step_context.attempt <= simulated_transient_failures:
        raise TransientProcessingError(attempt=step_context.attempt, simulated_failures=simulated_transient_failures)
    return ProcessedMessage(text=text.upper(), word_count=len(text.split()), attempts=step_context.attempt).model_dump()


@durable_step
def summarize_message(step_context: StepContext, processed: dict[str, Any]) -> dict[str, Any]:
    """The final result, stamped with the time it was made (inside the step, so replay keeps it)."""
    message = ProcessedMessage.model_validate(processed)
    return FinalResult(
        summary=f"{message.text} ({message.word_count} words)",
        word_count=message.word_count,
        process_attempts=message.attempts,
        completed_at=datetime.now(UTC).isoformat(),
    ).model_dump()


@durable_execution
def handler(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    request = MinimalInput.model_validate(event)
    text: str = context.step(normalize_message(request.message), name=NORMALIZE_STEP, config=PURE_STEP_CONFIG)
    processed: dict[str, Any] = context.step(
        process_message(text, request.simulated_transient_failures), name=PROCESS_STEP, config=PROCESS_STEP_CONFIG
    )
    final_result: dict[str, Any] = context.step(
        summarize_message(processed), name=SUMMARIZE_STEP, config=PURE_STEP_CONFIG
    )
    return MinimalOutput(
        execution_id=context.execution_context.durable_execution_arn,
        steps_completed=[NORMALIZE_STEP, PROCESS_STEP, SUMMARIZE_STEP],
        final_result=FinalResult.model_validate(final_result),
        status="succeeded",
    ).model_dump()
