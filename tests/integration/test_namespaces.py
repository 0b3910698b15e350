"""/v1/namespaces over HTTP on moto under IAM: admins create, owners govern, private ones hide, owners change."""

from __future__ import annotations

from typing import Any

import pytest

from modelyard_local.github_people import GitHubPeople
from modelyard_server.handlers.wiring import forget_configuration
from tests.integration.conftest import Registry
from tests.integration.test_sessions import _session, people  # noqa: F401 (fixtures)

ADMIN = "acme/platform"
TEAM = "acme/marketing-ml"
OWNER_REPO_ID = "9001"


@pytest.fixture
def admins(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> Registry:
    monkeypatch.setenv("MODELYARD_ADMIN_REPOSITORIES", ADMIN)
    forget_configuration()
    return registry


def _admin(registry: Registry) -> str:
    return registry.token(repository=ADMIN, repository_id="1", sub=f"repo:{ADMIN}:ref:refs/heads/main")


def _owner_repo(registry: Registry) -> str:
    """A workflow of the repository that owns the namespace, by id (its name is not what matches)."""
    return registry.token(repository="acme/renamed-since", repository_id=OWNER_REPO_ID)


def _outsider(registry: Registry) -> str:
    return registry.token(repository="acme/marketing", repository_id="777")  # the name looks right; the id is not


def _owners(namespace: dict[str, Any]) -> list[dict[str, str]]:
    """The owners as sent: each grantee's one identity and its label, when it has one (the rest is null)."""
    return [{key: value for key, value in owner.items() if value is not None} for owner in namespace["owners"]]


def _create(registry: Registry, name: str = "marketing", **fields: Any) -> Any:
    body = {"name": name, "owners": [{"team": TEAM}, {"repository": OWNER_REPO_ID, "label": "acme/mkt"}], **fields}
    return registry.call("POST", "/v1/namespaces", body=body, token=_admin(registry))


def test_an_admin_creates_a_namespace_and_anyone_reads_a_public_one(admins: Registry) -> None:
    created = _create(admins, description="Marketing's models")
    assert created.status == 201, created
    assert created.headers["Location"] == "/v1/namespaces/marketing"
    assert (created.body["revision"], created.body["private"]) == (1, False)

    read = admins.call("GET", "/v1/namespaces/marketing", token=_outsider(admins))
    assert read.status == 200, read
    assert _owners(read.body) == [{"team": TEAM}, {"repository": OWNER_REPO_ID, "label": "acme/mkt"}]
    assert [n["name"] for n in admins.call("GET", "/v1/namespaces").body["items"]] == ["marketing"]


def test_only_admins_create_and_a_taken_name_is_a_conflict(admins: Registry) -> None:
    body = {"name": "sales", "owners": [{"team": TEAM}]}
    assert admins.call("POST", "/v1/namespaces", body=body, token=_owner_repo(admins)).status == 403
    assert _create(admins).status == 201
    again = _create(admins, private=True)
    assert again.status == 409, again
    assert again.body["type"].endswith("/namespace-exists")
    assert admins.call("GET", "/v1/namespaces/marketing").body["private"] is False


@pytest.mark.parametrize(
    "body",
    [
        {"name": "Marketing", "owners": [{"team": TEAM}]},
        {"name": "a/b", "owners": [{"team": TEAM}]},
        {"name": "x" * 40, "owners": [{"team": TEAM}]},
        {"name": "ok", "owners": []},
        {"name": "ok", "owners": [{"team": TEAM, "person": "1"}]},
        {"name": "ok", "owners": [{"login": "octocat"}]},
        {"name": "ok", "owners": [{"repository": "acme/fraud"}]},
        {"name": "ok", "owners": [{"team": "ACME/ML"}]},
        {"name": "ok", "owners": [{"team": TEAM}], "private": "yes"},
    ],
)
def test_a_malformed_namespace_is_refused_and_nothing_is_created(admins: Registry, body: dict[str, Any]) -> None:
    answer = admins.call("POST", "/v1/namespaces", body=body, token=_admin(admins))
    assert answer.status == 422, answer
    assert admins.call("GET", "/v1/namespaces").body["items"] == []


def test_a_private_namespace_is_a_404_to_outsiders_and_missing_from_their_list(
    admins: Registry,
    people: GitHubPeople,  # noqa: F811 (the fixture)
) -> None:
    assert _create(admins, private=True).status == 201
    assert _create(admins, "sales").status == 201
    member = _session(admins, people, "mia", user_id=31, teams=(TEAM,))["token"]
    stranger = _session(admins, people, "sam", user_id=32, teams=("acme/sales",))["token"]

    hidden = admins.call("GET", "/v1/namespaces/marketing", token=stranger)
    missing = admins.call("GET", "/v1/namespaces/nowhere", token=stranger)
    assert hidden.status == missing.status == 404
    named = missing.body["detail"].replace("nowhere", "marketing")
    assert hidden.body == {**missing.body, "detail": named, "namespace": "marketing"}
    for token, expected in ((stranger, ["sales"]), (_outsider(admins), ["sales"]), (member, ["marketing", "sales"])):
        assert [n["name"] for n in admins.call("GET", "/v1/namespaces", token=token).body["items"]] == expected
    for token in (member, _owner_repo(admins), _admin(admins)):
        assert admins.call("GET", "/v1/namespaces/marketing", token=token).status == 200
    # an outsider cannot change what it cannot see: the same 404, not a 403
    assert admins.call("PATCH", "/v1/namespaces/marketing", body={"private": False}, token=stranger).status == 404


def test_owners_change_description_and_privacy_outsiders_may_not(
    admins: Registry,
    people: GitHubPeople,  # noqa: F811 (the fixture)
) -> None:
    assert _create(admins).status == 201
    member = _session(admins, people, "mia", user_id=31, teams=(TEAM,))["token"]

    refused = admins.call("PATCH", "/v1/namespaces/marketing", body={"private": True}, token=_outsider(admins))
    assert refused.status == 403, refused
    changed = admins.call(
        "PATCH", "/v1/namespaces/marketing", body={"private": True, "expected_revision": 1}, token=member
    )
    assert changed.status == 200, changed
    assert (changed.body["private"], changed.body["revision"]) == (True, 2)
    stale = admins.call("PATCH", "/v1/namespaces/marketing", body={"description": "x", "expected_revision": 1})
    assert stale.status == 404  # private now, and the default token's repository is no member
    stale = admins.call(
        "PATCH", "/v1/namespaces/marketing", body={"description": "x", "expected_revision": 1}, token=member
    )
    assert stale.status == 409, stale
    assert admins.call("GET", "/v1/namespaces/marketing", token=member).body["description"] == ""


def test_owners_are_added_and_removed_but_never_the_last(admins: Registry) -> None:
    assert _create(admins).status == 201
    owner = _owner_repo(admins)
    path = "/v1/namespaces/marketing/owners"

    added = admins.call("POST", path, body={"person": "31", "label": "mia"}, token=owner)
    assert added.status == 200, added
    assert {"person": "31", "label": "mia"} in _owners(added.body)
    assert admins.call("POST", path, body={"person": "31"}, token=owner).body["revision"] == 2  # already one
    assert admins.call("POST", path, body={"person": "32"}, token=_outsider(admins)).status == 403

    for query in ({"team": TEAM}, {"repository": OWNER_REPO_ID}):
        removed = admins.call("DELETE", path, query=query, token=_admin(admins))
        assert removed.status == 200, removed
    last = admins.call("DELETE", path, query={"person": "31"}, token=_admin(admins))
    assert last.status == 409, last
    assert last.body["type"].endswith("/last-owner")
    assert admins.call("DELETE", path, query={"person": "99"}, token=_admin(admins)).status == 404
    assert admins.call("DELETE", path, query={"person": "31", "team": TEAM}, token=_admin(admins)).status == 422
    assert admins.call("DELETE", path, query={}, token=_admin(admins)).status == 422
    assert admins.call("DELETE", path, query={"login": "mia"}, token=_admin(admins)).status == 400
    assert _owners(admins.call("GET", "/v1/namespaces/marketing").body) == [{"person": "31", "label": "mia"}]


def test_every_namespace_change_is_in_the_governance_trail(admins: Registry) -> None:
    assert _create(admins).status == 201
    admin = _admin(admins)
    assert admins.call("PATCH", "/v1/namespaces/marketing", body={"private": True}, token=admin).status == 200
    assert admins.call("POST", "/v1/namespaces/marketing/owners", body={"person": "5"}, token=admin).status == 200
    assert admins.call("PATCH", "/v1/namespaces/marketing", body={"private": True}, token=admin).status == 200  # same

    trail = admins.call("GET", "/v1/audit", query={"order": "oldest"}, token=admin)
    assert trail.status == 200, trail
    kinds = [(e["type"], e["model"]) for e in trail.body["items"]]
    assert kinds == [
        ("namespace.created", "namespace:marketing"),
        ("namespace.updated", "namespace:marketing"),
        ("namespace.owners.changed", "namespace:marketing"),
    ]
    updated = trail.body["items"][1]
    assert (updated["before"]["private"], updated["after"]["private"]) == (False, True)


def test_model_owners_change_by_admins_with_events_and_patch_points_at_the_route(admins: Registry) -> None:
    admins.create_model("fraud", repository_id="42")
    path = "/v1/models/fraud/owners"
    body = {"repository_id": "43", "repository": "acme/fraud-serving"}

    assert admins.call("POST", path, body=body).status == 403  # an owner repository is not the namespace's owner
    added = admins.call("POST", path, body=body, token=_admin(admins))
    assert added.status == 200, added
    assert (added.body["owners"], added.body["owner_ids"]) == (["acme/fraud", "acme/fraud-serving"], ["42", "43"])
    removed = admins.call("DELETE", path, query={"repository": "42"}, token=_admin(admins))
    assert removed.status == 200, removed
    assert (removed.body["owners"], removed.body["owner_ids"]) == (["acme/fraud-serving"], ["43"])
    last = admins.call("DELETE", path, query={"repository": "43"}, token=_admin(admins))
    assert last.status == 409, last

    patch = admins.call("PATCH", "/v1/models/fraud", body={"owners": ["acme/x"]})
    assert patch.status == 422, patch
    assert "POST /v1/models/{name}/owners" in patch.body["detail"]
    trail = admins.call("GET", "/v1/audit", query={"kind": "model.owners.changed"}, token=_admin(admins))
    assert [e["model"] for e in trail.body["items"]] == ["model:fraud", "model:fraud"]
    events = admins.call("GET", "/v1/models/fraud/events").body["items"]
    assert [e["type"] for e in events][-2:] == ["model.owners.changed", "model.owners.changed"]


@pytest.mark.parametrize(
    ("method", "body", "query"),
    [
        ("POST", {"repository_id": "abc", "repository": "acme/x"}, None),  # an id is digits
        ("POST", {"repository_id": "43"}, None),  # the full name is required
        ("POST", {"repository_id": "43", "repository": "not a repo"}, None),
        ("POST", {"repository_id": "43", "repository": "acme/x", "extra": 1}, None),
        ("DELETE", None, {}),  # which owner?
        ("DELETE", None, {"repository": "acme/fraud"}),  # by id, not by name
    ],
)
def test_a_malformed_model_owner_change_is_refused_and_changes_nothing(
    admins: Registry, method: str, body: dict[str, Any] | None, query: dict[str, str] | None
) -> None:
    admins.create_model("fraud", repository_id="42")
    answer = admins.call(method, "/v1/models/fraud/owners", body=body, query=query, token=_admin(admins))
    assert answer.status in (400, 422), answer
    model = admins.call("GET", "/v1/models/fraud").body
    assert (model["owners"], model["owner_ids"]) == (["acme/fraud"], ["42"])
