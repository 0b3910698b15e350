"""The web pages attacked over HTTP on the local server (uvicorn, the ASGI app), where the requests the
Lambda path never sees as such arrive: raw bytes in headers, bodies of any media type, a one-time sign-in
link raced by several tabs. What a browser gets back is a page with the pages' headers, and nothing changes.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from modelyard_local.stack import LocalStack
from modelyard_server.ui import links
from modelyard_server.ui.page_responses import SECURITY_HEADERS
from tests.e2e.conftest import OWNER, sdk, write_bytes

HTML = "text/html,application/xhtml+xml"


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack(port=0, issuer_port=0, github=True) as running:
        running.github.people.add_person("alice", user_id=2002, teams=("acme/ml",))
        yield running


def _ask(
    stack: LocalStack, method: str, path: str, headers: dict[str, str | bytes], body: bytes = b""
) -> http.client.HTTPResponse:
    address = urlsplit(stack.api_url)
    connection = http.client.HTTPConnection(str(address.hostname), address.port, timeout=30)
    connection.putrequest(method, path)
    for name, value in {**headers, "Content-Length": str(len(body))}.items():
        connection.putheader(name, value)
    connection.endheaders(body)
    answer = connection.getresponse()
    answer.read()
    connection.close()
    return answer


def _is_page(answer: http.client.HTTPResponse) -> bool:
    return str(answer.getheader("Content-Type")).startswith("text/html") and all(
        answer.getheader(name) == value for name, value in SECURITY_HEADERS.items()
    )


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        ("text/plain", b"reason=a&confirm=yes", 415),  # what <form enctype="text/plain"> on another site sends
        ("application/x-www-form-urlencoded", b"reason=\xe9", 400),  # a Latin-1 form
    ],
)
def test_a_form_refused_before_routing_is_a_page_on_the_local_server(
    stack: LocalStack, content_type: str, body: bytes, status: int
) -> None:
    headers: dict[str, str | bytes] = {"Accept": HTML, "Content-Type": content_type}
    answer = _ask(stack, "POST", links.SIGN_OUT, headers, body)

    assert answer.status == status
    assert _is_page(answer), answer.getheaders()


def test_a_header_that_is_not_utf8_is_a_page_for_a_browser(stack: LocalStack) -> None:
    answer = _ask(stack, "GET", links.UI_PREFIX, {"Accept": HTML, "X-Note": b"caf\xe9"})

    assert answer.status == 400
    assert _is_page(answer), answer.getheaders()


def test_a_one_time_link_opened_by_several_tabs_at_once_signs_in_one(stack: LocalStack) -> None:
    link = urlsplit(stack.sign_in_link("alice"))
    statuses: list[int] = []

    def open_link() -> None:
        statuses.append(_ask(stack, "GET", f"{link.path}?{link.query}", {"Accept": HTML}).status)

    tabs = [threading.Thread(target=open_link) for _ in range(6)]
    for tab in tabs:
        tab.start()
    for tab in tabs:
        tab.join()

    assert sorted(statuses) == [303] + [400] * 5


def test_an_artifact_downloaded_from_the_pages_origin_is_never_a_page_there(stack: LocalStack, tmp_path: Path) -> None:
    # the embedded blob store answers on the pages' own origin: bytes a registrant chose (here an HTML document)
    # must not be rendered there, where a script could read the pages' forms and post them
    hostile = b"<!doctype html><script>fetch('/ui/')</script>"
    artifact = write_bytes(tmp_path / "card.html", hostile)
    version = sdk(stack, stack.mint(repository=OWNER)).register("hostile-bytes", artifact, create_model=True)
    link = urlsplit(stack.sign_in_link("alice"))
    cookie = str(_ask(stack, "GET", f"{link.path}?{link.query}", {}).getheader("Set-Cookie")).split(";")[0]
    redirect = _ask(stack, "GET", links.download("hostile-bytes", version["version"]), {"Cookie": cookie})
    blob = urlsplit(str(redirect.getheader("Location")))

    answer = _ask(stack, "GET", f"{blob.path}?{blob.query}", {"Accept": HTML})

    assert answer.status == 200
    assert str(answer.getheader("Content-Disposition")).startswith("attachment")
    assert answer.getheader("Content-Type") == "application/octet-stream"
    assert answer.getheader("X-Content-Type-Options") == "nosniff"
    assert "sandbox" in str(answer.getheader("Content-Security-Policy"))
