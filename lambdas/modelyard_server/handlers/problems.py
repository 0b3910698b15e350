"""Every error leaves as RFC 9457 problem JSON; domain errors are mapped here and nowhere else."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)

from modelyard_server.adapters.github import GitHubUnavailable
from modelyard_server.adapters.oidc import TokenRejected
from modelyard_server.domain.errors import DomainError
from modelyard_server.handlers.head_requests import methods_taken
from modelyard_server.handlers.model_paths import NAME_JOINER
from modelyard_server.observability import logger
from modelyard_server.ports.records import BadPageToken, StorageBusy, StorageFull
from modelyard_server.ui.sign_in_needed import SignInNeeded

PROBLEM_BASE = "https://modelyard.dev/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"
PAGES_PREFIX = "/ui/"


def problem_document(status: int, slug: str, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail, **extra}


def methods_serving(app: ApiGatewayResolver, path: str) -> list[str]:
    """The methods the API's routes take at `path`, sorted; none when no route matches it."""
    routes = app._static_routes + app._dynamic_routes  # powertools is pinned; tests/integration/test_wrong_methods.py
    return methods_taken((route.method for route in routes if route.rule.match(path)), path)


def problem(status: int, slug: str, title: str, detail: str, **extra: Any) -> Response[str]:
    body = problem_document(status, slug, title, detail, **extra)
    headers = {"WWW-Authenticate": 'Bearer realm="modelyard"'} if status == 401 else None
    return Response(status_code=status, content_type=PROBLEM_CONTENT_TYPE, body=json.dumps(body), headers=headers)


def storage_problem(error: StorageFull | StorageBusy) -> tuple[dict[str, Any], dict[str, str]]:
    """The problem document and headers for a storage fault (also what the local /_blobs/ route answers).

    The operator's message (it names paths on the server) goes to the log, not to the caller.
    """
    if isinstance(error, StorageFull):
        logger.error("storage full", extra={"reason": str(error)})
        detail = (
            "the registry's storage is full, so nothing of this request was kept; ask the registry's operator "
            "to free space (the server log names where), then send it again"
        )
        return problem_document(507, "storage-full", "Insufficient storage", detail), {}
    logger.warning("storage busy", extra={"reason": str(error)})
    detail = (
        "the registry's storage is busy (other changes to the same records, or another process holding the "
        f"embedded database), so nothing was changed; retry in {error.retry_after} s"
    )
    return (
        problem_document(503, "storage-busy", "Storage busy", detail),
        {"Retry-After": str(error.retry_after)},
    )


def _field(location: Any) -> str:
    return ".".join(str(part) for part in location) if isinstance(location, (list, tuple)) else str(location)


def _validation_problem(error: RequestValidationError) -> Response[str]:
    details = list(error.errors())
    if any(item.get("type") == "json_invalid" for item in details):
        return problem(400, "malformed-json", "Malformed JSON", "the request body is not valid JSON")
    fields = [
        {
            "field": _field(item.get("loc", ())),
            "message": str(item.get("msg", "invalid")),
            "type": item.get("type"),
        }
        for item in details[:50]
    ]
    summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields[:5])
    return problem(422, "validation-failed", "Request validation failed", summary, errors=fields)


def wants_page(path: str, accept: str | None) -> bool:
    """Whether a failed request is a browser's on a web page (/ui or under /ui/, HTML accepted): its problem is
    then answered as a page. A client that does not ask for HTML (curl, a script) gets the problem JSON."""
    on_pages = path == PAGES_PREFIX.rstrip("/") or path.startswith(PAGES_PREFIX)
    return on_pages and "text/html" in (accept or "")


def for_pages(app: ApiGatewayResolver, answer: Response[str]) -> Response[str]:
    """The problem as it is, or for a browser on a web page (`wants_page`) the same status and words as a page."""
    event = app.current_event
    if not wants_page(event.path, event.headers.get("accept")):
        return answer
    from modelyard_server.ui.error_pages import problem_page  # Jinja loads only for the pages

    return problem_page(answer)


def register_problem_handlers(app: ApiGatewayResolver) -> None:
    def paged(answer: Response[str]) -> Response[str]:
        return for_pages(app, answer)

    @app.exception_handler(SignInNeeded)
    def _sign_in(error: SignInNeeded) -> Response[str]:
        from modelyard_server.ui.error_pages import sign_in_first

        return sign_in_first(error.next_page)

    @app.exception_handler(DomainError)
    def _domain(error: DomainError) -> Response[str]:
        logger.info("request refused", extra={"problem": error.slug, "status": error.status})
        answer = problem(error.status, error.slug, error.title, error.detail, **error.extra)
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            answer.headers["Retry-After"] = str(retry_after)
        return paged(answer)

    @app.exception_handler(RequestValidationError)
    def _invalid(error: RequestValidationError) -> Response[str]:
        # powertools validates before any middleware runs: an unknown parameter is named first all the same
        # (imported here: query_parameters builds its answer with this module's `problem`)
        from modelyard_server.handlers.query_parameters import query_parameters_problem

        return paged(query_parameters_problem(app) or _validation_problem(error))

    @app.exception_handler(RequestUnsupportedContentType)
    def _media_type(error: RequestUnsupportedContentType) -> Response[str]:
        said = app.current_event.headers.get("content-type") or "no Content-Type"
        return paged(
            problem(
                415,
                "unsupported-media-type",
                "Unsupported media type",
                f"the body was sent with '{said[:100]}'; send JSON with 'Content-Type: application/json'",
            )
        )

    @app.exception_handler(TokenRejected)
    def _token(error: TokenRejected) -> Response[str]:
        logger.info("token rejected", extra={"reason": str(error)})
        return paged(problem(401, "invalid-token", "Invalid bearer token", str(error)))

    @app.exception_handler(GitHubUnavailable)
    def _github(error: GitHubUnavailable) -> Response[str]:
        logger.warning("GitHub unavailable", extra={"reason": str(error)})
        return paged(problem(502, "github-unavailable", "GitHub could not be reached", str(error)))

    @app.exception_handler([StorageFull, StorageBusy])
    def _storage(error: StorageFull | StorageBusy) -> Response[str]:
        document, headers = storage_problem(error)
        return paged(
            Response(
                status_code=document["status"],
                content_type=PROBLEM_CONTENT_TYPE,
                body=json.dumps(document),
                headers=headers or None,
            )
        )

    @app.exception_handler(BadPageToken)
    def _page(error: BadPageToken) -> Response[str]:
        return paged(problem(400, "invalid-next-token", "Invalid pagination token", str(error)))

    @app.not_found
    def _no_route(_: Exception) -> Response[str]:
        event = app.current_event
        allowed = methods_serving(app, event.path)
        sent = event.path.replace(NAME_JOINER, "/")  # a namespaced name as the caller wrote it, not as routed
        if allowed:
            refusal = problem(
                405,
                "method-not-allowed",
                "Method not allowed",
                f"{sent} takes {', '.join(allowed)}, not {event.http_method} (see /v1/openapi.json)",
            )
            refusal.headers["Allow"] = ", ".join(allowed)
            return paged(refusal)
        return paged(
            problem(
                404,
                "no-such-route",
                "No such route",
                f"{event.http_method} {sent} is not part of the modelyard API (see /v1/openapi.json)",
            )
        )

    @app.exception_handler(Exception)
    def _bug(error: Exception) -> Response[str]:
        logger.exception("unhandled error")
        return paged(
            problem(500, "internal-error", "Internal error", "the registry failed unexpectedly; this is a bug")
        )
