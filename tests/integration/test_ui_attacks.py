"""The web pages attacked from outside (Lambda path, payload v2, embedded backend): what a browser, a hostile
registrant or another site can send, and what the pages must never do with it: show a private model, fail
with a 500, let another site act for a signed-in person, or answer a browser with anything but a page.

Each test holds one defect found by reviewing the pages as an outside attacker would (and fixed since).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest

from modelyard_local.issuer import LocalIssuer
from modelyard_server.ui import links
from modelyard_server.ui.page_responses import SECURITY_HEADERS
from tests.support.api_events import ApiResponse, http_event, invoke
from tests.support.embedded_api import EmbeddedApi, embedded_api
from tests.support.markup_inspection import parse_markup, scheme_of
from tests.support.page_calls import FORM, SESSION_COOKIE, csrf_of, page_call, read_page

OWNER, ADMIN = "acme/fraud", "acme/platform"
SECRET_BYTES = b"hidden plans"


@pytest.fixture
def api(issuer: LocalIssuer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmbeddedApi]:
    """fraud (public, v1 and v2) and secret/churn (v1) in the private namespace `secret` of acme/fraud."""
    with embedded_api(monkeypatch, issuer, tmp_path / "data", MODELYARD_ADMIN_REPOSITORIES=ADMIN) as running:
        owner = running.workflow(OWNER)
        running.ok("POST", "/v1/models", owner, body={"name": "fraud"})
        running.upload("fraud", b"one", owner, metrics={"auc": 0.8})
        running.upload("fraud", b"two", owner, metrics={"auc": 0.9})
        owners = [{"repository": running.repository_id(OWNER)}]
        namespace = {"name": "secret", "private": True, "owners": owners}
        running.ok("POST", "/v1/namespaces", running.workflow(ADMIN), body=namespace)
        running.ok("POST", "/v1/models", owner, body={"name": "secret/churn"})
        running.upload("secret/churn", SECRET_BYTES, owner, metrics={"secret_metric": 0.5})
        yield running


def _outsider(api: EmbeddedApi) -> str:
    """A signed-in person in no team: reads public models, not the private namespace's."""
    return api.person(31, "riley")


def _raw_call(
    session: str | None, method: str, path: str, body: str, headers: dict[str, str], *, b64: bool = False
) -> ApiResponse:
    from modelyard_server.handlers.api import lambda_handler

    sent = {"accept": "text/html,application/xhtml+xml", "sec-fetch-site": "same-origin", **headers}
    event = http_event(method, path, raw_body=body, headers=sent)
    event["isBase64Encoded"] = b64
    if session is not None:
        event["cookies"] = [f"{SESSION_COOKIE}={session}"]
    return invoke(lambda_handler, event)


def _is_page(answer: ApiResponse) -> bool:
    return answer.headers.get("Content-Type", "").startswith("text/html") and all(
        answer.headers.get(name) == value for name, value in SECURITY_HEADERS.items()
    )


@pytest.mark.parametrize(
    "padded", [" models:/secret/churn/1", "models:/secret/churn/1\u00a0", "models:/secret/churn/latest\n"]
)
def test_a_private_model_padded_with_spaces_is_missing_on_the_compare_page(api: EmbeddedApi, padded: str) -> None:
    # the page trims what the form sent; the visibility check must judge the URI the page then compares
    answer = page_call(_outsider(api), "GET", links.COMPARE, query={"base": padded, "head": "models:/fraud/1"})

    assert answer.status == 404, answer.raw[:500]
    assert "secret_metric" not in answer.raw


def test_a_tag_filter_longer_than_the_api_takes_is_a_400_page_not_a_500(api: EmbeddedApi) -> None:
    answer = page_call(_outsider(api), "GET", "/ui/", query={"tag": "team=" + "x" * 5000})

    assert answer.status == 400, answer.raw[:300]
    assert _is_page(answer)


def test_another_site_cannot_sign_a_person_out(api: EmbeddedApi) -> None:
    # SameSite=Lax keeps the cookie off another site's form post, so the CSRF token cannot be checked; the
    # browser's Sec-Fetch-Site still says where the post came from, and such a post must not clear the cookie
    answer = page_call(None, "POST", links.SIGN_OUT, form={}, headers={"sec-fetch-site": "cross-site"})

    assert answer.status == 403
    assert answer.cookies == []


