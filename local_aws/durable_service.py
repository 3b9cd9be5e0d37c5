"""The durable-execution service of the local stack.

The official local runner (``WebRunner`` from
aws-durable-execution-sdk-python-testing, sqlite store under the data dir)
serves the durable API on an internal loopback port; the gateway forwards
``/2025-12-01/...`` requests to it untouched. Around it, this module does what
the Lambda service does for a durable function: a caller's ``Invoke`` starts
an execution, idempotent on ``DurableExecutionName``, while the runner's own
invocations (marked ``X-Dex-Handler-Invoke``) run the handler.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_durable_execution_sdk_python_testing.runner import WebRunner, WebRunnerConfig
from aws_durable_execution_sdk_python_testing.stores.base import StoreType
from aws_durable_execution_sdk_python_testing.threads import DaemonThreadPool
from aws_durable_execution_sdk_python_testing.web.server import WebServiceConfig

from local_aws.lambda_runtime import ACCOUNT_ID, REGION, function_name_from_identifier

HANDLER_INVOKE_HEADER = "HTTP_X_DEX_HANDLER_INVOKE"
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


@dataclass(frozen=True)
class DurableFunctionSettings:
    execution_timeout_seconds: int
    retention_period_days: int


@dataclass(frozen=True)
class ProxiedResponse:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalDurableService:
    def __init__(self, *, data_dir: Path, lambda_endpoint: str, invocation_workers: int) -> None:
        self._store_path = data_dir / "durable-executions.sqlite"
        self._names_path = data_dir / "durable-execution-names.json"
        self._port = free_loopback_port()
        self._runner = WebRunner(
            WebRunnerConfig(
                web_service=WebServiceConfig(host="127.0.0.1", port=self._port),
                lambda_endpoint=lambda_endpoint,
                local_runner_region=REGION,
                store_type=StoreType.SQLITE,
                store_path=str(self._store_path),
            )
        )
        self._functions: dict[str, DurableFunctionSettings] = {}
        self._started_names: dict[str, str] = (
            json.loads(self._names_path.read_text()) if self._names_path.exists() else {}
        )
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._invocation_workers = invocation_workers

    def register(self, function_name: str, settings: DurableFunctionSettings) -> None:
        self._functions[function_name] = settings

    def start(self) -> None:
        self._runner.start()
        # The runner invokes handlers on a pool sized to the CPU count (6 threads
        # on 2 cores), so durable invocations would queue behind it while Lambda
        # workers sit idle. The SDK has no setting for it: the executor's own
        # pool is replaced, before any execution, by one as wide as the workers.
        executor = self._runner._executor  # noqa: SLF001 (no public knob; see above)
        executor._invocation_pool.shutdown(wait=False)  # noqa: SLF001
        executor._invocation_pool = DaemonThreadPool(  # noqa: SLF001
            max_workers=self._invocation_workers, thread_name_prefix="durable-invocation"
        )
        self._thread = threading.Thread(target=self._runner.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._runner.stop()

    # --- the durable API, forwarded -------------------------------------------------

    def forward(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        # Durable execution ARNs hold '/': forward the raw URI, never PATH_INFO.
        target = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ["PATH_INFO"]
        headers = {
            name[5:].replace("_", "-").title(): value
            for name, value in environ.items()
            if name.startswith("HTTP_") and name[5:].replace("_", "-").lower() not in _HOP_BY_HOP
        }
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        response = self._request(environ["REQUEST_METHOD"], target, body, headers)
        start_response(f"{response.status} {response.reason}", response.headers)
        return [response.body]

    def _request(self, method: str, target: str, body: bytes, headers: dict[str, str]) -> ProxiedResponse:
        connection = http.client.HTTPConnection("127.0.0.1", self._port, timeout=900)
        try:
            connection.request(method, target, body=body or None, headers=headers)
            reply = connection.getresponse()
            payload = reply.read()
            kept = [(name, value) for name, value in reply.getheaders() if name.lower() not in _HOP_BY_HOP]
            return ProxiedResponse(reply.status, reply.reason, kept, payload)
        finally:
            connection.close()

    # --- a caller's Invoke ---------------------------------------------------------

    def route_invoke(
        self, identifier: str, payload: bytes, environ: dict[str, Any]
    ) -> tuple[int, list[tuple[str, str]], bytes] | None:
        """Start an execution for a caller's Invoke of a durable function.

        None when the runtime should run the handler itself: the function is
        not durable, or this is the runner invoking the handler.
        """
        name = function_name_from_identifier(identifier)
        settings = self._functions.get(name)
        if settings is None or environ.get(HANDLER_INVOKE_HEADER):
            return None
        execution_name = environ.get("HTTP_X_AMZ_DURABLE_EXECUTION_NAME") or str(uuid.uuid4())
        arn = self.start_execution(name, execution_name, payload, settings)
        status = 202 if environ.get("HTTP_X_AMZ_INVOCATION_TYPE") == "Event" else 200
        return status, [("X-Amz-Durable-Execution-Arn", arn)], b"" if status == 202 else b"null"

    def start_execution(
        self, function_name: str, execution_name: str, payload: bytes, settings: DurableFunctionSettings
    ) -> str:
        """Start once per name: a second start with the same name joins the first."""
        key = f"{function_name}/{execution_name}"
        with self._lock:
            if key in self._started_names:
                return self._started_names[key]
            request = {
                "AccountId": ACCOUNT_ID,
                "FunctionName": function_name,
                "FunctionQualifier": "$LATEST",
                "ExecutionName": execution_name,
                "ExecutionTimeoutSeconds": settings.execution_timeout_seconds,
                "ExecutionRetentionPeriodDays": settings.retention_period_days,
                "Input": payload.decode("utf-8") if payload else None,
            }
            response = self._request(
                "POST",
                "/start-durable-execution",
                json.dumps(request).encode(),
                {"Content-Type": "application/json"},
            )
            if response.status >= 300:
                raise DurableStartError(function_name=function_name, detail=response.body.decode(errors="replace"))
            arn = json.loads(response.body)["ExecutionArn"]
            self._started_names[key] = arn
            self._names_path.write_text(json.dumps(self._started_names))
            return arn


class DurableStartError(Exception):
    def __init__(self, *, function_name: str, detail: str) -> None:
        super().__init__(f"the local runner did not start {function_name}: {detail[:300]}")
        self.function_name = function_name
        self.detail = detail
