"""Events: the audit trail of every change, written in the same transaction as the change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from modelyard_server.domain.audit_records import Actor, EventPage
from modelyard_server.domain.clock import now
from modelyard_server.domain.errors import DomainError, ModelNotFound
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.ids import first_ulid_at, new_ulid
from modelyard_server.domain.principal import Principal
from modelyard_server.domain.version_records import VersionRecord
from modelyard_server.observability import logger, metrics
from modelyard_server.ports import backend
from modelyard_server.settings import get_settings

OUTSIDER_REFUSAL = "registry.write.refused"
# A version's events are looked for from a little before its creation time: event ids take the machine's
# clock, its `created_at` the registry's, and the two may disagree by a moment.
CLOCK_MARGIN = timedelta(minutes=1)


def new_event(
    event_type: str,
    model: str,
    principal: Principal,
    *,
    version: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
) -> EventRecord:
    actor = principal.actor()
    return EventRecord(
        id=new_ulid(),
        type=event_type,
        model=model,
        version=version,
        at=now(),
        actor=principal.display_name,
        repository=actor.repository,
        run_id=actor.run_id,
        run_url=actor.run_url,
        before=before,
        after=after,
        detail={
            "subject": actor.subject,
            "issuer": actor.issuer,
            "environment": actor.environment,
            **_who(actor),
            **(detail or {}),
        },
    )


def _who(actor: Actor) -> dict[str, Any]:
    """Which kind of principal acted and through which client; a person by GitHub user id and login."""
    who: dict[str, Any] = {"actor_kind": actor.kind, "client": actor.client}
    if actor.kind == "person":
        who |= {"user_id": actor.user_id, "login": actor.login}
    return who


def list_events(model: str, limit: int, next_token: str | None) -> EventPage:
    page = backend().events.list_events(model, limit, next_token)
    if not page.items and next_token is None and backend().models.get_model(model) is None:
        raise ModelNotFound(f"there is no model '{model}'")
    return EventPage(items=page.items, next_token=page.next_token)


def latest_events(model: str, limit: int, before: str | None = None) -> list[EventRecord]:
    """The model's latest `limit` events, newest first (one read: what its page shows of its recent history);
    with `before` (an event id), the latest of those older than that event."""
    events = backend().events.latest_events(model, limit, before)
    if not events and backend().models.get_model(model) is None:
        raise ModelNotFound(f"there is no model '{model}'")
    return events


@dataclass(frozen=True)
class NewestFirstPage:
    items: list[EventRecord]
    older_than: str | None  # the id the next page back starts below; None: nothing older


def newest_first_page(model: str, limit: int, before: str | None) -> NewestFirstPage:
    """A page of the model's trail newest first, in one read (one event more than shown says if older remain)."""
    events = latest_events(model, limit + 1, before)
    shown = events[:limit]
    return NewestFirstPage(shown, shown[-1].id if len(events) > limit else None)


@dataclass(frozen=True)
class VersionEvents:
    """The events of a model that concern one version (it moved, or a pointer moved onto or off it).

    `more`: the model's trail goes on past the events looked at, so later ones may concern it too.
    """

    items: list[EventRecord]
    more: bool


def concerns(event: EventRecord, number: int) -> bool:
    return event.version == number or (event.before or {}).get("version") == number


def version_events(version: VersionRecord, looked_at: int) -> VersionEvents:
    """The events concerning `version` among the first `looked_at` of its model's events since it was
    registered: one read, whatever the number of versions (nothing happens to a version before it exists)."""
    since = first_ulid_at(version.created_at - CLOCK_MARGIN)
    page = backend().events.list_events_from(version.model, since, looked_at)
    return VersionEvents([e for e in page.items if concerns(e, version.version)], page.next_token is not None)


def record_owner_refusal(event: EventRecord) -> None:
    """A refusal of one of the model's own owners (a policy said no): it belongs in the model's trail."""
    backend().events.record_event(event)


def record_outsider_refusal(model: str, action: str, principal: Principal, refusal: DomainError) -> None:
    """A refusal of a caller who does not own the model: kept in the registry's security log, bounded per
    caller and hour, so nobody can flood another team's audit trail (or the log) with refused writes.
    """
    settings = get_settings()
    event = new_event(OUTSIDER_REFUSAL, model, principal, detail={"action": action, "reason": refusal.detail})
    who = str(principal.claims.get("repository_id") or principal.repository or principal.subject)
    try:
        backend().security.record_refusal(event, who, settings.security_log_per_hour, settings.security_log_days)
    except Exception:  # the refusal itself must reach the caller whatever happens to its record
        logger.exception("could not record a refusal in the security log", extra={"model": model})
        metrics.add_metric(name="SecurityLogWriteFailed", unit="Count", value=1)


def list_security_events(principal: Principal, limit: int, next_token: str | None) -> EventPage:
    from modelyard_server.domain import access  # here: every use case imports this module

    access.require(principal, "administer", action="reading the security log")
    page = backend().security.list_refusals(limit, next_token)
    return EventPage(items=page.items, next_token=page.next_token)
