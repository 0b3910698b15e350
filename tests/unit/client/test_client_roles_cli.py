"""`modelyard roles list|grant|revoke` and `whoami`'s roles: the request each sends, and what each prints.

The registry is a loopback server answering fixed JSON in the shapes of docs/openapi.json (`/v1/roles`,
`/v1/whoami`).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from modelyard.cli import main

GRANT = {
    "scope": "*",
    "role": "ops",
    "grantee_kind": "team",
    "grantee": "acme/sre",
    "label": "SRE on call",
    "granted_by": {"subject": "github-user:1", "kind": "person", "issuer": "urn:x"},
    "granted_at": "2026-11-30T01:00:00Z",
}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_sends_its_filters_and_prints_a_table(answering: Any, capsys: pytest.CaptureFixture[str]) -> None:
    seen = answering({"items": [GRANT]})
    code, out, err = run(capsys, "roles", "list", "--scope", "*", "--role", "ops")
    assert (code, err) == (0, "")
    assert (seen[0].method, seen[0].path, seen[0].query) == ("GET", "/v1/roles", {"scope": ["*"], "role": ["ops"]})
    assert out.splitlines() == [
        "SCOPE  ROLE  KIND  GRANTEE   LABEL",
        "*      ops   team  acme/sre  SRE on call",
    ]


def test_grant_names_one_grantee_and_says_when_it_was_already_granted(
    answering: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    seen = answering({"grant": GRANT, "already_granted": True})
    code, out, _ = run(capsys, "roles", "grant", "ops", "--scope", "*", "--team", "Acme/SRE", "--label", "SRE on call")
    assert code == 0
    assert (seen[0].method, seen[0].path) == ("POST", "/v1/roles")
    assert seen[0].json() == {"role": "ops", "scope": "*", "team": "acme/sre", "label": "SRE on call"}
    assert out.strip() == "already granted: ops at * for team acme/sre (SRE on call)"


def test_revoke_sends_the_grant_as_query_parameters(answering: Any, capsys: pytest.CaptureFixture[str]) -> None:
    revoked = {**GRANT, "grantee_kind": "person", "grantee": "583231", "label": None}
    seen = answering({"revoked": revoked})
    code, out, _ = run(capsys, "roles", "revoke", "ops", "--scope", "*", "--person", "583231", "--json")
    assert code == 0
    assert (seen[0].method, seen[0].path) == ("DELETE", "/v1/roles")
    assert seen[0].query == {"role": ["ops"], "scope": ["*"], "person": ["583231"]}
    assert json.loads(out) == {"revoked": revoked}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["roles", "grant", "ops", "--scope", "*"], "one of the arguments --team --person --repository is required"),
        (["roles", "grant", "ops", "--scope", "*", "--team", "a/b", "--person", "1"], "not allowed with argument"),
        (["roles", "grant", "root", "--scope", "*", "--team", "a/b"], "invalid choice"),
        (["roles", "grant", "ops", "--scope", "*", "--person", "octocat"], "numeric GitHub id"),
        (["roles", "revoke", "ops", "--team", "a/b"], "--scope"),
    ],
)
def test_a_malformed_command_sends_nothing(
    answering: Any, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    seen = answering({})
    code, _, err = run(capsys, *argv)
    assert code != 0
    assert message in err
    assert seen == []


def test_whoami_prints_the_roles_per_scope(answering: Any, capsys: pytest.CaptureFixture[str]) -> None:
    answering(
        {
            "kind": "person",
            "subject": "github-user:4242",
            "login": "pat",
            "teams": ["acme/sre"],
            "roles": [{"scope": "*", "roles": ["ops"]}, {"scope": "marketing", "roles": ["developer", "reviewer"]}],
        }
    )
    code, out, _ = run(capsys, "whoami")
    assert code == 0
    assert out.splitlines() == ["pat (person); teams: acme/sre", "roles: ops at *; developer, reviewer at marketing"]
