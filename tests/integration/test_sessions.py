"""People's sessions on the AWS backend, under the API function's IAM role (the key is in Secrets Manager).

The GitHub stand-in answers `/user`, `/user/teams` and `/user/orgs` for the people a test adds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from jwt.algorithms import RSAAlgorithm

from modelyard_local.github import LocalGitHub
from modelyard_local.github_people import GitHubPeople
from tests.integration.conftest import Registry
from tests.integration.function_roles import SESSION_SIGNING_KEY

SESSION_ISSUER = "urn:modelyard:sessions"  # no public URL on Lambda: the issuer the settings derive


@pytest.fixture
def people(registry: Registry, github: LocalGitHub, monkeypatch: pytest.MonkeyPatch) -> GitHubPeople:
    """Sign-in configured as the template configures it: the key is the stack's secret, read under IAM."""
    from modelyard_server.handlers.wiring import forget_configuration

    monkeypatch.setenv("MODELYARD_GITHUB_URL", github.url)
    monkeypatch.setenv("MODELYARD_GITHUB_API_URL", github.url)
    monkeypatch.setenv("MODELYARD_GITHUB_CLIENT_ID", github.people.client_id)
    monkeypatch.setenv("MODELYARD_SESSION_KEY_SECRET", registry.stack.resolver.refs["SessionSigningKey"])
    forget_configuration()
    return github.people


def _sign_in(registry: Registry, github_token: str) -> Any:
    return registry.call("POST", "/v1/sessions", body={"github_token": github_token}, token=None)


def _session(registry: Registry, people: GitHubPeople, login: str = "octocat", **person: Any) -> dict[str, Any]:
    people.add_person(login, **person)
    answer = _sign_in(registry, people.token_for(login))
    assert answer.status == 200, answer
    return dict(answer.body)


def test_sign_in_discovery_names_github_and_the_client_id(registry: Registry, people: GitHubPeople) -> None:
    answer = registry.call("GET", "/v1/sign-in", token=None)
    assert answer.status == 200, answer
    assert answer.body["client_id"] == people.client_id
    assert answer.body["scopes"] == ["read:org"]


def test_without_a_client_id_the_registry_says_it_does_not_sign_people_in(registry: Registry) -> None:
    answer = registry.call("GET", "/v1/sign-in", token=None)
    assert answer.status == 404
    assert answer.problem["type"].endswith("/sign-in-not-configured")
    assert registry.call("POST", "/v1/sessions", body={"github_token": "gho_x"}, token=None).status == 404


def test_a_github_token_becomes_a_session_for_the_person(registry: Registry, people: GitHubPeople) -> None:
    grant = _session(registry, people, "octocat", user_id=583231, teams=("acme/ml-ops", "acme/finance"))
    assert grant["user"] == {"id": 583231, "login": "octocat"}
    assert grant["teams"] == ["acme/finance", "acme/ml-ops"]
    claims = jwt.decode(grant["token"], SESSION_SIGNING_KEY, algorithms=["HS256"], audience="modelyard-session")
    assert (claims["iss"], claims["sub"], claims["kind"]) == (SESSION_ISSUER, "github-user:583231", "person")
    assert claims["exp"] - claims["iat"] == 3600

    me = registry.call("GET", "/v1/whoami", token=grant["token"])
    assert me.status == 200, me
    assert me.body["kind"] == "person"
    assert (me.body["id"], me.body["login"]) == ("583231", "octocat")
    assert me.body["teams"] == ["acme/finance", "acme/ml-ops"]
    assert me.body["repository"] is None


def test_whoami_of_a_workflow_names_its_repository(registry: Registry) -> None:
    me = registry.call("GET", "/v1/whoami")
    assert me.status == 200, me
    assert (me.body["kind"], me.body["repository"], me.body["teams"]) == ("workflow", "acme/fraud", [])


def test_a_revoked_github_token_is_refused_and_the_answer_says_to_sign_in_again(
    registry: Registry, people: GitHubPeople
) -> None:
    people.add_person("octocat")
    token = people.token_for("octocat")
    people.revoke(token)
    answer = _sign_in(registry, token)
    assert answer.status == 401
    assert "revoked or expired" in answer.problem["detail"]
    assert "modelyard login" in answer.problem["detail"]
    assert token not in answer.raw


