"""Lineage is attested by the registering job's token, not taken on the body's word."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from tests.integration.conftest import Registry

SHA = "a" * 40


def _register(registry: Registry, data: bytes, lineage: dict[str, Any], **claims: Any) -> Any:
    body = {"artifact": {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}, "lineage": lineage}
    token = registry.token(sha=SHA, ref="refs/heads/main", run_id="4242", run_attempt="2", **claims)
    return registry.call("POST", "/v1/models/fraud/versions", body=body, token=token)


def test_the_token_fills_in_the_lineage_the_body_leaves_out(registry: Registry) -> None:
    registry.create_model("fraud")
    answer = _register(registry, b"model", {"data_version": "2026-11"})
    assert answer.status == 201, answer
    lineage = answer.body["version"]["lineage"]
    assert lineage["repository"] == "acme/fraud"
    assert lineage["commit"] == SHA
    assert lineage["ref"] == "refs/heads/main"
    assert lineage["run_url"].endswith("/acme/fraud/actions/runs/4242/attempts/2")
    assert lineage["workflow_ref"] == "acme/fraud/.github/workflows/local.yml@refs/heads/main"
    assert lineage["data_version"] == "2026-11"


@pytest.mark.parametrize(
    ("claimed", "field", "token_value"),
    [
        ({"repository": "acme/other"}, "repository", "acme/fraud"),
        ({"commit": "b" * 40}, "commit", SHA),
        ({"ref": "refs/heads/release"}, "ref", "refs/heads/main"),
        ({"run_url": "https://github.com/acme/fraud/actions/runs/1/attempts/1"}, "run_url", "4242"),
        ({"run_url": "https://github.com/victim/repo/actions/runs/4242"}, "run_url", "4242"),
        ({"workflow_ref": "acme/fraud/.github/workflows/evil.yml@refs/heads/main"}, "workflow_ref", "local.yml"),
    ],
)
def test_a_body_that_contradicts_the_token_is_refused_naming_both(
    registry: Registry, claimed: dict[str, Any], field: str, token_value: str
) -> None:
    registry.create_model("fraud")
    answer = _register(registry, b"model", claimed)
    assert answer.status == 422, answer
    detail = answer.problem["detail"]
    assert f"lineage.{field}" in detail
    assert next(iter(claimed.values())) in detail
    assert token_value in detail
    assert registry.call("GET", "/v1/models/fraud").body["latest_version"] == 0


def test_what_agrees_with_the_token_is_accepted(registry: Registry) -> None:
    registry.create_model("fraud")
    agreeing = {
        "repository": "acme/fraud",
        "commit": SHA[:12],  # an abbreviation of the token's commit
        "run_url": f"{registry.issuer.url}/acme/fraud/actions/runs/4242",  # the run, without its attempt
    }
    answer = _register(registry, b"model", agreeing)
    assert answer.status == 201, answer
    assert answer.body["version"]["lineage"]["commit"] == SHA
    assert answer.body["version"]["lineage"]["run_url"] == agreeing["run_url"]


def test_parents_must_name_versions_that_exist_and_are_stored_as_numbers(registry: Registry) -> None:
    registry.create_model("fraud")
    registry.register("fraud", b"base")
    registry.call("PUT", "/v1/models/fraud/aliases/champion", body={"version": 1})
    for ghost in ("models:/fraud/9", "models:/nobody/1", "models:/fraud@nothing"):
        refused = _register(registry, b"child", {"parents": [ghost]})
        assert refused.status == 422, (ghost, refused)
        assert ghost in refused.problem["detail"]
    assert registry.call("GET", "/v1/models/fraud").body["latest_version"] == 1
    child = _register(registry, b"child", {"parents": ["models:/fraud@champion"]})
    assert child.status == 201, child
    assert child.body["version"]["lineage"]["parents"] == ["models:/fraud/1"]
