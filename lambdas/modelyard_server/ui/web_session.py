"""A person's session in the browser: the registry's own session token in a cookie, and the forms bound to it.

The cookie holds the same HS256 session token `POST /v1/sessions` hands the CLI (adapters/session_tokens.py),
so a page is read with exactly the rights the API would give that person. It is `__Host-` prefixed (Secure,
Path=/, no Domain: no sibling host can set or read it), HttpOnly (no script reads it; the pages run none
anyway) and SameSite=Lax (a link from Slack arrives signed in; a cross-site form post arrives without it).

Every form that changes something carries a CSRF token: a MAC of the session token under the session key,
so it is valid for that session only. A post is also refused when the browser says it came from another site
(`Sec-Fetch-Site`).
"""

from __future__ import annotations

import hmac
from typing import Annotated
from urllib.parse import parse_qs, quote, urlencode

from aws_lambda_powertools.event_handler import Request
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from modelyard_server.adapters.oidc import TokenRejected
from modelyard_server.adapters.session_tokens import SessionTokens
from modelyard_server.domain.errors import DomainError, Forbidden
from modelyard_server.domain.principal import Principal
from modelyard_server.domain.visibility import require_visible
from modelyard_server.handlers.auth import client_of, session_tokens, verified_session
from modelyard_server.handlers.model_paths import NAME_JOINER
from modelyard_server.handlers.named_models import models_named
from modelyard_server.ui import links
from modelyard_server.ui.sign_in_needed import SignInNeeded

SESSION_COOKIE = "__Host-modelyard-session"
CSRF_FIELD = "csrf"
CSRF_PURPOSE = "csrf"
MAX_FORM_FIELDS = 20
_PRINTABLE_ASCII = "".join(map(chr, range(0x21, 0x7F)))  # kept as they are in a page address (not a space)
SAME_SITE_FETCHES = ("same-origin", "none")  # `none`: typed in the address bar or a bookmark


class FormRefused(DomainError):
    status, slug, title = 400, "invalid-form", "The form could not be read"


class CsrfRefused(Forbidden):
    slug, title = "csrf-refused", "The form did not come from this registry's page"


def cookie(name: str, value: str, max_age: int) -> Cookie:
    """A `__Host-` cookie as every cookie of the pages is set: Secure, HttpOnly, SameSite=Lax, Path=/."""
    return Cookie(name, value, path="/", secure=True, http_only=True, max_age=max_age, same_site=SameSite.LAX_MODE)


def cleared(name: str) -> Cookie:
    return cookie(name, "", max_age=0)


def session_cookie(token: str, expires_in: int) -> Cookie:
    return cookie(SESSION_COOKIE, token, max(expires_in, 0))


def cookie_value(request: Request, name: str) -> str | None:
    """A cookie the browser sent: from API Gateway's `cookies` (payload v2), else from the Cookie header (the
    local server, and emulators that leave the header as it came)."""
    event = request.resolved_event
    value = event.resolved_cookies_field.get(name)
    if value is None:
        header = event.headers.get("cookie") or ""
        pairs = (pair.strip().partition("=") for pair in header.split(";"))
        value = next((found for key, _, found in pairs if key == name), None)
    return value or None


def page_address(request: Request) -> str:
    """The path and query the browser asked for (where to come back to after signing in)."""
    raw = request.resolved_event.raw_event
    path = str(raw.get("rawPath") or request.resolved_event.path).replace(NAME_JOINER, "/")
    query = raw.get("rawQueryString")  # Lambda (payload v2); the local server gives the parsed lists
    if query is None:
        query = urlencode(raw.get("multiValueQueryStringParameters") or {}, doseq=True)
    return f"{path}?{query}" if query else path


def safe_next_page(given: str | None) -> str:
    """Where to go after signing in: a page of this registry's UI, never another site (`//evil`, `/\\evil`);
    written in plain ASCII (percent-encoded), as the Location header it becomes must be."""
    if (
        not given
        or not given.startswith(links.UI_PREFIX)
        or "\\" in given
        or any(c < " " or c == "\x7f" for c in given)
    ):
        return links.UI_PREFIX
    return quote(given, safe=_PRINTABLE_ASCII)


def _tokens() -> SessionTokens | None:
    return session_tokens()


def viewer(request: Request) -> Principal | None:
    """The signed-in person, or None: no cookie, an expired, signed-out or forged one, or no sessions on this
    registry."""
    token = cookie_value(request, SESSION_COOKIE)
    tokens = _tokens()
    if token is None or tokens is None:
        return None
    try:
        claims = verified_session(tokens, token)
    except TokenRejected:
        return None
    return Principal(claims, kind="person", client=client_of(request))


def signed_in(request: Request) -> Principal:
    """The signed-in person (the pages' dependency); a model they may not see is the missing model's 404."""
    person = viewer(request)
    if person is None:
        raise SignInNeeded(page_address(request))
    require_visible(person, models_named(request))
    return person


def csrf_token(request: Request) -> str:
    """The token the page's forms carry: bound to this session's cookie."""
    token = cookie_value(request, SESSION_COOKIE)
    tokens = _tokens()
    if token is None or tokens is None:
        return ""
    return tokens.tag(CSRF_PURPOSE, token)


def refuse_other_sites(request: Request) -> None:
    """Refuse a post the browser says another site sent (`Sec-Fetch-Site`), signed in or not: such a post
    arrives without the SameSite=Lax cookie, so no CSRF token can be checked, yet its answer's Set-Cookie
    would still reach the browser."""
    fetched_from = request.resolved_event.headers.get("sec-fetch-site")
    if fetched_from is not None and fetched_from not in SAME_SITE_FETCHES:
        raise CsrfRefused(f"the browser says this form was sent from another site ({fetched_from[:30]})")


def form_fields(request: Request, accepted: tuple[str, ...]) -> dict[str, str]:
    """The posted form's fields, after the CSRF check: each accepted field at most once, nothing else."""
    refuse_other_sites(request)
    body = request.resolved_event.decoded_body or ""
    try:
        parsed = parse_qs(body, keep_blank_values=True, strict_parsing=bool(body), max_num_fields=MAX_FORM_FIELDS)
    except ValueError as error:
        raise FormRefused(f"the form body is not a URL-encoded form: {str(error)[:100]}") from None
    unknown = sorted(set(parsed) - {*accepted, CSRF_FIELD})
    if unknown:
        raise FormRefused(f"the form has fields this page does not take: {', '.join(unknown)[:200]}")
    repeated = sorted(name for name, values in parsed.items() if len(values) > 1)
    if repeated:
        raise FormRefused(f"the form gives {', '.join(repeated)} more than once")
    expected = csrf_token(request)
    given = parsed.get(CSRF_FIELD, [""])[0]
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        raise CsrfRefused("the form's token does not belong to your session: reload the page and try again")
    return {name: values[0] for name, values in parsed.items() if name != CSRF_FIELD}


# What a page route declares to get the signed-in person and the CSRF token its forms carry.
Person = Annotated[Principal, Depends(signed_in)]
Csrf = Annotated[str, Depends(csrf_token)]
