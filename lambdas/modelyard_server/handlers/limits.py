"""Request limits enforced before any parsing, at each entry point (Lambda and the local ASGI server).

What is refused here never reaches routing or validation: a body over the size limit (413), a body
that does not say it is JSON (415: the API takes nothing else, and powertools would otherwise read a
form or an untyped body as data), and bytes that are not UTF-8 (400: JSON is UTF-8, RFC 8259).
A browser's request for a web page (`problems.wants_page`) is refused with a page saying the same.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from modelyard_server.handlers.problems import PROBLEM_BASE, PROBLEM_CONTENT_TYPE, wants_page

JSON_MEDIA_TYPE = "application/json"
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
PAGES_PREFIX = "/ui/"  # the web pages' forms post URL-encoded fields, which their routes read themselves


def problem_answer(status: int, slug: str, title: str, detail: str) -> dict[str, Any]:
    """A problem as a Lambda proxy answer (status, headers, body), for refusals made before routing."""
    body = {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail}
    return {"statusCode": status, "headers": {"Content-Type": PROBLEM_CONTENT_TYPE}, "body": json.dumps(body)}


def oversize_problem(body_length: int, limit: int) -> dict[str, Any] | None:
    """A 413 problem when the body is larger than the API accepts."""
    if body_length <= limit:
        return None
    return problem_answer(
        413,
        "payload-too-large",
        "Request body too large",
        f"the body is {body_length} bytes; the API accepts at most {limit} (artifacts go to S3 directly)",
    )


def _is_utf8_media_type(content_type: str, wanted: str) -> bool:
    media_type, *parameters = (part.strip().lower() for part in content_type.split(";"))
    if media_type != wanted:
        return False
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip() == "charset" and value.strip().strip('"') not in ("utf-8", "utf8"):
            return False
    return True


def body_problem(headers: Mapping[str, str], body: bytes, limit: int, path: str = "") -> dict[str, Any] | None:
    """Why the API cannot read this request's body (a problem answer), or None when it can.

    `headers` must have lower-case names. A web page's form (`path` under /ui/) may be URL-encoded instead.
    """
    too_large = oversize_problem(len(body), limit)
    if too_large is not None or not body:
        return too_large
    content_type = headers.get("content-type", "")
    on_pages = path.startswith(PAGES_PREFIX)
    is_page_form = on_pages and _is_utf8_media_type(content_type, FORM_MEDIA_TYPE)
    if not is_page_form and not _is_utf8_media_type(content_type, JSON_MEDIA_TYPE):
        said = f"'{content_type[:100]}'" if content_type else "no Content-Type"
        wanted = "the page's own form (URL-encoded UTF-8)" if on_pages else "JSON with 'Content-Type: application/json'"
        return problem_answer(
            415, "unsupported-media-type", "Unsupported media type", f"the body was sent with {said}; send {wanted}"
        )
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as error:
        if on_pages:
            detail = f"the form is not UTF-8 (byte {error.start}): send it again from the registry's page"
            return problem_answer(400, "malformed-form", "The form could not be read", detail)
        return problem_answer(
            400,
            "malformed-json",
            "Malformed JSON",
            f"the request body is not UTF-8 (byte {error.start}); JSON must be UTF-8 encoded",
        )
    return None


def page_for_browsers(answer: dict[str, Any], path: str, accept: str | None) -> dict[str, Any]:
    """`answer` (a problem refused before routing) as an HTML page, with the pages' headers, when a browser
    asked a web page for it; as it is otherwise."""
    if not wants_page(path, accept):
        return answer
    from aws_lambda_powertools.event_handler import Response  # only for the pages, as Jinja below

    from modelyard_server.ui.error_pages import problem_page

    problem = Response(answer["statusCode"], PROBLEM_CONTENT_TYPE, answer["body"], dict(answer["headers"]))
    page = problem_page(problem)
    return {"statusCode": page.status_code, "headers": dict(page.headers), "body": str(page.body)}


def lambda_body_problem(event: Mapping[str, Any], limit: int) -> dict[str, Any] | None:
    """body_problem for an API Gateway event (which base64-encodes bodies that are not text)."""
    headers = {str(name).lower(): str(value) for name, value in (event.get("headers") or {}).items()}
    stage = (event.get("requestContext") or {}).get("stage")
    path = str(event.get("rawPath") or "")
    if isinstance(stage, str) and stage != "$default":
        path = path.removeprefix(f"/{stage}")
    raw = event.get("body") or ""
    refusal: dict[str, Any] | None
    try:
        body = (
            base64.b64decode(raw, validate=True)
            if event.get("isBase64Encoded")
            else raw.encode("utf-8", "surrogatepass")
        )
    except (binascii.Error, ValueError):
        refusal = problem_answer(400, "malformed-json", "Malformed JSON", "the request body could not be decoded")
    else:
        refusal = body_problem(headers, body, limit, path)
    return None if refusal is None else page_for_browsers(refusal, path, headers.get("accept"))
