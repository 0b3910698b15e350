"""Conditional GET: a request whose `If-None-Match` holds the current entity tag is answered 304, no body.

The route computes the tag as it would for a 200 (the same storage reads) and raises NotModified
instead of building and serializing the answer; the handler registered here answers it. It is an
exception because the route's declared answer (validated by the resolver) is the 200's body.
"""

from __future__ import annotations

import re

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver

# RFC 9110 §8.8.3: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE
_ENTITY_TAG = re.compile(r'(?:W/)?"[^"]*"')


class NotModified(Exception):
    def __init__(self, etag: str) -> None:
        super().__init__(etag)
        self.etag = etag


def none_match_holds(if_none_match: str, etag: str) -> bool:
    """True when `If-None-Match` names `etag` (weak comparison, RFC 9110 §13.1.2) or is `*`."""
    if if_none_match.strip() == "*":
        return True
    return any(tag.removeprefix("W/") == etag for tag in _ENTITY_TAG.findall(if_none_match))


def answer_conditionally(if_none_match: str | None, etag: str) -> None:
    """Raise NotModified when the client already holds this representation."""
    if if_none_match is not None and none_match_holds(if_none_match, etag):
        raise NotModified(etag)


def register_not_modified(app: ApiGatewayResolver) -> None:
    @app.exception_handler(NotModified)
    def _not_modified(answer: NotModified) -> Response[str]:
        return Response(status_code=304, body="", headers={"ETag": answer.etag})
