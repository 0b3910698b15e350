"""Each storage invariant, with a test that tries to break it."""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from modelyard_server.domain import pointers, versions
from modelyard_server.domain.errors import PointerMoved
from modelyard_server.domain.pointer_records import PromoteRequest
from modelyard_server.domain.principal import Principal
from modelyard_server.domain.version_records import RegisterVersionRequest
from modelyard_server.ports import backend
from modelyard_server.ports.records import ConditionFailed
from tests.integration.conftest import BUCKET, Registry


def _principal(registry: Registry, **claims: str) -> Principal:
    return Principal(registry.issuer.default_claims(repository="acme/fraud", **claims))


def _declaration(data: bytes) -> RegisterVersionRequest:
    return RegisterVersionRequest.model_validate(
        {"artifact": {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}}
    )


def test_32_concurrent_registrations_get_32_distinct_consecutive_numbers(registry: Registry) -> None:
    registry.create_model("fraud")
    caller = _principal(registry)

    def register(index: int) -> int:
        return versions.register_version("fraud", _declaration(f"model {index}".encode()), caller, None).version.version

    with ThreadPoolExecutor(max_workers=32) as pool:
        numbers = list(pool.map(register, range(32)))
    assert sorted(numbers) == list(range(1, 33))
    model = registry.call("GET", "/v1/models/fraud").body
    assert model["latest_version"] == 32
    stored = [item for item in registry.items("fraud") if item["SK"]["S"].startswith("V#")]
    assert len(stored) == 32
    registered = [e for e in registry.items("fraud") if e["SK"]["S"].startswith("E#")]
    assert len(registered) == 33  # model.created + one event per version


def test_retried_registration_with_same_idempotency_key_returns_same_version(registry: Registry) -> None:
    registry.create_model("fraud")
    data = b"bytes"
    body = {
        "artifact": {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)},
        "metrics": {"auc": 0.9},
    }
    headers = {"Idempotency-Key": "run-42-attempt-1"}
    first = registry.call("POST", "/v1/models/fraud/versions", body=body, headers=headers)
    again = registry.call("POST", "/v1/models/fraud/versions", body=body, headers=headers)
    assert first.status == 201
    assert again.status == 200
    assert again.body["version"]["version"] == first.body["version"]["version"] == 1
    assert again.body["created"] is False
    changed = {**body, "metrics": {"auc": 0.5}}
    refused = registry.call("POST", "/v1/models/fraud/versions", body=changed, headers=headers)
    assert refused.status == 422
    assert refused.problem["type"].endswith("/idempotency-key-reused")
    assert registry.call("GET", "/v1/models/fraud").body["latest_version"] == 1


def test_concurrent_retries_with_one_idempotency_key_make_one_version(registry: Registry) -> None:
    registry.create_model("fraud")
    caller = _principal(registry)
    request = _declaration(b"same request")
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: versions.register_version("fraud", request, caller, "key-1"), range(8)))
    assert {r.version.version for r in results} == {1}
    assert sum(r.created for r in results) == 1


def test_two_racing_promotions_exactly_one_wins(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    registry.create_model("fraud")
    registry.register("fraud", b"one")
    registry.register("fraud", b"two")
    caller = _principal(registry, environment="staging")
    both_read = threading.Barrier(2)
    models = backend().models
    real_load = models.load_model

    def load_then_wait(name: str) -> Any:
        loaded = real_load(name)
        both_read.wait(timeout=10)  # both promotions have seen the same stage state before either writes
        return loaded

    monkeypatch.setattr(models, "load_model", load_then_wait)

    def promote(version: int) -> int | str:
        try:
            return pointers.promote("fraud", "staging", PromoteRequest(version=version), caller).version or 0
        except PointerMoved:
            return "409"

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(promote, [1, 2]))
    monkeypatch.setattr(models, "load_model", real_load)
    assert sorted(outcomes, key=str) == sorted([outcomes[0], outcomes[1]], key=str)
    assert outcomes.count("409") == 1
    winner = next(o for o in outcomes if o != "409")
    stage = registry.call("GET", "/v1/models/fraud/stages/staging").body
    assert stage["version"] == winner
    assert len(stage["history"]) == 1
    promoted = [
        e
        for e in registry.call("GET", "/v1/models/fraud/events").body["items"]
        if e["type"] == "model.version.promoted"
    ]
    assert len(promoted) == 1


