"""A namespaced model's name takes two path segments: `/v1/models/marketing/churn/versions/7` (and the web
page `/ui/models/marketing/churn`).

API Gateway's HTTP APIs decode `%2F` before the function sees the path, and so does every ASGI server, so
the name cannot travel as one encoded segment. Both entry points (the Lambda handler and the local ASGI app)
pass the request path through `route_path` before routing: when the segment after a model's name is not a
word of the model routes (`versions`, `aliases`, ...), the two segments are one namespaced name, joined with
NAME_JOINER so the router's `<name>` matches them; the name parameter turns NAME_JOINER back into `/`.
A namespaced model may not be called one of those words (`domain/names.py`'s MODEL_PATH_WORDS), so a path
has one reading. A client may also send the name as one segment with `%2F` (it arrives decoded: the same).
"""

from __future__ import annotations

from typing import Any

from modelyard_server.domain.names import MODEL_PATH_WORDS

MODELS_PREFIX = "/v1/models/"
PAGES_PREFIX = "/ui/models/"  # the web pages name models the same way
MODEL_PREFIXES = (MODELS_PREFIX, PAGES_PREFIX)
NAME_JOINER = "%2F"  # the router's `<name>` matches `%`; no model name holds one, so nothing else is read so


def route_path(path: str) -> str:
    """`path` with a namespaced model's two name segments joined into the one the routes declare."""
    prefix = next((prefix for prefix in MODEL_PREFIXES if path.startswith(prefix)), None)
    if prefix is None:
        return path
    segments = path[len(prefix) :].split("/")
    if len(segments) < 2 or segments[1] in MODEL_PATH_WORDS or not segments[0] or not segments[1]:
        return path
    joined = [segments[0] + NAME_JOINER + segments[1], *segments[2:]]
    return prefix + "/".join(joined)


def stage_prefix(event: dict[str, Any]) -> str:
    """`/<stage>` when an API Gateway event's `rawPath` starts with its named stage, else empty."""
    raw_path = event.get("rawPath")
    stage = (event.get("requestContext") or {}).get("stage")
    named = isinstance(stage, str) and stage != "$default"
    return f"/{stage}" if named and isinstance(raw_path, str) and raw_path.startswith(f"/{stage}/") else ""


def routed_event(event: dict[str, Any]) -> dict[str, Any]:
    """An API Gateway HTTP API event (payload v2) whose `rawPath` the routes can match (see `route_path`)."""
    raw_path = event.get("rawPath")
    if not isinstance(raw_path, str):
        return event
    prefix = stage_prefix(event)
    routed = prefix + route_path(raw_path[len(prefix) :])
    return event if routed == raw_path else {**event, "rawPath": routed}
