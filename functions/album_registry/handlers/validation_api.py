"""The validation API: one Lambda behind a function URL with IAM auth.

Routes (paths relative to the function URL):

- ``GET /tasks?status=pending&workflowType=&limit=&nextToken=``: tasks, oldest
  first, from GSI1; without ``workflowType`` both patterns, merged in order.
- ``GET /tasks/{taskId}``: one task with its six albums and ``imageUrl``.
- ``GET /tasks/{taskId}/image``: a 307 redirect to a presigned S3 URL of the
  shelf photo, valid five minutes. A redirect, not the bytes, because photos
  may be up to 20 MB and a function URL answers at most 6 MB; the browser
  follows it with no AWS credentials of its own.
- ``POST /tasks/{taskId}``: ``{"accept": true}`` or
  ``{"corrections": [{"albumIndex": 3, "year": 1971}, ...]}``. 404 for an
  unknown task, 409 for one completed or timed out (the conditional close in
  ``submit_validation`` makes one of two racing submits win), 422 naming the
  field for invalid input.
- ``GET /albums?workflowType=&status=priced``: the registry.
- ``GET /executions?workflowType=&limit=``: executions of both patterns, newest first.

The task token and callback id are stored with the task and never leave this
module: responses are built from explicit view models that lack them, and
nothing here logs a task record.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from http import HTTPStatus
from typing import Annotated, Any

import boto3
from aws_lambda_powertools.event_handler import LambdaFunctionUrlResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StringConstraints

from album_registry import composition
from album_registry.composition import StackAdapters
from album_registry.adapters.dynamodb_repository import InvalidPageTokenError
from album_registry.adapters.system_clock import SystemClock
from album_registry.constants import ALBUMS_PER_IMAGE
from album_registry.domain.errors import EngineNoLongerWaitingError, TaskAlreadyClosedError, TaskNotFoundError
from album_registry.domain.models import (
    Album,
    AlbumCorrection,
    AlbumStatus,
    Execution,
    TaskStatus,
    ValidationOutcome,
    ValidationTask,
    WorkflowType,
)
from album_registry.domain.ports import Clock, EngineResumer, ImageLinks, ValidationApiRepository
from album_registry.domain.validation import submit_validation
from album_registry.domain.validation import find_task as find_task_by_id
from album_registry.handlers.observability import logger

MIN_YEAR = 1900

LOW_CONFIDENCE = 0.7
"""Below this the page highlights an album's fields for a closer look."""

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class CorrectionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    albumIndex: StrictInt = Field(ge=1, le=ALBUMS_PER_IMAGE)
    artist: Text | None = None
    albumName: Text | None = None
    # The upper bound is next year by the API's clock, checked in the route.
    year: StrictInt | None = Field(default=None, ge=MIN_YEAR)


class SubmitRequest(BaseModel):
    """``accept`` as-is, or corrections for some of the six albums; not both."""

    model_config = ConfigDict(extra="forbid")

    accept: StrictBool = False
    corrections: list[CorrectionRequest] = Field(default=[], max_length=ALBUMS_PER_IMAGE)


class TaskSummary(BaseModel):
    """A task as clients see it: everything but what resumes the engine."""

    taskId: str
    executionId: str
    workflowType: WorkflowType
    status: TaskStatus
    imageS3Key: str
    createdAt: str
    expiresAt: str
    completedAt: str | None
    lowConfidenceCount: int

    @classmethod
    def of(cls, task: ValidationTask) -> TaskSummary:
        shown = set(TaskSummary.model_fields) - {"lowConfidenceCount"}
        return cls(
            **task.model_dump(include=shown),
            lowConfidenceCount=sum(album.confidence < LOW_CONFIDENCE for album in task.albums),
        )


class TaskDetail(TaskSummary):
    albums: list[Album]
    imageUrl: str
    lowConfidenceBelow: float = LOW_CONFIDENCE


class RegistryEntry(Album):
    workflowType: WorkflowType
    executionId: str


