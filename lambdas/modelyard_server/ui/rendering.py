"""HTML pages: the Jinja environment (autoescape on, undefined names an error), pages rendered from it with the
headers every page leaves with (`page_responses`, which also answers redirects without loading Jinja)."""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.shared.cookies import Cookie
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from modelyard_server.domain.principal import Principal
from modelyard_server.ui import links, page_responses, template_helpers

# The route modules and the local sign-in page reach these through this module, as before they moved.


def administers(person: Principal) -> bool:
    """Whether the header offers the registry's governance trail (only admins may read it)."""
    # Imported here: the policy loads the registry's models, which a page for nobody signed in never needs.
    from modelyard_server.domain import access

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
        content_type=page_responses.HTML,
        body=render(template, **context),
        headers=dict(page_responses.SECURITY_HEADERS),
        cookies=cookies or [],
    )
