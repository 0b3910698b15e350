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
        # a key holding "=" could never be searched for: `tag=team=a=b` splits at the first "="
        ({"artifact": {"sha256": GOOD_SHA, "size": 1}, "tags": {"team=a": "b"}}, "body.tags.team=a.[key]"),
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
    huge = {"artifact": {"sha256": GOOD_SHA, "size": 1}, "model_card": "x" * 1_100_000}
    answer = seeded.call("POST", "/v1/models/fraud/versions", body=huge)
    _assert_refused(seeded, answer, 413, before)


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "slug"),
    [
        ("GET", "/v1/models/ghost", None, 404, "model-not-found"),
        ("GET", "/v1/models/fraud/versions/9", None, 404, "version-not-found"),
        ("GET", "/v1/models/fraud/versions/9.9.9", None, 404, "version-not-found"),
        ("GET", "/v1/models/fraud/versions/seven", None, 422, "validation-failed"),
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
        (
            "POST",
            "/v1/models/fraud/versions/1/complete",
            {"upload_id": "u", "parts": [{"part_number": 1, "etag": "\u009dC\ud808\udd08'"}]},
            422,
            "validation-failed",
        ),
        (
            "POST",
            "/v1/models/fraud/versions/1/complete",
            {"upload_id": "\udb0f\udd12#", "parts": [{"part_number": 1, "etag": "d4d178fe0fb01159caf956f983fea4ee"}]},
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
    assert bad.status == 400
    assert bad.problem["type"].endswith("/invalid-filter")
    assert "ready" in bad.problem["detail"]  # says what is accepted


# ------------------------------------------------------------------------ the body itself (items 12, 13)

REGISTRATION = '{"artifact": {"sha256": "' + GOOD_SHA + '", "size": 1}}'


def _call_raw(registry: Registry, path: str, body: bytes, content_type: str | None) -> Any:
    """A POST whose bytes and Content-Type are exactly these (API Gateway base64-encodes non-UTF-8 bodies)."""
    import base64

    from modelyard_server.handlers.api import lambda_handler
    from tests.support.api_events import http_event, invoke

    event = http_event("POST", path, token=registry.token())
    event["headers"].pop("content-type")
    if content_type is not None:
        event["headers"]["content-type"] = content_type
    event["body"] = base64.b64encode(body).decode()
    event["isBase64Encoded"] = True
    return invoke(lambda_handler, event)


@pytest.mark.parametrize(
    ("body", "content_type", "status", "slug"),
    [
        (b'{"name": "caf\xe9"}', "application/json", 400, "malformed-json"),
        (b'{"name": "plain"}', "text/plain", 415, "unsupported-media-type"),
        (b"name=formed", "application/x-www-form-urlencoded", 415, "unsupported-media-type"),
        (b'{"name": "untyped"}', None, 415, "unsupported-media-type"),
        (b'{"name": "latin"}', "application/json; charset=latin-1", 415, "unsupported-media-type"),
        (b'{"name": "twice", "name": "fraud2"}', "application/json", 422, "duplicate-key"),
        (b"[" * 1000 + b"]" * 1000, "application/json", 422, "json-too-deep"),
        (b'{"name": "x", "tags": ' + b'{"a": ' * 1000 + b"1" + b"}" * 1001, "application/json", 422, "json-too-deep"),
    ],
)
def test_bodies_that_are_not_plain_json_are_refused(
    seeded: Registry, body: bytes, content_type: str | None, status: int, slug: str
) -> None:
    before = _snapshot(seeded)
    answer = _call_raw(seeded, "/v1/models", body, content_type)
    _assert_refused(seeded, answer, status, before)
    assert answer.problem["type"].endswith(f"/{slug}"), answer.problem
    assert seeded.call("GET", "/v1/models").body["items"] == [seeded.call("GET", "/v1/models/fraud").body]


def test_a_json_body_with_charset_utf8_is_json(seeded: Registry) -> None:
    answer = _call_raw(seeded, "/v1/models", b'{"name": "charset"}', "application/json; charset=UTF-8")
    assert answer.status == 201, answer


@pytest.mark.parametrize(
    ("artifact", "field"),
    [
        ({"sha256": GOOD_SHA, "size": True}, "body.artifact.size"),
        ({"sha256": GOOD_SHA, "size": "10"}, "body.artifact.size"),
        ({"sha256": GOOD_SHA, "size": 1.5}, "body.artifact.size"),
        ({"sha256": GOOD_SHA, "size": 1, "format": 1}, "body.artifact.format"),
    ],
)
def test_numbers_are_numbers_and_nothing_is_coerced(seeded: Registry, artifact: dict[str, Any], field: str) -> None:
    before = _snapshot(seeded)
    answer = seeded.call("POST", "/v1/models/fraud/versions", body={"artifact": artifact})
    _assert_refused(seeded, answer, 422, before)
    assert any(error["field"].startswith(field) for error in answer.problem["errors"]), answer.problem


def test_strict_models_keep_every_json_value_as_itself(seeded: Registry) -> None:
    params = {"depth": 3, "rate": 0.5, "warm": True, "kernel": "rbf", "seed": None, "whole": 2.0}
    body = {"artifact": {"sha256": hashlib.sha256(b"p").hexdigest(), "size": 1.0}, "params": params}
    answer = seeded.call("POST", "/v1/models/fraud/versions", body=body)
    assert answer.status == 201, answer
    stored = answer.body["version"]
    # JSON does not tell 1.0 from 1: an integral number is an integer (so "size": 1.0 is a size of 1).
    assert stored["artifact"]["size"] == 1
    assert stored["params"] == {**params, "whole": 2}
    assert [type(stored["params"][k]) for k in ("depth", "rate", "warm", "kernel")] == [int, float, bool, str]
    truthy = seeded.call("POST", "/v1/models/fraud/stages/staging/promote", body={"version": True})
    assert truthy.status == 422, truthy


def test_a_huge_integer_is_a_4xx_not_a_500(seeded: Registry) -> None:
    before = _snapshot(seeded)
    body = b'{"artifact": {"sha256": "' + GOOD_SHA.encode() + b'", "size": 1' + b"0" * 5000 + b"}}"
    answer = _call_raw(seeded, "/v1/models/fraud/versions", body, "application/json")
    _assert_refused(seeded, answer, 422, before)
    assert answer.problem["type"].endswith("/number-too-long"), answer.problem


def test_measuring_nesting_is_linear_in_the_body(seeded: Registry) -> None:
    """An unterminated string of escaped quotes made the depth check quadratic: minutes for 200 KB."""
    import threading

    body = b'{"name": "' + b'\\"' * 100_000
    answers: list[Any] = []
    worker = threading.Thread(
        target=lambda: answers.append(_call_raw(seeded, "/v1/models", body, "application/json")), daemon=True
    )
    worker.start()
    worker.join(timeout=20)  # linear work takes milliseconds; the quadratic scan took minutes
    assert answers, "the server was still measuring the body's nesting after 20 s"
    assert answers[0].status == 400, answers[0]
