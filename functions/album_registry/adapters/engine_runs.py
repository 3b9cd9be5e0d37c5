"""What an engine run was started with, asked of its engine through the AWS APIs."""

from __future__ import annotations

from typing import Any

from album_registry.domain.models import WorkflowType


class Boto3EngineRuns:
    def __init__(self, *, step_functions: Any, lambda_client: Any) -> None:
        self._step_functions = step_functions
        self._lambda = lambda_client

    def input_of(self, workflow: WorkflowType, engine_arn: str) -> str:
        """The run's input, as JSON text: the upload event that started it."""
        if workflow is WorkflowType.STEP_FUNCTIONS:
            return self._step_functions.describe_execution(executionArn=engine_arn)["input"]
        return self._lambda.get_durable_execution(DurableExecutionArn=engine_arn)["InputPayload"]
