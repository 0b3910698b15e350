"""A registration whose bytes never arrive is abandoned once its upload window has passed."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration.conftest import TABLE, Registry

KEY = {"Idempotency-Key": "run-1-attempt-1"}


def _start(registry: Registry, data: bytes) -> Any:
    body = {"artifact": {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}}
    return registry.call("POST", "/v1/models/fraud/versions", body=body, headers=KEY)


def _age_upload_window(registry: Registry, number: int, hours: float) -> None:
    """Move the version's upload window into the past, as the clock would after `hours`."""
    closed = int((datetime.now(UTC) - timedelta(hours=hours)).timestamp())
    registry.dynamodb.update_item(
        TableName=TABLE,
        Key={"PK": {"S": "MODEL#fraud"}, "SK": {"S": f"V#{number:010d}"}},
        UpdateExpression="SET upload_open_until = :t",
        ExpressionAttributeValues={":t": {"N": str(closed)}},
    )


def test_an_interrupted_upload_resumes_with_the_same_key_before_its_window_closes(registry: Registry) -> None:
    registry.create_model("fraud")
    first = _start(registry, b"weights")
    assert first.status == 201, first
    number = first.body["version"]["version"]
    assert first.body["version"]["upload_expires_at"] is not None
    _age_upload_window(registry, number, 0.5)  # expired URLs, still within the grace period
    resumed = _start(registry, b"weights")
    assert resumed.status == 200, resumed
    assert resumed.body["version"]["version"] == number
    assert resumed.body["created"] is False
    assert resumed.body["upload"]["method"] == "put"
    assert resumed.body["version"]["status"] == "pending_upload"


def test_an_upload_left_past_its_window_is_abandoned_listed_apart_and_never_promotable(registry: Registry) -> None:
    registry.create_model("fraud")
    registry.register("fraud", b"finished")
    left = _start(registry, b"interrupted")
    number = left.body["version"]["version"]
    _age_upload_window(registry, number, 2)
    version = registry.call("GET", f"/v1/models/fraud/versions/{number}").body
    assert version["status"] == "abandoned"
    abandoned = registry.call("GET", "/v1/models/fraud/versions", query={"status": "abandoned"}).body["items"]
    assert [v["version"] for v in abandoned] == [number]
    pending = registry.call("GET", "/v1/models/fraud/versions", query={"status": "pending_upload"}).body["items"]
    assert pending == []
    promote = registry.call("POST", "/v1/models/fraud/stages/staging/promote", body={"version": number})
    assert promote.status == 409
    assert "abandoned" in promote.problem["detail"]
    complete = registry.call("POST", f"/v1/models/fraud/versions/{number}/complete", body={})
    assert complete.status == 409
    assert "abandoned" in complete.problem["detail"]
    retried = _start(registry, b"interrupted")
    assert retried.status == 409, retried
    assert "new Idempotency-Key" in retried.problem["detail"]
    assert registry.call("GET", "/v1/models/fraud").body["latest_version"] == 2


def test_a_completion_that_outlives_the_window_does_not_make_an_abandoned_version_ready(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    from modelyard_server.domain import verification

    registry.create_model("fraud")
    started = registry.register("fraud", b"slow to hash", complete=False)
    number = started["version"]["version"]
    real_check = verification.check_blob

    def slow_check(*args: Any) -> Any:
        _age_upload_window(registry, number, 2)  # hashing a huge artifact outlasted the window
        return real_check(*args)

    monkeypatch.setattr(verification, "check_blob", slow_check)
    late = registry.call("POST", f"/v1/models/fraud/versions/{number}/complete", body={})
    assert late.status == 409, late
    assert "abandoned" in late.problem["detail"]
    assert registry.call("GET", f"/v1/models/fraud/versions/{number}").body["status"] == "abandoned"


def test_asking_for_part_urls_keeps_a_long_upload_open(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    from modelyard_server.handlers.wiring import forget_configuration

    monkeypatch.setenv("MODELYARD_MULTIPART_THRESHOLD", str(5 * 1024 * 1024))
    monkeypatch.setenv("MODELYARD_UPLOAD_PARTS_PAGE", "1")
    forget_configuration()
    registry.create_model("fraud")
    size = 12 * 1024 * 1024
    body = {"artifact": {"sha256": "c" * 64, "size": size}}
    plan = registry.call("POST", "/v1/models/fraud/versions", body=body).body
    number, upload = plan["version"]["version"], plan["upload"]
    _age_upload_window(registry, number, 0.9)  # nearly abandoned: the upload is slow
    page = registry.call(
        "GET",
        f"/v1/models/fraud/versions/{number}/upload-parts",
        query={"upload_id": upload["upload_id"], "first": "2"},
    )
    assert page.status == 200, page
    version = registry.call("GET", f"/v1/models/fraud/versions/{number}").body
    assert version["status"] == "pending_upload"
    assert datetime.fromisoformat(version["upload_expires_at"]) > datetime.now(UTC)
