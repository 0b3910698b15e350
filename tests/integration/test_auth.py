"""Tokens: every forged, expired or foreign token is a 401 that changes nothing; ownership is a 403."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.integration.conftest import Registry


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _unsigned(registry: Registry) -> str:
    claims = registry.issuer.default_claims(repository="acme/fraud")
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."


def _signed_by_stranger(registry: Registry) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = registry.issuer.default_claims(repository="acme/fraud")
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": registry.issuer.kid})


def _hs256_with_public_key(registry: Registry) -> str:
    claims = registry.issuer.default_claims(repository="acme/fraud")
    return jwt.encode(claims, "secret-guess-" * 4, algorithm="HS256", headers={"kid": registry.issuer.kid})


TOKENS = {
    "missing": lambda r: None,
    "garbage": lambda r: "not.a.jwt",
    "expired": lambda r: r.issuer.mint(repository="acme/fraud", ttl=-600),
    "unsigned alg none": _unsigned,
    "signed by another key": _signed_by_stranger,
    "hs256 confusion": _hs256_with_public_key,
    "other audience": lambda r: r.issuer.mint(repository="acme/fraud", audience="someone-else"),
    "other issuer": lambda r: r.issuer.mint(repository="acme/fraud", iss="https://evil.example.com"),
    "not yet valid": lambda r: r.issuer.mint(repository="acme/fraud", nbf=int(time.time()) + 3600),
}


@pytest.mark.parametrize("case", sorted(TOKENS))
def test_bad_tokens_are_401_and_change_nothing(registry: Registry, case: str) -> None:
    registry.create_model("fraud")
    before = registry.items("fraud")
    token = TOKENS[case](registry)
    for method, path, body in [
        ("POST", "/v1/models", {"name": "other"}),
        ("POST", "/v1/models/fraud/versions", {"artifact": {"sha256": "a" * 64, "size": 1}}),
        ("GET", "/v1/models/fraud", None),
    ]:
        answer = registry.call(method, path, body=body, token=token)
        assert answer.status == 401, (case, answer)
        assert answer.problem["type"].split("/")[-1] in {"unauthenticated", "invalid-token"}
        assert answer.headers.get("WWW-Authenticate", "").startswith("Bearer")
    assert registry.items("fraud") == before
    assert registry.call("GET", "/v1/models/other").status == 404


def test_token_is_never_echoed_in_errors(registry: Registry) -> None:
    token = registry.issuer.mint(repository="acme/fraud", audience="someone-else")
    answer = registry.call("GET", "/v1/models", token=token)
    assert token not in answer.raw


def test_other_repository_cannot_write_but_can_read(registry: Registry) -> None:
    registry.create_model("fraud")
    registry.register("fraud", b"x")
    stranger = registry.token(repository="evil/fork")
    before = registry.items("fraud")
    for method, path, body in [
        ("POST", "/v1/models/fraud/versions", {"artifact": {"sha256": "b" * 64, "size": 1}}),
        ("POST", "/v1/models/fraud/stages/staging/promote", {"version": 1}),
        ("PUT", "/v1/models/fraud/aliases/champion", {"version": 1}),
        ("PATCH", "/v1/models/fraud", {"description": "pwned"}),
        ("POST", "/v1/models/fraud/versions/1/archive", {"reason": "pwned"}),
    ]:
        answer = registry.call(method, path, body=body, token=stranger)
        assert answer.status == 403, answer
        assert "evil/fork" in answer.problem["detail"]
    added = [item for item in registry.items("fraud") if item not in before]
    # Nothing changed: the refused promotion is kept in the registry's security log, not the model's partition.
    assert added == []
    refusals = [json.loads(item["record"]["S"]) for item in registry.items_of("SECURITY") if item["SK"]["S"][0] == "E"]
    assert [(r["type"], r["repository"]) for r in refusals] == [("registry.write.refused", "evil/fork")]
    assert registry.call("GET", "/v1/models/fraud", token=stranger).status == 200


def test_jwks_refreshes_on_unknown_key_id(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    from modelyard_server.adapters import oidc

    assert registry.call("GET", "/v1/models").status == 200  # keys fetched and cached
    monkeypatch.setattr(oidc, "MIN_REFRESH_INTERVAL_SECONDS", 0)
    registry.issuer.rotate_key()
    answer = registry.call("GET", "/v1/models")  # signed with a key the verifier has not seen yet
    assert answer.status == 200


def test_unknown_key_id_is_401(registry: Registry) -> None:
    claims = registry.issuer.default_claims(repository="acme/fraud")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "no-such-kid"})
    answer = registry.call("GET", "/v1/models", token=token)
    assert answer.status == 401
    assert "no-such-kid" in answer.problem["detail"]


def test_only_allowed_owners_repositories_are_admitted(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    from modelyard_server.handlers.wiring import forget_configuration

    monkeypatch.setenv("MODELYARD_ALLOWED_OWNERS", "acme,Platform-Team")
    forget_configuration()
    assert registry.call("GET", "/v1/models").status == 200
    assert registry.call("GET", "/v1/models", token=registry.token(repository="platform-team/tools")).status == 200
    stranger = registry.call(
        "POST", "/v1/models", body={"name": "squatted"}, token=registry.token(repository="stranger/anything")
    )
    assert stranger.status == 403
    assert "stranger" in stranger.problem["detail"]
    assert registry.call("GET", "/v1/models/squatted").status == 404


def test_a_recreated_repository_with_the_owners_name_is_not_the_owner(registry: Registry) -> None:
    registry.create_model("fraud", repository_id="1111")
    impostor = registry.token(repository="acme/fraud", repository_id="2222")
    refused = registry.call(
        "POST", "/v1/models/fraud/versions", body={"artifact": {"sha256": "c" * 64, "size": 1}}, token=impostor
    )
    assert refused.status == 403
    assert "different repository" in refused.problem["detail"]
    owner = registry.token(repository="acme/fraud", repository_id="1111")
    allowed = registry.call(
        "POST", "/v1/models/fraud/versions", body={"artifact": {"sha256": "c" * 64, "size": 1}}, token=owner
    )
    assert allowed.status == 201


def test_an_owner_allowed_by_id_admits_that_account_only_not_its_old_name(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An organization renamed away leaves its name free to register: `id:<owner id>` admits the account."""
    from modelyard_server.handlers.wiring import forget_configuration

    monkeypatch.setenv("MODELYARD_ALLOWED_OWNERS", "id:4242")
    forget_configuration()
    ours = registry.token(repository="acme/models", repository_owner="acme", repository_owner_id="4242")
    squatter = registry.token(repository="acme/models", repository_owner="acme", repository_owner_id="9999")
    assert registry.call("GET", "/v1/models", token=ours).status == 200
    refused = registry.call("POST", "/v1/models", body={"name": "squatted"}, token=squatter)
    assert refused.status == 403, refused
    assert "9999" in refused.problem["detail"]
    assert registry.call("GET", "/v1/models/squatted", token=ours).status == 404
