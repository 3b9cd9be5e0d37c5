"""Lambda function URL events (payload format 2.0), as AWS documents them.

Written from the AWS sample event, independently of the page server's own
event builder, so the API tests check the handler against AWS's shape.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode


class FakeLambdaContext:
    function_name = "albums-dev-validation-api"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:albums-dev-validation-api"
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


def function_url_event(
    method: str, path: str, *, query: dict[str, str] | None = None, body: Any = None, raw_body: str | None = None
) -> dict[str, Any]:
    raw_query = urlencode(query or {})
    text = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
    headers = {
        "accept": "application/json",
        "host": "abcdefghijkl.lambda-url.us-east-1.on.aws",
        "user-agent": "pytest",
        "x-amzn-trace-id": "Root=1-5e723db7-7e5fd9b6e4a2f1b0cfa1e1e2",
        "x-forwarded-for": "203.0.113.7",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
    }
    if text is not None:
        headers["content-type"] = "application/json"
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": headers,
        "queryStringParameters": dict(parse_qsl(raw_query)) or None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abcdefghijkl",
            "authorizer": {
                "iam": {
                    "accessKey": "AKIAEXAMPLE",
                    "accountId": "123456789012",
                    "callerId": "AIDAEXAMPLE",
                    "cognitoIdentity": None,
                    "principalOrgId": None,
                    "userArn": "arn:aws:iam::123456789012:user/reviewer",
                    "userId": "AIDAEXAMPLE",
                }
            },
            "domainName": "abcdefghijkl.lambda-url.us-east-1.on.aws",
            "domainPrefix": "abcdefghijkl",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "pytest",
            },
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "routeKey": "$default",
            "stage": "$default",
            "time": "24/Nov/2026:12:00:00 +0000",
            "timeEpoch": 1795521600000,
        },
        "body": text,
        "pathParameters": None,
        "isBase64Encoded": False,
        "stageVariables": None,
    }
