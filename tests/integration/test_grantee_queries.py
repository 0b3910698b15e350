"""Removing a namespace owner and revoking a role both name one grantee in the query (team, person or
repository): naming none or two is the same 422 `one-grantee-required` on both routes, answered once the
caller is known (an outsider gets its 403 first), and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Registry

TEAM = "acme/marketing-ml"
OWNERS = "/v1/namespaces/marketing/owners"
ONE_GRANTEE = "/one-grantee-required"


@pytest.fixture
def marketing(admin: Registry) -> Registry:
    admin.create_namespace("marketing", owners=[{"team": TEAM}, {"person": "31"}])
    grant = {"scope": "marketing", "role": "reader", "team": TEAM}
    assert admin.call("POST", "/v1/roles", body=grant, token=admin.admin_token()).status == 201
    return admin


def _unchanged(registry: Registry) -> None:
    namespace = registry.call("GET", "/v1/namespaces/marketing", token=registry.admin_token()).body
    assert (namespace["revision"], len(namespace["owners"])) == (1, 2)
    grants = registry.call("GET", "/v1/roles", token=registry.admin_token()).body["items"]
    assert [(g["scope"], g["role"], g["grantee"]) for g in grants] == [("marketing", "reader", TEAM)]


@pytest.mark.parametrize("grantees", [{}, {"team": TEAM, "person": "31"}, {"person": "31", "repository": "77"}])
def test_none_or_two_grantees_is_the_same_422_on_both_routes(marketing: Registry, grantees: dict[str, str]) -> None:
    admin = marketing.admin_token()
    owner = marketing.call("DELETE", OWNERS, query=grantees, token=admin)
    role: Any = marketing.call(
        "DELETE", "/v1/roles", query={"scope": "marketing", "role": "reader", **grantees}, token=admin
    )

    for answer in (owner, role):
        assert answer.status == 422, answer
        assert answer.body["type"].endswith(ONE_GRANTEE)
        assert f"(got {len(grantees)})" in answer.body["detail"]
    _unchanged(marketing)


def test_an_outsider_is_refused_before_its_query_is_judged(marketing: Registry) -> None:
    outsider = marketing.token(repository="acme/elsewhere")
    assert marketing.call("DELETE", OWNERS, query={}, token=outsider).status == 403
    assert (
        marketing.call("DELETE", "/v1/roles", query={"scope": "marketing", "role": "reader"}, token=outsider).status
        == 403
    )
    _unchanged(marketing)


def test_one_grantee_is_removed(marketing: Registry) -> None:
    removed = marketing.call("DELETE", OWNERS, query={"person": "31"}, token=marketing.admin_token())
    assert removed.status == 200, removed
    assert [owner["team"] for owner in removed.body["owners"]] == [TEAM]
