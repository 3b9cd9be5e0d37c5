"""``albums local up``: the embedded local AWS, one loopback endpoint.

Made of real engines: moto's server backends (S3, DynamoDB, Step Functions
with execution on, EventBridge, SQS, IAM, CloudWatch Logs, Secrets Manager),
the official durable-execution runner with its sqlite store, Lambda
workers: each function runs from its built archive and layers in
``awslambdaric`` processes (``lambda_workers``), and Bedrock's Converse API
answered by the offline reader (``bedrock_runtime``). The stack is provisioned from
the Pulumi program itself, run under mocks (see ``provisioner``).
"""

from __future__ import annotations

import errno
import faulthandler
import logging
import os
import signal
import socket
import threading
from pathlib import Path

import sys

import boto3

from local_aws.bedrock_runtime import LocalBedrockRuntime
from local_aws.durable_service import LocalDurableService
from local_aws.gateway import GatewayServer, LocalGateway
from local_aws.journal import ObjectCreated
from local_aws.lambda_runtime import REGION
from local_aws.lambda_workers import DEFAULT_IDLE_SECONDS, WorkerHost, WorkerLambdaRuntime
from components.lambda_package import BUILD_ROOT, LAMBDA_RUNTIME_LAYER, LAYER_PREFIX, build_layer, local_platform
from local_aws.persistence import BackendSnapshots, PeriodicSaver
from local_aws.provisioner import LocalDeployment, provision
from local_aws.run_status_events import RunStatusEvents, followed_durable_functions, followed_state_machines
from local_aws.stack_api import with_stack_api
from local_aws.table_faults import ThrottledPriceWrites
from local_aws.stack_info import (
    DEFAULT_DATA_DIR,
    DEFAULT_FUNCTION_CONCURRENCY,
    DEFAULT_PORT,
    FUNCTION_LOG_DIR,
    STATE_FILE,
    LocalStackInfo,
    LocalStackStartError,
)
from local_aws.trigger import UploadTrigger
from local_aws.upload_outbox import UploadOutbox
from local_aws.usage import StackUsage

# The journal keeps every acknowledged write between two snapshots: they bound its length and the replay at start.
SAVE_INTERVAL_SECONDS = 30.0
# How often the uploads still owed workflows are looked up in the table.
OUTBOX_INTERVAL_SECONDS = 1.0
# How often the main thread wakes to run a signal's handler (see serve_until_signalled).
SIGNAL_CHECK_SECONDS = 0.5
# How often the engines' runs are looked at for ends to publish.
RUN_STATUS_INTERVAL_SECONDS = 1.0


