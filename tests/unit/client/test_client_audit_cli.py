"""`modelyard audit`: the filters each option becomes, the pages it follows, and the table it prints.

The registry is a loopback server answering fixed JSON in the shape of ``GET /v1/audit``
(docs/openapi.json): governance events whose ``model`` names what they govern.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from modelyard.cli import main

PERSON_CHANGE = {
    "id": "01JDZ0000000000000000000B",
    "type": "policy.registry.set",
    "model": "registry:policy",
    "at": "2026-11-20T10:00:00Z",
    "actor": "octocat",
    "repository": None,
    "before": {"revision": 1, "digest": "sha256:aaaaaaaaaaaaaaaaaaaa", "document": {}},
    "after": {"revision": 2, "digest": "sha256:bbbbbbbbbbbbbbbbbbbb", "document": {"gates": {}}},
    "detail": {"subject": "github-user:583231", "actor_kind": "person", "user_id": "583231", "login": "octocat"},
}
WORKFLOW_CHANGE = {
    "id": "01JDZ0000000000000000000A",
    "type": "notifications.set",
    "model": "registry:notifications",
    "at": "2026-11-19T09:00:00Z",
    "actor": "bob via acme/platform",
    "repository": "acme/platform",
    "before": None,
    "after": {"revision": 1, "config": {"channels": [{"name": "ml-slack"}, {"name": "pager"}], "routes": [{}]}},
    "detail": {"subject": "repo:acme/platform:ref:refs/heads/main", "actor_kind": "workflow"},
}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_every_option_becomes_its_query_parameter(answering: Any, capsys: pytest.CaptureFixture[str]) -> None:
    seen = answering({"items": [PERSON_CHANGE], "next_token": None})
    code, _, err = run(
        capsys,
        "audit",
        "--kind", "policy.registry.set",
        "--kind", "notifications.set",
        "--actor", "github-user:583231",
        "--after", "2026-11-01T00:00:00Z",
        "--before", "2026-12-01T00:00:00+01:00",
        "--oldest-first",
        "--limit", "5",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert seen[0].path == "/v1/audit"
    assert seen[0].query == {
        "kind": ["policy.registry.set", "notifications.set"],
        "actor": ["github-user:583231"],
        "after": ["2026-11-01T00:00:00Z"],
        "before": ["2026-12-01T00:00:00+01:00"],
        "order": ["oldest"],
        "limit": ["5"],
    }


def test_the_table_says_when_what_who_and_what_changed(answering: Any, capsys: pytest.CaptureFixture[str]) -> None:
    answering({"items": [PERSON_CHANGE, WORKFLOW_CHANGE], "next_token": None})
    code, out, _ = run(capsys, "audit")
    assert code == 0
    header, person, workflow = out.splitlines()
    assert header.split() == ["WHEN", "KIND", "ACTOR", "WHAT", "CHANGED"]
    assert person.startswith("2026-11-20T10:00:00Z  policy.registry.set")
    assert "person octocat (#583231)" in person
    assert "registry:policy rev 1 -> 2 (aaaaaaaaaaaa -> bbbbbbbbbbbb)" in person
    assert "workflow acme/platform" in workflow
    assert "registry:notifications rev - -> 1 channels: ml-slack, pager; 1 routes" in workflow


def test_a_role_change_says_which_grant_came_or_went(answering: Any, capsys: pytest.CaptureFixture[str]) -> None:
    grant = {"scope": "marketing", "role": "ops", "grantee_kind": "team", "grantee": "acme/sre", "label": None}
    granted = {**WORKFLOW_CHANGE, "type": "roles.granted", "model": "namespace:marketing", "after": grant}
    revoked = {**granted, "type": "roles.revoked", "before": {**grant, "label": "SRE"}, "after": None}
    answering({"items": [granted, revoked], "next_token": None})
    code, out, _ = run(capsys, "audit")
    assert code == 0
    _, granted_row, revoked_row = out.splitlines()
    assert granted_row.endswith("namespace:marketing granted ops to team acme/sre")
    assert revoked_row.endswith("namespace:marketing revoked ops from team acme/sre (SRE)")


def test_json_prints_the_events_as_answered_and_follows_pages_up_to_the_limit(
    answering: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    seen = answering(
        {"items": [PERSON_CHANGE], "next_token": "page-2"},
        {"items": [WORKFLOW_CHANGE], "next_token": "page-3"},
    )
    code, out, _ = run(capsys, "audit", "--json", "--limit", "2")
    assert code == 0
    assert json.loads(out) == [PERSON_CHANGE, WORKFLOW_CHANGE]
    assert [request.query.get("next_token") for request in seen] == [None, ["page-2"]]


def test_nothing_matching_says_so(answering: Any, capsys: pytest.CaptureFixture[str]) -> None:
    answering({"items": [], "next_token": None})
    assert run(capsys, "audit", "--kind", "policy.model.set")[1].strip() == "(no governance changes match)"


def test_a_limit_below_one_is_refused_before_anything_is_sent(
    answering: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    seen = answering({"items": [], "next_token": None})
    code, _, err = run(capsys, "audit", "--limit", "0")
    assert code != 0 and "at least 1" in err
    assert seen == []


def test_policy_history_lists_revisions_newest_first(answering: Any, capsys: pytest.CaptureFixture[str]) -> None:
    revision = {"revision": 2, "digest": "sha256:cccccccccccccccccc", "document": {}, "updated_by": "octocat"}
    seen = answering({"items": [{**revision, "updated_at": "2026-11-20T10:00:00Z"}], "next_token": None})
    code, out, _ = run(capsys, "policy", "history", "--limit", "3")
    assert code == 0
    assert seen[0].path == "/v1/policy/history" and seen[0].query == {"limit": ["3"]}
    header, row = out.splitlines()
    assert header.split() == ["REVISION", "WHEN", "BY", "DIGEST"]
    assert row.split() == ["2", "2026-11-20T10:00:00Z", "octocat", "cccccccccccc"]