@pytest.mark.parametrize(
    ("body", "content_type", "b64", "status"),
    [
        ("reason=a&confirm=yes", "text/plain", False, 415),  # what <form enctype="text/plain"> sends
        ("reason=a", "multipart/form-data; boundary=x", False, 415),
        (base64.b64encode(b"reason=\xe9&confirm=yes").decode(), FORM, True, 400),  # Latin-1, not UTF-8
        ("reason=" + "x" * 1_100_000, FORM, False, 413),
    ],
)
def test_a_form_the_api_refuses_before_routing_is_a_page_for_a_browser(
    api: EmbeddedApi, body: str, content_type: str, b64: bool, status: int
) -> None:
    path = links.rollback("fraud", "production")
    answer = _raw_call(_outsider(api), "POST", path, body, {"content-type": content_type}, b64=b64)

    assert answer.status == status
    assert _is_page(answer), answer.headers
    assert "JSON" not in read_page(answer).shown  # a browser sent a form: the page does not ask for JSON


def test_the_same_refusal_stays_problem_json_for_a_client_that_does_not_ask_for_html(api: EmbeddedApi) -> None:
    answer = _raw_call(None, "POST", links.SIGN_OUT, "a=b", {"content-type": "text/plain", "accept": "*/*"})

    assert answer.status == 415
    assert answer.problem["status"] == 415


def test_an_error_at_ui_without_its_slash_is_a_page_too(api: EmbeddedApi) -> None:
    answer = page_call(_outsider(api), "POST", "/ui")

    assert answer.status == 405
    assert _is_page(answer), answer.headers


def test_an_alias_name_is_no_class_of_the_stylesheet_on_the_version_page(api: EmbeddedApi) -> None:
    # a developer names aliases: `skip` is the stylesheet's off-screen class, `archived` its red badge
    owner = api.workflow(OWNER)
    for alias in ("skip", "archived"):
        api.ok("PUT", f"/v1/models/fraud/aliases/{alias}", owner, body={"version": 2})

    markup = parse_markup(page_call(_outsider(api), "GET", links.version("fraud", 2)).raw)

    badges = [element for element in markup.with_class("badge") if "alias" in element.text]
    assert sorted(element.text for element in badges) == ["alias archived", "alias skip"]
    assert all(element.classes() == {"badge"} for element in badges), [e.attrs for e in badges]


def test_the_stylesheet_leaves_with_the_pages_security_headers(api: EmbeddedApi) -> None:
    answer = page_call(None, "GET", links.static("modelyard.css"))

    assert answer.status == 200
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "Cross-Origin-Resource-Policy"):
        assert answer.headers.get(name) == SECURITY_HEADERS[name], name


def test_a_workflow_token_is_no_session_on_the_pages(api: EmbeddedApi) -> None:
    # decided: the pages are for people signed in with the cookie; a bearer token (a workflow's OIDC token, or
    # a person's session token sent as one) opens no page, and so can never be tricked into posting a form
    event = http_event("GET", "/ui/", token=api.workflow(ADMIN), headers={"accept": "text/html"})
    from modelyard_server.handlers.api import lambda_handler

    answer = invoke(lambda_handler, event)

    assert answer.status == 303
    assert answer.headers["Location"].startswith(links.SIGN_IN)


def test_a_parent_whose_namespace_turned_private_is_not_named_on_the_compare_page(api: EmbeddedApi) -> None:
    # registering refuses a parent in another private namespace; a namespace made private afterwards must not
    # be named through the lineage of the public versions made from it either (the lineage graph leaves it out)
    owner, admin = api.workflow(OWNER), api.workflow(ADMIN)
    owners = [{"repository": api.repository_id(OWNER)}]
    api.ok("POST", "/v1/namespaces", admin, body={"name": "lab", "owners": owners})
    api.ok("POST", "/v1/models", owner, body={"name": "lab/churn"})
    api.upload("lab/churn", b"churn", owner)
    api.upload("fraud", b"three", owner, lineage={"parents": ["models:/fraud/2", "models:/lab/churn/1"]})
    api.ok("PATCH", "/v1/namespaces/lab", admin, body={"private": True})

    sides = {"base": "models:/fraud/1", "head": "models:/fraud/3"}
    answer = page_call(_outsider(api), "GET", links.COMPARE, query=sides)
    by_api = api.ok("GET", "/v1/compare", _outsider(api), query=sides)  # the same domain answer

    assert answer.status == 200
    assert "models:/fraud/2" in read_page(answer).shown  # the visible parent is still named
    assert "lab/churn" not in answer.raw
    assert by_api["lineage"]["parents_added"] == ["models:/fraud/2"]


