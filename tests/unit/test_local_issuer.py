"""The local OIDC issuer serves discovery and JWKS, and its tokens verify like GitHub's."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest

from modelyard_local.issuer import LocalIssuer


@pytest.fixture(scope="module")
def issuer() -> Iterator[LocalIssuer]:
    with LocalIssuer(port=0) as running:
        yield running


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.headers["Content-Type"] == "application/json"
        return json.loads(response.read())


def _verify(issuer: LocalIssuer, token: str, audience: str = "modelyard") -> dict[str, Any]:
    """Verify the way a relying party does: discovery -> jwks_uri -> key by kid."""
    config = _get_json(f"{issuer.url}/.well-known/openid-configuration")
    jwks = jwt.PyJWKSet.from_dict(_get_json(config["jwks_uri"]))
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in jwks.keys if k.key_id == kid)
    claims: dict[str, Any] = jwt.decode(
        token, key.key, algorithms=["RS256"], audience=audience, issuer=config["issuer"]
    )
    return claims


def test_discovery_document_points_at_the_jwks(issuer: LocalIssuer) -> None:
    config = _get_json(f"{issuer.url}/.well-known/openid-configuration")
    assert config["issuer"] == issuer.url
    assert config["jwks_uri"] == f"{issuer.url}/.well-known/jwks"
    assert config["id_token_signing_alg_values_supported"] == ["RS256"]
    assert issuer.url.startswith("http://127.0.0.1:")


def test_jwks_publishes_the_signing_key(issuer: LocalIssuer) -> None:
    jwks = _get_json(f"{issuer.url}/.well-known/jwks")
    [key] = [k for k in jwks["keys"] if k["kid"] == issuer.kid]
    assert key["kty"] == "RSA"
    assert key["alg"] == "RS256"
    assert key["use"] == "sig"
    assert "d" not in key  # public half only


def test_minted_token_verifies_against_the_served_jwks(issuer: LocalIssuer) -> None:
    token = issuer.mint()
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "RS256", "kid": issuer.kid, "typ": "JWT"}
    claims = _verify(issuer, token)
    assert claims["iss"] == issuer.url
    assert claims["aud"] == "modelyard"


def test_default_claims_are_github_shaped(issuer: LocalIssuer) -> None:
    before = int(time.time())
    claims = _verify(issuer, issuer.mint())
    assert claims["repository"] == "acme/models"
    assert claims["repository_owner"] == "acme"
    assert claims["actor"] == "dev"
    assert claims["ref"] == "refs/heads/main"
    assert claims["sub"] == "repo:acme/models:ref:refs/heads/main"
    assert "environment" not in claims
    for name in ("repository_id", "actor_id", "run_id", "run_number", "run_attempt"):
        assert claims[name].isdigit(), name
    assert len(claims["sha"]) == 40
    assert claims["job_workflow_ref"].startswith("acme/models/.github/workflows/")
    assert claims["runner_environment"] == "github-hosted"
    assert {"workflow", "event_name", "jti"} <= set(claims)
    assert before <= claims["iat"] <= claims["nbf"] + 1
    assert claims["exp"] - claims["iat"] == 900


def test_claims_can_be_overridden_and_environment_shapes_sub(issuer: LocalIssuer) -> None:
    claims = _verify(issuer, issuer.mint(repository="risk/fraud", environment="production", actor="alice"))
    assert claims["sub"] == "repo:risk/fraud:environment:production"
    assert claims["environment"] == "production"
    assert claims["repository_owner"] == "risk"
    assert claims["actor"] == "alice"
    again = _verify(issuer, issuer.mint(repository="risk/fraud"))
    assert again["repository_id"] == claims["repository_id"]  # stable per repository
    assert _verify(issuer, issuer.mint(repository="other/repo"))["repository_id"] != claims["repository_id"]


def test_a_claim_given_as_none_is_left_out(issuer: LocalIssuer) -> None:
    claims = _verify(issuer, issuer.mint(repository_id=None))
    assert "repository_id" not in claims


def test_expired_and_foreign_audience_tokens_are_rejected(issuer: LocalIssuer) -> None:
    with pytest.raises(jwt.ExpiredSignatureError):
        _verify(issuer, issuer.mint(ttl=-60))
    with pytest.raises(jwt.InvalidAudienceError):
        _verify(issuer, issuer.mint(audience="someone-else"))


def test_mint_endpoint_answers_like_githubs_token_endpoint(issuer: LocalIssuer) -> None:
    body = _get_json(f"{issuer.url}/mint?repository=acme/fraud&environment=staging&audience=custom&ttl=60")
    claims = _verify(issuer, body["value"], audience="custom")
    assert claims["repository"] == "acme/fraud"
    assert claims["environment"] == "staging"
    assert claims["exp"] - claims["iat"] == 60
    assert "ttl" not in claims
    assert "audience" not in claims


def test_mint_endpoint_treats_blank_parameters_as_not_given(issuer: LocalIssuer) -> None:
    body = _get_json(f"{issuer.url}/mint?repository=&environment=&actor=bob")
    claims = _verify(issuer, body["value"])
    assert claims["repository"] == "acme/models"
    assert claims["sub"] == "repo:acme/models:ref:refs/heads/main"
    assert "environment" not in claims
    assert claims["actor"] == "bob"


def test_mint_endpoint_rejects_a_bad_ttl_and_unknown_paths(issuer: LocalIssuer) -> None:
    with pytest.raises(urllib.error.HTTPError) as bad_ttl:
        urllib.request.urlopen(f"{issuer.url}/mint?ttl=soon", timeout=5)
    assert bad_ttl.value.code == 400
    with pytest.raises(urllib.error.HTTPError) as unknown:
        urllib.request.urlopen(f"{issuer.url}/token", timeout=5)
    assert unknown.value.code == 404


def test_rotate_key_publishes_a_new_kid_and_keeps_old_tokens_valid() -> None:
    with LocalIssuer(port=0) as issuer:
        old_kid = issuer.kid
        old_token = issuer.mint()
        new_kid = issuer.rotate_key()
        assert new_kid != old_kid
        assert issuer.kid == new_kid
        new_token = issuer.mint()
        assert jwt.get_unverified_header(new_token)["kid"] == new_kid
        kids = {key["kid"] for key in _get_json(f"{issuer.url}/.well-known/jwks")["keys"]}
        assert kids == {old_kid, new_kid}
        assert _verify(issuer, old_token)["iss"] == issuer.url
        assert _verify(issuer, new_token)["iss"] == issuer.url

        issuer.rotate_key(keep_previous=False)
        kids = {key["kid"] for key in _get_json(f"{issuer.url}/.well-known/jwks")["keys"]}
        assert kids == {issuer.kid}
        with pytest.raises(StopIteration):
            _verify(issuer, new_token)


def test_stop_releases_the_port() -> None:
    issuer = LocalIssuer(port=0).start()
    port = issuer.port
    issuer.stop()
    issuer.stop()  # twice is fine
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
    with pytest.raises(RuntimeError):
        _ = issuer.url


def test_a_key_file_keeps_tokens_valid_across_a_restart_on_the_same_port(tmp_path: Path) -> None:
    key_file = tmp_path / "issuer-key.pem"
    with LocalIssuer(port=0, key_file=key_file) as first:
        port = first.port
        token = first.mint(repository="acme/models")
    assert key_file.stat().st_mode & 0o777 == 0o600
    with LocalIssuer(port=port, key_file=key_file) as second:
        assert _verify(second, token)["repository"] == "acme/models"
    with LocalIssuer(port=port) as fresh, pytest.raises(StopIteration):  # no key file: a new key, old tokens fail
        _verify(fresh, token)
