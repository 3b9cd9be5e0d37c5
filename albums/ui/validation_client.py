"""The validation API as Python calls, over any transport; used by the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3

from local_aws.stack_info import DEFAULT_DATA_DIR, LocalStackInfo
from albums.stack_access import StackAccess, open_stack
from albums.stack_outputs import load_stack_outputs
from albums.ui.api_transport import (
    ApiRequest,
    ApiResponse,
    ApiTransport,
    InProcessTransport,
    SigV4Transport,
    query_string,
)

LOCAL_STACK = "local"


class ValidationApiError(Exception):
    """A 4xx/5xx answer, with the API's message and the fields it names."""

    def __init__(self, *, status: int, message: str, fields: list[str]) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields


class LocalStackNotConfiguredError(Exception):
    def __init__(self, *, missing: str) -> None:
        super().__init__(
            f"the local stack is not configured ({missing} is not set); "
            "start the local stack, or run this inside its environment"
        )
        self.missing = missing


class ValidationApiClient:
    def __init__(self, transport: ApiTransport) -> None:
        self.transport = transport

    def list_tasks(
        self, *, status: str = "pending", workflow_type: str | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        """Every task of a status, following the pages."""
        tasks: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page = self._call(
                "GET",
                "/tasks",
                query_string({"status": status, "workflowType": workflow_type, "limit": limit, "nextToken": token}),
            )
            tasks.extend(page["tasks"])
            token = page.get("nextToken")
            if not token:
                return tasks

    def get_task(self, task_id: str) -> dict[str, Any]:
        return self._call("GET", f"/tasks/{task_id}")

    def submit(self, task_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", f"/tasks/{task_id}", body=json.dumps(body).encode("utf-8"))

    def _call(self, method: str, path: str, query: str = "", body: bytes = b"") -> Any:
        headers = {"content-type": "application/json"} if body else {}
        answer = self.transport.send(ApiRequest(method=method, path=path, query=query, body=body, headers=headers))
        if answer.status >= 400:
            raise _error_of(answer)
        return answer.json()


def _error_of(answer: ApiResponse) -> ValidationApiError:
    try:
        document = answer.json()
    except ValueError:
        document = None
    if isinstance(document, dict):
        fields = [str(entry.get("field", "")) for entry in document.get("fields", []) if isinstance(entry, dict)]
        return ValidationApiError(status=answer.status, message=str(document.get("message", "")), fields=fields)
    return ValidationApiError(status=answer.status, message=answer.body.decode("utf-8", "replace")[:200], fields=[])


def transport_for_stack(
    stack: str, *, outputs_file: Path | None = None, data_dir: Path = DEFAULT_DATA_DIR
) -> ApiTransport:
    """The local stack, served by the API app in this process, or a deployed
    stack's function URL signed with SigV4."""
    if stack == LOCAL_STACK and outputs_file is None:
        if LocalStackInfo.read(data_dir) is not None:
            return InProcessTransport(_running_local_stack_app(open_stack(LOCAL_STACK, data_dir=data_dir)))
        return InProcessTransport(_local_app())
    outputs = load_stack_outputs(stack, outputs_file=outputs_file)
    session = boto3.Session(region_name=outputs.region)
    credentials = session.get_credentials()
    if credentials is None:
        raise NoCredentialsForStackError(stack=stack)
    return SigV4Transport(outputs.validation_api_url, region=outputs.region, credentials=credentials)


class NoCredentialsForStackError(Exception):
    def __init__(self, *, stack: str) -> None:
        super().__init__(f"no AWS credentials found to sign requests to stack {stack!r}")
        self.stack = stack


def _running_local_stack_app(access: StackAccess) -> Any:
    """The API over a running ``albums local up``, through its endpoint."""
    from album_registry.adapters.dynamodb_repository import DynamoDbAlbumRepository
    from album_registry.adapters.engine_resumer import Boto3EngineResumer
    from album_registry.adapters.system_clock import SystemClock
    from album_registry.handlers.observability import logger
    from album_registry.handlers.validation_api import S3PresignedImageLinks, build_app

    # The API's INFO lines belong in a Lambda's log, not on the user's terminal.
    logger.setLevel("WARNING")
    return build_app(
        repository=DynamoDbAlbumRepository(access.client("dynamodb"), access.outputs.table_name),
        resumer=Boto3EngineResumer(
            step_functions=access.client("stepfunctions"), lambda_client=access.client("lambda")
        ),
        clock=SystemClock(),
        images=S3PresignedImageLinks(access.client("s3"), access.outputs.bucket_name),
    )


def _local_app() -> Any:
    # The local stack's environment (table, bucket, AWS_ENDPOINT_URL) is the
    # Lambda's; the API app reads it through the same composition.
    from album_registry import composition
    from album_registry.handlers.validation_api import default_app

    try:
        composition.settings()
    except KeyError as error:
        raise LocalStackNotConfiguredError(missing=str(error.args[0])) from error
    return default_app()
