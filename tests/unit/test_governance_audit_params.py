"""The governance trail's filters as sent become the port's query: kinds, actor, a time window of event ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from modelyard_server.domain.governance_audit import AuditFilters, audit_query, governance_event
from modelyard_server.domain.ids import ulid_at
from modelyard_server.domain.principal import Principal
from modelyard_server.domain.search_params import InvalidFilter

T = datetime(2026, 11, 1, 12, 0, 0, 500_000, tzinfo=UTC)


def test_kinds_repeat_or_come_comma_separated_and_count_once() -> None:
    query = audit_query(AuditFilters(kind=["policy.registry.set,notifications.set", "policy.registry.set"]))
    assert query.kinds == ("policy.registry.set", "notifications.set")
    assert audit_query(AuditFilters()).kinds == ()


def test_the_window_holds_ids_from_after_inclusive_to_before_exclusive_to_the_millisecond() -> None:
    query = audit_query(AuditFilters(after="2026-11-01T13:00:00.500+01:00", before="2026-11-01T12:00:01Z"))
    assert query.first_id is not None and query.last_id is not None
    inside = [ulid_at(T), ulid_at(T, 2**80 - 1), ulid_at(T + timedelta(milliseconds=499), 2**80 - 1)]
    outside = [ulid_at(T - timedelta(milliseconds=1), 2**80 - 1), ulid_at(T + timedelta(milliseconds=500))]
    assert all(query.first_id <= i <= query.last_id for i in inside)
    assert not any(query.first_id <= i <= query.last_id for i in outside)


def test_order_is_newest_first_unless_oldest_is_asked() -> None:
    assert audit_query(AuditFilters()).newest_first
    assert not audit_query(AuditFilters(order="oldest")).newest_first


@pytest.mark.parametrize(
    "filters",
    [
        AuditFilters(kind=["policy"]),
        AuditFilters(kind=[",".join(f"a.k{n}" for n in range(11))]),
        AuditFilters(actor="repo:acme/x two"),
        AuditFilters(after="2026-11-01"),
        AuditFilters(before="2026-11-01T25:00:00Z"),
        AuditFilters(order="asc"),
    ],
    ids=["kind-without-dot", "eleven-kinds", "actor-with-space", "date-only", "hour-25", "asc"],
)
def test_malformed_filters_are_refused_naming_the_parameter(filters: AuditFilters) -> None:
    with pytest.raises(InvalidFilter) as refused:
        audit_query(filters)
    named = {error["field"] for error in refused.value.extra["errors"]}
    assert named == set(filters.model_dump(exclude_none=True))


def test_a_governance_event_names_what_it_governs_and_who_acted() -> None:
    person = Principal(claims={"sub": "github-user:583231", "login": "octocat", "iss": "urn:s"}, kind="person")
    event = governance_event("policy.registry.set", person, None, {"revision": 1}, subject="registry:policy")
    assert (event.type, event.model, event.after) == ("policy.registry.set", "registry:policy", {"revision": 1})
    assert (event.detail["actor_kind"], event.detail["user_id"], event.actor) == ("person", "583231", "octocat")
    with pytest.raises(ValueError, match="what:which"):
        governance_event("policy.model.set", person, None, None, subject="fraud")


def test_a_governance_events_id_is_of_its_own_millisecond_so_time_filters_agree_with_at() -> None:
    from modelyard_server.domain import clock

    person = Principal(claims={"sub": "github-user:1", "login": "o", "iss": "urn:s"}, kind="person")
    later = datetime.now(UTC) + timedelta(milliseconds=20)  # ids never go back: stay near now for later tests
    clock.set_source(lambda: later)
    try:
        event = governance_event("policy.registry.set", person, None, None, subject="registry:policy")
    finally:
        clock.set_source(None)
    query = audit_query(AuditFilters(after=later.isoformat(), before=(later + timedelta(milliseconds=1)).isoformat()))
    assert query.first_id is not None and query.last_id is not None
    assert query.first_id <= event.id <= query.last_id
