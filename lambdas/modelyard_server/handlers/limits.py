"""Request limits enforced before any parsing, at each entry point."""

from __future__ import annotations

import json
from typing import Any

from modelyard_server.handlers.problems import PROBLEM_BASE, PROBLEM_CONTENT_TYPE


def oversize_problem(body_length: int, limit: int) -> dict[str, Any] | None:
    """A 413 problem (status, headers, body) when the body is larger than the API accepts."""
    if body_length <= limit:
        return None
    body = {
        "type": PROBLEM_BASE + "payload-too-large",
        "title": "Request body too large",
        "status": 413,
        "detail": f"the body is {body_length} bytes; the API accepts at most {limit} (artifacts go to S3 directly)",
    }
    return {"statusCode": 413, "headers": {"Content-Type": PROBLEM_CONTENT_TYPE}, "body": json.dumps(body)}
