"""Events: the audit trail of every change, written in the same transaction as the change."""

from __future__ import annotations

from typing import Any

from modelyard_server.adapters import table
from modelyard_server.domain.errors import ModelNotFound
from modelyard_server.domain.ids import new_ulid
from modelyard_server.domain.principal import Principal
from modelyard_server.domain.schemas import EventPage, EventRecord


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
        at=table.now(),
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
            **(detail or {}),
        },
    )


def list_events(model: str, limit: int, next_token: str | None) -> EventPage:
    page = table.list_events(model, limit, next_token)
    if not page.items and next_token is None and table.get_model(model) is None:
        raise ModelNotFound(f"there is no model '{model}'")
    return EventPage(items=page.items, next_token=page.next_token)
