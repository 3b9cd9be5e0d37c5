"""N checkpointed steps that do nothing: the durable side of ``albums bench --shape steps=N``.

Each step is one ``context.step`` whose function returns its index at once,
so what a run costs is the SDK's and the service's bookkeeping for N steps
(a checkpoint each, and the replay of those already taken), with no business
work. Its Step Functions counterpart is a chain of N Pass states, generated
from the same N (``albums.bench.shape``).
"""

from __future__ import annotations

from typing import Any

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import StepConfig
from aws_durable_execution_sdk_python.retries import RetryPresets
from pydantic import BaseModel, ConfigDict, Field

# A durable execution holds at most 3,000 operations; its start is one of them.
MAX_STEPS = 2_000
# A no-op cannot fail in a way a retry would fix.
NO_RETRY = StepConfig(retry_strategy=RetryPresets.none())


class NoOpStepsInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    steps: int = Field(ge=1, le=MAX_STEPS)


class NoOpStepsOutput(BaseModel):
    steps_completed: int


@durable_step
def no_op(step_context: StepContext, index: int) -> int:
    return index


def step_name(index: int) -> str:
    return f"step-{index:04d}"


@durable_execution
def handler(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    request = NoOpStepsInput.model_validate(event)
    completed = 0
    for index in range(1, request.steps + 1):
        context.step(no_op(index), name=step_name(index), config=NO_RETRY)
        completed += 1
    return NoOpStepsOutput(steps_completed=completed).model_dump()
