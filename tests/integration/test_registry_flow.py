"""The registry's main paths, through the Lambda handler against moto."""

from __future__ import annotations

import hashlib

from tests.integration.conftest import Registry


def test_create_then_get_model_with_owner(registry: Registry) -> None:
    created = registry.create_model("fraud")
    assert created.body["owners"] == ["acme/fraud"]
    assert created.headers["Location"] == "/v1/models/fraud"
    got = registry.call("GET", "/v1/models/fraud")
    assert got.status == 200
    assert got.body["name"] == "fraud"
    assert got.body["latest_version"] == 0
    assert got.body["stages"] == {} and got.body["aliases"] == {}


def test_register_upload_complete_makes_version_ready(registry: Registry) -> None:
    registry.create_model("fraud")
    data = b"model-bytes" * 100
    version = registry.register(
        "fraud",
        data,
        metrics={"accuracy": 0.97},
        params={"C": 1.0},
        lineage={"data_version": "v3"},
        semver="1.0.0",
    )
    assert version["status"] == "ready"
    assert version["lineage"]["commit"] == version["provenance"]["sha"]  # attested by the token
    assert version["version"] == 1
    assert version["uri"] == "models:/fraud/1"
    assert version["artifact"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert version["provenance"]["repository"] == "acme/fraud"
    by_semver = registry.call("GET", "/v1/models/fraud/versions/1.0.0")
    assert by_semver.status == 200 and by_semver.body["version"] == 1


def test_same_bytes_twice_uploads_nothing_the_second_time(registry: Registry) -> None:
    registry.create_model("fraud")
    data = b"identical"
    registry.register("fraud", data)
    second = registry.register("fraud", data, complete=False)
    assert second["upload"] == {
        "method": "none",
        "url": None,
        "headers": {},
        "upload_id": None,
        "part_size": None,
        "part_count": None,
        "parts": [],
        "next_part": None,
        "expires_in": None,
    }
    done = registry.call("POST", "/v1/models/fraud/versions/2/complete", body={})
    assert done.status == 200 and done.body["status"] == "ready"


def test_alias_promote_rollback_and_events(registry: Registry) -> None:
    registry.create_model("fraud")
    registry.register("fraud", b"one")
    registry.register("fraud", b"two")
    alias = registry.call("PUT", "/v1/models/fraud/aliases/champion", body={"version": 2})
    assert alias.status == 200 and alias.body["version"] == 2
    resolved = registry.call("GET", "/v1/resolve", query={"uri": "models:/fraud@champion"})
    assert resolved.status == 200 and resolved.body["version"] == 2
    assert registry.call("POST", "/v1/models/fraud/stages/staging/promote", body={"version": 1}).status == 200
    second = registry.call("POST", "/v1/models/fraud/stages/staging/promote", body={"version": "models:/fraud/2"})
    assert second.body["version"] == 2 and second.body["previous_version"] == 1
    back = registry.call("POST", "/v1/models/fraud/stages/staging/rollback", body={})
    assert back.status == 200
    assert back.body["version"] == 1 and back.body["previous_version"] == 2
    stage = registry.call("GET", "/v1/models/fraud/stages/staging")
    assert [h["action"] for h in stage.body["history"]] == ["rollback", "promote", "promote"]
    model = registry.call("GET", "/v1/models/fraud")
    assert model.body["stages"]["staging"]["version"] == 1
    assert model.body["aliases"]["champion"]["version"] == 2
    events = registry.call("GET", "/v1/models/fraud/events")
    types = [e["type"] for e in events.body["items"]]
    assert types == [
        "model.created",
        "model.version.registered",
        "model.version.ready",
        "model.version.registered",
        "model.version.ready",
        "model.alias.set",
        "model.version.promoted",
        "model.version.promoted",
        "model.version.rolled_back",
    ]
    assert events.body["items"][-1]["repository"] == "acme/fraud"
