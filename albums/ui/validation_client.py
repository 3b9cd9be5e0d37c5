"""The validation API as Python calls, over any transport; used by the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
from album_registry.domain.models import ValidationOutcome

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

    def submit_outcome(self, task_id: str, outcome: ValidationOutcome) -> dict[str, Any]:
        """A reviewed outcome as the page sends it: accepted as read, or corrected."""
        if not outcome.corrections:
            return self.submit(task_id, {"accept": True})
        return self.submit(
            task_id, {"corrections": [correction.model_dump(exclude_none=True) for correction in outcome.corrections]}
        )

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
    """The stack's validation API; a local stack that is not running is served
    from this process's environment (the local stack's, when run inside it)."""
    if stack == LOCAL_STACK and outputs_file is None:
        if LocalStackInfo.read(data_dir) is None:
            return InProcessTransport(_local_app())
        return transport_for(open_stack(LOCAL_STACK, data_dir=data_dir))
    return transport_for(StackAccess(name=stack, outputs=load_stack_outputs(stack, outputs_file=outputs_file)))


def transport_for(access: StackAccess) -> ApiTransport:
    """The API the validation page uses: served in this process over a local
    stack's endpoint, or a deployed stack's function URL signed with SigV4."""
    if access.is_local:
        from album_registry.handlers.observability import logger
        from album_registry.handlers.validation_api import app_over

        # The API's INFO lines belong in a Lambda's log, not on the user's terminal.
        logger.setLevel("WARNING")
        return InProcessTransport(app_over(access.adapters()))
    credentials = boto3.Session(region_name=access.outputs.region).get_credentials()
    if credentials is None:
        raise NoCredentialsForStackError(stack=access.name)
    return SigV4Transport(access.outputs.validation_api_url, region=access.outputs.region, credentials=credentials)


def validation_api(access: StackAccess) -> ValidationApiClient:
    return ValidationApiClient(transport_for(access))


class NoCredentialsForStackError(Exception):
    def __init__(self, *, stack: str) -> None:
        super().__init__(f"no AWS credentials found to sign requests to stack {stack!r}")
        self.stack = stack


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
