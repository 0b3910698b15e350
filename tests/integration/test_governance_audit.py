"""GET /v1/audit: the governance trail, for admins only, with its filters refused when malformed."""

from __future__ import annotations

from typing import Any

import pytest

from modelyard_local.github_people import GitHubPeople
from modelyard_server.handlers.wiring import forget_configuration
from tests.integration.conftest import Registry
from tests.integration.test_sessions import _session, people  # noqa: F401 (fixtures)

ADMIN = "acme/platform"
PERSON_ID = 583231
ADMIN_SUBJECT = f"github-user:{PERSON_ID}"


@pytest.fixture
def admins(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> Registry:
    monkeypatch.setenv("MODELYARD_ADMIN_REPOSITORIES", ADMIN)
    monkeypatch.setenv("MODELYARD_ADMIN_SUBJECTS", ADMIN_SUBJECT)
    forget_configuration()
    return registry


def _admin(registry: Registry) -> str:
    return registry.token(repository=ADMIN, sub=f"repo:{ADMIN}:ref:refs/heads/main")


def _set_policy(
    registry: Registry, token: str, document: dict[str, Any], expected: int, path: str = "/v1/policy"
) -> Any:
    return registry.call("PUT", path, body={"document": document, "expected_revision": expected}, token=token)


def _audit(registry: Registry, token: str, **query: Any) -> Any:
    return registry.call("GET", "/v1/audit", query=query, token=token)


GATE = {"gates": {"thresholds": [{"metric": "auc", "min": 0.9}]}}


def test_each_policy_change_is_in_the_trail_with_its_revision_digest_and_documents(admins: Registry) -> None:
    token = _admin(admins)
    first = _set_policy(admins, token, {}, 0)
    assert first.status == 200, first
    second = _set_policy(admins, token, GATE, 1)
    assert second.status == 200, second
    assert _set_policy(admins, token, {}, 1).status == 409  # refused: no event either

    trail = _audit(admins, token)
    assert trail.status == 200, trail
    newest, oldest = trail.body["items"]
    assert (newest["type"], newest["model"]) == ("policy.registry.set", "registry:policy")
    assert (newest["before"]["revision"], newest["before"]["digest"]) == (1, first.body["digest"])
    assert newest["before"]["document"]["gates"]["thresholds"] == []
    assert newest["after"]["revision"] == 2
    assert newest["after"]["digest"] == second.body["digest"]
    assert newest["after"]["document"]["gates"]["thresholds"][0]["metric"] == "auc"
    assert oldest["before"] is None and oldest["after"]["revision"] == 1
    assert newest["detail"]["actor_kind"] == "workflow"
    assert newest["repository"] == ADMIN
    assert [e["id"] for e in _audit(admins, token, order="oldest").body["items"]] == [oldest["id"], newest["id"]]


def test_policy_history_lists_every_stored_revision_newest_first_page_by_page(admins: Registry) -> None:
    token = _admin(admins)
    for revision in range(3):
        assert _set_policy(admins, token, GATE if revision == 1 else {}, revision).status == 200
    seen: list[dict[str, Any]] = []
    query: dict[str, Any] = {"limit": "2"}
    while True:
        page = admins.call("GET", "/v1/policy/history", query=query, token=admins.token())
        assert page.status == 200, page  # any valid token reads the policy, and its history
        seen += page.body["items"]
        if not page.body["next_token"]:
            break
        query["next_token"] = page.body["next_token"]
    assert [item["revision"] for item in seen] == [3, 2, 1]
    assert seen[1]["document"]["gates"]["thresholds"][0]["metric"] == "auc"
    assert seen[1]["updated_by"].endswith(ADMIN)
    trail = _audit(admins, token, kind="policy.registry.set").body["items"]
    assert [event["after"]["digest"] for event in trail] == [item["digest"] for item in seen]


def test_a_model_override_is_in_both_trails(admins: Registry) -> None:
    admins.create_model("fraud")
    token = _admin(admins)
    assert _set_policy(admins, token, GATE, 0, "/v1/models/fraud/policy").status == 200
    [change] = _audit(admins, token, kind="policy.model.set").body["items"]
    assert change["model"] == "model:fraud"
    assert change["before"] is None and change["after"]["revision"] == 1
    model_trail = admins.call("GET", "/v1/models/fraud/events", token=token).body["items"]
    assert model_trail[-1]["type"] == "model.policy.set"


def test_only_admins_read_the_trail(admins: Registry) -> None:
    refused = _audit(admins, admins.token())
    assert refused.status == 403
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert "admins" in refused.problem["detail"]


def test_a_person_admin_reads_the_trail_and_their_changes_are_theirs(
    admins: Registry,
    people: GitHubPeople,  # noqa: F811 (the fixture)
) -> None:
    person = _session(admins, people, "octocat", user_id=PERSON_ID)["token"]
    assert _set_policy(admins, person, {}, 0).status == 200
    assert _set_policy(admins, _admin(admins), GATE, 1).status == 200

    mine = _audit(admins, person, actor=ADMIN_SUBJECT)
    assert mine.status == 200, mine
    [change] = mine.body["items"]
    assert (change["actor"], change["repository"]) == ("octocat", None)
    assert (change["detail"]["actor_kind"], change["detail"]["user_id"]) == ("person", str(PERSON_ID))
    assert len(_audit(admins, person).body["items"]) == 2
    outsider = _session(admins, people, "mallory", user_id=7)["token"]
    assert _audit(admins, outsider).status == 403


def test_time_window_and_paging(admins: Registry) -> None:
    token = _admin(admins)
    for revision in range(3):
        assert _set_policy(admins, token, {}, revision).status == 200
    everything = _audit(admins, token, order="oldest").body["items"]
    middle = everything[1]["at"]
    window = _audit(admins, token, after=middle, before="2999-01-01T00:00:00Z", order="oldest").body["items"]
    assert [e["id"] for e in window][:2] == [e["id"] for e in everything[1:3]]
    assert _audit(admins, token, before="2000-01-01T00:00:00Z").body["items"] == []

    seen: list[str] = []
    query: dict[str, Any] = {"limit": "1"}
    while True:
        page = _audit(admins, token, **query).body
        seen += [e["id"] for e in page["items"]]
        if not page["next_token"]:
            break
        query["next_token"] = page["next_token"]
    assert seen == [e["id"] for e in reversed(everything)]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"kind": "Policy Set"}, "kind"),
        ({"after": "yesterday"}, "after"),
        ({"before": "2026-13-01T00:00:00Z"}, "before"),
        ({"order": "desc"}, "order"),
        ({"actor": "two words"}, "actor"),
        ({"next_token": "not-ours"}, None),
        ({"kinds": "policy.registry.set"}, None),
    ],
    ids=["kind", "after", "before-calendar", "order", "actor", "token", "unknown-parameter"],
)
def test_malformed_filters_are_a_400_problem(admins: Registry, query: dict[str, str], field: str | None) -> None:
    answer = _audit(admins, _admin(admins), **query)
    assert answer.status == 400, answer
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    if field is not None:
        assert field in {error["field"] for error in answer.problem["errors"]}


def test_an_out_of_range_limit_is_refused_like_on_every_listing(admins: Registry) -> None:
    assert _audit(admins, _admin(admins), limit="0").status == 422  # the resolver's validation, as elsewhere
