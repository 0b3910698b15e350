"""The headers every page leaves with, and the answers that need no template (redirects).

Apart from `rendering` so that a redirect (a signed-out visitor sent to sign in, a download) loads no Jinja.
The Content-Security-Policy allows no script at all and styles from the registry's own static folder only:
a model card that smuggled markup past the markdown renderer still could not run or load anything.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.shared.cookies import Cookie

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


def redirect(location: str, *, cookies: list[Cookie] | None = None) -> Response[str]:
    """303 See Other: after a form, or to sign in (the browser follows it with a GET)."""
    headers = dict(SECURITY_HEADERS)
    headers["Location"] = location
    return Response(status_code=303, content_type=HTML, body="", headers=headers, cookies=cookies or [])
