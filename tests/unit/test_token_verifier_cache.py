"""A verified token is remembered until it expires or its signing key leaves the issuer's key set."""

from __future__ import annotations

import time
from typing import Any

import pytest

from modelyard_local.issuer import LocalIssuer
from modelyard_server.adapters.oidc import LEEWAY_SECONDS, TokenRejected, TokenVerifier, fetch_json


class CountingFetch:
    def __init__(self) -> None:
        self.urls: list[str] = []

    def __call__(self, url: str) -> dict[str, Any]:
        self.urls.append(url)
        return fetch_json(url)


@pytest.fixture
def issuer() -> Any:
    with LocalIssuer(port=0) as running:
        yield running


def test_a_verified_token_is_served_from_memory_until_it_expires(issuer: LocalIssuer) -> None:
    now = [time.time()]
    verifier = TokenVerifier((issuer.url,), "modelyard", clock=lambda: now[0])
    token = issuer.mint(repository="acme/models", ttl=300)
    first = verifier.verify(token)
    first["repository"] = "mutated/by-a-caller"
    assert verifier.verify(token)["repository"] == "acme/models"  # callers get their own copy
    assert verifier.verified_from_memory == 1
    now[0] += 300 + LEEWAY_SECONDS + 1
    with pytest.raises(TokenRejected, match="expired"):
        verifier.verify(token)


def test_a_token_whose_key_was_withdrawn_is_not_served_from_memory(issuer: LocalIssuer) -> None:
    now = [time.time()]
    fetch = CountingFetch()
    verifier = TokenVerifier((issuer.url,), "modelyard", fetch=fetch, clock=lambda: now[0])
    old = issuer.mint(repository="acme/models")
    verifier.verify(old)
    issuer.rotate_key(keep_previous=False)
    now[0] += 11  # past the refresh interval: a token with the new key makes the verifier fetch the key set again
    assert verifier.verify(issuer.mint(repository="acme/models"))["repository"] == "acme/models"
    assert len([url for url in fetch.urls if url.endswith("jwks")]) == 2
    with pytest.raises(TokenRejected, match="no signing key"):
        verifier.verify(old)


def test_a_tampered_copy_of_a_remembered_token_is_still_checked(issuer: LocalIssuer) -> None:
    verifier = TokenVerifier((issuer.url,), "modelyard")
    token = issuer.mint(repository="acme/models")
    verifier.verify(token)
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    with pytest.raises(TokenRejected):
        verifier.verify(forged)
