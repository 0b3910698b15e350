"""What a page answers when a request fails: the API's problem (same status, title and detail), as a page."""

from __future__ import annotations

import json

from aws_lambda_powertools.event_handler import Response

from modelyard_server.ui import links
from modelyard_server.ui.page_responses import redirect
from modelyard_server.ui.web_session import safe_next_page

KEPT_HEADERS = ("Retry-After", "Allow")


def problem_page(problem: Response[str]) -> Response[str]:
    """The problem answer `problem` (JSON) as an HTML page with its status and its Retry-After or Allow."""
    try:
        document = json.loads(str(problem.body))
    except ValueError:
        document = {}
    status = int(problem.status_code)
    title = str(document.get("title") or "The request failed")
    detail = str(document.get("detail") or "")
    errors = [item for item in document.get("errors") or [] if isinstance(item, dict)]
    fields = [f"{item.get('field')}: {item.get('message')}" for item in errors]
    from modelyard_server.ui.rendering import page  # Jinja loads for a page; a redirect needs none

    answer = page("error.html", status=status, title=title, detail=detail, fields=fields[:10], status_code=status)
    for name in KEPT_HEADERS:
        value = problem.headers.get(name)
        if isinstance(value, str):
            answer.headers[name] = value
    return answer


def sign_in_first(next_page: str) -> Response[str]:
    return redirect(links.sign_in(safe_next_page(next_page)))
