"""Roles stored in the registry, through the API: granting and revoking (admins, in the governance trail),
ops people in an incident, and a team's role following the person's membership on GitHub.

In-process on the embedded backend (tests/support/embedded_api.py); the storage guarantees themselves are
held on both backends by tests/contract/test_role_grants.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from modelyard_local.github import LocalGitHub
from modelyard_local.issuer import LocalIssuer
from tests.support.embedded_api import EmbeddedApi, embedded_api, github_settings

OWNER, ADMIN = "acme/fraud", "acme/platform"
OPS_TEAM = "acme/sre"
PAT = 4242  # a GitHub user id: Pat is on call


@pytest.fixture
def api(
    issuer: LocalIssuer, github: LocalGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[EmbeddedApi]:
    env = {"MODELYARD_ADMIN_REPOSITORIES": ADMIN, **github_settings(github)}
    with embedded_api(monkeypatch, issuer, tmp_path / "data", **env) as running:
        yield running


def _admin(api: EmbeddedApi) -> str:
    return api.workflow(ADMIN)


def _grant(api: EmbeddedApi, **grant: Any) -> Any:
    return api.call("POST", "/v1/roles", _admin(api), body=grant)


def _marketing(api: EmbeddedApi) -> None:
    """The namespace `marketing` (a grant at a namespace needs it to exist)."""
    api.ok("POST", "/v1/namespaces", _admin(api), body={"name": "marketing", "owners": [{"team": "acme/marketing"}]})


def _in_production(api: EmbeddedApi) -> None:
    """fraud: v1 then v2 in production (a policy without approvals: no GitHub App here)."""
    loose = {"stages": {"production": {"min_approvals": 0, "prevent_self_approval": False, "from_stages": []}}}
    api.ok("PUT", "/v1/policy", _admin(api), body={"document": loose, "expected_revision": 0})
    owner = api.workflow(OWNER, environment="production")
    api.ok("POST", "/v1/models", owner, body={"name": "fraud"})
    for data in (b"one", b"two", b"three"):
        api.upload("fraud", data, owner)
    for number in (1, 2):
        api.ok("POST", "/v1/models/fraud/stages/production/promote", owner, body={"version": number})


def _production(api: EmbeddedApi) -> int:
    return int(api.ok("GET", "/v1/models/fraud", _admin(api))["stages"]["production"]["version"])


def test_a_grant_is_new_once_then_already_granted_and_listed(api: EmbeddedApi) -> None:
    first = _grant(api, role="ops", scope="*", team=OPS_TEAM, label="SRE on call")
    assert first.status == 201, first
    assert first.body["already_granted"] is False
    assert first.body["grant"]["granted_by"]["repository"] == ADMIN
    again = _grant(api, role="ops", scope="*", team=OPS_TEAM)
    assert again.status == 200 and again.body["already_granted"] is True
    assert again.body["grant"]["label"] == "SRE on call"  # the grant in force, unchanged
    _marketing(api)
    _grant(api, role="developer", scope="marketing", repository="123456")
    listed = api.ok("GET", "/v1/roles", _admin(api))["items"]
    assert [(g["scope"], g["role"], g["grantee_kind"], g["grantee"]) for g in listed] == [
        ("*", "ops", "team", OPS_TEAM),
        ("marketing", "developer", "repository", "123456"),
    ]
    only_marketing = api.ok("GET", "/v1/roles", _admin(api), query={"scope": "marketing"})["items"]
    assert [g["role"] for g in only_marketing] == ["developer"]
    assert api.ok("GET", "/v1/roles", _admin(api), query={"role": "reader"})["items"] == []


@pytest.mark.parametrize(
    "grant",
    [
        {"role": "ops", "scope": "*"},  # no grantee
        {"role": "ops", "scope": "*", "team": OPS_TEAM, "person": "42"},  # two grantees
        {"role": "root", "scope": "*", "team": OPS_TEAM},
        {"role": "ops", "scope": "Marketing", "team": OPS_TEAM},
        {"role": "ops", "scope": "*", "team": "sre"},  # a team is org/team
        {"role": "ops", "scope": "*", "person": "octocat"},  # a person is their id, never a login
        {"role": "ops", "scope": "*", "repository": "acme/fraud"},  # a repository is its id, never its name
    ],
)
def test_a_malformed_grant_is_refused_and_changes_nothing(api: EmbeddedApi, grant: dict[str, str]) -> None:
    refused = _grant(api, **grant)
    assert refused.status == 422, refused
    assert api.ok("GET", "/v1/roles", _admin(api))["items"] == []


def test_revoking_needs_exactly_one_grantee_and_an_existing_grant(api: EmbeddedApi) -> None:
    _grant(api, role="ops", scope="*", team=OPS_TEAM)
    both = {"scope": "*", "role": "ops", "team": OPS_TEAM, "person": "42"}
    assert api.call("DELETE", "/v1/roles", _admin(api), query=both).status == 422
    missing = api.call("DELETE", "/v1/roles", _admin(api), query={"scope": "*", "role": "reader", "team": OPS_TEAM})
    assert missing.status == 404
    assert missing.problem["type"].endswith("/grant-not-found")
    revoked = api.call("DELETE", "/v1/roles", _admin(api), query={"scope": "*", "role": "ops", "team": OPS_TEAM})
    assert revoked.status == 200, revoked
    assert revoked.body["revoked"]["grantee"] == OPS_TEAM
    assert api.ok("GET", "/v1/roles", _admin(api))["items"] == []


def test_only_admins_read_or_change_roles(api: EmbeddedApi) -> None:
    _grant(api, role="ops", scope="*", repository=api.repository_id("acme/sre-bot"))
    ops = api.workflow("acme/sre-bot")
    for method, body, query in (
        ("GET", None, None),
        ("POST", {"role": "admin", "scope": "*", "repository": api.repository_id("acme/sre-bot")}, None),
        ("DELETE", None, {"scope": "*", "role": "ops", "repository": api.repository_id("acme/sre-bot")}),
    ):
        refused = api.call(method, "/v1/roles", ops, body=body, query=query)
        assert refused.status == 403, refused
        assert refused.problem["type"].endswith("/forbidden")
    assert len(api.ok("GET", "/v1/roles", _admin(api))["items"]) == 1


def test_grants_and_revocations_are_in_the_audit_trail_with_before_and_after(api: EmbeddedApi) -> None:
    _marketing(api)
    _grant(api, role="reviewer", scope="marketing", person=str(PAT), label="pat")
    _grant(api, role="reviewer", scope="marketing", person=str(PAT))  # no change: no event
    _grant(api, role="ops", scope="*", team=OPS_TEAM)
    api.ok("DELETE", "/v1/roles", _admin(api), query={"scope": "marketing", "role": "reviewer", "person": str(PAT)})
    api.call("DELETE", "/v1/roles", _admin(api), query={"scope": "marketing", "role": "reviewer", "person": str(PAT)})
    trail = api.ok("GET", "/v1/audit", _admin(api), query={"kind": "roles.granted,roles.revoked", "order": "oldest"})
    events = [(e["type"], e["model"]) for e in trail["items"]]
    assert events == [
        ("roles.granted", "namespace:marketing"),
        ("roles.granted", "registry:roles"),
        ("roles.revoked", "namespace:marketing"),
    ]
    granted, _, revoked = trail["items"]
    assert granted["before"] is None and granted["after"]["grantee"] == str(PAT)
    assert revoked["before"]["label"] == "pat" and revoked["after"] is None
    assert revoked["detail"]["subject"] == f"repo:{ADMIN}:ref:refs/heads/main"


def test_an_ops_person_rolls_production_back_saying_why_and_never_forward(api: EmbeddedApi) -> None:
    _in_production(api)
    _grant(api, role="ops", scope="*", team=OPS_TEAM)
    pat = api.person(PAT, "pat", teams=("acme/SRE",))  # GitHub's case; grants compare without it
    rollback = "/v1/models/fraud/stages/production/rollback"

    unexplained = api.call("POST", rollback, pat, body={})
    assert unexplained.status == 422, unexplained
    assert unexplained.problem["type"].endswith("/reason-required")
    assert "comment" in unexplained.problem["detail"]
    assert _production(api) == 2

    rolled = api.call("POST", rollback, pat, body={"comment": "v2 flags every refund as fraud"})
    assert rolled.status == 200, rolled
    assert _production(api) == 1
    events = api.ok("GET", "/v1/models/fraud/events", _admin(api))["items"]
    [event] = [e for e in events if e["type"] == "model.version.rolled_back"]
    assert event["detail"]["comment"] == "v2 flags every refund as fraud"
    assert event["detail"]["authority"] == "operate"
    assert (event["detail"]["actor_kind"], event["detail"]["user_id"], event["detail"]["login"]) == (
        "person",
        str(PAT),
        "pat",
    )

    forward = api.call("POST", "/v1/models/fraud/stages/production/promote", pat, body={"version": 3})
    assert forward.status == 403, forward
    assert _production(api) == 1
    # Nor can a rollback name a version that never held the stage (that would be a promotion in disguise).
    smuggled = api.call("POST", rollback, pat, body={"to_version": 3, "comment": "try"})
    assert smuggled.status == 409
    assert _production(api) == 1


def test_a_person_with_no_role_cannot_roll_back(api: EmbeddedApi) -> None:
    _in_production(api)
    someone = api.person(777, "someone", teams=("acme/finance",))
    refused = api.call("POST", "/v1/models/fraud/stages/production/rollback", someone, body={"comment": "oops"})
    assert refused.status == 403, refused
    assert "is for ops or admins" in refused.problem["detail"]
    assert _production(api) == 2


def test_whoami_shows_the_callers_roles_per_scope(api: EmbeddedApi) -> None:
    _grant(api, role="ops", scope="*", team=OPS_TEAM)
    _marketing(api)
    _grant(api, role="reviewer", scope="marketing", person=str(PAT))
    _grant(api, role="developer", scope="marketing", team="acme/other")
    me = api.ok("GET", "/v1/whoami", api.person(PAT, "pat", teams=(OPS_TEAM,)))
    assert me["roles"] == [{"scope": "*", "roles": ["ops"]}, {"scope": "marketing", "roles": ["reviewer"]}]
    assert api.ok("GET", "/v1/whoami", _admin(api))["roles"] == [{"scope": "*", "roles": ["admin"]}]
    assert api.ok("GET", "/v1/whoami", api.workflow("acme/nobody"))["roles"] == []


def test_leaving_the_team_on_github_takes_its_role_away_at_the_next_session(
    api: EmbeddedApi, github: LocalGitHub
) -> None:
    _in_production(api)
    _grant(api, role="ops", scope="*", team=OPS_TEAM)
    github.people.add_person("pat", user_id=PAT, teams=(OPS_TEAM,))
    github_token = github.people.token_for("pat")

    def session() -> str:
        return str(api.ok("POST", "/v1/sessions", None, body={"github_token": github_token})["token"])

    on_call = session()
    assert api.ok("GET", "/v1/whoami", on_call)["roles"] == [{"scope": "*", "roles": ["ops"]}]
    github.people.remove_from_team("pat", OPS_TEAM)
    moved_on = session()  # the next exchange asks GitHub again
    assert api.ok("GET", "/v1/whoami", moved_on)["roles"] == []
    refused = api.call(
        "POST", "/v1/models/fraud/stages/production/rollback", moved_on, body={"comment": "still on call?"}
    )
    assert refused.status == 403, refused
    assert _production(api) == 2


REVIEW_TEAM = "acme/model-review"
RITA = 5151  # a GitHub user id: Rita reviews model cards


def _reviewed_by_rita(api: EmbeddedApi) -> str:
    """fraud v1 (registered by the owner's workflow) signed off by Rita of the review team; staging needs one."""
    admin = _admin(api)
    api.ok(
        "PUT",
        "/v1/policy",
        admin,
        body={"document": {"stages": {"staging": {"min_reviews": 1}}}, "expected_revision": 0},
    )
    _grant(api, role="reviewer", scope="*", team=REVIEW_TEAM)
    owner = api.workflow(OWNER)
    api.ok("POST", "/v1/models", owner, body={"name": "fraud"})
    api.upload("fraud", b"one", owner)
    rita = api.person(RITA, "rita", teams=(REVIEW_TEAM,))
    api.ok("POST", "/v1/models/fraud/versions/1/reviews", rita, body={"verdict": "approve"})
    return api.workflow(OWNER, environment="staging")


def test_a_sign_off_stops_counting_when_its_reviewer_loses_the_role(api: EmbeddedApi) -> None:
    staging_job = _reviewed_by_rita(api)
    revoked = api.call(
        "DELETE", "/v1/roles", _admin(api), query={"role": "reviewer", "scope": "*", "team": REVIEW_TEAM}
    )
    assert revoked.status == 200, revoked

    listing = api.ok("GET", "/v1/models/fraud/versions/1/reviews", staging_job)
    assert listing["summary"]["approvals"] == 0 and listing["summary"]["lapsed"] == ["rita"]
    refused = api.call("POST", "/v1/models/fraud/stages/staging/promote", staging_job, body={"version": 1})
    assert refused.status == 403, refused
    assert "rita no longer hold(s) the reviewer role" in refused.problem["detail"]
    assert "staging" not in api.ok("GET", "/v1/models/fraud", staging_job)["stages"]


def test_a_sign_off_counts_while_its_reviewer_holds_the_role(api: EmbeddedApi) -> None:
    staging_job = _reviewed_by_rita(api)
    promoted = api.call("POST", "/v1/models/fraud/stages/staging/promote", staging_job, body={"version": 1})
    assert promoted.status == 200, promoted
    assert api.ok("GET", "/v1/models/fraud", staging_job)["stages"]["staging"]["version"] == 1


def test_a_grant_in_a_namespace_that_does_not_exist_is_a_404_and_stores_nothing(api: EmbeddedApi) -> None:
    answer = _grant(api, role="developer", scope="nowhere", repository="123456")
    assert answer.status == 404, answer
    assert "there is no namespace 'nowhere'" in answer.problem["detail"]
    assert api.ok("GET", "/v1/roles", _admin(api))["items"] == []
    assert api.ok("GET", "/v1/audit", _admin(api), query={"kind": "roles.granted"})["items"] == []


def test_an_admin_of_a_namespace_may_not_replace_its_models_stage_rules(api: EmbeddedApi) -> None:
    """A model's override replaces whole stage rules, so it could loosen production's: registry admins only.
    (A namespace's admin restores its archived versions: restoring only undoes an archive.)"""
    owner_id = api.repository_id(OWNER)
    api.ok("POST", "/v1/namespaces", _admin(api), body={"name": "marketing", "owners": [{"repository": owner_id}]})
    api.ok("POST", "/v1/models", api.workflow(OWNER), body={"name": "marketing/churn"})
    _grant(api, role="admin", scope="marketing", person="4343")
    nadia = api.person(4343, "nadia")
    override = {"document": {}, "expected_revision": 0}
    refused = api.call("PUT", "/v1/models/marketing/churn/policy", nadia, body=override)
    assert refused.status == 403, refused
    assert api.ok("PUT", "/v1/models/marketing/churn/policy", _admin(api), body=override)["override"] is not None
