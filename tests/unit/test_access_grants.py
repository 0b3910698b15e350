"""Which grants are a caller's: by scope (`*` everywhere, a namespace only there), and by what identifies
the grantee (a person's session teams without case, a person's user id, a workflow's repository id)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from modelyard_server.domain.access import ROLE_CAPABILITIES, granted_roles, holders
from modelyard_server.domain.audit_records import Actor
from modelyard_server.domain.names import namespace_of
from modelyard_server.domain.principal import Principal
from modelyard_server.domain.role_grants import ROLES, GranteeKind, Role, RoleGrant

ADMIN = Actor(subject="github-user:1", kind="person", issuer="urn:test")
PAT = Principal({"sub": "github-user:4242", "login": "pat", "teams": ["Acme/SRE"]}, kind="person")
# A run triggered by Pat: the actor is Pat, the token is the repository's.
PATS_RUN = Principal({"sub": "repo:acme/churn:ref:refs/heads/main", "repository": "acme/churn",
                      "repository_id": "555", "actor": "pat", "actor_id": "4242"})  # fmt: skip


def _grant(role: Role, scope: str, kind: GranteeKind, grantee: str) -> RoleGrant:
    at = datetime(2026, 11, 30, tzinfo=UTC)
    return RoleGrant(scope=scope, role=role, grantee_kind=kind, grantee=grantee, granted_by=ADMIN, granted_at=at)


def test_registry_wide_grants_hold_everywhere_and_a_namespaces_only_there() -> None:
    grants = [_grant("reader", "*", "team", "acme/sre"), _grant("ops", "marketing", "team", "acme/sre")]
    assert granted_roles(PAT, None, grants) == {"reader"}
    assert granted_roles(PAT, "marketing", grants) == {"reader", "ops"}
    assert granted_roles(PAT, "finance", grants) == {"reader"}


@pytest.mark.parametrize(
    ("grant", "pat", "pats_run"),
    [
        (_grant("ops", "*", "team", "acme/sre"), True, False),  # GitHub's case in the session, none in the grant
        (_grant("ops", "*", "team", "acme/sr"), False, False),
        (_grant("ops", "*", "person", "4242"), True, False),  # never a workflow run the person triggered
        (_grant("ops", "*", "person", "42"), False, False),
        (_grant("ops", "*", "repository", "555"), False, True),
        (_grant("ops", "*", "repository", "556"), False, False),
    ],
)
def test_a_grant_is_matched_by_identity_only(grant: RoleGrant, pat: bool, pats_run: bool) -> None:
    assert (granted_roles(PAT, None, [grant]) == {"ops"}) is pat
    assert (granted_roles(PATS_RUN, None, [grant]) == {"ops"}) is pats_run


def test_the_table_gives_admins_everything_and_ops_never_promotion() -> None:
    assert set(ROLE_CAPABILITIES) == set(ROLES)
    assert all(capability in ROLE_CAPABILITIES["admin"] for role in ROLES for capability in ROLE_CAPABILITIES[role])
    assert holders("promote") == ["developer", "admin"]
    assert holders("operate") == ["ops", "admin"]
    assert holders("review") == ["reviewer", "admin"]


def test_a_namespace_is_the_part_before_the_slash() -> None:
    assert namespace_of("marketing/churn") == "marketing"
    assert namespace_of("churn") is None
