"""The durable-execution service of the local stack.

The official local runner (``WebRunner`` from
aws-durable-execution-sdk-python-testing, sqlite store under the data dir)
serves the durable API on an internal loopback port, from a process of its
own (``durable_runner_process``); the gateway forwards
every ``/2025-12-01/...`` request to it: the executions by ARN, the listing by
function, and the callbacks. Around it, this module does what the Lambda
service does for a durable function: a caller's ``Invoke`` starts an
execution of the version it names (an alias runs the version it points to),
idempotent on ``DurableExecutionName``, while the runner's own invocations
(marked ``X-Dex-Handler-Invoke``) run the handler, on the execution's version.
Executions carry AWS's ARNs (``durable_arns``), in and out. Where the runner's
wire format differs from Lambda's model (StopDurableExecution's body, the
RetryDetails of a StepSucceeded event, the error type's header), it is made
Lambda's here; a test checks every answer against botocore's service model.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl, quote, unquote, urlencode

from local_aws.durable_arns import DurableExecutionArn, DurableExecutionArns
from local_aws.durable_runner_process import DurableRunnerProcess, DurableRunnerSettings
from local_aws.gateway import DurableStart, HandlerInvocation
from local_aws.lambda_runtime import (
    ACCOUNT_ID,
    LATEST_VERSION,
    REGION,
    FunctionVersions,
    InvalidParameterValueError,
    UnknownFunctionError,
    split_function_identifier,
)
from local_aws.stack_info import free_loopback_port

HANDLER_INVOKE_HEADER = "HTTP_X_DEX_HANDLER_INVOKE"
_EXECUTION_PATH = re.compile(r"^/2025-12-01/durable-executions/(?P<arn>[^/]+)(?P<rest>(?:/[^/]+)?)$")
_FUNCTION_EXECUTIONS_PATH = re.compile(r"^/2025-12-01/functions/(?P<function>[^/]+)/durable-executions$")
# Lambda's DurableExecutionName: it becomes a part of the execution's ARN.
_EXECUTION_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}
# The gateway's own server sets these on every answer.
_SET_BY_GATEWAY = {"date", "server"}


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




@dataclass(frozen=True)
class _RunnerCall:
    """A Lambda API request as the runner takes it, and what turns its answer into Lambda's."""

    path: str
    body: bytes
    reshape_answer: Callable[[bytes], bytes] | None = None


def _runner_query(query: str) -> str:
    """A listing's query string in the runner's names: AWS's ``Statuses`` is its ``StatusFilter``.

    The runner filters by one status; a listing asked for several is refused
    rather than answered for the first alone.
    """
    pairs = parse_qsl(query, keep_blank_values=True)
    statuses = [value for name, value in pairs if name == "Statuses"]
    if not statuses:
        return query
    if len(statuses) > 1:
        raise InvalidParameterValueError(
            parameter="Statuses", reason=f"the local stack lists one status at a time, not {len(statuses)}"
        )
    return urlencode([("StatusFilter" if name == "Statuses" else name, value) for name, value in pairs])


