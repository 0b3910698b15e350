"""The version page's download, as a browser follows it: signed in with the session cookie, the page's link
answers 303 to the artifact's short-lived URL (the registry's own `/_blobs/` on the embedded backend, S3's
presigned URL on the AWS-shaped one), and that URL gives the artifact's bytes without any registry cookie."""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from modelyard_local.stack import LocalStack
from modelyard_server.ui import links
from tests.e2e.conftest import OWNER, http, sdk, write_bytes


@pytest.fixture(scope="module", params=["sqlite", "moto"])
def signed_in_stack(request: pytest.FixtureRequest) -> Iterator[tuple[LocalStack, str]]:
    """A stack with the GitHub stand-in, and the session cookie of a person signed in through a one-time link."""
    with LocalStack(port=0, issuer_port=0, moto_port=0, github=True, backend=request.param) as stack:
        stack.github.people.add_person("alice", user_id=1001, teams=("acme/ml",))
        yield stack, _session_cookie(stack.sign_in_link("alice"))


class _Stay(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # the test reads each redirect itself


def _first_answer(url: str, cookie: str | None = None) -> tuple[int, Message]:
    """The status and headers of the answer to a GET of `url`, without following a redirect."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.build_opener(_Stay()).open(request, timeout=30) as answer:
            return answer.status, answer.headers
    except urllib.error.HTTPError as answer:
        return answer.code, answer.headers


def _session_cookie(link: str) -> str:
    status, headers = _first_answer(link)
    assert status == 303, status
    return str(headers["Set-Cookie"]).split(";")[0]


def test_the_download_link_of_a_version_page_gives_the_artifact(
    signed_in_stack: tuple[LocalStack, str], tmp_path: Path
) -> None:
    stack, cookie = signed_in_stack
    data = os.urandom(4096)
    name = f"dl-{stack.backend}"
    version = sdk(stack, stack.mint(repository=OWNER)).register(
        name, write_bytes(tmp_path / "model.onnx", data), create_model=True
    )
    page = http("GET", stack.api_url + links.version(name, version["version"]), headers={"Cookie": cookie})
    assert page.status == 200
    assert links.download(name, version["version"]).encode() in page.body

    status, headers = _first_answer(stack.api_url + links.download(name, version["version"]), cookie)
    location = headers.get("Location")

    assert status == 303
    assert location is not None and urlsplit(location).scheme == "http"
    if stack.backend == "sqlite":  # the registry's own blob store: the same origin as the pages
        assert urlsplit(location).netloc == urlsplit(stack.api_url).netloc
    fetched = http("GET", location)  # no cookie: the URL itself is the permission
    assert fetched.status == 200
    assert hashlib.sha256(fetched.body).hexdigest() == hashlib.sha256(data).hexdigest()
