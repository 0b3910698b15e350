"""HEAD on the web pages over HTTP on the local server (uvicorn, the ASGI app), as a monitor or a link checker
sends it: the same status and headers as GET, and no body. The API under /v1 takes no HEAD (a 405)."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from modelyard_local.stack import LocalStack
from modelyard_server.ui import links
from tests.e2e.conftest import OWNER, sdk, write_bytes

VARYING = ("date",)  # the only header two answers a moment apart may differ in


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with LocalStack(port=0, issuer_port=0, github=True) as running:
        running.github.people.add_person("alice", user_id=3003, teams=("acme/ml",))
        artifact = write_bytes(tmp_path_factory.mktemp("head") / "model.onnx", b"weights")
        sdk(running, running.mint(repository=OWNER)).register("fraud", artifact, create_model=True)
        yield running


@pytest.fixture(scope="module")
def session(stack: LocalStack) -> str:
    status, headers, _ = _ask(stack, "GET", stack.sign_in_link("alice"))
    assert status == 303, status
    return headers["set-cookie"].split(";")[0]


def _ask(stack: LocalStack, method: str, address: str, cookie: str | None = None) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (names lower-cased, Date left out) and body of one request, no redirect followed."""
    api = urlsplit(stack.api_url)
    target = urlsplit(address)
    connection = http.client.HTTPConnection(str(api.hostname), api.port, timeout=30)
    path = target.path + (f"?{target.query}" if target.query else "")
    connection.request(method, path, headers={"Accept": "text/html", **({"Cookie": cookie} if cookie else {})})
    answer = connection.getresponse()
    body = answer.read()
    connection.close()
    headers = {name.lower(): value for name, value in answer.getheaders() if name.lower() not in VARYING}
    return answer.status, headers, body


@pytest.mark.parametrize(
    "address",
    [
        links.UI_PREFIX,
        links.model("fraud"),
        links.version("fraud", 1),
        links.model_audit("fraud"),
        links.model("missing"),
        links.sign_in(),
        links.static("modelyard.css"),
    ],
)
def test_a_page_answers_head_as_get_without_the_body(stack: LocalStack, session: str, address: str) -> None:
    got = _ask(stack, "GET", address, session)
    head = _ask(stack, "HEAD", address, session)

    assert got[0] in (200, 404) and got[2]
    assert head == (got[0], got[1], b"")


def test_a_page_asked_with_head_without_a_session_is_the_same_redirect_to_sign_in(stack: LocalStack) -> None:
    got = _ask(stack, "GET", links.model("fraud"))
    head = _ask(stack, "HEAD", links.model("fraud"))

    assert got[0] == 303 and head[:2] == got[:2] and head[2] == b""


def test_the_api_takes_no_head(stack: LocalStack) -> None:
    status, headers, _ = _ask(stack, "HEAD", "/v1/health")

    assert status == 405 and headers["allow"] == "GET"


def test_head_of_the_one_time_sign_in_link_leaves_it_to_the_browser(stack: LocalStack) -> None:
    """A link checker's HEAD (or `curl -I`) hears where the link leads, but signs nobody in and spends nothing."""
    link = stack.sign_in_link("alice")

    status, headers, body = _ask(stack, "HEAD", link)
    assert (status, headers["location"], body) == (303, links.UI_PREFIX, b"")
    assert "set-cookie" not in headers

    status, headers, _ = _ask(stack, "GET", link)
    assert status == 303 and headers["set-cookie"].startswith("__Host-modelyard-session=")
    assert _ask(stack, "HEAD", link)[0] == 400  # spent by the browser