def test_a_team_left_on_github_is_gone_from_the_next_session(registry: Registry, people: GitHubPeople) -> None:
    people.add_person("octocat", teams=("acme/ml-ops", "acme/finance"))
    token = people.token_for("octocat")
    assert _sign_in(registry, token).body["teams"] == ["acme/finance", "acme/ml-ops"]
    people.remove_from_team("octocat", "acme/finance")
    renewed = _sign_in(registry, token).body
    assert renewed["teams"] == ["acme/ml-ops"]
    assert registry.call("GET", "/v1/whoami", token=renewed["token"]).body["teams"] == ["acme/ml-ops"]


def test_teams_are_read_across_github_pages(registry: Registry, people: GitHubPeople) -> None:
    people.page_size = 2
    teams = tuple(f"acme/team-{number}" for number in range(5))
    assert _session(registry, people, "octocat", teams=teams)["teams"] == sorted(teams)


def test_github_unreachable_is_a_503_with_retry_after(
    registry: Registry, people: GitHubPeople, github: LocalGitHub
) -> None:
    people.add_person("octocat")
    token = people.token_for("octocat")
    github.down = True
    answer = _sign_in(registry, token)
    assert answer.status == 503
    assert int(answer.headers["Retry-After"]) > 0
    assert token not in answer.raw


def test_only_members_of_the_allowed_organizations_sign_in(
    registry: Registry, people: GitHubPeople, monkeypatch: pytest.MonkeyPatch
) -> None:
    from modelyard_server.handlers.wiring import forget_settings

    monkeypatch.setenv("MODELYARD_ALLOWED_OWNERS", "acme")
    forget_settings()
    assert _session(registry, people, "member", orgs=("acme",))["user"]["login"] == "member"
    people.add_person("stranger", orgs=("elsewhere",))
    answer = _sign_in(registry, people.token_for("stranger"))
    assert answer.status == 403
    assert "not a member of acme" in answer.problem["detail"]


def test_people_are_admitted_by_their_organizations_id_when_the_owner_is_given_by_id(
    registry: Registry, people: GitHubPeople, monkeypatch: pytest.MonkeyPatch
) -> None:
    from modelyard_local.github_people import organization_id
    from modelyard_server.handlers.wiring import forget_settings

    monkeypatch.setenv("MODELYARD_ALLOWED_OWNERS", f"id:{organization_id('acme')}")
    forget_settings()
    assert _session(registry, people, "member", orgs=("acme",))["user"]["login"] == "member"
    people.add_person("stranger", orgs=("acme-renamed-away",))
    refused = _sign_in(registry, people.token_for("stranger"))
    assert refused.status == 403, refused


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"github_token": 42},
        {"github_token": ""},
        {"github_token": "gho_x", "scope": "admin"},
        {"github_token": "gho_é"},
        {"github_token": "gho_x\r\nX-Injected: 1"},
        {"github_token": "gho_" + "x" * 5000},
    ],
    ids=["missing", "not a string", "empty", "unknown field", "not ascii", "header injection", "oversize"],
)
def test_a_malformed_exchange_is_a_422(registry: Registry, people: GitHubPeople, body: dict[str, Any]) -> None:
    answer = registry.call("POST", "/v1/sessions", body=body, token=None)
    assert answer.status == 422, answer


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _hs256(claims: dict[str, Any], key: bytes) -> str:
    """An HS256 JWT signed with any bytes at all (PyJWT itself refuses a PEM key as an HMAC secret)."""
    signing_input = f"{_b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _session_claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": SESSION_ISSUER,
        "aud": "modelyard-session",
        "sub": "github-user:583231",
        "login": "octocat",
        "teams": [],
        "kind": "person",
        "iat": now,
        "exp": now + 600,
        "jti": "j",
    }
    return claims | changes


def _oidc_confusion(registry: Registry) -> str:
    """An OIDC-looking token, HS256-signed with the issuer's *public* key bytes: the classic confusion."""
    published = next(key for key in registry.issuer.jwks()["keys"] if key["kid"] == registry.issuer.kid)
    public_pem = RSAAlgorithm.from_jwk(published).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return _hs256(registry.issuer.default_claims(repository="acme/fraud"), public_pem)


def _alg_none() -> str:
    return f"{_b64(json.dumps({'alg': 'none'}).encode())}.{_b64(json.dumps(_session_claims()).encode())}."


BAD_TOKENS = {
    "another issuer": lambda r: _hs256(_session_claims(iss="urn:someone-else"), SESSION_SIGNING_KEY.encode()),
    "the OIDC audience": lambda r: _hs256(_session_claims(aud="modelyard"), SESSION_SIGNING_KEY.encode()),
    "expired": lambda r: _hs256(_session_claims(exp=int(time.time()) - 3600), SESSION_SIGNING_KEY.encode()),
    "signed with another key": lambda r: _hs256(_session_claims(), b"n" * 64),
    "alg none": lambda r: _alg_none(),
    "OIDC claims, HS256 with the issuer's public key": _oidc_confusion,
}


