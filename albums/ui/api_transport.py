"""How the page server and the CLI reach a stack's validation API.

One small interface, two ways:

- ``InProcessTransport``: the local stack. Each request becomes a Lambda
  function URL event handed to the API app in this process.
- ``SigV4Transport``: an AWS stack. Each request goes to the function URL,
  signed with SigV4 (service ``lambda``) from the user's credentials; the URL
  accepts nothing unsigned (``AuthType: AWS_IAM``).
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode

from aws_lambda_powertools.event_handler import LambdaFunctionUrlResolver
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

FUNCTION_URL_DOMAIN = "local.lambda-url.localhost"
# Headers a function URL adds or hop-by-hop headers a proxy must not copy.
_UNFORWARDED_HEADERS = frozenset(
    {"host", "connection", "content-length", "cookie", "authorization", "transfer-encoding", "keep-alive"}
)


@dataclass(frozen=True)
class ApiResponse:
    status: int
    headers: dict[str, str]
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == wanted), None)


@dataclass(frozen=True)
class ApiRequest:
    method: str
    path: str
    query: str = ""
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)


class ApiTransport(Protocol):
    def send(self, request: ApiRequest) -> ApiResponse: ...


class _LambdaContext:
    """The few attributes Powertools reads from a Lambda context."""

    function_name = "validation-api"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:validation-api"

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def function_url_event(request: ApiRequest) -> dict[str, Any]:
    """The event AWS sends a function URL's Lambda (payload format 2.0)."""
    pairs = parse_qsl(request.query, keep_blank_values=True)
    joined: dict[str, str] = {}
    for name, value in pairs:
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    now = time.time()
    body_is_text = True
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        body_is_text, text = False, base64.b64encode(request.body).decode("ascii")
    headers = {name.lower(): value for name, value in request.headers.items()}
    headers.setdefault("host", FUNCTION_URL_DOMAIN)
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": request.path,
        "rawQueryString": request.query,
        "headers": headers,
        "queryStringParameters": joined or None,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "local",
            "domainName": FUNCTION_URL_DOMAIN,
            "domainPrefix": "local",
            "http": {
                "method": request.method,
                "path": request.path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": headers.get("user-agent", "albums"),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "body": text if request.body else None,
        "pathParameters": None,
        "isBase64Encoded": not body_is_text,
        "stageVariables": None,
    }


def response_from_result(result: Mapping[str, Any]) -> ApiResponse:
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode("utf-8")
    headers = {str(name): str(value) for name, value in (result.get("headers") or {}).items()}
    return ApiResponse(status=int(result.get("statusCode", 200)), headers=headers, body=raw)


class InProcessTransport:
    def __init__(self, app: LambdaFunctionUrlResolver) -> None:
        self._app = app

    def send(self, request: ApiRequest) -> ApiResponse:
        return response_from_result(self._app.resolve(function_url_event(request), _LambdaContext()))


class SigV4Transport:
    """Signed calls to a function URL; redirects are returned, not followed."""

    def __init__(self, function_url: str, *, region: str, credentials: Credentials, timeout: float = 30) -> None:
        self._base = function_url.rstrip("/")
        self._region = region
        self._credentials = credentials
        self._timeout = timeout

    def send(self, request: ApiRequest) -> ApiResponse:
        url = self._base + request.path + (f"?{request.query}" if request.query else "")
        headers = {
            name: value for name, value in request.headers.items() if name.lower() not in _UNFORWARDED_HEADERS
        }
        signed = AWSRequest(method=request.method, url=url, data=request.body or None, headers=headers)
        SigV4Auth(self._credentials.get_frozen_credentials(), "lambda", self._region).add_auth(signed)
        prepared = signed.prepare()
        outgoing = urllib.request.Request(
            prepared.url, data=request.body or None, headers=dict(prepared.headers.items()), method=request.method
        )
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(outgoing, timeout=self._timeout) as answer:
                return ApiResponse(status=answer.status, headers=dict(answer.headers.items()), body=answer.read())
        except urllib.error.HTTPError as error:
            return ApiResponse(status=error.code, headers=dict(error.headers.items()), body=error.read())


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def query_string(parameters: Mapping[str, str | int | None]) -> str:
    return urlencode({name: value for name, value in parameters.items() if value is not None})
