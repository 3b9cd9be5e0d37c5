"""One WSGI application on one loopback port: every AWS call of the local stack.

Lambda ``Invoke`` goes to a Lambda runtime (the stack's workers), or starts a
durable execution; the durable-execution API (every ``/2025-12-01/`` route) to
the official local runner; Bedrock's Converse to the offline reader; everything
else to moto's server backends.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, unquote

from moto.core.config import default_user_config
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from local_aws.bedrock_runtime import LocalBedrockRuntime
from local_aws.dynamodb_queries import install_partition_reads
from local_aws.dynamodb_responses import install_plain_item_answers
from local_aws.dynamodb_transactions import install_item_rollback
from local_aws.state_machine_clients import install_shared_clients
from local_aws.state_machine_data import install_json_copies
from local_aws.state_machine_definitions import install_parsed_definitions
from local_aws.usage import CallerUsage, StackUsage, bedrock_tokens, caller_of, dynamodb_units
from local_aws.moto_dispatch import BackendRememberingDispatcher, install_remembered_action_names
from local_aws.lambda_runtime import (
    InvalidParameterValueError,
    LambdaInvoker,
    UnknownFunctionError,
    split_function_identifier,
)

_INVOKE = re.compile(r"^/2015-03-31/functions/(?P<function>[^/]+)/invocations$")
# Lambda's durable-execution API: executions, their listing by function, callbacks.
DURABLE_API_PREFIX = "/2025-12-01/"

DYNAMODB_TARGET_PREFIX = "DynamoDB_"
# What a GetObject may carry in its query besides ``response-*`` overrides.
_GET_OBJECT_PARAMETERS = frozenset({"versionId", "partNumber"})

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
# Set on an S3 write's environ that the trigger will hear of (the journal keeps it as owed).
OBJECT_CREATED = "local_aws.object_created"


@dataclass(frozen=True)
class DurableStart:
    """The answer to a caller's Invoke of a durable function: the execution it started or joined."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(frozen=True)
class HandlerInvocation:
    """The durable runner invoking a handler: the function version to run, and the payload."""

    identifier: str
    payload: bytes


# (function, payload, environ) -> a started execution, the handler's invocation, or None: not durable.
DurableInvokeRoute = Callable[[str, bytes, dict[str, Any]], DurableStart | HandlerInvocation | None]


def enable_state_machine_execution() -> None:
    """moto only runs executions (instead of recording them) when asked to; it parses each
    definition once, copies run data as JSON, and its tasks share their clients."""
    default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True
    install_shared_clients()
    install_parsed_definitions()
    install_json_copies()


