"""Roles on the AWS backend, each request under its function's IAM role from the template: granting,
a granted role taking effect, re-granting, revoking (a revoked grant stays as a tombstone item: the API
function deletes nothing), and grants and revocations in the governance trail."""

from __future__ import annotations

import pytest

from tests.integration.conftest import Registry

ADMIN = "acme/platform"
OPS = "acme/sre-bot"


@pytest.fixture
def admins(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> Registry:
    from modelyard_server.handlers.wiring import forget_configuration

    monkeypatch.setenv("MODELYARD_ADMIN_REPOSITORIES", ADMIN)
    forget_configuration()
    return registry


def _ops_grant(registry: Registry) -> dict[str, str]:
    repository_id = str(registry.issuer.default_claims(repository=OPS)["repository_id"])
    return {"role": "ops", "scope": "*", "repository": repository_id}


def test_a_grant_takes_effect_and_its_revocation_takes_it_away(admins: Registry) -> None:
    admin = admins.token(repository=ADMIN)
    admins.create_model()
    admins.register("fraud", b"v1")
    grant = _ops_grant(admins)
    ops = admins.token(repository=OPS)

    refused = admins.call("POST", "/v1/models/fraud/versions/1/archive", body={"reason": "leak"}, token=ops)
    assert refused.status == 403
    assert admins.call("POST", "/v1/roles", body=grant, token=admin).status == 201
    assert admins.call("POST", "/v1/roles", body=grant, token=admin).status == 200
    assert admins.call("GET", "/v1/whoami", token=ops).body["roles"] == [{"scope": "*", "roles": ["ops"]}]
    deprecated = admins.call(
        "POST", "/v1/models/fraud/versions/1/archive", body={"status": "deprecated", "reason": "leak"}, token=ops
    )
    assert deprecated.status == 200, deprecated

    assert admins.call("DELETE", "/v1/roles", query=grant, token=admin).status == 200
    assert admins.call("DELETE", "/v1/roles", query=grant, token=admin).status == 404
    assert admins.call("GET", "/v1/roles", token=admin).body["items"] == []
    again = admins.call("POST", "/v1/models/fraud/versions/1/archive", body={"reason": "leak"}, token=ops)
    assert again.status == 403
    assert admins.call("POST", "/v1/roles", body=grant, token=admin).status == 201  # over the tombstone

    trail = admins.call(
        "GET", "/v1/audit", query={"kind": "roles.granted,roles.revoked", "order": "oldest"}, token=admin
    )
    assert [(e["type"], e["model"]) for e in trail.body["items"]] == [
        ("roles.granted", "registry:roles"),
        ("roles.revoked", "registry:roles"),
        ("roles.granted", "registry:roles"),
    ]
