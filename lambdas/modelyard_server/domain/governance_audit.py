"""The registry's governance trail: every change of registry policy, model policy overrides, notification
routes and role grants (and, as they arrive, owners and namespaces): who, when, what it was before and after.

How a governance change emits its event (one function, one rule: the event is stored with the change):

    audit = governance_event("roles.granted", principal, before=..., after=..., subject="namespace:marketing")
    backend().<store>.<the write>(..., audit=audit)

and the adapter stores `audit` in the same transaction as the change: on DynamoDB
``transaction.put("audit", governance_event_item(audit))`` (``adapters/dynamodb/governance_trail.py``),
on SQLite ``append_governance_event(connection, audit)`` inside the write (``adapters/embedded/governance_trail.py``).

A governance event is an :class:`EventRecord` whose ``type`` is its kind (``policy.registry.set``...) and
whose ``model`` names what it governs (``registry:policy``, ``registry:notifications``, ``model:fraud``,
``namespace:marketing``): a ``:`` is in no model name, so nothing mistakes it for a model. These events are
not published to the bus (DynamoDB keeps them under an item kind the stream consumer skips; SQLite in a
table the outbox does not read): notification routes are about models, and a route of ``*`` events must
not suddenly receive policy documents.

Policy history is read here: each policy event carries the policy's revision, digest and document, before
and after (``GET /v1/audit?kind=policy.registry.set``).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from modelyard_server.domain import access
from modelyard_server.domain.audit import new_event
from modelyard_server.domain.audit_records import EventPage
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.ids import first_ulid_at, last_ulid_before, new_ulid
from modelyard_server.domain.model_base import RegistryModel
from modelyard_server.domain.principal import Principal
from modelyard_server.domain.search_params import PATTERNS, InvalidFilter
from modelyard_server.ports import backend
from modelyard_server.ports.records import AuditQuery

POLICY_REGISTRY_SET = "policy.registry.set"
POLICY_MODEL_SET = "policy.model.set"
POLICY_NAMESPACE_SET = "policy.namespace.set"
NOTIFICATIONS_SET = "notifications.set"
ROLES_GRANTED = "roles.granted"
ROLES_REVOKED = "roles.revoked"
NAMESPACE_CREATED = "namespace.created"
NAMESPACE_UPDATED = "namespace.updated"
NAMESPACE_OWNERS_CHANGED = "namespace.owners.changed"
NAMESPACE_DELETED = "namespace.deleted"
MODEL_OWNERS_CHANGED = "model.owners.changed"
KNOWN_KINDS = (
    POLICY_REGISTRY_SET,
    POLICY_MODEL_SET,
    POLICY_NAMESPACE_SET,
    NOTIFICATIONS_SET,
    ROLES_GRANTED,
    ROLES_REVOKED,
    NAMESPACE_CREATED,
    NAMESPACE_UPDATED,
    NAMESPACE_OWNERS_CHANGED,
    NAMESPACE_DELETED,
    MODEL_OWNERS_CHANGED,
)
MAX_KINDS = 10

KIND_PATTERN = r"^[a-z][a-z0-9_-]{0,31}(\.[a-z][a-z0-9_-]{0,31}){1,4}$"
ACTOR_PATTERN = r"^[^\s,]{1,512}$"
INSTANT_PATTERN = PATTERNS["created_after"]
_KIND = re.compile(KIND_PATTERN)
_ACTOR = re.compile(ACTOR_PATTERN)
_INSTANT = re.compile(INSTANT_PATTERN)

FORMATS = {
    "kind": "A kind of governance change, e.g. " + ", ".join(f"`{k}`" for k in KNOWN_KINDS) + "; repeat (or "
    f"separate with commas) for any of several, at most {MAX_KINDS}",
    "actor": "Who acted, by subject: `github-user:<id>` for a person, the token's `sub` for a workflow "
    "(e.g. `repo:acme/models:environment:production`)",
    "after": "Changes at or after this instant: RFC 3339 with an offset, e.g. `2026-11-01T00:00:00Z`",
    "before": "Changes before this instant: RFC 3339 with an offset, e.g. `2026-12-01T00:00:00+01:00`",
    "order": "`newest` (the default) or `oldest` first",
}
Text = Annotated[str, StringConstraints(max_length=1024)]


def _param(name: str, pattern: str | None = None, enum: tuple[str, ...] | None = None) -> Any:
    shown: dict[str, Any] = {}
    if pattern is not None:
        shown["pattern"] = pattern
    if enum is not None:
        shown["enum"] = list(enum)
    return Field(default=None, description=FORMATS[name], json_schema_extra=shown or None)


class AuditFilters(RegistryModel):
    """The filters of the governance trail, as the API receives them (strings, parsed below)."""

    kind: list[Text] | None = _param("kind", KIND_PATTERN)
    actor: Text | None = _param("actor", ACTOR_PATTERN)
    after: Text | None = _param("after", INSTANT_PATTERN)
    before: Text | None = _param("before", INSTANT_PATTERN)
    order: Text | None = _param("order", enum=("newest", "oldest"))


def governance_event(
    kind: str,
    principal: Principal,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    subject: str,
    detail: dict[str, Any] | None = None,
) -> EventRecord:
    """The event of one governance change, to hand to the store write that makes the change.

    `subject` names what is governed, with a `:` (`registry:policy`, `model:fraud`, `namespace:marketing`).
    The actor is recorded as in every event: kind (person or workflow), subject, login or repository and run,
    client.
    """
    if ":" not in subject:
        raise ValueError(f"a governance subject has the form 'what:which', got {subject!r}")
    event = new_event(kind, subject, principal, before=before, after=after, detail=detail)
    # The trail's time filters read ids: an id of the event's own millisecond keeps `after`/`before` true to `at`.
    return event.model_copy(update={"id": new_ulid(event.at)})


def _instant(name: str, value: str | None, errors: list[dict[str, str]]) -> datetime | None:
    if value is None:
        return None
    try:
        if _INSTANT.fullmatch(value) is None:
            raise ValueError(value)
        return datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        errors.append({"field": name, "message": f"'{value[:100]}' is not accepted: expected {FORMATS[name]}"})
        return None


def audit_query(filters: AuditFilters) -> AuditQuery:
    """The port's query for these parameters; InvalidFilter (400) naming every malformed one."""
    errors: list[dict[str, str]] = []

    def refuse(name: str, given: str) -> None:
        errors.append({"field": name, "message": f"'{given[:100]}' is not accepted: expected {FORMATS[name]}"})

    kinds = [part for value in filters.kind or [] for part in value.split(",")]
    if len(kinds) > MAX_KINDS:
        refuse("kind", f"{len(kinds)} kinds")
    for kind in kinds:
        if _KIND.fullmatch(kind) is None:
            refuse("kind", kind)
    if filters.actor is not None and _ACTOR.fullmatch(filters.actor) is None:
        refuse("actor", filters.actor)
    if filters.order not in (None, "newest", "oldest"):
        refuse("order", filters.order)
    after = _instant("after", filters.after, errors)
    before = _instant("before", filters.before, errors)
    if errors:
        summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        raise InvalidFilter(summary, errors=errors)
    return AuditQuery(
        kinds=tuple(dict.fromkeys(kinds)),
        actor=filters.actor,
        first_id=first_ulid_at(after) if after is not None else None,
        last_id=last_ulid_before(before) if before is not None else None,
        newest_first=filters.order != "oldest",
    )


def list_governance_events(
    principal: Principal, filters: AuditFilters, limit: int, next_token: str | None
) -> EventPage:
    access.require(principal, "administer", action="reading the governance audit trail")
    query = audit_query(filters)
    if query.first_id is not None and query.last_id is not None and query.first_id > query.last_id:
        return EventPage(items=[], next_token=None)  # `before` is not after `after`: nothing can match
    page = backend().governance.governance_events(query, limit, next_token)
    return EventPage(items=page.items, next_token=page.next_token)
