"""Both pipelines on this machine, driven the way the cloud drives them.

Step Functions: the real ASL on moto's state-machine interpreter, which calls
the task Lambdas through the gateway's in-process runtime and writes DynamoDB
natively. Durable functions: the real handler on the official
``DurableFunctionTestRunner``, checkpointing in memory (time skipped), its
durable API served on a loopback port of its own. Both read and write the same
moto backends through the one loopback endpoint. A run either engine ends
without success is published as AWS publishes it ("... Status Change"), and
the run-endings rules, as the program declares them, send it to the
run-endings function.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

import boto3
from aws_durable_execution_sdk_python_testing.exceptions import IllegalStateException, ResourceNotFoundException
from aws_durable_execution_sdk_python_testing.runner import DurableFunctionTestRunner
from aws_durable_execution_sdk_python_testing.web.server import WebServer, WebServiceConfig

from album_registry import composition, constants
from album_registry.adapters.engine_resumer import Boto3EngineResumer
from album_registry.adapters.system_clock import SystemClock
from album_registry.domain import ids
from album_registry.domain.errors import EngineNoLongerWaitingError
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
from album_registry.handlers import durable_pipeline
from album_registry.handlers.upload_event import upload_from_event
from local_aws.bedrock_runtime import LocalBedrockRuntime
from local_aws.gateway import GatewayServer, LocalGateway
from local_aws.lambda_runtime import (
    ACCOUNT_ID,
    DEFAULT_CONCURRENCY,
    REGION,
    InvocationGauge,
    LocalLambdaRuntime,
    reset_composition,
)
from local_aws.provisioning import create_registry_table, create_upload_bucket
from local_aws.run_status_events import RunStatusEvents
from local_aws.s3_events import object_created_event
from local_aws.table_faults import ThrottledPriceWrites
from local_aws.trigger import UploadTrigger
from components.run_endings import RUN_ENDINGS_HANDLER, durable_ending_pattern, step_functions_ending_pattern
from statemachine import TASK_FUNCTIONS, render_definition

# The durable runner's own default execution timeout; the state machine gets the same.
DEFAULT_EXECUTION_TIMEOUT_SECONDS = 300


@functools.cache
def shared_bedrock_runtime() -> LocalBedrockRuntime:
    """One pool of offline readers for every harness in this process: their models load once."""
    return LocalBedrockRuntime().start()



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
        fault_injection: str | None = None,
        discogs_token: str | None = None,
        execution_timeout_seconds: int = DEFAULT_EXECUTION_TIMEOUT_SECONDS,
        lambda_concurrency: int = DEFAULT_CONCURRENCY,
        throttled_price_writes: tuple[int, ...] = (),
    ) -> None:
        self.table_name = f"{prefix}-albums"
        self.bucket_name = f"{prefix}-shelf-photos"
        # As on the stack: the secret exists, with a value only when a token is given.
        self.discogs_token_secret_name = f"{prefix}-discogs-token"
        self._discogs_token = discogs_token
        self._prefix = prefix
        self._timeout = validation_timeout_seconds
        self._concurrency = price_agent_concurrency
        self._execution_timeout = execution_timeout_seconds
        self._throttled_price_writes = throttled_price_writes
        self.price_write_faults: ThrottledPriceWrites | None = None
        self._environment = {
            constants.TABLE_NAME_ENV: self.table_name,
            constants.BUCKET_NAME_ENV: self.bucket_name,
            constants.VALIDATION_TIMEOUT_SECONDS_ENV: str(validation_timeout_seconds),
            constants.PRICE_AGENT_CONCURRENCY_ENV: str(price_agent_concurrency),
            constants.FAULT_INJECTION_ENV: fault_injection or "",
            constants.DISCOGS_TOKEN_SECRET_NAME_ENV: self.discogs_token_secret_name,
            "POWERTOOLS_TRACE_DISABLED": "true",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
        }
        self.runtime = LocalLambdaRuntime(concurrency=lambda_concurrency)
        # The durable handler's invocations, as the runtime counts the task Lambdas'.
        self.durable_invocations = InvocationGauge()
        self._server: GatewayServer | None = None
        self._runner: DurableFunctionTestRunner | None = None
        self._durable_api: WebServer | None = None
        self._run_status_events: RunStatusEvents | None = None
        self._saved_environment: dict[str, str | None] = {}

    def start(self) -> LocalPipelines:
        for task in TASK_FUNCTIONS:
            self.runtime.register(self._function_name(task.suffix), task.handler)
        self.runtime.register(self._function_name(RUN_ENDINGS), RUN_ENDINGS_HANDLER)
        self._server = GatewayServer(self._endpoint_app()).start()
        self._runner = DurableFunctionTestRunner(
            handler=counted(durable_pipeline.handler, self.durable_invocations),
            skip_time=True,
            poll_interval=0.02,
            region=REGION,
        )
        # The runner's durable API (GetDurableExecution, listings, callbacks) on a port of its
        # own; its request log at INFO would drown the output, as the stack's runner's would.
        logging.getLogger(WebServer.__module__).setLevel(logging.WARNING)
        self._durable_api = WebServer(
            WebServiceConfig(host="127.0.0.1", port=0, log_level=logging.WARNING),
            self._runner._executor,  # noqa: SLF001 (the runner serves no API; its executor is what WebRunner serves)
        )
        threading.Thread(target=self._durable_api.serve_forever, daemon=True).start()
        overrides = {
            **self._environment,
            "AWS_ENDPOINT_URL": self._server.endpoint,
            "AWS_ENDPOINT_URL_LAMBDA": f"http://127.0.0.1:{self._durable_api.server_address[1]}",
            # moto's interpreter sends its own SDK calls to localhost:MOTO_PORT.
            "MOTO_PORT": str(self._server.port),
        }
        self._saved_environment = {name: os.environ.get(name) for name in overrides}
        os.environ.update(overrides)
        reset_composition()
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
        # The adapters the validation Lambda and the albums tool build, over this stack.
        adapters = composition.stack_adapters(boto3.client, table_name=self.table_name, bucket_name=self.bucket_name)
        self.repository = adapters.repository
        self._run_status_events = RunStatusEvents(
            step_functions=self.step_functions,
            lambda_client=boto3.client("lambda"),
            state_machines=lambda: [self.state_machine_arn],
            durable_functions=lambda: [self.durable_function_name],
            publish=self._run_endings_rules().put_event,
        ).start()
        return self

    def stop(self) -> None:
        if self._run_status_events is not None:
            self._run_status_events.stop()
        if self._runner is not None:
            self._runner.close()
        if self._durable_api is not None:
            self._durable_api.shutdown()
            self._durable_api.server_close()
        if self._server is not None:
            self._server.stop()
        for name, value in self._saved_environment.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reset_composition()

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
        return self.durable_runner.run_async(
            input=json.dumps(event),
            execution_name=name,
            function_name=self.durable_function_name,
            account_id=ACCOUNT_ID,
            execution_timeout=self._execution_timeout,
        )

    @property
    def durable_function_name(self) -> str:
        return self._function_name("durable-pipeline")

    def wait_for_engine(self, workflow: WorkflowType, engine_arn: str, timeout: float = 120) -> EngineOutcome:
        if workflow is WorkflowType.STEP_FUNCTIONS:
            described = self.wait_for_state_machine(engine_arn, timeout)
            return EngineOutcome(
                status=described["status"],
                error=described.get("error"),
                output=described.get("output"),
            )
        result = self.wait_for_durable(engine_arn, int(timeout))
        # The execution's own status: the last invocation's says FAILED for a run that timed out.
        status = boto3.client("lambda").get_durable_execution(DurableExecutionArn=engine_arn)["Status"]
        return EngineOutcome(
            status=status,
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
            task = self.repository.get_task(workflow, ids.task_id_for_execution(execution_id))
            if task is not None and task.status is TaskStatus.PENDING and (task.taskToken or task.callbackId):
                return task
            time.sleep(0.05)
        raise TimeoutError(f"no pending validation task for {execution_id} within {timeout} s")

    def wait_for_record(
        self,
        workflow: WorkflowType,
        execution_id: str,
        statuses: Collection[ExecutionStatus] = FINAL_STATUSES,
        timeout: float = 60,
    ) -> Execution:
        """The execution record once its status is one of ``statuses`` (by default, ended)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            execution = self.repository.get_execution(workflow, execution_id)
            if execution is not None and execution.status in statuses:
                return execution
            time.sleep(0.05)
        raise TimeoutError(f"the record of {execution_id} did not reach {sorted(statuses)} within {timeout} s")

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

    def _endpoint_app(self) -> Any:
        gateway = LocalGateway(self.runtime, bedrock=shared_bedrock_runtime())
        if not self._throttled_price_writes:
            return gateway
        self.price_write_faults = ThrottledPriceWrites(gateway, album_indexes=self._throttled_price_writes)
        return self.price_write_faults

    def _run_endings_rules(self) -> UploadTrigger:
        """The program's run-endings rules on the local EventBridge, each to the function."""
        events = boto3.client("events")
        function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self._function_name(RUN_ENDINGS)}"
        durable_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.durable_function_name}"
        patterns = {
            "sf": step_functions_ending_pattern(self.state_machine_arn),
            "ldf": durable_ending_pattern(durable_function_arn),
        }
        for engine, pattern in patterns.items():
            rule = f"{self._prefix}-{engine}-{RUN_ENDINGS}"
            events.put_rule(Name=rule, EventPattern=json.dumps(pattern), State="ENABLED")
            events.put_targets(Rule=rule, Targets=[{"Id": RUN_ENDINGS, "Arn": function_arn}])
        return UploadTrigger(
            events=events,
            step_functions=self.step_functions,
            # Lambda's own endpoint (this gateway), not the durable API's.
            lambda_client=boto3.client("lambda", endpoint_url=self._server_endpoint),
            sqs=boto3.client("sqs"),
        )

    @property
    def _server_endpoint(self) -> str:
        if self._server is None:
            raise RuntimeError("start() the local pipelines first")
        return self._server.endpoint

    def _substitutions(self) -> dict[str, str | int]:
        values: dict[str, str | int] = {
            task.placeholder: f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self._function_name(task.suffix)}"
            for task in TASK_FUNCTIONS
        }
        values |= {
            "TableName": self.table_name,
            "ValidationTimeoutSeconds": self._timeout,
            "PriceAgentConcurrency": self._concurrency,
            "ExecutionTimeoutSeconds": self._execution_timeout,
        }
        return values


RUN_ENDINGS = "run-endings"


def counted(handler: Callable[[Any, Any], Any], gauge: InvocationGauge) -> Callable[[Any, Any], Any]:
    """The handler, each invocation counted on ``gauge``."""

    @functools.wraps(handler)
    def invocation(event: Any, context: Any) -> Any:
        with gauge.invocation():
            return handler(event, context)

    return invocation
