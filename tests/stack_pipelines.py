"""Both pipelines on a running ``albums local up``, driven as a person and the bucket drive them.

A photo goes into the stack's bucket; the stack's trigger starts both engines
(the real ASL on moto's interpreter, the durable function on the durable
service), each step runs in a Lambda worker from the built archives; an answer
resumes them. Settings are the Pulumi program's config (``--config KEY=VALUE``),
so a stack runs with one config: ``StackPool`` keeps one stack per config at a
time and tests on the same config share it, each with S3 keys of its own.
"""

from __future__ import annotations

import json
import urllib.request
import uuid
from datetime import UTC, datetime
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from album_registry.adapters.system_clock import SystemClock
from album_registry.adapters.dynamodb_repository import unmarshal
from album_registry.domain import ids, keys
from album_registry.domain.models import (
    Execution,
    ExecutionStatus,
    TaskStatus,
    ValidationOutcome,
    ValidationTask,
    WorkflowType,
)
from album_registry.domain.registration import FINAL_STATUSES
from album_registry.domain.validation import submit_validation
from albums.history.reader import read_durable_history, read_step_functions_history
from albums.history.timeline import EngineTimeline, durable_timeline, step_functions_timeline
from local_aws.stack_info import free_loopback_port
from local_aws.s3_events import object_created_event
from local_aws.stack_api import THROTTLED_PRICE_WRITES_PATH, USAGE_PATH
from local_aws.stack_info import FUNCTION_LOG_DIR
from local_aws.trigger import UploadTrigger
from tests.local_stack.conftest import TEST_FUNCTION_CONCURRENCY, RunningStack, start_stack, wait_until
from tests.table_items import tenant_neutral

SAMPLE_PHOTO = Path(__file__).resolve().parents[1] / "samples" / "shelf-01.jpg"
# A validation wait nobody answers, kept short. Not 1 s: the wait's clock starts when the
# engine schedules the task, and a cold worker of the task-opening function can take longer
# than a second to write the task on a loaded machine. The timeout then lands before the
# task exists: the run closes the late task when it ends (domain ``open_validation``), but
# the engine's own timeout path, which these tests are about, would have closed nothing.
SHORT_VALIDATION_TIMEOUT_SECONDS = 5
# How the functions' Powertools logger starts a record, and their metrics an EMF document.
LOG_RECORD = '{"level":"'
EMF_DOCUMENT = '{"_aws":'


@dataclass(frozen=True)
class StartedUpload:
    """A photo put in the stack's bucket: both patterns' runs of it have these ids."""

    bucket: str
    key: str
    version: str
    size: int

    def execution_id(self, workflow: WorkflowType) -> str:
        return ids.execution_id_for_upload(workflow, bucket=self.bucket, key=self.key, version=self.version)

    @property
    def execution_ids(self) -> dict[WorkflowType, str]:
        return {workflow: self.execution_id(workflow) for workflow in WorkflowType}

    def event(self) -> dict[str, Any]:
        """The "Object Created" event S3 sent EventBridge for this photo."""
        return object_created_event(bucket=self.bucket, key=self.key, version=self.version, size=self.size)


@dataclass(frozen=True)
class EngineOutcome:
    """How an engine ended a run, in the terms both engines share."""

    arn: str
    status: str  # SUCCEEDED | FAILED | TIMED_OUT | ABORTED | STOPPED
    error: str | None
    output: str | None
    input: str | None


