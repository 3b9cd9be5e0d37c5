"""Both engines' histories of one upload, read through the APIs AWS serves.

An upload's two executions are found as the trigger names them: the
execution ids derive from the bucket, key and version
(``ids.execution_id_for_upload``); each execution's record in the table
carries its engine's execution ARN. The histories come from
``GetExecutionHistory`` (Step Functions) and ``GetDurableExecutionHistory``
(Lambda, API version 2025-12-01) with boto3, so the same code reads the local
stack and a deployed one: only the clients' endpoint differs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any, Protocol

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, computed_field

from album_registry.domain import ids
from album_registry.domain.models import Execution, ExecutionStatus, WorkflowType
from albums.history.timeline import EngineTimeline, durable_timeline, step_functions_timeline

_FINAL_RECORDS = {ExecutionStatus.COMPLETED, ExecutionStatus.FAILED}


class ExecutionRecords(Protocol):
    def get_execution(self, workflow: WorkflowType, execution_id: str) -> Execution | None: ...


class UploadNotFoundError(Exception):
    def __init__(self, *, bucket: str, key: str) -> None:
        super().__init__(f"s3://{bucket}/{key} does not exist: upload it first (albums upload IMAGE)")
        self.bucket = bucket
        self.key = key


class EngineHistory(BaseModel):
    """One pattern's side of an upload: its record and, once the record names it, its engine's timeline."""

    model_config = ConfigDict(frozen=True)

    workflow: WorkflowType
    execution_id: str
    record_status: ExecutionStatus | None
    timeline: EngineTimeline | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ended(self) -> bool:
        """The engine ended the run (or the record ended one its engine no longer knows)."""
        if self.timeline is not None:
            return self.timeline.ended
        return self.record_status in _FINAL_RECORDS


class UploadHistory(BaseModel):
    model_config = ConfigDict(frozen=True)

    read_at: datetime
    engines: list[EngineHistory]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ended(self) -> bool:
        return all(engine.ended for engine in self.engines)

    def engine(self, workflow: WorkflowType) -> EngineHistory:
        return next(engine for engine in self.engines if engine.workflow is workflow)


class UploadHistories(Protocol):
    """What the page server asks: both histories of the executions given (``HistoryReader``)."""

    def read(self, execution_ids: Mapping[WorkflowType, str]) -> UploadHistory: ...


class HistoryReader:
    """Reads an upload's executions from the table and their histories from the engines."""

    def __init__(
        self,
        *,
        records: ExecutionRecords,
        step_functions: Any,
        lambda_client: Any,
        s3: Any,
        bucket: str,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self._records = records
        self._step_functions = step_functions
        self._lambda = lambda_client
        self._s3 = s3
        self._bucket = bucket
        self._clock = clock

    def execution_ids_for_upload(self, key: str, version: str | None = None) -> dict[WorkflowType, str]:
        """The ids the trigger gives the upload's runs; without a version, the key's current one."""
        if version is None:
            try:
                version = self._s3.head_object(Bucket=self._bucket, Key=key).get("VersionId")
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                    raise UploadNotFoundError(bucket=self._bucket, key=key) from error
                raise
        return {
            workflow: ids.execution_id_for_upload(workflow, bucket=self._bucket, key=key, version=version)
            for workflow in WorkflowType
        }

    def read(self, execution_ids: Mapping[WorkflowType, str]) -> UploadHistory:
        read_at = self._clock()
        return UploadHistory(
            read_at=read_at,
            engines=[self._engine(workflow, execution_ids[workflow], read_at) for workflow in execution_ids],
        )

    def _engine(self, workflow: WorkflowType, execution_id: str, read_at: datetime) -> EngineHistory:
        record = self._records.get_execution(workflow, execution_id)
        arn = record.engineExecutionArn if record is not None else None
        timeline = None
        if arn:
            if workflow is WorkflowType.STEP_FUNCTIONS:
                timeline = step_functions_timeline(self.step_functions_events(arn), arn, as_of=read_at)
            else:
                timeline = durable_timeline(self.durable_events(arn), arn, as_of=read_at)
        return EngineHistory(
            workflow=workflow,
            execution_id=execution_id,
            record_status=record.status if record is not None else None,
            timeline=timeline,
        )

    def step_functions_events(self, execution_arn: str) -> list[dict[str, Any]]:
        return read_step_functions_history(self._step_functions, execution_arn)

    def durable_events(self, execution_arn: str) -> list[dict[str, Any]]:
        # The live view needs no payloads: what ran, not what it returned.
        return read_durable_history(self._lambda, execution_arn, include_execution_data=False)


def read_step_functions_history(client: Any, execution_arn: str) -> list[dict[str, Any]]:
    """Every ``GetExecutionHistory`` event of an execution, page by page."""
    events: list[dict[str, Any]] = []
    request: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
    while True:
        page = client.get_execution_history(**request)
        events.extend(page["events"])
        if not page.get("nextToken"):
            return events
        request["nextToken"] = page["nextToken"]


def read_durable_history(client: Any, execution_arn: str, *, include_execution_data: bool) -> list[dict[str, Any]]:
    """Every ``GetDurableExecutionHistory`` event of an execution, page by page."""
    events: list[dict[str, Any]] = []
    request: dict[str, Any] = {"DurableExecutionArn": execution_arn, "IncludeExecutionData": include_execution_data}
    while True:
        page = client.get_durable_execution_history(**request)
        events.extend(page["Events"])
        if not page.get("NextMarker"):
            return events
        request["Marker"] = page["NextMarker"]
