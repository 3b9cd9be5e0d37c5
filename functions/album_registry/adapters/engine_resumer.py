"""Resumes a paused workflow on its engine, through the AWS APIs."""

from __future__ import annotations

from typing import Any


class Boto3EngineResumer:
    def __init__(self, *, step_functions: Any, lambda_client: Any) -> None:
        self._step_functions = step_functions
        self._lambda = lambda_client

    def resume_step_functions(self, task_token: str, payload: str) -> None:
        self._step_functions.send_task_success(taskToken=task_token, output=payload)

    def resume_durable(self, callback_id: str, payload: str) -> None:
        self._lambda.send_durable_execution_callback_success(
            CallbackId=callback_id, Result=payload.encode("utf-8")
        )
