"""Refusals of outsiders go to a registry-level security log, not into the victim model's audit trail."""

from __future__ import annotations

from typing import Any

import pytest

from modelyard_server.handlers.wiring import forget_configuration
from tests.integration.conftest import Registry

ADMIN = "acme/platform"


@pytest.fixture
def with_admin(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> Registry:
    monkeypatch.setenv("MODELYARD_ADMIN_REPOSITORIES", ADMIN)
    forget_configuration()
    registry.create_model("fraud")
    registry.register("fraud", b"one")
    return registry


def _trail(registry: Registry) -> list[dict[str, Any]]:
    return registry.call("GET", "/v1/models/fraud/events", query={"limit": "100"}).body["items"]


def _security_log(registry: Registry, **query: str) -> Any:
    return registry.call("GET", "/v1/security/events", query=query, token=registry.token(repository=ADMIN))


def test_outsiders_refusals_stay_out_of_the_models_trail_and_reach_the_security_log(with_admin: Registry) -> None:
    before = _trail(with_admin)
    outsider = with_admin.token(repository="evil/fork", environment="staging")
    for _ in range(10):
        answer = with_admin.call("POST", "/v1/models/fraud/stages/staging/promote", body={"version": 1}, token=outsider)
        assert answer.status == 403
    assert _trail(with_admin) == before
    log = _security_log(with_admin)
    assert log.status == 200, log
    refusals = [e for e in log.body["items"] if e["repository"] == "evil/fork"]
    assert len(refusals) == 10
    assert refusals[0]["model"] == "fraud"
    assert "does not own" in refusals[0]["detail"]["reason"]
    assert refusals[0]["detail"]["action"] == "promote to staging"


def test_the_owners_own_refusals_stay_in_the_models_trail(with_admin: Registry) -> None:
    no_environment = with_admin.call(
        "POST", "/v1/models/fraud/stages/staging/promote", body={"version": 1}, token=with_admin.token()
    )
    assert no_environment.status == 403
    denied = [e for e in _trail(with_admin) if e["type"] == "model.promotion.denied"]
    assert len(denied) == 1
    assert _security_log(with_admin).body["items"] == []


def test_the_security_log_is_bounded_per_principal_and_hour(
    with_admin: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELYARD_SECURITY_LOG_PER_HOUR", "3")
    forget_configuration()
    for repository in ("evil/one", "evil/two"):
        token = with_admin.token(repository=repository, environment="staging")
        for _ in range(5):
            with_admin.call("POST", "/v1/models/fraud/stages/staging/promote", body={"version": 1}, token=token)
    repositories = [e["repository"] for e in _security_log(with_admin).body["items"]]
    assert sorted(repositories) == ["evil/one"] * 3 + ["evil/two"] * 3
    from modelyard_server.adapters.dynamodb.items import RegistryItem

    items = [i for i in RegistryItem.query("SECURITY") if i.sk.startswith("E#")]
    assert all(int(i.expires_at) > 0 for i in items)  # they expire (table TTL)


def test_only_admins_read_the_security_log(with_admin: Registry) -> None:
    refused = with_admin.call("GET", "/v1/security/events", token=with_admin.token())
    assert refused.status == 403


def test_a_failing_security_log_never_turns_the_refusal_into_a_500(
    with_admin: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    from modelyard_server.ports import backend

    def unavailable(*args: Any, **kwargs: Any) -> bool:
        raise RuntimeError("TransactionConflict")  # e.g. two refusals racing for the quota on DynamoDB

    monkeypatch.setattr(backend().security, "record_refusal", unavailable)
    outsider = with_admin.token(repository="evil/fork", environment="staging")
    answer = with_admin.call("POST", "/v1/models/fraud/stages/staging/promote", body={"version": 1}, token=outsider)
    assert answer.status == 403, answer