class PipelinesOnStack:
    """A running ``albums local up``, driven as a person and the bucket drive it:
    a photo goes in, both engines pause for validation, an answer resumes them."""

    def __init__(self, stack: RunningStack) -> None:
        self.stack = stack
        self.data_dir = stack.data_dir
        self.bucket_name: str = stack.outputs["bucketName"]
        self.table_name: str = stack.outputs["tableName"]
        self.repository = stack.repository()
        self.resumer = stack.resumer()
        self.s3 = stack.client("s3")
        self.dynamodb = stack.client("dynamodb")
        self.step_functions = stack.client("stepfunctions")
        self.lambda_client = stack.client("lambda")

    def put_photo(self, image: bytes, key: str) -> StartedUpload:
        """Put the photo in the bucket: the trigger starts both pipelines."""
        version = self.s3.put_object(Bucket=self.bucket_name, Key=key, Body=image)["VersionId"]
        return StartedUpload(bucket=self.bucket_name, key=key, version=version, size=len(image))

    def upload(self, image: bytes, key: str) -> dict[WorkflowType, str]:
        """Put the photo in the bucket (the trigger starts both pipelines); each pattern's execution id."""
        return self.put_photo(image, key).execution_ids

    def redeliver(self, upload: StartedUpload) -> dict[WorkflowType, str]:
        """EventBridge delivers the photo's event again, as it may: the stack's rule sends it to
        both engines, each starting a run of its own. Each engine's new run ARN."""
        durable_before = set(self._durable_runs())
        event = upload.event() | {"id": str(uuid.uuid4())}
        trigger = UploadTrigger(
            events=self.client("events"),
            step_functions=self.step_functions,
            lambda_client=self.lambda_client,
            sqs=self.client("sqs"),
        )
        assert trigger.put_event(event) == len(WorkflowType), "the event should reach both engines"
        state_machine = self.stack.outputs["stateMachineArn"]

        def redelivered() -> str | None:
            # The run whose input is this delivery (the photo's first delivery may be starting too).
            for arn in set(self._durable_runs()) - durable_before:
                given = self.lambda_client.get_durable_execution(DurableExecutionArn=arn).get("InputPayload")
                if given and json.loads(given).get("id") == event["id"]:
                    return arn
            return None

        return {
            # EventBridge names the Step Functions execution after the event.
            WorkflowType.STEP_FUNCTIONS: f"{state_machine.replace(':stateMachine:', ':execution:')}:{event['id']}",
            WorkflowType.DURABLE_FUNCTIONS: wait_until(redelivered, timeout=30, what="the redelivered durable run"),
        }

    def _durable_runs(self) -> list[str]:
        pages = self.lambda_client.get_paginator("list_durable_executions_by_function").paginate(
            FunctionName=self.stack.outputs["durableFunctionName"]
        )
        return [execution["DurableExecutionArn"] for page in pages for execution in page.get("DurableExecutions", [])]

    def wait_for_task(self, workflow: WorkflowType, execution_id: str, timeout: float = 90) -> ValidationTask:
        """The pending task; fails at once if the execution failed before it."""

        def pending() -> ValidationTask | None:
            task = self.repository.get_task(workflow, ids.task_id_for_execution(execution_id))
            if task is not None and task.status is TaskStatus.PENDING and (task.taskToken or task.callbackId):
                return task
            execution = self.repository.get_execution(workflow, execution_id)
            if execution is not None and execution.status is ExecutionStatus.FAILED:
                raise AssertionError(f"{execution_id} failed before validation: {execution.error}")
            return None

        return wait_until(pending, timeout=timeout, what=f"a pending validation task for {execution_id}")

    def engine_arn(self, workflow: WorkflowType, execution_id: str, timeout: float = 90) -> str:
        """The engine's own run of the execution, as its record names it."""
        return wait_until(
            lambda: getattr(self.repository.get_execution(workflow, execution_id), "engineExecutionArn", None),
            timeout=timeout,
            what=f"the engine run of {execution_id} to be recorded",
        )

    def wait_for_outcome(self, workflow: WorkflowType, arn: str, timeout: float = 120) -> EngineOutcome:
        """How the engine ended its run ``arn``, once it has."""

        def ended() -> EngineOutcome | None:
            if workflow is WorkflowType.STEP_FUNCTIONS:
                described = self.step_functions.describe_execution(executionArn=arn)
                status, error, output = described["status"], described.get("error"), described.get("output")
                given = described.get("input")
            else:
                described = self.lambda_client.get_durable_execution(DurableExecutionArn=arn)
                status, output, given = described["Status"], described.get("Result"), described.get("InputPayload")
                failure = described.get("Error") or {}
                error = failure.get("ErrorMessage") or failure.get("ErrorType")
            return None if status == "RUNNING" else EngineOutcome(arn, status, error, output, given)

        return wait_until(ended, timeout=timeout, what=f"the engine run {arn} to end")

    def wait_for_engine(self, workflow: WorkflowType, execution_id: str, timeout: float = 120) -> str:
        """The engine's own status of the run, once it has ended."""
        return self.wait_for_execution_outcome(workflow, execution_id, timeout).status

    def wait_for_execution_outcome(
        self, workflow: WorkflowType, execution_id: str, timeout: float = 120
    ) -> EngineOutcome:
        return self.wait_for_outcome(workflow, self.engine_arn(workflow, execution_id, timeout), timeout)

    def wait_for_record(
        self,
        workflow: WorkflowType,
        execution_id: str,
        statuses: Collection[ExecutionStatus] = FINAL_STATUSES,
        timeout: float = 90,
    ) -> Execution:
        """The execution record once its status is one of ``statuses`` (by default, ended)."""

        def reached() -> Execution | None:
            execution = self.repository.get_execution(workflow, execution_id)
            return execution if execution is not None and execution.status in statuses else None

        return wait_until(reached, timeout=timeout, what=f"the record of {execution_id} to reach {sorted(statuses)}")

    def items_of(self, upload: StartedUpload, workflow: WorkflowType) -> list[dict[str, Any]]:
        """The items of the pattern's run of the upload (its execution and its task), in key order."""
        execution_id = upload.execution_id(workflow)
        found: list[dict[str, Any]] = []
        for pk in (keys.execution_pk(workflow, execution_id), keys.task_pk(workflow, ids.task_id_for_execution(execution_id))):
            pages = self.dynamodb.get_paginator("query").paginate(
                TableName=self.table_name,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": pk}},
                ConsistentRead=True,
            )
            found += [unmarshal(item) for page in pages for item in page["Items"]]
        return sorted(found, key=lambda item: (item["pk"], item["sk"]))

    def items_by_pattern(self, upload: StartedUpload) -> dict[WorkflowType, list[dict[str, Any]]]:
        """Each pattern's items of the upload, tenant-neutral: comparable across the patterns."""
        return {
            workflow: [tenant_neutral(item) for item in self.items_of(upload, workflow)] for workflow in WorkflowType
        }

    def durable_history(self, arn: str) -> list[dict[str, Any]]:
        """The durable execution's events, as Lambda's GetDurableExecutionHistory gives them."""
        return read_durable_history(self.lambda_client, arn, include_execution_data=True)

    def state_machine_history(self, arn: str) -> list[dict[str, Any]]:
        return read_step_functions_history(self.step_functions, arn)

    def timeline(self, workflow: WorkflowType, arn: str) -> EngineTimeline:
        """The run as the engine's own history records it (the timeline ``albums history`` shows)."""
        now = datetime.now(UTC)
        if workflow is WorkflowType.STEP_FUNCTIONS:
            return step_functions_timeline(self.state_machine_history(arn), arn, as_of=now)
        return durable_timeline(self.durable_history(arn), arn, as_of=now)

    def log_records(self) -> list[dict[str, Any]]:
        """The JSON records the functions' logger wrote, from every function's log on the stack."""
        return self._function_log_documents(LOG_RECORD)

    def metric_documents(self) -> list[dict[str, Any]]:
        """The EMF documents the functions' metrics wrote (CloudWatch's metrics on AWS), from every function's log."""
        return self._function_log_documents(EMF_DOCUMENT)

    def _function_log_documents(self, start: str) -> list[dict[str, Any]]:
        found = []
        decoder = json.JSONDecoder()
        for log in sorted((self.data_dir / FUNCTION_LOG_DIR).glob("*.log")):
            for line in log.read_text(errors="replace").splitlines():
                # A document may follow a traceback's last line, which ends without a newline.
                if start in line:
                    found.append(decoder.raw_decode(line[line.index(start) :])[0])
        return found

    def table_items(self) -> list[dict[str, Any]]:
        """Every item of the stack's table, plain values, in key order."""
        pages = self.dynamodb.get_paginator("scan").paginate(TableName=self.table_name, ConsistentRead=True)
        found = [unmarshal(item) for page in pages for item in page["Items"]]
        return sorted(found, key=lambda item: (item["pk"], item["sk"]))

    def set_discogs_token(self, token: str) -> None:
        """The token in the stack's Discogs secret, as ``albums secret set-discogs-token`` puts it:
        the price agents ask Discogs (the stack's ``discogsBaseUrl``) from now on."""
        self.client("secretsmanager").put_secret_value(
            SecretId=self.stack.outputs["discogsTokenSecretName"], SecretString=token
        )

    def lambda_invocations(self) -> dict[str, int]:
        """Invocations per function since the stack started, as the stack counts them (``GET /_local/usage``)."""
        return {name: int(counts["Invocations"]) for name, counts in self._stack_api(USAGE_PATH)["Lambda"].items()}

    def throttle_price_writes(self, album_indexes: Collection[int]) -> None:
        """From now on the table refuses these albums' price writes, on both engines (none: no fault)."""
        answer = self._stack_api(THROTTLED_PRICE_WRITES_PATH, {"AlbumIndexes": sorted(album_indexes)})
        assert answer["AlbumIndexes"] == sorted(album_indexes), answer

    def throttled_price_writes(self) -> dict[str, int]:
        """The price writes the table refused so far, by partition key."""
        return self._stack_api(THROTTLED_PRICE_WRITES_PATH)["Throttled"]

    def _stack_api(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """The stack's own API (``local_aws.stack_api``): a GET, or a POST of ``body``."""
        data = None if body is None else json.dumps(body).encode()
        with urllib.request.urlopen(urllib.request.Request(self.stack.endpoint + path, data=data), timeout=30) as answer:
            return json.load(answer)

    def submit(self, task_id: str, outcome: ValidationOutcome) -> ValidationTask:
        return submit_validation(task_id, outcome, repository=self.repository, resumer=self.resumer, clock=SystemClock())

    def client(self, service: str) -> Any:
        return self.stack.client(service)


@dataclass
class StackPool:
    """One running stack at a time, started with the config a test asks for.

    Tests on the same config share the stack; a test on another config stops it
    and starts one with that config. Order a module's tests by config."""

    root: Path
    _config: tuple[int, tuple[tuple[str, str], ...]] | None = None
    _running: PipelinesOnStack | None = None
    _started: int = 0

    def stack(self, *, workers: int = TEST_FUNCTION_CONCURRENCY, **config: object) -> PipelinesOnStack:
        """The stack with this program config (keys as ``pulumi config set`` takes them) and at
        most ``workers`` execution environments per function.

        A fault plan's counters live in the worker process, as in a Lambda container: a plan that
        counts calls or attempts needs ``workers=1``, so that every retry meets the same counters."""
        wanted = (workers, tuple(sorted((key, _config_value(value)) for key, value in config.items())))
        if self._running is not None and wanted == self._config:
            return self._running
        self.stop()
        self._started += 1
        data_dir = self.root / f"stack{self._started}" / "data"
        data_dir.parent.mkdir(parents=True)
        running = start_stack(data_dir, free_loopback_port(), config=dict(wanted[1]), concurrency=workers)
        self._running, self._config = PipelinesOnStack(running), wanted
        return self._running

    def any(self) -> PipelinesOnStack:
        """The running stack, whatever its config, or one with the default config."""
        return self._running or self.stack()

    def stop(self) -> None:
        if self._running is not None:
            self._running.stack.stop()
            self._running, self._config = None, None


def _config_value(value: object) -> str:
    """A config value as the stack file holds it: a string, JSON for a structure."""
    if isinstance(value, str):
        return value
    return json.dumps(value)


@pytest.fixture(scope="session")
def shelf_photo() -> bytes:
    """The sample shelf photo the pipeline suites upload."""
    return SAMPLE_PHOTO.read_bytes()


@pytest.fixture(scope="module")
def stack_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackPool]:
    """Local stacks for one test module, one running at a time (see StackPool)."""
    pool = StackPool(tmp_path_factory.mktemp("stacks"))
    yield pool
    pool.stop()
