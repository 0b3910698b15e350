"""HEAD on the web pages, as monitors and link checkers send it, on the Lambda entry point: every page and the
stylesheet answer exactly as to GET (status and headers), without the body. The API under /v1 takes no HEAD
(its OpenAPI document names GET only): there it stays a 405.

In-process on the embedded backend (tests/support/embedded_api.py), as a browser calls the pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from modelyard_local.github import LocalGitHub
from modelyard_local.issuer import LocalIssuer
from modelyard_server.handlers.api import lambda_handler
from modelyard_server.ui import links
from tests.support.api_events import ApiResponse, http_event, invoke
from tests.support.embedded_api import EmbeddedApi, embedded_api, github_settings
from tests.support.page_calls import page_call

OWNER = "acme/fraud"


@pytest.fixture
def api(
    issuer: LocalIssuer, github: LocalGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[EmbeddedApi]:
    with embedded_api(monkeypatch, issuer, tmp_path / "data", **github_settings(github)) as running:
        owner = running.workflow(OWNER)
        running.ok("POST", "/v1/models", owner, body={"name": "fraud"})
        running.upload("fraud", b"v1", owner, metrics={"auc": 0.91})
        yield running


def _same_but_the_body(get: ApiResponse, head: ApiResponse) -> None:
    assert head.status == get.status, (get, head)
    assert head.headers == get.headers
    assert head.cookies == get.cookies
    assert get.raw and head.raw == ""


PAGES = [
    links.UI_PREFIX,
    "/ui",  # the catalog without its trailing slash
    links.model("fraud"),
    links.version("fraud", 1),
    links.model_audit("fraud"),
    links.compare(links.version_uri("fraud", 1), links.version_uri("fraud", 1)),
    links.rollback("fraud", "production"),
    links.archive("fraud", 1),
    links.REGISTRY_AUDIT,  # a page the person may not read: its 403 page, as to GET
    links.model("missing"),
    links.sign_in(),
    links.static("modelyard.css"),
]


@pytest.mark.parametrize("address", PAGES)
def test_a_page_answers_head_as_get_without_the_body(api: EmbeddedApi, address: str) -> None:
    person = api.person(4242, "pat")
    path, query = urlsplit(address).path, parse_qsl(urlsplit(address).query)
    get = page_call(person, "GET", path, query=query)
    head = page_call(person, "HEAD", path, query=query)

    assert get.status in (200, 403, 404)
    _same_but_the_body(get, head)


def test_a_page_asked_with_head_sends_a_browser_without_a_session_to_sign_in(api: EmbeddedApi) -> None:
    get = page_call(None, "GET", links.model("fraud"))
    head = page_call(None, "HEAD", links.model("fraud"))

    assert head.status == 303 and head.headers["Location"] == get.headers["Location"]
    assert head.headers == get.headers and head.raw == ""


def test_a_form_address_names_head_among_the_methods_it_takes(api: EmbeddedApi) -> None:
    answer = page_call(api.person(4242, "pat"), "PUT", links.rollback("fraud", "production"))

    assert answer.status == 405 and answer.headers["Allow"] == "GET, HEAD, POST"


def test_the_api_takes_no_head(api: EmbeddedApi) -> None:
    answer = api.call("HEAD", "/v1/models/fraud", api.workflow(OWNER))

    assert answer.status == 405 and answer.headers["Allow"] == "GET, PATCH"


def test_a_head_refused_before_routing_answers_as_its_get_without_the_body(api: EmbeddedApi) -> None:
    """A HEAD carrying a body the pages do not take is refused as its GET is, and that answer has no body either."""
    sent = {"accept": "text/html", "content-type": "text/plain"}
    get, head = (
        invoke(lambda_handler, http_event(method, "/ui/", raw_body="x", headers=sent)) for method in ("GET", "HEAD")
    )

    assert get.status == 415 and get.raw
    _same_but_the_body(get, head)