def _field_name(location: tuple[Any, ...] | list[Any], error_type: str) -> str:
    """``("body", "corrections", 0, "year")`` as ``corrections[0].year``."""
    if error_type == "json_invalid":
        return "body"
    name = ""
    for part in location[1:] if location and location[0] in ("body", "query", "path") else location:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "body"


def _outcome(request: SubmitRequest, *, max_year: int) -> ValidationOutcome:
    if request.accept and request.corrections:
        raise RequestValidationError(
            [{"loc": ("body", "corrections"), "type": "accept_with_corrections", "msg": "send accept or corrections, not both"}]
        )
    if not request.accept and not request.corrections:
        raise RequestValidationError(
            [{"loc": ("body", "corrections"), "type": "missing", "msg": "send accept: true or at least one correction"}]
        )
    seen: set[int] = set()
    for position, correction in enumerate(request.corrections):
        location = ("body", "corrections", position)
        if correction.albumIndex in seen:
            raise RequestValidationError(
                [{"loc": (*location, "albumIndex"), "type": "duplicate", "msg": "one correction per album"}]
            )
        seen.add(correction.albumIndex)
        if correction.year is not None and correction.year > max_year:
            raise RequestValidationError(
                [{"loc": (*location, "year"), "type": "less_than_equal", "msg": f"Input should be less than or equal to {max_year}"}]
            )
        if correction.artist is None and correction.albumName is None and correction.year is None:
            raise RequestValidationError(
                [{"loc": location, "type": "missing", "msg": "a correction sets year, artist or albumName"}]
            )
    return ValidationOutcome(
        reviewed=True,
        corrections=[AlbumCorrection.model_validate(c.model_dump(exclude_none=True)) for c in request.corrections],
    )


def _error(status: HTTPStatus, message: str, **extra: Any) -> Response[Any]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body={"statusCode": int(status), "message": message, **extra},
    )


def _expired(task: ValidationTask, now: datetime) -> bool:
    return task.status is TaskStatus.PENDING and datetime.fromisoformat(task.expiresAt) <= now