class LocalDurableService:
    def __init__(
        self, *, data_dir: Path, lambda_endpoint: str, invocation_workers: int, versions: FunctionVersions
    ) -> None:
        self._port = free_loopback_port()
        self._runner = DurableRunnerProcess(
            DurableRunnerSettings(
                port=self._port,
                store_path=data_dir / "durable-executions.sqlite",
                lambda_endpoint=lambda_endpoint,
                region=REGION,
                invocation_workers=invocation_workers,
            )
        )
        self._functions: dict[str, DurableFunctionSettings] = {}
        self._versions = versions
        self._arns = DurableExecutionArns(data_dir / "durable-execution-arns.sqlite")
        self._lock = threading.Lock()

    def register(self, function_name: str, settings: DurableFunctionSettings) -> None:
        self._functions[function_name] = settings

    def start(self) -> None:
        self._runner.start()

    def resume_interrupted(self) -> None:
        """Invoke the executions a previous stop or crash interrupted; call once every function exists."""
        self._runner.resume_interrupted()

    def stop(self) -> None:
        self._runner.stop()
        self._arns.close()

    # --- the durable API, forwarded -------------------------------------------------

    def forward(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Forward one durable API request to the runner, in the runner's names, and answer in AWS's."""
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        # Durable execution ARNs hold '/': route on the raw URI, never PATH_INFO.
        path, _, query = (environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ["PATH_INFO"]).partition("?")
        query = _runner_query(query)
        call = self._runner_call(path, query, body)
        headers = {
            name[5:].replace("_", "-").title(): value
            for name, value in environ.items()
            if name.startswith("HTTP_") and name[5:].replace("_", "-").lower() not in _HOP_BY_HOP
        }
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        target = f"{call.path}?{query}" if query else call.path
        response = self._request(environ["REQUEST_METHOD"], target, call.body, headers)
        answer = self._arns.to_aws(response.body)
        answer_headers = response.headers
        if response.status >= 400:
            answer_headers = [*answer_headers, *_error_type_header(answer)]
        elif call.reshape_answer is not None:
            answer = call.reshape_answer(answer)
        start_response(f"{response.status} {response.reason}", answer_headers)
        return [answer]

    def _runner_call(self, path: str, query: str, body: bytes) -> _RunnerCall:
        """The runner's request for a Lambda API request, and what turns its answer into Lambda's."""
        if execution := _EXECUTION_PATH.match(path):
            runner_arn = self._arns.to_runner(unquote(execution["arn"]))
            if runner_arn is not None:
                path = f"/2025-12-01/durable-executions/{quote(runner_arn, safe='')}{execution['rest']}"
            if execution["rest"] == "/stop":
                return _RunnerCall(path, _stop_request_body(body))
            return _RunnerCall(path, body, _with_step_retry_details if execution["rest"] == "/history" else None)
        if listing := _FUNCTION_EXECUTIONS_PATH.match(path):
            name, qualifier = split_function_identifier(unquote(listing["function"]))
            if name not in self._functions:
                raise UnknownFunctionError(name=name)
            qualifier = qualifier or parse_qs(query).get("Qualifier", [None])[0]
            path = f"/2025-12-01/functions/{quote(name, safe='')}/durable-executions"
            if qualifier is None:
                return _RunnerCall(path, body)
            version = self._versions.resolve(f"{name}:{qualifier}").version
            return _RunnerCall(path, body, partial(_executions_of_version, version=version))
        return _RunnerCall(path, body)

    def _request(self, method: str, target: str, body: bytes, headers: dict[str, str]) -> ProxiedResponse:
        connection = http.client.HTTPConnection("127.0.0.1", self._port, timeout=900)
        try:
            connection.request(method, target, body=body or None, headers=headers)
            reply = connection.getresponse()
            payload = reply.read()
            kept = [
                (name, value)
                for name, value in reply.getheaders()
                if name.lower() not in _HOP_BY_HOP | _SET_BY_GATEWAY
            ]
            return ProxiedResponse(reply.status, reply.reason, kept, payload)
        finally:
            connection.close()

    # --- Invoke of a durable function -------------------------------------------------

    def route_invoke(
        self, identifier: str, payload: bytes, environ: dict[str, Any]
    ) -> DurableStart | HandlerInvocation | None:
        """A caller's Invoke starts an execution; the runner's runs the handler.

        None when the function is not durable: the runtime runs it as any other.
        """
        name, _ = split_function_identifier(identifier)
        settings = self._functions.get(name)
        if settings is None:
            return None
        if environ.get(HANDLER_INVOKE_HEADER):
            return self._handler_invocation(name, payload)
        function = self._versions.resolve(identifier)
        execution_name = environ.get("HTTP_X_AMZ_DURABLE_EXECUTION_NAME") or str(uuid.uuid4())
        if not _EXECUTION_NAME.fullmatch(execution_name):
            raise InvalidParameterValueError(
                parameter="DurableExecutionName",
                reason=f"{execution_name!r} is not 1 to 64 letters, digits, hyphens or underscores",
            )
        arn = self.start_execution(function.name, function.version, execution_name, payload, settings)
        status = 202 if environ.get("HTTP_X_AMZ_INVOCATION_TYPE") == "Event" else 200
        headers = [("X-Amz-Durable-Execution-Arn", str(arn)), ("X-Amz-Executed-Version", arn.version)]
        return DurableStart(status, headers, b"" if status == 202 else b"null")

    def _handler_invocation(self, function_name: str, payload: bytes) -> HandlerInvocation:
        """The handler sees its execution's ARN, and runs the version the execution started on."""
        translated = self._arns.to_aws(payload)
        arn = DurableExecutionArn.parse(str(json.loads(translated).get("DurableExecutionArn", "")))
        # An execution started before the stack used AWS's names ran $LATEST.
        version = arn.version if arn is not None else LATEST_VERSION
        return HandlerInvocation(identifier=f"{function_name}:{version}", payload=translated)

    def start_execution(
        self,
        function_name: str,
        version: str,
        execution_name: str,
        payload: bytes,
        settings: DurableFunctionSettings,
    ) -> DurableExecutionArn:
        """Start once per name: a second start with the same name joins the first."""
        with self._lock:
            started = self._arns.started(function_name, execution_name)
            if started is not None:
                return started
            arn = DurableExecutionArn.new(function_name, version, execution_name)
            # Known before the runner can invoke the handler with it.
            self._arns.reserve(arn)
            request = {
                "AccountId": ACCOUNT_ID,
                "FunctionName": function_name,
                "FunctionQualifier": version,
                "ExecutionName": execution_name,
                "InvocationId": arn.execution_id,
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
                self._arns.release(arn)
                raise DurableStartError(function_name=function_name, detail=response.body.decode(errors="replace"))
            # Learns the runner's name for it, unless its first invocation already told.
            self._arns.to_aws(response.body)
            return arn


def _executions_of_version(listing: bytes, *, version: str) -> bytes:
    """A ListDurableExecutionsByFunction page with only the executions of one version.

    The runner keeps no versions and ignores ``Qualifier``; an execution's
    function ARN ends with the version it runs.
    """
    page = json.loads(listing)
    page["DurableExecutions"] = [
        execution
        for execution in page.get("DurableExecutions", [])
        if execution.get("FunctionArn", "").endswith(f":{version}")
    ]
    return json.dumps(page).encode()


def _with_step_retry_details(history: bytes) -> bytes:
    """A GetDurableExecutionHistory page whose StepSucceeded events all carry RetryDetails.

    Lambda's model requires them; the runner gives them only to the events of
    a retry. A step's attempt is counted by its StepStarted events, as the
    runner counts it for its StepFailed events (empty when the page holds none).
    """
    page = json.loads(history)
    events = page.get("Events", [])
    attempts = Counter(event.get("Id") for event in events if event.get("EventType") == "StepStarted")
    for event in events:
        details = event.get("StepSucceededDetails")
        if details is not None and "RetryDetails" not in details:
            attempt = attempts[event.get("Id")]
            details["RetryDetails"] = {"CurrentAttempt": attempt} if attempt else {}
    return json.dumps(page).encode()


def _stop_request_body(body: bytes) -> bytes:
    """StopDurableExecution's body is the error itself (the operation's payload); the runner reads it under "Error"."""
    try:
        error = json.loads(body) if body else None
    except ValueError:
        return body  # the runner refuses it, naming the problem
    return json.dumps({"Error": error}).encode() if isinstance(error, dict) else body


def _error_type_header(answer: bytes) -> list[tuple[str, str]]:
    """The runner names an error in its body only; Lambda (and botocore) name it in ``x-amzn-ErrorType``."""
    try:
        error_type = json.loads(answer).get("Type")
    except (ValueError, AttributeError):
        return []
    return [("x-amzn-ErrorType", error_type)] if isinstance(error_type, str) else []


class DurableStartError(Exception):
    def __init__(self, *, function_name: str, detail: str) -> None:
        super().__init__(f"the local runner did not start {function_name}: {detail[:300]}")
        self.function_name = function_name
        self.detail = detail
