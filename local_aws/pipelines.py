"""Both pipelines on this machine, driven the way the cloud drives them.

Step Functions: the real ASL on moto's state-machine interpreter, which calls
the task Lambdas through the gateway's in-process runtime and writes DynamoDB
natively. Durable functions: the real handler on the official
``DurableFunctionTestRunner``, checkpointing in memory (time skipped). Both
read and write the same moto backends through the one loopback endpoint.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass
from typing import Any

import boto3
from aws_durable_execution_sdk_python_testing.exceptions import IllegalStateException, ResourceNotFoundException
from aws_durable_execution_sdk_python_testing.runner import DurableFunctionTestRunner

from album_registry import composition, constants
from album_registry.adapters.dynamodb_repository import DynamoDbAlbumRepository
from album_registry.adapters.engine_resumer import Boto3EngineResumer
from album_registry.adapters.system_clock import SystemClock
from album_registry.domain import ids
from album_registry.domain.errors import EngineNoLongerWaitingError
from album_registry.domain.models import TaskStatus, ValidationTask, WorkflowType
from album_registry.domain.registration import ValidationOutcome
from album_registry.domain.validation import submit_validation
from album_registry.handlers import durable_pipeline
from album_registry.handlers.upload_event import object_created_event, upload_from_event
from local_aws.gateway import GatewayServer, LocalGateway
from local_aws.lambda_runtime import ACCOUNT_ID, REGION, LocalLambdaRuntime
from local_aws.provisioning import create_registry_table, create_upload_bucket
from components.step_functions_pipeline import TASK_FUNCTIONS
from statemachine import render_definition



@dataclass(frozen=True)
class StartedUpload:
    bucket: str
    key: str
    version: str
    # The engine's own handle on each run: execution ARNs of both engines.
    engine_arns: dict[WorkflowType, str]

    def execution_id(self, workflow: WorkflowType) -> str:
        return ids.execution_id_for_upload(workflow, bucket=self.bucket, key=self.key, version=self.version)


@dataclass(frozen=True)
class EngineOutcome:
    """How an engine ended a run, in the terms both engines share."""

    status: str  # SUCCEEDED | FAILED | TIMED_OUT | ABORTED
    error: str | None
    output: str | None


class LocalResumer:
    """Step Functions through its API; durable callbacks through the test runner."""

    def __init__(self, step_functions: Any, runner: DurableFunctionTestRunner) -> None:
        self._step_functions = step_functions
        self._runner = runner

    def resume_step_functions(self, task_id: str, task_token: str, payload: str) -> None:
        Boto3EngineResumer(step_functions=self._step_functions, lambda_client=None).resume_step_functions(
            task_id, task_token, payload
        )

    def resume_durable(self, task_id: str, callback_id: str, payload: str) -> None:
        try:
            self._runner.send_callback_success(callback_id, payload.encode())
        except (ResourceNotFoundException, IllegalStateException) as error:
            # The runner's way of saying the callback timed out already.
            raise EngineNoLongerWaitingError(task_id=task_id, reason=type(error).__name__) from error


class LocalPipelines:
    def __init__(
        self,
        *,
        prefix: str = "local",
        validation_timeout_seconds: int = constants.DEFAULT_VALIDATION_TIMEOUT_SECONDS,
        price_agent_concurrency: int = constants.DEFAULT_PRICE_AGENT_CONCURRENCY,
        vision_provider: str = constants.DEFAULT_VISION_PROVIDER,
        fault_injection: str | None = None,
        discogs_token: str | None = None,
    ) -> None:
        self.table_name = f"{prefix}-albums"
        self.bucket_name = f"{prefix}-shelf-photos"
        # As on the stack: the secret exists, with a value only when a token is given.
        self.discogs_token_secret_name = f"{prefix}-discogs-token"
        self._discogs_token = discogs_token
        self._prefix = prefix
        self._timeout = validation_timeout_seconds
        self._concurrency = price_agent_concurrency
        self._environment = {
            constants.TABLE_NAME_ENV: self.table_name,
            constants.BUCKET_NAME_ENV: self.bucket_name,
            constants.VISION_PROVIDER_ENV: vision_provider,
            constants.VALIDATION_TIMEOUT_SECONDS_ENV: str(validation_timeout_seconds),
            constants.PRICE_AGENT_CONCURRENCY_ENV: str(price_agent_concurrency),
            constants.FAULT_INJECTION_ENV: fault_injection or "",
            constants.DISCOGS_TOKEN_SECRET_NAME_ENV: self.discogs_token_secret_name,
            "POWERTOOLS_TRACE_DISABLED": "true",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
        }
        self.runtime = LocalLambdaRuntime()
        self._server: GatewayServer | None = None
        self._runner: DurableFunctionTestRunner | None = None
        self._saved_environment: dict[str, str | None] = {}

    def start(self) -> LocalPipelines:
        for task in TASK_FUNCTIONS:
            self.runtime.register(self._function_name(task.suffix), task.handler)
        self._server = GatewayServer(LocalGateway(self.runtime)).start()
        overrides = {
            **self._environment,
            "AWS_ENDPOINT_URL": self._server.endpoint,
            # moto's interpreter sends its own SDK calls to localhost:MOTO_PORT.
            "MOTO_PORT": str(self._server.port),
        }
        self._saved_environment = {name: os.environ.get(name) for name in overrides}
        os.environ.update(overrides)
        composition.reset()
        self.dynamodb = boto3.client("dynamodb")
        self.s3 = boto3.client("s3")
        self.step_functions = boto3.client("stepfunctions")
        create_registry_table(self.dynamodb, self.table_name)
        create_upload_bucket(self.s3, self.bucket_name)
        token_value = {"SecretString": self._discogs_token} if self._discogs_token else {}
        boto3.client("secretsmanager").create_secret(Name=self.discogs_token_secret_name, **token_value)
        self.state_machine_arn = self.step_functions.create_state_machine(
            name=f"{self._prefix}-registration",
            definition=render_definition(self._substitutions()),
            roleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/{self._prefix}-state-machine",
            type="STANDARD",
        )["stateMachineArn"]
        self._runner = DurableFunctionTestRunner(
            handler=durable_pipeline.handler, skip_time=True, poll_interval=0.02
        )
        self.repository = DynamoDbAlbumRepository(self.dynamodb, self.table_name)
        return self

    def stop(self) -> None:
        if self._runner is not None:
            self._runner.close()
        if self._server is not None:
            self._server.stop()
        for name, value in self._saved_environment.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        composition.reset()

    def __enter__(self) -> LocalPipelines:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def upload(
        self, image: bytes, key: str, workflows: tuple[WorkflowType, ...] = tuple(WorkflowType)
    ) -> StartedUpload:
        """Put the photo in the bucket and deliver its event to the pipelines."""
        version = self.s3.put_object(Bucket=self.bucket_name, Key=key, Body=image)["VersionId"]
        event = object_created_event(bucket=self.bucket_name, key=key, version=version, size=len(image))
        return StartedUpload(
            bucket=self.bucket_name,
            key=key,
            version=version,
            engine_arns={workflow: self.deliver(workflow, event) for workflow in workflows},
        )

    def deliver(self, workflow: WorkflowType, event: dict[str, Any]) -> str:
        """Start one pipeline for an S3 event, as the EventBridge rule's target does."""
        if workflow is WorkflowType.STEP_FUNCTIONS:
            # EventBridge gives each execution its own name; moto would call them all "None".
            return self.step_functions.start_execution(
                stateMachineArn=self.state_machine_arn, name=str(uuid.uuid4()), input=json.dumps(event)
            )["executionArn"]
        upload = upload_from_event(event)
        name = ids.execution_id_for_upload(workflow, bucket=upload.bucket, key=upload.key, version=upload.version)
        return self.durable_runner.run_async(input=json.dumps(event), execution_name=name)

    def wait_for_engine(self, workflow: WorkflowType, engine_arn: str, timeout: float = 120) -> EngineOutcome:
        if workflow is WorkflowType.STEP_FUNCTIONS:
            described = self.wait_for_state_machine(engine_arn, timeout)
            return EngineOutcome(
                status=described["status"],
                error=described.get("error"),
                output=described.get("output"),
            )
        result = self.wait_for_durable(engine_arn, int(timeout))
        return EngineOutcome(
            status=result.status.name,
            error=result.error.message if result.error else None,
            output=result.result,
        )

    @property
    def durable_runner(self) -> DurableFunctionTestRunner:
        if self._runner is None:
            raise RuntimeError("start() the local pipelines first")
        return self._runner

    def wait_for_task(self, workflow: WorkflowType, execution_id: str, timeout: float = 60) -> ValidationTask:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            task = self.repository.get_task(workflow, f"task-{execution_id}")
            if task is not None and task.status is TaskStatus.PENDING and (task.taskToken or task.callbackId):
                return task
            time.sleep(0.05)
        raise TimeoutError(f"no pending validation task for {execution_id} within {timeout} s")

    @property
    def resumer(self) -> LocalResumer:
        return LocalResumer(self.step_functions, self.durable_runner)

    def submit(self, task_id: str, outcome: ValidationOutcome) -> ValidationTask:
        return submit_validation(
            task_id, outcome, repository=self.repository, resumer=self.resumer, clock=SystemClock()
        )

    def wait_for_state_machine(self, execution_arn: str, timeout: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            described = self.step_functions.describe_execution(executionArn=execution_arn)
            if described["status"] != "RUNNING":
                return described
            time.sleep(0.05)
        raise TimeoutError(f"{execution_arn} still running after {timeout} s")

    def wait_for_durable(self, execution_arn: str, timeout: int = 120):
        return self.durable_runner.wait_for_result(execution_arn, timeout=timeout)

    def _function_name(self, function: str) -> str:
        return f"{self._prefix}-{function}"

    def _substitutions(self) -> dict[str, str | int]:
        values: dict[str, str | int] = {
            task.placeholder: f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self._function_name(task.suffix)}"
            for task in TASK_FUNCTIONS
        }
        values |= {
            "TableName": self.table_name,
            "ValidationTimeoutSeconds": self._timeout,
            "PriceAgentConcurrency": self._concurrency,
        }
        return values
