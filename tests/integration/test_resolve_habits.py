"""Resolving URIs as MLflow users write them, and polling a resolution cheaply (ETag / If-None-Match)."""

from __future__ import annotations

import pytest

from tests.integration.conftest import Registry
from tests.support.api_events import ApiResponse


def _resolve(registry: Registry, uri: str, etag: str | None = None) -> ApiResponse:
    headers = {"If-None-Match": etag} if etag is not None else None
    return registry.call("GET", "/v1/resolve", query={"uri": uri}, headers=headers)


@pytest.fixture
def released(registry: Registry) -> Registry:
    """fraud: version 1 in staging, version 2 ready, version 3 registered but not uploaded."""
    registry.create_model("fraud")
    registry.register("fraud", b"one")
    registry.register("fraud", b"two")
    registry.register("fraud", b"three", complete=False)
    assert registry.call("POST", "/v1/models/fraud/stages/staging/promote", body={"version": 1}).status == 200
    return registry


@pytest.mark.parametrize("uri", ["models:/fraud/Staging", "models:/fraud/staging", "models:/fraud/STAGING"])
def test_a_stage_name_in_any_case_resolves_to_its_holder(released: Registry, uri: str) -> None:
    answer = _resolve(released, uri)
    assert answer.status == 200, answer
    assert (answer.body["model"], answer.body["version"]) == ("fraud", 1)


def test_latest_is_the_newest_ready_version(released: Registry) -> None:
    for uri in ("models:/fraud/latest", "models:/fraud/Latest"):
        answer = _resolve(released, uri)
        assert answer.status == 200, answer
        assert answer.body["version"] == 2  # version 3 waits for its bytes


def test_a_stage_this_registry_does_not_have_is_a_404_naming_the_stages(released: Registry) -> None:
    answer = _resolve(released, "models:/fraud/Archived")
    assert answer.status == 404
    detail = answer.problem["detail"]
    assert "'archived' is not a stage of this registry" in detail
    assert "staging" in detail and "production" in detail


def test_an_empty_stage_is_a_404_saying_so(released: Registry) -> None:
    answer = _resolve(released, "models:/fraud/Production")
    assert answer.status == 404
    assert answer.problem["detail"] == "no version of model 'fraud' is in stage 'production'"


def test_latest_without_a_ready_version_is_a_404_saying_why(registry: Registry) -> None:
    registry.create_model("fraud")
    registry.register("fraud", b"pending", complete=False)
    answer = _resolve(registry, "models:/fraud/latest")
    assert answer.status == 404
    assert answer.problem["type"].endswith("/version-not-found")
    assert "has no ready version" in answer.problem["detail"]
    missing = _resolve(registry, "models:/nobody/latest")
    assert missing.status == 404
    assert missing.problem["detail"] == "there is no model 'nobody'"


@pytest.mark.parametrize("uri", ["models:/fraud/Prod.1", "models:/fraud/_x", "models:/marketing/churn/stage/Staging"])
def test_words_that_cannot_be_stage_names_are_refused(released: Registry, uri: str) -> None:
    assert _resolve(released, uri).status == 422


def test_a_stage_form_with_a_capital_names_a_model_no_one_may_create(released: Registry) -> None:
    """`models:/fraud/stage/Staging` reads as MLflow's stage word after the name `fraud/stage`: a namespaced
    model may not be called `stage`, so it is a missing model, never another model's stage."""
    answer = _resolve(released, "models:/fraud/stage/Staging")
    assert answer.status == 404 and answer.problem["detail"] == "there is no model 'fraud/stage'"


def test_a_parent_may_be_named_the_mlflow_way(released: Registry) -> None:
    child = released.register("fraud", b"child", lineage={"parents": ["models:/fraud/Staging", "models:/fraud/latest"]})
    assert child["lineage"]["parents"] == ["models:/fraud/1", "models:/fraud/2"]


def test_the_answer_carries_an_etag_and_if_none_match_with_it_is_a_bodiless_304(released: Registry) -> None:
    first = _resolve(released, "models:/fraud/stage/staging")
    etag = first.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    again = _resolve(released, "models:/fraud/stage/staging", etag)
    assert again.status == 304
    assert again.raw == ""
    assert again.headers["ETag"] == etag
    # a weak comparison, a list, or * all match; another tag does not
    assert _resolve(released, "models:/fraud/stage/staging", f'"other", W/{etag}').status == 304
    assert _resolve(released, "models:/fraud/stage/staging", "*").status == 304
    assert _resolve(released, "models:/fraud/stage/staging", '"0123"').status == 200


def test_the_etag_changes_when_what_the_uri_names_changes(released: Registry) -> None:
    uri = "models:/fraud/stage/staging"
    before = _resolve(released, uri).headers["ETag"]
    assert released.call("POST", "/v1/models/fraud/stages/staging/promote", body={"version": 2}).status == 200
    moved = _resolve(released, uri, before)
    assert moved.status == 200 and moved.body["version"] == 2
    assert moved.headers["ETag"] != before
    # moved back to version 1: the same answer, but the pointer moved, so a poller is told to look again
    assert released.call("POST", "/v1/models/fraud/stages/staging/rollback", body={}).status == 200
    back = _resolve(released, uri, before)
    assert back.status == 200 and back.body["version"] == 1
    assert back.headers["ETag"] not in (before, moved.headers["ETag"])


def test_the_etag_of_a_version_changes_with_its_status(released: Registry) -> None:
    uri = "models:/fraud/2"
    before = _resolve(released, uri).headers["ETag"]
    archived = released.call("POST", "/v1/models/fraud/versions/2/archive", body={"reason": "superseded"})
    assert archived.status == 200, archived
    after = _resolve(released, uri, before)
    assert after.status == 200 and after.body["status"] == "archived"
    assert _resolve(released, "models:/fraud/latest").body["version"] == 1  # no longer ready


def test_a_304_still_needs_a_token_and_an_existing_uri(released: Registry) -> None:
    etag = _resolve(released, "models:/fraud/1").headers["ETag"]
    anonymous = released.call(
        "GET", "/v1/resolve", query={"uri": "models:/fraud/1"}, headers={"If-None-Match": etag}, token=None
    )
    assert anonymous.status == 401
    assert _resolve(released, "models:/fraud/9", etag).status == 404
