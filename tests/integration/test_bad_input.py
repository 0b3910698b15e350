"""Bad input on purpose: each gets a precise 4xx problem and changes nothing."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from tests.integration.conftest import Registry

GOOD_SHA = hashlib.sha256(b"x").hexdigest()


def _snapshot(registry: Registry) -> list[Any]:
    return sorted(registry.items("fraud"), key=lambda item: item["SK"]["S"])


@pytest.fixture
def seeded(registry: Registry) -> Registry:
    registry.create_model("fraud")
    registry.register("fraud", b"x")
    return registry


def _assert_refused(registry: Registry, answer: Any, status: int, before: list[Any]) -> None:
    assert answer.status == status, answer
    problem = answer.problem
    assert problem["status"] == status
    assert problem["title"]
    assert problem["detail"]
    assert problem["type"].startswith("https://modelyard.dev/problems/")
    assert _snapshot(registry) == before, "a refused request changed stored state"


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("../x", 422),
        ("A B", 422),
        ("Fraud", 422),
        ("modèle", 422),
        ("a" * 300, 422),
        ("", 422),
        ("-x", 422),
        ("a..b", 422),
    ],
)
def test_hostile_model_names_are_refused(seeded: Registry, name: str, status: int) -> None:
    before = _snapshot(seeded)
    answer = seeded.call("POST", "/v1/models", body={"name": name})
    _assert_refused(seeded, answer, status, before)
    assert any(error["field"] == "body.name" for error in answer.problem["errors"])


def test_malformed_json_is_400(seeded: Registry) -> None:
    before = _snapshot(seeded)
    answer = seeded.call("POST", "/v1/models/fraud/versions", raw_body='{"artifact": ')
    _assert_refused(seeded, answer, 400, before)
    assert answer.problem["type"].endswith("/malformed-json")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"artifact": {"sha256": GOOD_SHA, "size": "big"}}, "body.artifact.size"),
        ({"artifact": {"sha256": GOOD_SHA, "size": -1}}, "body.artifact.size"),
        ({"artifact": {"sha256": GOOD_SHA, "size": 10**16}}, "body.artifact.size"),
        ({"artifact": {"sha256": "not-hex", "size": 1}}, "body.artifact.sha256"),
        ({"artifact": {"sha256": GOOD_SHA.upper(), "size": 1}}, "body.artifact.sha256"),
        (
            {"artifact": {"sha256": GOOD_SHA, "size": 1, "filename": "../../etc/passwd"}},
            "body.artifact.filename",
        ),
        ({"artifact": {"sha256": GOOD_SHA, "size": 1}, "surprise": True}, "body.surprise"),
        ({"artifact": {"sha256": GOOD_SHA, "size": 1}, "metrics": {"auc": "high"}}, "body.metrics.auc"),
        ({"artifact": {"sha256": GOOD_SHA, "size": 1}, "semver": "v1"}, "body.semver"),
        ({"artifact": {"sha256": GOOD_SHA, "size": 1}, "description": "x" * 10_000}, "body.description"),
        ({"artifact": {"sha256": GOOD_SHA, "size": 1}, "lineage": {"commit": "zz"}}, "body.lineage.commit"),
        (
            {"artifact": {"sha256": GOOD_SHA, "size": 1}, "lineage": {"parents": ["../x"]}},
            "body.lineage.parents.0",
        ),
        ({"artifact": {"sha256": GOOD_SHA, "size": 1}, "tags": {"bad key": "v"}}, "body.tags.bad key.[key]"),
        ({}, "body.artifact"),
    ],
)
def test_invalid_registration_bodies_name_the_field(seeded: Registry, body: dict[str, Any], field: str) -> None:
    before = _snapshot(seeded)
    answer = seeded.call("POST", "/v1/models/fraud/versions", body=body)
    _assert_refused(seeded, answer, 422, before)
    fields = [error["field"] for error in answer.problem["errors"]]
    assert any(f.startswith(field) for f in fields), fields


def test_oversize_body_is_413(seeded: Registry) -> None:
    before = _snapshot(seeded)
    huge = {"artifact": {"sha256": GOOD_SHA, "size": 1}, "model_card": "x" * 300_000}
    answer = seeded.call("POST", "/v1/models/fraud/versions", body=huge)
    _assert_refused(seeded, answer, 413, before)


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "slug"),
    [
        ("GET", "/v1/models/ghost", None, 404, "model-not-found"),
        ("GET", "/v1/models/fraud/versions/9", None, 404, "version-not-found"),
        ("GET", "/v1/models/fraud/versions/9.9.9", None, 404, "version-not-found"),
        ("GET", "/v1/models/fraud/versions/seven", None, 422, "invalid-reference"),
        ("GET", "/v1/models/fraud/aliases/nobody", None, 404, "pointer-not-found"),
        ("POST", "/v1/models/fraud/stages/qa/promote", {"version": 1}, 404, "pointer-not-found"),
        ("POST", "/v1/models/fraud/stages/staging/promote", {"version": 9}, 404, "version-not-found"),
        ("POST", "/v1/models/ghost/stages/staging/promote", {"version": 1}, 404, "model-not-found"),
        ("POST", "/v1/models/fraud/stages/staging/rollback", {}, 409, "nothing-to-roll-back"),
        (
            "POST",
            "/v1/models/fraud/versions/1/complete",
            {"parts": [{"part_number": 0, "etag": "x"}]},
            422,
            "validation-failed",
        ),
        ("GET", "/v1/models/fraud/versions", None, 200, None),
        ("GET", "/v1/nowhere", None, 404, "no-such-route"),
        ("POST", "/v1/models", {"name": "fraud"}, 409, "model-exists"),
        ("PUT", "/v1/models/fraud/aliases/Champion", {"version": 1}, 422, "validation-failed"),
        (
            "PUT",
            "/v1/models/fraud/aliases/champion",
            {"version": "models:/other/1"},
            422,
            "invalid-reference",
        ),
        ("GET", "/v1/resolve?uri=", None, 422, "validation-failed"),
    ],
)
def test_unknown_things_and_conflicts(
    seeded: Registry, method: str, path: str, body: Any, status: int, slug: str | None
) -> None:
    before = _snapshot(seeded)
    path, _, query = path.partition("?")
    answer = seeded.call(method, path, body=body, query=dict([query.split("=", 1)]) if query else None)
    if slug is None:
        assert answer.status == status
        return
    _assert_refused(seeded, answer, status, before)
    assert answer.problem["type"].endswith(f"/{slug}")


def test_forged_page_token_is_400(seeded: Registry) -> None:
    for token in ("not-base64!", "eyJQSyI6IHsiUyI6ICJNT0RFTCNvdGhlciJ9fQ"):
        answer = seeded.call("GET", "/v1/models/fraud/events", query={"next_token": token})
        assert answer.status == 400
        assert answer.problem["type"].endswith("/invalid-next-token")


def test_pagination_walks_every_version_once(seeded: Registry) -> None:
    for index in range(4):
        seeded.register("fraud", f"v{index}".encode())
    seen: list[int] = []
    token = None
    while True:
        query = {"limit": "2", **({"next_token": token} if token else {})}
        page = seeded.call("GET", "/v1/models/fraud/versions", query=query).body
        seen += [item["version"] for item in page["items"]]
        token = page["next_token"]
        if not token:
            break
    assert seen == [5, 4, 3, 2, 1]


def test_filters_by_status_and_tag(seeded: Registry) -> None:
    seeded.register("fraud", b"tagged", tags={"team": "risk"})
    seeded.register("fraud", b"pending", complete=False)
    ready = seeded.call("GET", "/v1/models/fraud/versions", query={"status": "pending_upload"}).body
    assert [v["version"] for v in ready["items"]] == [3]
    tagged = seeded.call("GET", "/v1/models/fraud/versions", query={"tag": "team=risk"}).body
    assert [v["version"] for v in tagged["items"]] == [2]
    bad = seeded.call("GET", "/v1/models/fraud/versions", query={"status": "exploded"})
    assert bad.status == 422