PRIVATE_PAGES = [
    ("GET", links.model("secret/churn"), None),
    ("GET", links.model("secret/churn", metric="secret_metric"), None),
    ("GET", links.version("secret/churn", 1), None),
    ("GET", links.download("secret/churn", 1), None),
    ("GET", links.model_audit("secret/churn"), None),
    ("GET", links.rollback("secret/churn", "production"), None),
    ("GET", links.archive("secret/churn", 1), None),
    ("POST", links.rollback("secret/churn", "production"), {"reason": "r", "confirm": "yes", "expected_version": "1"}),
    ("POST", links.archive("secret/churn", 1), {"reason": "r", "confirm": "yes", "status": "archived"}),
    ("GET", links.compare("models:/secret/churn/1", "models:/fraud/1"), None),
    ("GET", links.compare("models:/fraud/1", "models:/secret/churn/latest"), None),
]


@pytest.mark.parametrize(("method", "address", "form"), PRIVATE_PAGES)
def test_every_page_of_a_private_model_is_the_missing_page_to_an_outsider(
    api: EmbeddedApi, method: str, address: str, form: dict[str, str] | None
) -> None:
    outsider = _outsider(api)
    path, _, query = address.partition("?")
    sent = dict(form or {}, csrf=csrf_of(outsider)) if form is not None else None
    pairs = [tuple(pair.split("=", 1)) for pair in query.split("&")] if query else None

    answer = page_call(outsider, method, path, form=sent, query=[(k, unquote(v)) for k, v in pairs or []])

    assert answer.status == 404, (answer.status, answer.raw[:300])
    assert "Location" not in answer.headers
    assert "secret_metric" not in answer.raw


def test_the_catalog_lists_no_private_model_to_an_outsider_whatever_the_filter(api: EmbeddedApi) -> None:
    outsider = _outsider(api)
    for query in ({}, {"namespace": "secret"}, {"name_prefix": "secret/"}, {"owner": OWNER}):
        answer = page_call(outsider, "GET", links.UI_PREFIX, query=query)
        assert answer.status == 200
        assert "secret/churn" not in answer.raw, query


HOSTILE = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>"
SCRIPT_LINKS = "[a](javascript:alert(3)) [b](data:text/html,x) [c](vbscript:x) ![d](https://evil.example/t.png)"
RUNNABLE_TAGS = {"script", "img", "iframe", "object", "embed", "style", "base", "frame", "video", "audio", "source"}


