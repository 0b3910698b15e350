"""A repository that owns a namespace governs it (privacy, owners, its models' owners) only from a trusted ref
(`MODELYARD_GOVERNANCE_REFS`, default `refs/heads/main`): a feature branch or a pull request of it may not.
People and registry admins govern as before."""

from __future__ import annotations

from typing import Any

import pytest

from modelyard_local.github_people import GitHubPeople
from modelyard_local.issuer import local_repository_id
from modelyard_server.handlers.wiring import forget_configuration
from tests.integration.conftest import OWNER, REGISTRY_ADMIN, Registry
from tests.integration.test_sessions import _session, people  # noqa: F401 (fixtures)

TEAM = "acme/marketing-ml"
NAMESPACE = "/v1/namespaces/marketing"
MODEL_OWNERS = "/v1/models/marketing/churn/owners"
SERVING = {"repository_id": "4343", "repository": "acme/churn-serving"}


@pytest.fixture
def marketing(admin: Registry) -> Registry:
    """Namespace `marketing` owned by OWNER's repository and a team, with model `marketing/churn` (OWNER's)."""
    owners = [{"repository": local_repository_id(OWNER), "label": OWNER}, {"team": TEAM}]
    admin.create_namespace("marketing", owners=owners)
    admin.create_model("marketing/churn")
    return admin


def _on(registry: Registry, ref: str, repository: str = OWNER) -> str:
    return registry.token(repository=repository, ref=ref)


def _governance_changes(registry: Registry, token: str) -> list[Any]:
    """Each governance change a namespace owner may make, tried once with `token`."""
    return [
        registry.call("PATCH", NAMESPACE, body={"private": True}, token=token),
        registry.call("POST", f"{NAMESPACE}/owners", body={"person": "31"}, token=token),
        registry.call("DELETE", f"{NAMESPACE}/owners", query={"team": TEAM}, token=token),
        registry.call("POST", MODEL_OWNERS, body=SERVING, token=token),
    ]


def _state(registry: Registry) -> tuple[Any, ...]:
    namespace = registry.call("GET", NAMESPACE, token=registry.admin_token()).body
    model = registry.call("GET", "/v1/models/marketing/churn").body
    return namespace["private"], namespace["revision"], len(namespace["owners"]), model["owners"]


UNCHANGED = (False, 1, 2, [OWNER])


@pytest.mark.parametrize("ref", ["refs/heads/feature", "refs/pull/7/merge", "refs/tags/v1.0.0", "refs/heads/main2"])
def test_an_owner_repository_off_the_trusted_refs_is_refused_and_changes_nothing(marketing: Registry, ref: str) -> None:
    for refused in _governance_changes(marketing, _on(marketing, ref)):
        assert refused.status == 403, refused
        assert refused.body["trusted_refs"] == ["refs/heads/main"]
        assert refused.body["ref"] == ref
        assert "refs/heads/main" in refused.body["detail"] and ref in refused.body["detail"]
    assert _state(marketing) == UNCHANGED
    trail = marketing.call("GET", "/v1/audit", token=marketing.admin_token()).body["items"]
    assert [event["type"] for event in trail] == ["namespace.created"]


def test_an_owner_repository_on_main_governs(marketing: Registry) -> None:
    assert [answer.status for answer in _governance_changes(marketing, _on(marketing, "refs/heads/main"))] == [
        200,
        200,
        200,
        200,
    ]
    assert _state(marketing) == (True, 4, 2, [OWNER, SERVING["repository"]])


def test_the_trusted_refs_are_the_deployments_to_set(marketing: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELYARD_GOVERNANCE_REFS", "refs/heads/release/*, refs/tags/v*")
    forget_configuration()
    refused = marketing.call("PATCH", NAMESPACE, body={"private": True}, token=_on(marketing, "refs/heads/main"))
    assert refused.status == 403, refused
    assert refused.body["trusted_refs"] == ["refs/heads/release/*", "refs/tags/v*"]
    for person, ref in (("31", "refs/heads/release/2026.11"), ("32", "refs/tags/v2")):
        changed = marketing.call("POST", f"{NAMESPACE}/owners", body={"person": person}, token=_on(marketing, ref))
        assert changed.status == 200, changed
    assert _state(marketing)[:3] == (False, 3, 4)


def test_registry_admins_and_people_govern_whatever_the_ref(
    marketing: Registry,
    people: GitHubPeople,  # noqa: F811 (the fixture)
) -> None:
    admin_on_a_branch = _on(marketing, "refs/heads/feature", repository=REGISTRY_ADMIN)
    assert marketing.call("POST", MODEL_OWNERS, body=SERVING, token=admin_on_a_branch).status == 200
    member = _session(marketing, people, "mia", user_id=31, teams=(TEAM,))["token"]
    assert marketing.call("PATCH", NAMESPACE, body={"private": True}, token=member).status == 200
    assert _state(marketing) == (True, 2, 2, [OWNER, SERVING["repository"]])


def test_an_owner_repository_still_registers_models_from_any_branch(marketing: Registry) -> None:
    created = marketing.call(
        "POST", "/v1/models", body={"name": "marketing/uplift"}, token=_on(marketing, "refs/heads/feature")
    )
    assert created.status == 201, created