class LocalGateway:
    def __init__(
        self,
        runtime: LambdaInvoker,
        *,
        durable_api: WsgiApp | None = None,
        durable_invoke: DurableInvokeRoute | None = None,
        object_created: Callable[[str, str, str | None, int], None] | None = None,
        bedrock: LocalBedrockRuntime | None = None,
        moto_middleware: Callable[[WsgiApp], WsgiApp] | None = None,
        usage: StackUsage | None = None,
    ) -> None:
        enable_state_machine_execution()
        install_item_rollback()
        install_partition_reads()
        install_plain_item_answers()
        install_remembered_action_names()
        self._runtime = runtime
        moto = _one_dynamodb_call_at_a_time(BackendRememberingDispatcher())
        # The request journal (local_aws.journal), in front of moto's backends alone: its
        # fsync happens outside the DynamoDB lock, so one write's sync holds up no other call.
        self._moto = moto_middleware(moto) if moto_middleware is not None else moto
        self._durable_api = durable_api
        self._durable_invoke = durable_invoke
        self._object_created = object_created
        self._bedrock = bedrock
        self._usage = usage

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        # Durable execution ARNs hold '/': route on the raw request URI.
        raw_path = (environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ["PATH_INFO"]).split("?", 1)[0]
        invoke = _INVOKE.match(raw_path)
        try:
            if invoke and environ["REQUEST_METHOD"] == "POST":
                return self._invoke(unquote(invoke.group("function")), environ, start_response)
            if raw_path.startswith(DURABLE_API_PREFIX) and self._durable_api is not None:
                return self._durable_api(environ, start_response)
        except UnknownFunctionError as error:
            return _error(start_response, HTTPStatus.NOT_FOUND, "ResourceNotFoundException", str(error))
        except InvalidParameterValueError as error:
            return _error(start_response, HTTPStatus.BAD_REQUEST, "InvalidParameterValueException", str(error))
        if self._bedrock is not None:
            answered = self._bedrock.serve(environ, start_response)
            if answered is not None:
                return answered if self._usage is None else self._count_tokens(environ, answered)
        if _is_s3_object_write(environ):
            self._count(environ, CallerUsage.S3_PUT_REQUESTS, 1)
            if self._object_created is not None:
                return self._s3_write(environ, start_response)
        elif _is_s3_object_read(environ):
            self._count(environ, CallerUsage.S3_GET_REQUESTS, 1)
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if self._usage is not None and target.startswith(DYNAMODB_TARGET_PREFIX):
            body = b"".join(self._moto(environ, start_response))
            consumed = dynamodb_units(target, body)
            if consumed is not None:
                self._count(environ, *consumed)
            return [body]
        return self._moto(environ, start_response)

    def _count(self, environ: dict[str, Any], usage: CallerUsage, amount: float) -> None:
        """What CloudWatch would count of this request, for its caller (``local_aws.usage``)."""
        if self._usage is not None and amount:
            self._usage.add(caller_of(environ), usage, amount)

    def _count_tokens(self, environ: dict[str, Any], answered: Iterable[bytes]) -> list[bytes]:
        body = b"".join(answered)
        input_tokens, output_tokens = bedrock_tokens(body)
        self._count(environ, CallerUsage.BEDROCK_INPUT_TOKENS, input_tokens)
        self._count(environ, CallerUsage.BEDROCK_OUTPUT_TOKENS, output_tokens)
        return [body]

    def _s3_write(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Let moto store the object, then tell the trigger a new object exists.

        moto's S3 does not reach EventBridge rules, so the gateway reports
        the write, as S3's EventBridge integration would.
        """
        seen: dict[str, Any] = {}
        environ[OBJECT_CREATED] = True

        def recording_start_response(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, *args)

        body = b"".join(self._moto(environ, recording_start_response))
        if seen.get("status", "").startswith("200"):
            raw = (environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ["PATH_INFO"]).split("?", 1)[0]
            bucket, _, key = unquote(raw).lstrip("/").partition("/")
            version = dict((name.lower(), value) for name, value in seen["headers"]).get("x-amz-version-id")
            size = int(environ.get("CONTENT_LENGTH") or 0)
            threading.Thread(target=self._object_created, args=(bucket, key, version, size), daemon=True).start()
        return [body]

    def _invoke(self, function: str, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        payload = environ["wsgi.input"].read(length) if length else b""
        invocation_type = environ.get("HTTP_X_AMZ_INVOCATION_TYPE", "RequestResponse")
        # A version or alias comes in the ARN, or as ?Qualifier=.
        qualifier = parse_qs(environ.get("QUERY_STRING", "")).get("Qualifier")
        if qualifier and split_function_identifier(function)[1] is None:
            function = f"{function}:{qualifier[0]}"
        if self._durable_invoke is not None:
            routed = self._durable_invoke(function, payload, environ)
            if isinstance(routed, DurableStart):
                status = HTTPStatus(routed.status)
                start_response(f"{status.value} {status.phrase}", [("Content-Type", "application/json"), *routed.headers])
                return [routed.body]
            if isinstance(routed, HandlerInvocation):
                function, payload = routed.identifier, routed.payload
        if invocation_type == "Event":
            threading.Thread(target=self._runtime.invoke, args=(function, payload), daemon=True).start()
            start_response("202 Accepted", [("Content-Type", "application/json")])
            return [b""]
        result = self._runtime.invoke(function, payload)
        headers = [("Content-Type", "application/json"), ("X-Amz-Executed-Version", result.executed_version)]
        if result.function_error:
            headers.append(("X-Amz-Function-Error", result.function_error))
        start_response("200 OK", headers)
        return [result.payload]


def _one_dynamodb_call_at_a_time(moto: WsgiApp) -> WsgiApp:
    """moto's DynamoDB is not safe under concurrent calls (a query walks the
    items a put changes): its calls run one at a time, the other services' freely."""
    lock = threading.Lock()

    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith(DYNAMODB_TARGET_PREFIX):
            return moto(environ, start_response)
        with lock:
            return list(moto(environ, start_response))

    return serve


def _error(start_response: Callable[..., Any], status: HTTPStatus, error_type: str, message: str) -> list[bytes]:
    """An error as Lambda's API answers it: the type in a header, the message in the body."""
    start_response(
        f"{status.value} {status.phrase}",
        [("Content-Type", "application/json"), ("x-amzn-ErrorType", error_type)],
    )
    return [json.dumps({"Type": "User", "message": message}).encode()]


def _is_s3_object_request(environ: dict[str, Any]) -> bool:
    """A request to S3 naming a bucket and a key, path-style."""
    if "/s3/aws4_request" not in environ.get("HTTP_AUTHORIZATION", ""):
        return False
    bucket, _, key = environ["PATH_INFO"].lstrip("/").partition("/")
    return bool(bucket and key)


def _is_s3_object_read(environ: dict[str, Any]) -> bool:
    """A GetObject (of a version or a part too), not a sub-resource such as ``?tagging``."""
    if environ["REQUEST_METHOD"] != "GET" or not _is_s3_object_request(environ):
        return False
    parameters = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if "x-id" in parameters:
        return parameters["x-id"] == ["GetObject"]
    return all(name in _GET_OBJECT_PARAMETERS or name.startswith("response-") for name in parameters)


def _is_s3_object_write(environ: dict[str, Any]) -> bool:
    """A PutObject, CopyObject or CompleteMultipartUpload, path-style."""
    if not _is_s3_object_request(environ):
        return False
    query = environ.get("QUERY_STRING", "")
    if environ["REQUEST_METHOD"] == "PUT":
        return query == "" or query.startswith("x-id=PutObject") or query.startswith("x-id=CopyObject")
    return environ["REQUEST_METHOD"] == "POST" and "uploadId=" in query


class _QuietRequestHandler(WSGIRequestHandler):
    """Every SDK call is a request: logging each would drown the output."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class GatewayServer:
    """Serves a gateway on 127.0.0.1 in a background thread."""

    def __init__(self, app: WsgiApp, *, port: int = 0) -> None:
        self._server: BaseWSGIServer = make_server(
            "127.0.0.1", port, app, threaded=True, request_handler=_QuietRequestHandler
        )
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> GatewayServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
