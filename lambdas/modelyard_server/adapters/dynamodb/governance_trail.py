"""The registry's governance trail in the registry table.

=================================  ==================================================================
key (PK / SK)                      item
=================================  ==================================================================
``GOVERNANCE`` / ``E#<ulid>``      one governance change (policy, model policy override, notification
                                   routes, ...), item kind ``governance_event``
=================================  ==================================================================

Written in the TransactWriteItems of the change it describes (``governance_event_item`` gives the item).
The item kind is not ``event``: the stream consumer acknowledges and skips it, so it is never published.

Reading plan: one Query per page, whatever the filters. The time window is the key condition
(``SK BETWEEN E#<first id> AND E#<last id>``: ids are ULIDs, ordered by time), the order is the
direction of the Query, and kind and actor are a filter expression on the item's ``event_type`` and
``actor_subject``; the page token is DynamoDB's LastEvaluatedKey. With a kind or actor filter a page may
hold fewer items than asked (even none) while a token says more may follow. Governance changes are rare
(admins changing rules), so one partition holds them all without heat.
"""

from __future__ import annotations

from pynamodb.expressions.condition import Condition

from modelyard_server.adapters.dynamodb.items import GovernanceEventItem, RegistryItem, json_record
from modelyard_server.adapters.dynamodb.pages import decode_page_token, one_page
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.ports.records import AuditQuery, BadPageToken, Page

GOVERNANCE_PK = "GOVERNANCE"
_LOWEST, _HIGHEST = "E#", "E#~"  # '~' sorts after every ULID character


def governance_event_item(event: EventRecord) -> GovernanceEventItem:
    return GovernanceEventItem(
        GOVERNANCE_PK,
        f"E#{event.id}",
        record=json_record(event),
        event_type=event.type,
        actor_subject=str(event.detail.get("subject") or ""),
    )


def list_governance_events(query: AuditQuery, limit: int, token: str | None) -> Page[EventRecord]:
    low = f"E#{query.first_id}" if query.first_id is not None else _LOWEST
    high = f"E#{query.last_id}" if query.last_id is not None else _HIGHEST
    condition: Condition | None = None
    if query.kinds:
        condition = GovernanceEventItem.event_type.is_in(*query.kinds)
    if query.actor is not None:
        by_actor = GovernanceEventItem.actor_subject == query.actor
        condition = by_actor if condition is None else condition & by_actor
    start = decode_page_token(token, GOVERNANCE_PK)
    if start is not None and not low <= start.get("SK", {}).get("S", "") <= high:
        raise BadPageToken("next_token belongs to another listing")  # DynamoDB refuses a start key outside
    result = RegistryItem.query(
        GOVERNANCE_PK,
        RegistryItem.sk.between(low, high),
        filter_condition=condition,
        scan_index_forward=not query.newest_first,
        page_size=limit,
        last_evaluated_key=start,
    )
    items, next_token = one_page(result)
    return Page([EventRecord.model_validate(i.record) for i in items if isinstance(i, GovernanceEventItem)], next_token)