def _hostile_registry(api: EmbeddedApi) -> None:
    """fraud v3 and v4 with every field a registrant writes hostile; stages moved and rolled back with hostile
    comments, an alias named after a stylesheet class, v2 deprecated with a hostile reason."""
    text = HOSTILE[:60]
    token = api.workflow(OWNER, ref=text, workflow=text, actor="bob")
    policy = {"stages": {"production": {"min_approvals": 0, "prevent_self_approval": False, "from_stages": []}}}
    api.ok("PUT", "/v1/policy", api.workflow(ADMIN), body={"document": policy, "expected_revision": 0})
    api.ok("PATCH", "/v1/models/fraud", api.workflow(OWNER), body={"description": HOSTILE + SCRIPT_LINKS})
    for data in (b"three", b"four"):
        fields = {
            "description": HOSTILE + SCRIPT_LINKS,
            "framework": text,
            "params": {text: HOSTILE},
            "metrics": {text: 0.5, "auc": 0.7},
            "tags": {"note": text},
            "signature": {"inputs": [{"name": text, "type": text}]},
            "model_card": f"# {HOSTILE}\n\n{SCRIPT_LINKS}\n\n<iframe src=//evil.example></iframe>",
            "lineage": {"data_uri": "javascript://x%0aalert(1)", "data_version": text, "parents": ["models:/fraud/1"]},
        }
        api.upload("fraud", data, token, **fields)
    for stage, number in (("staging", 3), ("production", 3), ("production", 4)):
        promoter = api.workflow(OWNER, environment=stage, ref=text)
        api.ok(
            "POST", f"/v1/models/fraud/stages/{stage}/promote", promoter, body={"version": number, "comment": HOSTILE}
        )
    api.ok("PUT", "/v1/models/fraud/aliases/skip", api.workflow(OWNER), body={"version": 4})
    api.ok("POST", "/v1/models/fraud/stages/production/rollback", api.workflow(ADMIN), body={"comment": HOSTILE})
    api.ok(
        "POST",
        "/v1/models/fraud/versions/2/archive",
        api.workflow(OWNER),
        body={"status": "deprecated", "reason": HOSTILE},
    )


HOSTILE_PAGES = [
    links.catalog(),
    links.model("fraud"),
    links.model("fraud", metric=HOSTILE[:60], column=[HOSTILE[:60], "auc"]),
    links.version("fraud", 2),
    links.version("fraud", 3),
    links.version("fraud", 4),
    links.model_audit("fraud"),
    links.compare("models:/fraud/1", "models:/fraud/4"),
    links.rollback("fraud", "production"),
    links.archive("fraud", 4),
]


def test_what_a_registrant_writes_is_inert_text_on_every_page(api: EmbeddedApi) -> None:
    _hostile_registry(api)
    reader = api.person(31, "riley")

    for address in HOSTILE_PAGES:
        path, _, query = address.partition("?")
        pairs = [(key, unquote(value)) for key, value in (pair.split("=", 1) for pair in query.split("&") if pair)]
        answer = page_call(reader, "GET", path, query=pairs)
        markup = parse_markup(answer.raw)

        assert answer.status == 200, (address, answer.raw[:300])
        assert not markup.tags() & RUNNABLE_TAGS, (address, markup.tags() & RUNNABLE_TAGS)
        for element in markup.elements:
            names = set(element.attrs)
            assert not {name for name in names if name.startswith("on")} and "style" not in names, (address, element)
            href = element.attrs.get("href") or "/"
            assert scheme_of(href) in (None, "http", "https", "mailto") or href == "data:,", (address, element)
            assert element.attrs.get("class") != "badge skip", (address, element)
        incident_form = address.endswith(("/archive", "/rollback"))  # these show no registrant text
        assert HOSTILE[:30] in markup.text or incident_form, address  # shown, as text


def test_the_session_cookie_opens_no_api_route(api: EmbeddedApi) -> None:
    # the API reads bearer tokens only: a page's cookie, which the browser adds to any request to the registry,
    # must not let another site's request act on the API for the person (no CSRF through /v1)
    admin = api.person(1, "ada", teams=("acme/admins",))
    api.ok("POST", "/v1/roles", api.workflow(ADMIN), body={"role": "admin", "scope": "*", "team": "acme/admins"})
    event = http_event("POST", "/v1/models", body={"name": "planted"}, cookies=[f"{SESSION_COOKIE}={admin}"])
    from modelyard_server.handlers.api import lambda_handler

    answer = invoke(lambda_handler, event)

    assert answer.status == 401
    assert api.call("GET", "/v1/models/planted", api.workflow(ADMIN)).status == 404


def test_the_page_a_sign_in_returns_to_is_written_in_plain_ascii() -> None:
    # it becomes a Location header, whose value is ASCII: a crafted link's `next` must not break the redirect
    from modelyard_server.ui.web_session import safe_next_page

    assert safe_next_page("/ui/models/caf\u00e9?q=\u2603 x") == "/ui/models/caf%C3%A9?q=%E2%98%83%20x"
    assert safe_next_page("/ui/\x7f") == links.UI_PREFIX
    assert safe_next_page("/ui/?tag=team%3Drisk") == "/ui/?tag=team%3Drisk"
