"""DELETE /v1/namespaces/{name} over HTTP on moto under IAM: owners and admins delete an empty namespace, its
policy layer and role grants go with it, and every refusal leaves the namespace as it was."""

from __future__ import annotations

from typing import Any

import pytest

from modelyard_local.github_people import GitHubPeople
from modelyard_server.handlers.wiring import forget_configuration
from tests.integration.conftest import Registry
from tests.integration.test_namespaces import ADMIN, OWNER_REPO_ID, TEAM, _admin, _create, _outsider, _owner_repo
from tests.integration.test_sessions import _session, people  # noqa: F401 (fixtures)

PATH = "/v1/namespaces/marketing"


@pytest.fixture
def admins(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> Registry:
    monkeypatch.setenv("MODELYARD_ADMIN_REPOSITORIES", ADMIN)  # the repository `_admin` signs for
    forget_configuration()
    return registry


def _seen(registry: Registry) -> dict[str, Any]:
    """What an admin sees of the namespace: the record, its policy layer, the grants scoped to it."""
    admin = _admin(registry)
    grants = registry.call("GET", "/v1/roles", token=admin).body
    return {
        "namespace": registry.call("GET", PATH, token=admin).body,
        "policy": registry.call("GET", f"{PATH}/policy", token=admin).body,
        "grants": [g for g in grants["items"] if g["scope"] == "marketing"],
    }


def _with_policy_and_grant(registry: Registry) -> None:
    admin = _admin(registry)
    assert _create(registry).status == 201
    policy = registry.call("PUT", f"{PATH}/policy", body={"document": {}, "expected_revision": 0}, token=admin)
    assert policy.status == 200, policy
    grant = {"role": "developer", "scope": "marketing", "team": "acme/growth"}
    assert registry.call("POST", "/v1/roles", body=grant, token=admin).status == 201


def test_an_owner_deletes_an_empty_namespace_with_its_policy_and_grants(admins: Registry) -> None:
    _with_policy_and_grant(admins)

    deleted = admins.call("DELETE", PATH, query={"expected_revision": "1"}, token=_owner_repo(admins))

    assert deleted.status == 200, deleted
    assert deleted.body == {"deleted": "marketing", "policy_removed": True, "role_grants_removed": 1}
    assert admins.call("GET", PATH, token=_admin(admins)).status == 404
    assert admins.call("GET", "/v1/namespaces").body["items"] == []
    trail = admins.call("GET", "/v1/audit", query={"kind": "namespace.deleted"}, token=_admin(admins)).body
    [event] = trail["items"]
    assert event["model"] == "namespace:marketing"
    assert [g["grantee"] for g in event["before"]["role_grants"]] == ["acme/growth"]

    assert _create(admins, private=True).status == 201  # the name is free, and the new one starts clean
    seen = _seen(admins)
    assert (seen["namespace"]["revision"], seen["namespace"]["private"]) == (1, True)
    assert (seen["policy"]["revision"], seen["grants"]) == (0, [])


def test_a_namespace_holding_a_model_is_a_conflict_and_nothing_changes(admins: Registry) -> None:
    _with_policy_and_grant(admins)
    assert admins.call("POST", "/v1/models", body={"name": "marketing/churn"}, token=_admin(admins)).status == 201
    before = _seen(admins)

    refused = admins.call("DELETE", PATH, token=_admin(admins))

    assert refused.status == 409, refused
    assert refused.body["type"].endswith("/namespace-not-empty")
    assert (refused.body["models"], "'marketing/churn'" in refused.body["detail"]) == (1, True)
    assert _seen(admins) == before


def test_refusals_leave_the_namespace_as_it_was(
    admins: Registry,
    people: GitHubPeople,  # noqa: F811 (the fixture)
) -> None:
    _with_policy_and_grant(admins)
    before = _seen(admins)
    feature_run = admins.token(repository="acme/renamed-since", repository_id=OWNER_REPO_ID, ref="refs/heads/x")
    member = _session(admins, people, "mia", user_id=31, teams=("acme/growth",))["token"]  # a developer there

    for token, status in ((_outsider(admins), 403), (feature_run, 403), (member, 403), (None, 401)):
        answer = admins.call("DELETE", PATH, token=token)
        assert answer.status == status, answer
    stale = admins.call("DELETE", PATH, query={"expected_revision": "7"}, token=_admin(admins))
    assert stale.status == 409, stale
    assert stale.body["type"].endswith("/namespace-changed")
    assert admins.call("DELETE", PATH, query={"expected_revision": "-1"}, token=_admin(admins)).status == 422
    assert admins.call("DELETE", "/v1/namespaces/Marketing", token=_admin(admins)).status in (400, 422)
    assert _seen(admins) == before


def test_a_private_namespace_is_a_404_to_outsiders_as_a_missing_one_is(
    admins: Registry,
    people: GitHubPeople,  # noqa: F811 (the fixture)
) -> None:
    assert _create(admins, private=True).status == 201
    stranger = _session(admins, people, "sam", user_id=32, teams=("acme/sales",))["token"]

    hidden = admins.call("DELETE", PATH, token=stranger)
    missing = admins.call("DELETE", "/v1/namespaces/nowhere", token=_admin(admins))

    assert hidden.status == missing.status == 404
    assert admins.call("GET", PATH, token=_admin(admins)).body["private"] is True


def test_a_model_is_not_registered_into_a_deleted_namespace(admins: Registry) -> None:
    assert _create(admins).status == 201
    assert admins.call("DELETE", PATH, token=_admin(admins)).status == 200

    refused = admins.call("POST", "/v1/models", body={"name": "marketing/churn"}, token=_admin(admins))

    assert refused.status == 404, refused
    assert refused.body["type"].endswith("/namespace-not-found")
    assert admins.call("GET", "/v1/models/marketing/churn", token=_admin(admins)).status == 404


def test_a_team_owner_deletes_it_too(
    admins: Registry,
    people: GitHubPeople,  # noqa: F811 (the fixture)
) -> None:
    assert _create(admins).status == 201
    owner = _session(admins, people, "mia", user_id=31, teams=(TEAM,))["token"]
    assert admins.call("DELETE", PATH, token=owner).status == 200
