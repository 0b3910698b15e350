"""Registering a big artifact is bounded work: a size cap, and part URLs handed out in pages (issue 8, item 14)."""

from __future__ import annotations

import hashlib

import pytest

from tests.integration.conftest import Registry

SHA = hashlib.sha256(b"big").hexdigest()
TIB = 1024**4


def _register(registry: Registry, size: int) -> object:
    return registry.call("POST", "/v1/models/big/versions", body={"artifact": {"sha256": SHA, "size": size}})


@pytest.fixture
def big(registry: Registry) -> Registry:
    registry.create_model("big")
    return registry


def test_a_size_over_the_registry_limit_is_a_clear_422_and_stores_nothing(big: Registry) -> None:
    before = big.items("big")
    answer = _register(big, 5 * TIB)
    assert answer.status == 422, answer
    problem = answer.problem
    assert problem["type"].endswith("/artifact-too-large")
    assert "MODELYARD_MAX_ARTIFACT_BYTES" in problem["detail"]
    assert str(5 * TIB) in problem["detail"]
    assert big.items("big") == before


def test_the_limit_is_configurable(big: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    from modelyard_server.handlers.wiring import forget_configuration

    monkeypatch.setenv("MODELYARD_MAX_ARTIFACT_BYTES", "1000")
    forget_configuration()
    assert _register(big, 1001).problem["type"].endswith("/artifact-too-large")
    assert _register(big, 1000).status == 201


def test_a_huge_upload_plan_is_one_small_page_and_the_rest_comes_in_pages(
    big: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    from modelyard_server.handlers.wiring import forget_configuration

    monkeypatch.setenv("MODELYARD_MAX_ARTIFACT_BYTES", str(5 * TIB))
    forget_configuration()
    answer = _register(big, 5 * TIB)
    assert answer.status == 201, answer
    # 100 URLs, each signed with the function role's session token as on Lambda: about 1 KB apiece.
    assert len(answer.raw) < 160 * 1024, "the registration answer must not grow with the artifact"
    plan = answer.body["upload"]
    assert plan["method"] == "multipart"
    assert plan["part_count"] == 10_000
    assert [p["part_number"] for p in plan["parts"]] == list(range(1, 101))
    assert plan["next_part"] == 101

    path = "/v1/models/big/versions/1/upload-parts"
    page = big.call("GET", path, query={"upload_id": plan["upload_id"], "first": "9950", "limit": "100"})
    assert page.status == 200, page
    assert [p["part_number"] for p in page.body["parts"]] == list(range(9950, 10_001))
    assert page.body["next_part"] is None
    assert page.body["part_size"] == plan["part_size"]

    middle = big.call("GET", path, query={"upload_id": plan["upload_id"], "first": "101", "limit": "3"})
    assert [p["part_number"] for p in middle.body["parts"]] == [101, 102, 103]
    assert middle.body["next_part"] == 104

    too_many = big.call("GET", path, query={"upload_id": plan["upload_id"], "first": "1", "limit": "101"})
    assert too_many.status == 422


def test_only_an_owner_gets_part_urls_and_only_while_the_upload_is_open(
    big: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    from modelyard_server.handlers.wiring import forget_configuration

    monkeypatch.setenv("MODELYARD_MULTIPART_THRESHOLD", "10")
    monkeypatch.setenv("MODELYARD_PART_SIZE", "5")
    forget_configuration()
    plan = _register(big, 12).body["upload"]
    path = "/v1/models/big/versions/1/upload-parts"
    query = {"upload_id": plan["upload_id"], "first": "2"}
    outsider = big.call("GET", path, query=query, token=big.token(repository="evil/corp"))
    assert outsider.status == 403, outsider
    assert [p["part_number"] for p in big.call("GET", path, query=query).body["parts"]] == [2, 3]
    beyond = big.call("GET", path, query={**query, "first": "4"})
    assert beyond.status == 422
    assert beyond.problem["type"].endswith("/no-such-part")
    small = big.register("big", b"small")
    assert small["status"] == "ready"
    sealed = big.call("GET", f"/v1/models/big/versions/{small['version']}/upload-parts", query=query)
    assert sealed.status == 409, sealed


def test_completing_an_upload_the_registry_never_issued_is_a_4xx(registry: Registry) -> None:
    registry.create_model("fraud")
    data = b"bytes never sent"
    body = {"artifact": {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}}
    number = registry.call("POST", "/v1/models/fraud/versions", body=body).body["version"]["version"]
    parts = [{"part_number": 1, "etag": "0" * 32}]
    answer = registry.call(
        "POST", f"/v1/models/fraud/versions/{number}/complete", body={"upload_id": "never-issued", "parts": parts}
    )
    assert answer.status == 409, answer  # S3 knows no such upload, so no bytes arrived
    assert answer.problem["type"].endswith("/artifact-missing"), answer.problem
    assert registry.call("GET", f"/v1/models/fraud/versions/{number}").body["status"] == "pending_upload"


def test_a_completion_may_list_all_ten_thousand_parts(registry: Registry) -> None:
    """S3's maximum, each part with its quoted ETag: about 600 KB of JSON, which the body limit must admit."""
    registry.create_model("fraud")
    data = b"ten thousand parts"
    body = {"artifact": {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}}
    number = registry.call("POST", "/v1/models/fraud/versions", body=body).body["version"]["version"]
    parts = [{"part_number": n, "etag": f'"{n:032x}"'} for n in range(1, 10_001)]
    answer = registry.call(
        "POST", f"/v1/models/fraud/versions/{number}/complete", body={"upload_id": "never-issued", "parts": parts}
    )
    assert answer.status == 409, answer  # read and checked (no such upload), not refused for its size
    too_many = registry.call(
        "POST",
        f"/v1/models/fraud/versions/{number}/complete",
        body={"upload_id": "never-issued", "parts": [*parts, {"part_number": 1, "etag": "0" * 32}]},
    )
    assert too_many.status == 422, too_many