def build_app(
    *,
    repository: ValidationApiRepository,
    resumer: EngineResumer,
    clock: Clock,
    images: ImageLinks,
) -> LambdaFunctionUrlResolver:
    """The API over one object graph; the Lambda handler and ``albums ui`` each build one."""
    app = LambdaFunctionUrlResolver(enable_validation=True)

    def find_task(task_id: str) -> ValidationTask:
        return find_task_by_id(repository, task_id)

    @app.get("/tasks")
    def list_tasks(
        status: Annotated[TaskStatus, Query()] = TaskStatus.PENDING,
        workflow_type: Annotated[WorkflowType | None, Query(alias="workflowType")] = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 50,
        next_token: Annotated[str | None, Query(alias="nextToken", max_length=1000)] = None,
    ) -> dict[str, Any]:
        workflows = [workflow_type] if workflow_type else list(WorkflowType)
        tasks, following = repository.page_tasks(workflows, status=status.value, limit=limit, page_token=next_token)
        return {
            "tasks": [TaskSummary.of(task).model_dump(mode="json") for task in tasks],
            "nextToken": following,
        }

    @app.get("/tasks/<task_id>")
    def get_task(task_id: str) -> dict[str, Any]:
        task = find_task(task_id)
        summary = TaskSummary.of(task).model_dump()
        return TaskDetail(**summary, albums=task.albums, imageUrl=f"/tasks/{task.taskId}/image").model_dump(mode="json")

    @app.get("/tasks/<task_id>/image")
    def task_image(task_id: str) -> Response[str]:
        task = find_task(task_id)
        return Response(
            status_code=HTTPStatus.TEMPORARY_REDIRECT,
            content_type=content_types.TEXT_PLAIN,
            body="",
            headers={"Location": images.link(task.imageS3Key), "Cache-Control": "private, max-age=60"},
        )

    @app.post("/tasks/<task_id>")
    def submit(task_id: str, request: Annotated[SubmitRequest, Body()]) -> dict[str, Any]:
        now = clock.now()
        outcome = _outcome(request, max_year=now.year + 1)
        task = find_task(task_id)
        if _expired(task, now):
            raise TaskAlreadyClosedError(task_id=task_id, status="expired")
        closed = submit_validation(task_id, outcome, repository=repository, resumer=resumer, clock=clock)
        logger.info(
            "validation submitted",
            extra={"taskId": task_id, "workflowType": closed.workflowType.value, "corrections": len(outcome.corrections)},
        )
        return {"task": TaskSummary.of(closed).model_dump(mode="json")}

    @app.get("/albums")
    def list_albums(
        workflow_type: Annotated[WorkflowType | None, Query(alias="workflowType")] = None,
        status: Annotated[AlbumStatus, Query()] = AlbumStatus.PRICED,
    ) -> dict[str, Any]:
        workflows = [workflow_type] if workflow_type else list(WorkflowType)
        entries = [
            RegistryEntry(**album.model_dump(), workflowType=workflow, executionId=execution_id)
            for workflow in workflows
            for execution_id, album in repository.list_registered_albums(workflow, status=status.value)
        ]
        return {"albums": [entry.model_dump(mode="json") for entry in entries]}

    @app.get("/executions")
    def list_executions(
        workflow_type: Annotated[WorkflowType | None, Query(alias="workflowType")] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> dict[str, Any]:
        workflows = [workflow_type] if workflow_type else list(WorkflowType)
        executions: list[Execution] = [
            execution for workflow in workflows for execution in repository.list_executions(workflow, limit=limit)
        ]
        executions.sort(key=lambda execution: (execution.startedAt, execution.executionId), reverse=True)
        return {"executions": [execution.model_dump(mode="json") for execution in executions[:limit]]}

    @app.exception_handler(TaskNotFoundError)
    def task_not_found(error: TaskNotFoundError) -> Response[Any]:
        return _error(HTTPStatus.NOT_FOUND, str(error))

    @app.exception_handler(TaskAlreadyClosedError)
    def task_closed(error: TaskAlreadyClosedError) -> Response[Any]:
        return _error(HTTPStatus.CONFLICT, str(error), taskStatus=error.status)

    @app.exception_handler(EngineNoLongerWaitingError)
    def engine_gone(error: EngineNoLongerWaitingError) -> Response[Any]:
        return _error(HTTPStatus.CONFLICT, str(error), taskStatus="expired")

    @app.exception_handler(InvalidPageTokenError)
    def bad_page_token(error: InvalidPageTokenError) -> Response[Any]:
        return _unprocessable([{"field": "nextToken", "type": "invalid_token", "message": str(error)}])

    @app.exception_handler(RequestValidationError)
    def invalid_request(error: RequestValidationError) -> Response[Any]:
        # Field names and pydantic's short messages only: never the input or internals.
        return _unprocessable(
            [
                {"field": _field_name(tuple(detail["loc"]), detail["type"]), "type": detail["type"], "message": str(detail.get("msg", ""))}
                for detail in error.errors()
            ]
        )

    return app


def _unprocessable(fields: list[dict[str, str]]) -> Response[Any]:
    first = fields[0] if fields else {"field": "body", "message": "invalid request"}
    return _error(
        HTTPStatus.UNPROCESSABLE_ENTITY, f"invalid {first['field']}: {first['message']}", fields=fields
    )


def app_over(adapters: StackAdapters) -> LambdaFunctionUrlResolver:
    """The API over one stack's adapters: the Lambda's, or a stack's the ``albums`` tool reaches."""
    return build_app(
        repository=adapters.repository, resumer=adapters.resumer, clock=SystemClock(), images=adapters.images
    )


@cache
def default_app() -> LambdaFunctionUrlResolver:
    """The API over the environment's stack, as the Lambda runs it."""
    settings = composition.settings()
    return app_over(
        composition.stack_adapters(boto3.client, table_name=settings.table_name, bucket_name=settings.bucket_name or "")
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.LAMBDA_FUNCTION_URL)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return default_app().resolve(event, context)
