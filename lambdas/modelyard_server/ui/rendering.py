"""HTML pages: the Jinja environment (autoescape on, undefined names an error) and the headers every page
leaves with.

The Content-Security-Policy allows no script at all and styles from the registry's own static folder only:
a model card that smuggled markup past the markdown renderer still could not run or load anything.
"""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.shared.cookies import Cookie
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from modelyard_server.domain import access
from modelyard_server.domain.principal import Principal
from modelyard_server.ui import links, template_helpers

HTML = "text/html; charset=utf-8"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    # pages show what the signed-in person may read: never kept by a shared cache or the browser's history
    "Cache-Control": "no-store",
}


def administers(person: Principal) -> bool:
    """Whether the header offers the registry's governance trail (only admins may read it)."""
    return access.can(person, "administer")


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("modelyard_server.ui", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["links"] = links
    env.globals["administers"] = administers
    env.filters.update(template_helpers.FILTERS)
    env.globals.update(template_helpers.GLOBALS)
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def page(template: str, *, status: int = 200, cookies: list[Cookie] | None = None, **context: Any) -> Response[str]:
    """`template` rendered as a page, with the security headers."""
    return Response(
        status_code=status,
        content_type=HTML,
        body=render(template, **context),
        headers=dict(SECURITY_HEADERS),
        cookies=cookies or [],
    )


def redirect(location: str, *, cookies: list[Cookie] | None = None) -> Response[str]:
    """303 See Other: after a form, or to sign in (the browser follows it with a GET)."""
    headers = dict(SECURITY_HEADERS)
    headers["Location"] = location
    return Response(status_code=303, content_type=HTML, body="", headers=headers, cookies=cookies or [])
