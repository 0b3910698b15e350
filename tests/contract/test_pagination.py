"""Listings page with opaque tokens: every item exactly once across pages, in the listing's order; a
malformed token, or one another listing issued, is refused."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

import pytest

from modelyard_server.ports import Backend
from modelyard_server.ports.records import BadPageToken, Page
from tests.contract.conftest import Clock
from tests.contract.registry_driver import Driver

T = TypeVar("T")


def every_page(read: Callable[[str | None], Page[T]]) -> list[T]:
    items: list[T] = []
    token: str | None = None
    for _ in range(1000):
        page = read(token)
        items += page.items
        token = page.next_token
        if token is None:
            return items
    raise AssertionError("the listing never ended")


def test_models_page_by_name(registry: Driver, backend: Backend) -> None:
    names = [f"model-{i:02d}" for i in range(7)]
    for name in reversed(names):
        registry.create_model(name)
    listed = every_page(lambda token: backend.models.list_models(3, token))
    assert [m.name for m in listed] == names


def test_versions_page_newest_first_with_filters(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    for number in range(1, 11):
        tags = {"team": "red" if number % 2 else "blue"}
        if number % 3 == 0:
            registry.ready_version("fraud", tags=tags)
        else:
            registry.register("fraud", tags=tags)

    def numbers(status: str | None, tag: tuple[str, str] | None) -> list[int]:
        listed = every_page(lambda token: backend.versions.list_versions("fraud", 2, token, status, tag))
        return [v.version for v in listed]

    assert numbers(None, None) == list(range(10, 0, -1))
    assert numbers("ready", None) == [9, 6, 3]
    assert numbers(None, ("team", "blue")) == [10, 8, 6, 4, 2]
    assert numbers("ready", ("team", "blue")) == [6]
    assert numbers("pending_upload", ("team", "red")) == [7, 5, 1]
    assert numbers(None, ("team", "green")) == []


def test_events_page_oldest_first(registry: Driver, backend: Backend) -> None:
    registry.create_model("fraud")
    recorded = [registry.event("fraud", f"test.step.{i}") for i in range(9)]
    for event in recorded:
        backend.events.record_event(event)
    listed = every_page(lambda token: backend.events.list_events("fraud", 4, token))
    assert [e.id for e in listed][1:] == [e.id for e in recorded]


def test_refusals_page_newest_first(registry: Driver, backend: Backend) -> None:
    refusals = [registry.event("fraud", "registry.write.refused") for _ in range(5)]
    for event in refusals:
        assert backend.security.record_refusal(event, "outsider", 100, 90)
    listed = every_page(lambda token: backend.security.list_refusals(2, token))
    assert [e.id for e in listed] == [e.id for e in reversed(refusals)]


def _first_token(read: Callable[[str | None], Page[T]]) -> str:
    token = read(None).next_token
    assert token is not None
    return token


def test_a_token_from_another_listing_is_refused(registry: Driver, backend: Backend) -> None:
    for name in ("fraud", "churn", "zeta"):
        registry.create_model(name)
        for _ in range(3):
            registry.register(name)
            backend.events.record_event(registry.event(name))
    for _ in range(3):
        backend.security.record_refusal(registry.event("fraud"), "outsider", 100, 90)

    fraud_versions = _first_token(lambda t: backend.versions.list_versions("fraud", 1, t, None, None))
    fraud_events = _first_token(lambda t: backend.events.list_events("fraud", 1, t))
    models = _first_token(lambda t: backend.models.list_models(1, t))
    refusals = _first_token(lambda t: backend.security.list_refusals(1, t))

    with pytest.raises(BadPageToken):
        backend.versions.list_versions("churn", 1, fraud_versions, None, None)
    with pytest.raises(BadPageToken):
        backend.events.list_events("churn", 1, fraud_events)
    with pytest.raises(BadPageToken):
        backend.models.list_models(1, fraud_versions)
    with pytest.raises(BadPageToken):
        backend.versions.list_versions("fraud", 1, models, None, None)
    with pytest.raises(BadPageToken):
        backend.security.list_refusals(1, fraud_events)
    with pytest.raises(BadPageToken):
        backend.events.list_events("fraud", 1, refusals)


@pytest.mark.parametrize("token", ["not a token", "e30", "eyJsIjoxfQ", "%%%", "W10", "x" * 10_000])
def test_a_malformed_token_is_refused(registry: Driver, backend: Backend, token: str) -> None:
    registry.create_model("fraud")
    with pytest.raises(BadPageToken):
        backend.versions.list_versions("fraud", 10, token, None, None)
    with pytest.raises(BadPageToken):
        backend.models.list_models(10, token)
    with pytest.raises(BadPageToken):
        backend.events.list_events("fraud", 10, token)


def _shaped_like_ours(listing: str, position: object) -> str:
    raw = json.dumps({"l": listing, "p": position}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("position", [10**20, -(10**20), "\ud800"])
def test_a_token_shaped_like_ours_with_an_impossible_position_is_refused(
    registry: Driver, backend: Backend, position: object
) -> None:
    registry.create_model("fraud")
    with pytest.raises(BadPageToken):
        backend.versions.list_versions("fraud", 10, _shaped_like_ours("versions/fraud", position), None, None)
    with pytest.raises(BadPageToken):
        backend.models.list_models(10, _shaped_like_ours("models", position))
    with pytest.raises(BadPageToken):
        backend.events.list_events("fraud", 10, _shaped_like_ours("events/fraud", position))


def test_expired_refusals_are_not_listed(registry: Driver, backend: Backend, clock: Clock) -> None:
    backend.security.record_refusal(registry.event("fraud"), "outsider", 100, keep_days=1)
    clock.advance(timedelta(days=1, hours=1))
    assert backend.security.list_refusals(10, None).items == []