class LocalStack:
    def __init__(
        self,
        *,
        port: int = DEFAULT_PORT,
        data_dir: Path = DEFAULT_DATA_DIR,
        config: dict[str, object] | None = None,
        function_concurrency: int = DEFAULT_FUNCTION_CONCURRENCY,
        idle_seconds: float = DEFAULT_IDLE_SECONDS,
    ) -> None:
        self._port = port
        self._data_dir = data_dir
        self._config = config or {}
        self._function_concurrency = function_concurrency
        # What CloudWatch would count, counted by the runtime and the gateway.
        self.usage = StackUsage()
        self.runtime = WorkerLambdaRuntime(
            WorkerHost(
                interpreter=sys.executable,
                runtime=build_layer(LAMBDA_RUNTIME_LAYER, local_platform()).tree / LAYER_PREFIX,
                endpoint=self.endpoint,
                log_dir=data_dir / FUNCTION_LOG_DIR,
                # Shared by every local stack on this machine: the archives' trees are
                # cached by content, so their bytecode stays valid and cold starts stay short.
                bytecode_dir=BUILD_ROOT / "bytecode" / local_platform().key,
            ),
            concurrency=function_concurrency,
            idle_seconds=idle_seconds,
            usage=self.usage,
        )
        self._server: GatewayServer | None = None
        self._durable: LocalDurableService | None = None
        self.bedrock = LocalBedrockRuntime()
        self._saver: PeriodicSaver | None = None
        self._snapshots = BackendSnapshots(data_dir)
        self.deployment: LocalDeployment | None = None
        self.trigger: UploadTrigger | None = None
        self._outbox: UploadOutbox | None = None
        self._run_status_events: RunStatusEvents | None = None
        self._stopped = threading.Event()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def start(self) -> LocalStack:
        # The runner and moto's interpreter log every request and branch at INFO.
        for noisy in ("aws_durable_execution_sdk_python_testing", "moto"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        self._check_data_dir()
        self._check_port()
        restored = self._snapshots.restore()
        # Every worker of every durable function may be busy at once.
        self._durable = LocalDurableService(
            data_dir=self._data_dir,
            lambda_endpoint=self.endpoint,
            invocation_workers=4 * self._function_concurrency,
            versions=self.runtime.versions,
        )
        gateway = LocalGateway(
            self.runtime,
            durable_api=self._durable.forward,
            durable_invoke=self._durable.route_invoke,
            object_created=self._object_created,
            bedrock=self.bedrock.start(),
            moto_middleware=self._snapshots.journal.middleware,
            usage=self.usage,
        )
        # The chaos control's fault, in front of everything but the stack's own paths; it refuses nothing until told to.
        price_writes = ThrottledPriceWrites(gateway)
        self._server = GatewayServer(
            with_stack_api(price_writes, self.runtime, self.usage, price_writes), port=self._port
        ).start()
        self._use_this_endpoint()
        self._durable.start()
        self.deployment = provision(
            endpoint=self.endpoint, runtime=self.runtime, durable=self._durable, config=self._config
        )
        self._durable.resume_interrupted()
        self.trigger = UploadTrigger(
            events=boto3.client("events"),
            step_functions=boto3.client("stepfunctions"),
            lambda_client=boto3.client("lambda"),
            sqs=boto3.client("sqs"),
        )
        self._outbox = UploadOutbox(
            journal=self._snapshots.journal,
            trigger=self.trigger,
            dynamodb=boto3.client("dynamodb"),
            table_name=self.deployment.outputs["tableName"],
            interval_seconds=OUTBOX_INTERVAL_SECONDS,
        ).start()
        # The engines' status-change events, to the stack's rules (the run endings').
        step_functions = boto3.client("stepfunctions")
        rule_patterns = self.deployment.event_patterns
        self._run_status_events = RunStatusEvents(
            step_functions=step_functions,
            lambda_client=boto3.client("lambda"),
            state_machines=followed_state_machines(
                rule_patterns, (m["stateMachineArn"] for m in step_functions.list_state_machines()["stateMachines"])
            ),
            durable_functions=followed_durable_functions(rule_patterns, self.deployment.durable_functions),
            publish=self.trigger.put_event,
            interval_seconds=RUN_STATUS_INTERVAL_SECONDS,
        ).start()
        self._snapshots.save()
        self._saver = PeriodicSaver(self._snapshots, SAVE_INTERVAL_SECONDS)
        self._saver.start()
        LocalStackInfo(endpoint=self.endpoint, pid=os.getpid(), outputs=self.deployment.outputs).write(
            self._data_dir
        )
        self.restored_services = restored
        return self

    def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        if self._saver is not None:
            self._saver.stop()
        if self._outbox is not None:
            self._outbox.stop()
        if self._run_status_events is not None:
            self._run_status_events.stop()
        self._snapshots.save()
        if self._durable is not None:
            self._durable.stop()
        self.runtime.stop()
        self.bedrock.stop()
        if self._server is not None:
            self._server.stop()
        self._snapshots.journal.close()
        (self._data_dir / STATE_FILE).unlink(missing_ok=True)

    def serve_until_signalled(self) -> None:
        """Block until SIGTERM or SIGINT, then stop cleanly (saving state).

        SIGUSR1 prints every thread's stack to stderr, for a stack that hangs.
        """
        faulthandler.register(signal.SIGUSR1, all_threads=True)
        for signal_number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signal_number, lambda *_: self._stopped.set())
        # Python runs a signal's handler in the main thread, between bytecodes. A
        # signal the kernel hands to another thread does not wake a main thread
        # blocked in a wait without a timeout, so the wait wakes up by itself.
        while not self._stopped.wait(timeout=SIGNAL_CHECK_SECONDS):
            pass
        self._stopped.clear()
        self.stop()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _object_created(self, bucket: str, key: str, version: str | None, size: int) -> None:
        # Before the outbox exists, an upload stays owed: the outbox's start delivers it.
        if self._outbox is not None:
            self._outbox.deliver(ObjectCreated(bucket=bucket, key=key, version=version, size=size))

    def _use_this_endpoint(self) -> None:
        """Every SDK client in this process, and moto's interpreter, talk to the stack."""
        os.environ.update(
            {
                "AWS_ENDPOINT_URL": self.endpoint,
                "MOTO_PORT": str(self._port),
                "AWS_DEFAULT_REGION": REGION,
                "AWS_ACCESS_KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", "local"),
                "AWS_SECRET_ACCESS_KEY": os.environ.get("AWS_SECRET_ACCESS_KEY", "local"),
                "POWERTOOLS_TRACE_DISABLED": "true",
            }
        )

    def _check_data_dir(self) -> None:
        try:
            self._data_dir.mkdir(parents=True, exist_ok=True)
            probe = self._data_dir / ".writable"
            probe.write_text("")
            probe.unlink()
        except OSError as error:
            raise LocalStackStartError(
                reason=f"data dir {self._data_dir} is not writable: {error.strerror}"
            ) from error

    def _check_port(self) -> None:
        with socket.socket() as probe:
            # As the server itself binds: connections of a previous run that
            # linger in TIME_WAIT do not make the port busy.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", self._port))
            except OSError as error:
                if error.errno == errno.EADDRINUSE:
                    raise LocalStackStartError(
                        reason=f"port {self._port} on 127.0.0.1 is in use (try --port)"
                    ) from error
                raise LocalStackStartError(reason=f"cannot listen on port {self._port}: {error.strerror}") from error
