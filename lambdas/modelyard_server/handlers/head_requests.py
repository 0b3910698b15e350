"""HEAD on the web pages: answered exactly as GET would be (status, headers, cookies), without the body.

Monitors and link checkers send HEAD. Only the pages under /ui take it: the API's GETs under /v1 do not, as
its OpenAPI document (the contract clients are generated from) names GET only, and a HEAD there stays a 405.
Both entry points (the Lambda handler and the local ASGI app) route a page's HEAD as its GET and drop the body,
so no route is declared twice and a page cannot answer HEAD differently from GET.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from modelyard_server.handlers.model_paths import stage_prefix

PAGES = "/ui"
# GETs that act, not only show: GitHub's return to the registry spends its one-time code (and signs the browser in).
# A HEAD there (a prefetcher, a link checker) is a 405, so it cannot use up a code or be handed a session.
ACTING_GETS = frozenset({"/ui/sign-in/callback"})


def answered_as_get(method: str, path: str) -> bool:
    """Whether a request is a HEAD of a page (or of the pages' stylesheet)."""
    is_page = path == PAGES or path.startswith(PAGES + "/")
    return method.upper() == "HEAD" and is_page and path.rstrip("/") not in ACTING_GETS


def lambda_event_as_get(event: dict[str, Any]) -> dict[str, Any] | None:
    """The GET of the page an API Gateway event (payload v2) asks with HEAD; None when it is no page's HEAD."""
    context = event.get("requestContext") or {}
    http = context.get("http") or {}
    path = str(event.get("rawPath") or "")[len(stage_prefix(event)) :]
    if not answered_as_get(str(http.get("method", "")), path):
        return None
    return {**event, "requestContext": {**context, "http": {**http, "method": "GET"}}}


def without_body(answer: dict[str, Any]) -> dict[str, Any]:
    """A Lambda answer (payload v2) with its status, headers and cookies, and no body."""
    return {**answer, "body": "", "isBase64Encoded": False}


def methods_taken(methods: Iterable[str], path: str) -> list[str]:
    """The methods `path` takes (what a 405's Allow names), sorted: HEAD too where GET serves a page."""
    taken = set(methods)
    if "GET" in taken and answered_as_get("HEAD", path):
        taken.add("HEAD")
    return sorted(taken)
