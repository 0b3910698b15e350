"""Call the Lambda entry point in-process with API Gateway HTTP API (payload v2) events."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode


@dataclass
class LambdaContextStub:
    function_name: str = "modelyard-api"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:modelyard-api"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class ApiResponse:
    status: int
    headers: dict[str, str]
    body: Any
    raw: str
    cookies: list[str] = field(default_factory=list)  # Set-Cookie values (payload v2 answers them apart)

    @property
    def problem(self) -> dict[str, Any]:
        assert self.headers.get("Content-Type", self.headers.get("content-type")) == "application/problem+json", self
        assert isinstance(self.body, dict)
        return self.body


def http_event(
    method: str,
    path: str,
    *,
    token: str | None = None,
    body: Any = None,
    raw_body: str | None = None,
    query: dict[str, str] | list[tuple[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    cookies: list[str] | None = None,
) -> dict[str, Any]:
    all_headers = {"content-type": "application/json", "user-agent": "pytest"}
    if token is not None:
        all_headers["authorization"] = f"Bearer {token}"
    all_headers.update({k.lower(): v for k, v in (headers or {}).items()})
    text = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": urlencode(query or {}),  # pairs repeat a name as a client may
        "headers": all_headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api",
            "domainName": "api.example.com",
            "domainPrefix": "api",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "pytest",
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": "25/Nov/2026:03:00:00 +0000",
            "timeEpoch": 1795000000000,
        },
        "isBase64Encoded": False,
    }
    if query:
        # API Gateway (payload v2) joins a repeated parameter's values with commas
        joined: dict[str, str] = {}
        for name, value in query.items() if isinstance(query, dict) else query:
            joined[name] = f"{joined[name]},{value}" if name in joined else value
        event["queryStringParameters"] = joined
    if text is not None:
        event["body"] = text
    if cookies:
        event["cookies"] = cookies  # payload v2 carries the Cookie header's pairs here, not in `headers`
    return event


def invoke(handler: Any, event: dict[str, Any]) -> ApiResponse:
    answer = handler(event, LambdaContextStub())
    raw = answer.get("body") or ""
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw
    return ApiResponse(
        status=answer["statusCode"],
        headers=answer.get("headers") or {},
        body=parsed,
        raw=raw,
        cookies=list(answer.get("cookies") or []),
    )
