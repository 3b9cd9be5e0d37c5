"""Resumes a paused workflow on its engine, through the AWS APIs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from album_registry.domain.errors import EngineNoLongerWaitingError

# Engine answers meaning "nobody waits on this handle any more".
ENGINE_GONE_CODES = frozenset(
    {"TaskTimedOut", "TaskDoesNotExist", "InvalidToken", "ResourceNotFoundException", "CallbackTimeoutException"}
)


class Boto3EngineResumer:
    def __init__(self, *, step_functions: Any, lambda_client: Any) -> None:
        self._step_functions = step_functions
        self._lambda = lambda_client

    def resume_step_functions(self, task_id: str, task_token: str, payload: str) -> None:
        _answer(task_id, lambda: self._step_functions.send_task_success(taskToken=task_token, output=payload))

    def resume_durable(self, task_id: str, callback_id: str, payload: str) -> None:
        _answer(
            task_id,
            lambda: self._lambda.send_durable_execution_callback_success(
                CallbackId=callback_id, Result=payload.encode("utf-8")
            ),
        )


def _answer(task_id: str, send: Callable[[], Any]) -> None:
    try:
        send()
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in ENGINE_GONE_CODES:
            raise EngineNoLongerWaitingError(task_id=task_id, reason=code) from error
        raise