@pytest.mark.parametrize("case", sorted(BAD_TOKENS))
def test_forged_sessions_are_401_on_every_route(registry: Registry, people: GitHubPeople, case: str) -> None:
    registry.create_model("fraud")
    token = BAD_TOKENS[case](registry)
    for method, path in [("GET", "/v1/whoami"), ("GET", "/v1/models/fraud"), ("GET", "/v1/models")]:
        answer = registry.call(method, path, token=token)
        assert answer.status == 401, (case, path, answer)
        assert answer.headers.get("WWW-Authenticate", "").startswith("Bearer")


def test_a_person_reads_but_gets_no_more_rights_than_a_token_without_a_repository(
    registry: Registry, people: GitHubPeople
) -> None:
    registry.create_model("fraud")
    token = _session(registry, people)["token"]
    assert registry.call("GET", "/v1/models/fraud", token=token).status == 200
    before = registry.items("fraud")
    created = registry.call("POST", "/v1/models", body={"name": "mine"}, token=token)
    assert created.status == 403
    changed = registry.call("PATCH", "/v1/models/fraud", body={"description": "x"}, token=token)
    assert changed.status == 403
    assert registry.items("fraud") == before


def test_an_admin_persons_change_records_who_and_through_which_client(
    registry: Registry, people: GitHubPeople, monkeypatch: pytest.MonkeyPatch
) -> None:
    from modelyard_server.handlers.wiring import forget_settings

    monkeypatch.setenv("MODELYARD_ADMIN_SUBJECTS", "github-user:583231")
    forget_settings()
    registry.create_model("fraud")
    registry.register("fraud", b"weights")
    token = _session(registry, people, "octocat", user_id=583231)["token"]
    archived = registry.call(
        "POST",
        "/v1/models/fraud/versions/1/archive",
        body={"reason": "incident 42: bad weights"},
        token=token,
        headers={"User-Agent": "modelyard/0.1.0 (python/3.12)\x07 laptop"},
    )
    assert archived.status == 200, archived
    events = registry.call("GET", "/v1/models/fraud/events", token=token).body["items"]
    event = events[-1]
    assert event["actor"] == "octocat"
    assert event["repository"] is None
    detail = event["detail"]
    assert (detail["actor_kind"], detail["user_id"], detail["login"]) == ("person", "583231", "octocat")
    assert detail["subject"] == "github-user:583231"
    assert detail["client"] == "modelyard/0.1.0 (python/3.12) laptop"  # printable characters only
    workflow = events[0]["detail"]
    assert (workflow["actor_kind"], workflow["client"]) == ("workflow", "pytest")
    assert "login" not in workflow


@pytest.fixture
def service_log() -> Iterator[io.StringIO]:
    """What the service's logger writes, formatted as in Lambda (its own JSON lines), for the test to read."""
    from modelyard_server.observability import logger

    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.setFormatter(logger.registered_formatter)
    standard = logging.getLogger(logger.name)
    standard.addHandler(handler)
    yield written
    standard.removeHandler(handler)


def test_no_github_or_session_token_reaches_the_logs(
    registry: Registry, people: GitHubPeople, github: LocalGitHub, service_log: io.StringIO
) -> None:
    """Every path a token takes (an exchange, a refused one, GitHub down, a session used, forged and expired
    sessions, a body refused by validation) logs what happened, never the token."""
    people.add_person("octocat")
    token = people.token_for("octocat")
    session = _sign_in(registry, token).body["token"]
    assert registry.call("GET", "/v1/whoami", token=session).status == 200
    revoked = people.token_for("octocat")
    people.revoke(revoked)
    assert _sign_in(registry, revoked).status == 401
    bad_shape = token + " with spaces"
    assert _sign_in(registry, bad_shape).status == 422
    tampered = session[:-4] + ("AAAA" if not session.endswith("AAAA") else "BBBB")
    assert registry.call("GET", "/v1/whoami", token=tampered).status == 401
    assert registry.call("GET", "/v1/whoami", token=f"{token}.{token}.{token}").status == 401
    github.down = True
    assert _sign_in(registry, token).status == 503
    output = service_log.getvalue()
    assert output.strip(), "the requests logged nothing at all: the capture would prove nothing"
    for secret in (token, revoked, session, tampered, session.split(".")[2]):
        assert secret not in output
