"""Roles from the CLI, end to end: an admin grants the SRE team the ops role, Pat (on the team, signed in
with GitHub's device flow) rolls a stage back in an incident, saying why, and cannot promote; once Pat
leaves the team on GitHub, the next session exchange takes the role away; the grant is in the audit trail.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from modelyard import Client
from modelyard.sessions import SessionStore, SessionToken
from modelyard_local.stack import LocalStack
from tests.e2e.conftest import OWNER, Cli
from tests.e2e.test_review_sign_off import _sign_in

ADMIN_REPOSITORY, TEAM, PAT = "acme/platform", "acme/sre", 4242


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    env = {"MODELYARD_ADMIN_REPOSITORIES": ADMIN_REPOSITORY}
    with LocalStack(port=0, issuer_port=0, github=True, extra_env=env) as running:
        yield running


def _in_staging_twice(stack: LocalStack, cli: Cli, model_name: str, tmp_path: Path) -> None:
    job = stack.mint(repository=OWNER, environment="staging")
    for number, data in ((1, b"one"), (2, b"two")):
        weights = tmp_path / f"model-{number}.joblib"
        weights.write_bytes(data + model_name.encode())
        cli.run("register", model_name, str(weights), *(["--create-model"] if number == 1 else []), token=job)
        cli.run("promote", model_name, str(number), "--stage", "staging", token=job)


def _staging(cli: Cli, model_name: str) -> int:
    return int(cli.run("stage", model_name, "staging", "--json").json()["version"])


def test_an_on_call_person_rolls_back_by_the_teams_role_until_they_leave_the_team(
    stack: LocalStack, cli: Cli, model_name: str, tmp_path: Path
) -> None:
    admin = stack.mint(repository=ADMIN_REPOSITORY)
    granted = cli.run("roles", "grant", "ops", "--scope", "*", "--team", TEAM, "--label", "SRE on call", token=admin)
    assert granted.stdout.strip() == "granted: ops at * for team acme/sre (SRE on call)"
    _in_staging_twice(stack, cli, model_name, tmp_path)
    stack.github.people.add_person("pat", user_id=PAT, teams=(TEAM,))
    pat = _sign_in(stack, tmp_path, "pat", PAT)
    assert "roles: ops at *" in cli.run("whoami", token=None, env=pat).stdout

    unexplained = cli.run("rollback", model_name, "--stage", "staging", token=None, env=pat, expect=1)
    assert "comment" in unexplained.stderr
    assert _staging(cli, model_name) == 2
    cli.run("rollback", model_name, "--stage", "staging", "--comment", "v2 flags refunds", token=None, env=pat)
    assert _staging(cli, model_name) == 1
    forward = cli.run("promote", model_name, "2", "--stage", "staging", token=None, env=pat, expect=1)
    assert "Not allowed" in forward.stderr
    assert _staging(cli, model_name) == 1

    stack.github.people.remove_from_team("pat", TEAM)
    store = SessionStore(tmp_path / "pat")
    session = store.get(stack.api_url)
    assert session is not None
    renewing = SessionToken(stack.api_url, store, clock=lambda: session.expires_at - 60)  # within the margin
    assert Client(stack.api_url, renewing).whoami()["roles"] == []
    refused = cli.run("rollback", model_name, "--stage", "staging", "--comment", "again", token=None, env=pat, expect=1)
    assert "Not allowed" in refused.stderr

    listed = cli.run("roles", "list", "--role", "ops", token=admin).stdout
    assert "acme/sre" in listed and "SRE on call" in listed
    trail = cli.run("audit", "--kind", "roles.granted", token=admin).stdout
    assert "granted ops to team acme/sre (SRE on call)" in trail