def test_racing_promotion_over_http_gets_409_problem(registry: Registry) -> None:
    registry.create_model("fraud")
    registry.register("fraud", b"one")
    registry.register("fraud", b"two")
    registry.call("POST", "/v1/models/fraud/stages/staging/promote", body={"version": 1})
    stale = registry.call(
        "POST", "/v1/models/fraud/stages/staging/promote", body={"version": 2, "expected_version": None}
    )
    assert stale.status == 409
    assert "holds version 1" in stale.problem["detail"]


@pytest.mark.parametrize("lie", ["digest", "size"])
def test_upload_that_does_not_match_declaration_never_becomes_ready(registry: Registry, lie: str) -> None:
    registry.create_model("fraud")
    declared = b"the real model"
    uploaded = b"the fake model" if lie == "digest" else b"the real model, and more"
    answer = registry.register("fraud", declared, upload=uploaded, complete=False)
    number = answer["version"]["version"]
    done = registry.call("POST", f"/v1/models/fraud/versions/{number}/complete", body={})
    assert done.status == 422
    assert done.problem["type"].endswith("/artifact-mismatch")
    version = registry.call("GET", f"/v1/models/fraud/versions/{number}").body
    assert version["status"] == "pending_upload"
    keys = [o["Key"] for o in registry.s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert answer["version"]["artifact"]["key"] not in keys  # the lying bytes are not kept under that digest
    assert registry.call("POST", "/v1/models/fraud/stages/staging/promote", body={"version": number}).status == 409
    # Uploading the right bytes afterwards completes it.
    registry.put_bytes(answer["version"]["artifact"]["key"], declared)
    assert registry.call("POST", f"/v1/models/fraud/versions/{number}/complete", body={}).body["status"] == "ready"


def test_complete_without_upload_is_a_clear_409(registry: Registry) -> None:
    registry.create_model("fraud")
    answer = registry.register("fraud", b"never sent", upload=None, complete=False)
    registry.s3.delete_object(Bucket=BUCKET, Key=answer["version"]["artifact"]["key"])
    done = registry.call("POST", "/v1/models/fraud/versions/1/complete", body={})
    assert done.status == 409
    assert "upload" in done.problem["detail"]


def test_sealed_version_cannot_be_changed(registry: Registry) -> None:
    registry.create_model("fraud")
    sealed = registry.register("fraud", b"sealed", metrics={"accuracy": 0.9})
    for method in ("PUT", "PATCH", "DELETE"):
        attempt = registry.call(method, "/v1/models/fraud/versions/1", body={"metrics": {"accuracy": 1.0}})
        assert attempt.status in (404, 405)
    # A second completion with other bytes in the bucket changes nothing.
    registry.put_bytes(sealed["artifact"]["key"], b"tampered")
    again = registry.call("POST", "/v1/models/fraud/versions/1/complete", body={})
    assert again.status == 200
    assert again.body["artifact"] == sealed["artifact"]
    # The storage layer refuses to write version 1 again, whatever the caller.
    record = versions.get_version_by_number("fraud", 1)
    event = registry.call("GET", "/v1/models/fraud/events").body["items"][0]
    from modelyard_server.domain.event_record import EventRecord

    with pytest.raises(ConditionFailed):
        backend().versions.insert_version_claiming_number(
            record.model_copy(update={"metrics": {"accuracy": 1.0}}),
            0,
            EventRecord.model_validate(event),
            None,
        )
    assert registry.call("GET", "/v1/models/fraud/versions/1").body["metrics"] == {"accuracy": 0.9}


def test_archived_version_stays_readable_but_cannot_move(registry: Registry) -> None:
    registry.create_model("fraud")
    registry.register("fraud", b"old")
    registry.register("fraud", b"new")
    registry.call("PUT", "/v1/models/fraud/aliases/champion", body={"version": 2})
    archived = registry.call("POST", "/v1/models/fraud/versions/1/archive", body={"reason": "leaks labels"})
    assert archived.status == 200
    assert archived.body["status"] == "archived"
    assert archived.body["status_reason"] == "leaks labels"
    assert registry.call("GET", "/v1/models/fraud/versions/1/download").status == 200
    promote = registry.call("POST", "/v1/models/fraud/stages/production/promote", body={"version": 1})
    assert promote.status == 409
    assert "archived" in promote.problem["detail"]
    alias = registry.call("PUT", "/v1/models/fraud/aliases/champion", body={"version": 1})
    assert alias.status == 409


def test_a_version_that_holds_a_stage_or_alias_cannot_be_archived(registry: Registry) -> None:
    registry.create_model("fraud")
    registry.register("fraud", b"one")
    registry.register("fraud", b"two")
    registry.call("POST", "/v1/models/fraud/stages/staging/promote", body={"version": 1})
    registry.call("PUT", "/v1/models/fraud/aliases/champion", body={"version": 1})
    refused = registry.call("POST", "/v1/models/fraud/versions/1/archive", body={"reason": "leaks labels"})
    assert refused.status == 409, refused
    assert "stage 'staging'" in refused.problem["detail"]
    assert "alias 'champion'" in refused.problem["detail"]
    assert registry.call("GET", "/v1/models/fraud/versions/1").body["status"] == "ready"
    assert registry.call("POST", "/v1/models/fraud/stages/staging/promote", body={"version": 2}).status == 200
    assert registry.call("PUT", "/v1/models/fraud/aliases/champion", body={"version": 2}).status == 200
    assert registry.call("POST", "/v1/models/fraud/versions/1/archive", body={"reason": "leaks labels"}).status == 200
    rolled = registry.call("POST", "/v1/models/fraud/stages/staging/rollback", body={})
    assert rolled.status == 409  # the earlier holder is archived: rollback refuses it rather than serve it
    assert registry.call("GET", "/v1/models/fraud/stages/staging").body["version"] == 2


def test_deprecating_a_held_version_is_allowed_and_shows_on_its_pointers(registry: Registry) -> None:
    registry.create_model("fraud")
    registry.register("fraud", b"one")
    registry.call("POST", "/v1/models/fraud/stages/staging/promote", body={"version": 1})
    body = {"status": "deprecated", "reason": "retrain due"}
    assert registry.call("POST", "/v1/models/fraud/versions/1/archive", body=body).status == 200
    resolved = registry.call("GET", "/v1/resolve", query={"uri": "models:/fraud/stage/staging"}).body
    assert resolved["status"] == "deprecated"


def test_only_admins_restore_an_archived_version(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    registry.create_model("fraud")
    registry.register("fraud", b"one")
    registry.call("POST", "/v1/models/fraud/versions/1/archive", body={"reason": "wrong data"})
    by_owner = registry.call("POST", "/v1/models/fraud/versions/1/restore", body={"reason": "it was fine"})
    assert by_owner.status == 403, by_owner
    monkeypatch.setenv("MODELYARD_ADMIN_REPOSITORIES", "acme/platform")
    from modelyard_server.handlers.wiring import forget_configuration

    forget_configuration()
    admin = registry.token(repository="acme/platform")
    missing_reason = registry.call("POST", "/v1/models/fraud/versions/1/restore", body={}, token=admin)
    assert missing_reason.status == 422
    restored = registry.call("POST", "/v1/models/fraud/versions/1/restore", body={"reason": "it was fine"}, token=admin)
    assert restored.status == 200, restored
    assert restored.body["status"] == "ready"
    assert registry.call("POST", "/v1/models/fraud/stages/staging/promote", body={"version": 1}).status == 200
    events = registry.call("GET", "/v1/models/fraud/events").body["items"]
    assert [e["detail"].get("reason") for e in events if e["type"] == "model.version.restored"] == ["it was fine"]
    again = registry.call("POST", "/v1/models/fraud/versions/1/restore", body={"reason": "twice"}, token=admin)
    assert again.status == 409  # it is ready: nothing to restore


def test_retried_conditional_promotion_is_idempotent(registry: Registry) -> None:
    registry.create_model("fraud")
    registry.register("fraud", b"one")
    registry.register("fraud", b"two")
    registry.call("POST", "/v1/models/fraud/stages/staging/promote", body={"version": 1})
    body = {"version": 2, "expected_version": 1}
    first = registry.call("POST", "/v1/models/fraud/stages/staging/promote", body=body)
    retried = registry.call("POST", "/v1/models/fraud/stages/staging/promote", body=body)  # the answer was lost
    assert (first.status, retried.status) == (200, 200)
    assert retried.body["version"] == 2
    stage = registry.call("GET", "/v1/models/fraud/stages/staging").body
    assert [h["version"] for h in stage["history"]] == [2, 1]  # one promotion, not two


def test_retried_rollback_rolls_back_once(registry: Registry) -> None:
    registry.create_model("fraud")
    for data in (b"one", b"two", b"three"):
        number = registry.register("fraud", data)["version"]
        registry.call("POST", "/v1/models/fraud/stages/staging/promote", body={"version": number})
    body = {"expected_version": 3}
    first = registry.call("POST", "/v1/models/fraud/stages/staging/rollback", body=body)
    retried = registry.call("POST", "/v1/models/fraud/stages/staging/rollback", body=body)  # the answer was lost
    assert (first.body["version"], retried.body["version"]) == (2, 2)
    history = registry.call("GET", "/v1/models/fraud/stages/staging").body["history"]
    assert [h["action"] for h in history].count("rollback") == 1
    stale = registry.call("POST", "/v1/models/fraud/stages/staging/rollback", body={"expected_version": 1})
    assert stale.status == 409
    assert "holds version 2, not 1" in stale.problem["detail"]


def test_verified_bytes_cannot_be_replaced_and_downloads_stay_pinned(registry: Registry) -> None:
    registry.create_model("fraud")
    version = registry.register("fraud", b"verified model bytes")
    assert version["blob_version"]  # the bucket is versioned: the verified object version is recorded
    key = version["artifact"]["key"]
    registry.put_bytes(key, b"replaced model bytes")  # whoever manages to write the key later
    link = registry.call("GET", "/v1/models/fraud/versions/1/download").body
    assert f"versionId={version['blob_version']}" in link["url"]
    served = registry.s3.get_object(Bucket="artifacts-test", Key=key, VersionId=version["blob_version"])
    assert served["Body"].read() == b"verified model bytes"


def test_late_multipart_upload_cannot_overwrite_verified_bytes(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    from modelyard_server.handlers.wiring import forget_configuration

    monkeypatch.setenv("MODELYARD_MULTIPART_THRESHOLD", "4")
    monkeypatch.setenv("MODELYARD_PART_SIZE", str(5 * 1024 * 1024))
    forget_configuration()
    registry.create_model("fraud")
    registry.create_model("attacker", repository="evil/repo")
    data = b"honest bytes, ten or more"
    digest = hashlib.sha256(data).hexdigest()
    declaration = {"artifact": {"sha256": digest, "size": len(data)}}
    honest = registry.call("POST", "/v1/models/fraud/versions", body=declaration).body
    evil_token = registry.token(repository="evil/repo")
    evil = registry.call("POST", "/v1/models/attacker/versions", body=declaration, token=evil_token).body
    assert evil["upload"]["method"] == "multipart"
    key = honest["version"]["artifact"]["key"]
    # The honest upload completes first (its bytes put straight into the bucket here).
    registry.s3.abort_multipart_upload(Bucket="artifacts-test", Key=key, UploadId=honest["upload"]["upload_id"])
    registry.put_bytes(key, data)
    assert registry.call("POST", "/v1/models/fraud/versions/1/complete", body={}).body["status"] == "ready"
    # Later the attacker uploads other bytes into its own multipart upload and completes it.
    upload_id = evil["upload"]["upload_id"]
    part = registry.s3.upload_part(
        Bucket="artifacts-test", Key=key, UploadId=upload_id, PartNumber=1, Body=b"evil bytes of that length!"
    )
    done = registry.call(
        "POST",
        "/v1/models/attacker/versions/1/complete",
        token=evil_token,
        body={"upload_id": upload_id, "parts": [{"part_number": 1, "etag": part["ETag"]}]},
    )
    assert done.status == 200  # its version points at the verified bytes; its own upload was discarded
    assert registry.s3.get_object(Bucket="artifacts-test", Key=key)["Body"].read() == data


def test_archive_racing_a_promotion_never_leaves_a_stale_pointer(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry.create_model("fraud")
    registry.register("fraud", b"one")
    models = backend().models
    real_load = models.load_model

    def promote_in_between(name: str) -> Any:
        loaded = real_load(name)  # the archive has read the pointers: now a promotion lands
        monkeypatch.setattr(models, "load_model", real_load)
        deployer = _principal(registry, environment="staging")
        assert pointers.promote("fraud", "staging", PromoteRequest(version=1), deployer).version == 1
        return loaded

    monkeypatch.setattr(models, "load_model", promote_in_between)
    body = {"status": "deprecated", "reason": "leak"}
    deprecated = registry.call("POST", "/v1/models/fraud/versions/1/archive", body=body)
    assert deprecated.status == 409  # it would have missed the new pointer: refused, retry sees it
    again = registry.call("POST", "/v1/models/fraud/versions/1/archive", body=body)
    assert again.status == 200
    resolved = registry.call("GET", "/v1/resolve", query={"uri": "models:/fraud/stage/staging"}).body
    assert resolved["status"] == "deprecated"
    held = registry.call("POST", "/v1/models/fraud/versions/1/archive", body={"reason": "leak"})
    assert held.status == 409
    assert "stage 'staging'" in held.problem["detail"]


def _promotions(registry: Registry) -> list[dict[str, Any]]:
    events = registry.call("GET", "/v1/models/fraud/events", query={"limit": "100"}).body["items"]
    return [e for e in events if e["type"] == "model.version.promoted"]


def test_promoting_the_holder_again_passes_every_check_and_changes_nothing(registry: Registry) -> None:
    registry.create_model("fraud")
    registry.register("fraud", b"one")
    registry.register("fraud", b"two")
    registry.call("POST", "/v1/models/fraud/stages/staging/promote", body={"version": 1})
    registry.call("POST", "/v1/models/fraud/stages/staging/promote", body={"version": 2})
    before = registry.call("GET", "/v1/models/fraud/stages/staging").body
    no_environment = registry.call(
        "POST", "/v1/models/fraud/stages/staging/promote", body={"version": 2}, token=registry.token()
    )
    assert no_environment.status == 403, no_environment
    assert "GitHub environment 'staging'" in no_environment.problem["detail"]
    retried = registry.call("POST", "/v1/models/fraud/stages/staging/promote", body={"version": 2})
    assert retried.status == 200, retried
    assert retried.body["version"] == 2
    assert retried.body["already_held"] is True
    assert retried.body["revision"] == before["revision"]
    assert len(_promotions(registry)) == 2
    moved = registry.call("POST", "/v1/models/fraud/stages/staging/promote", body={"version": 1})
    assert moved.body["already_held"] is False


@pytest.mark.parametrize("kind", ["stage", "alias"])
def test_expected_version_absent_null_and_number_are_three_different_guards(registry: Registry, kind: str) -> None:
    registry.create_model("fraud")
    for data in (b"one", b"two", b"three"):
        registry.register("fraud", data)
    path = "/v1/models/fraud/stages/staging/promote" if kind == "stage" else "/v1/models/fraud/aliases/champion"
    method = "POST" if kind == "stage" else "PUT"
    holder = f"/v1/models/fraud/{'stages/staging' if kind == 'stage' else 'aliases/champion'}"

    assert registry.call(method, path, body={"version": 1, "expected_version": None}).status == 200  # empty: ok
    not_empty = registry.call(method, path, body={"version": 2, "expected_version": None})
    assert not_empty.status == 409, not_empty
    assert "holds version 1" in not_empty.problem["detail"]
    assert registry.call("GET", holder).body["version"] == 1
    wrong = registry.call(method, path, body={"version": 2, "expected_version": 3})
    assert wrong.status == 409
    assert registry.call(method, path, body={"version": 2, "expected_version": 1}).status == 200
    assert registry.call(method, path, body={"version": 3}).status == 200  # absent: unconditional
    assert registry.call("GET", holder).body["version"] == 3
    zero = registry.call(method, path, body={"version": 1, "expected_version": 0})
    assert zero.status == 422, zero  # versions start at 1; an empty pointer is null
