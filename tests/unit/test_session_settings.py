"""Session settings: the issuer and audience can never coincide with the OIDC ones."""

from __future__ import annotations

import pytest

from modelyard_server.settings import Settings

BASE = {"table_name": "modelyard", "bucket_name": "modelyard-artifacts"}


def test_the_session_issuer_is_derived_from_the_public_url_or_named() -> None:
    assert Settings(**BASE).session_issuer_in_force == "urn:modelyard:sessions"
    local = Settings(**BASE, public_url="http://127.0.0.1:8642/")
    assert local.session_issuer_in_force == "http://127.0.0.1:8642/v1/sessions"
    named = Settings(**BASE, session_issuer="https://registry.acme.dev/people/")
    assert named.session_issuer_in_force == "https://registry.acme.dev/people"


def test_a_session_audience_equal_to_the_oidc_audience_is_refused() -> None:
    with pytest.raises(ValueError, match="MODELYARD_SESSION_AUDIENCE"):
        Settings(**BASE, audience="modelyard", session_audience="modelyard")


def test_a_session_issuer_among_the_trusted_oidc_issuers_is_refused() -> None:
    with pytest.raises(ValueError, match="TRUSTED_ISSUERS"):
        Settings(**BASE, session_issuer="https://issuer.example.com", trusted_issuers=("https://issuer.example.com",))
