"""The registry's governance trail: one row per governance change, in the transaction of the change.

Kept in its own table (``governance_events``), not in ``events``: the outbox publishes only the models'
events, so nothing is notified of these.

Reading plan: one SELECT per page, whatever the filters: the time window is a range of the primary key
(ids are ULIDs, ordered by time), kind and actor are conditions on indexed columns, ordered by id in
the query's direction with LIMIT page + 1 (to know whether more follow). Pages are full. The token
holds the last id returned and the order it was read in.
"""

from __future__ import annotations

import sqlite3

from modelyard_server.adapters.embedded.codec import record_json
from modelyard_server.adapters.embedded.paging import decode_token, page_of, position_as_str
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.ports.records import AuditQuery, Page

_HIGHEST = "~"  # sorts after every ULID


def append_governance_event(connection: sqlite3.Connection, event: EventRecord) -> None:
    """Add `event` inside the caller's write transaction: it commits with the change, or not at all."""
    connection.execute(
        "INSERT INTO governance_events (id, kind, actor, record) VALUES (?, ?, ?, ?)",
        (event.id, event.type, str(event.detail.get("subject") or ""), record_json(event)),
    )


def list_governance_events(
    connection: sqlite3.Connection, query: AuditQuery, limit: int, token: str | None
) -> Page[EventRecord]:
    listing = "governance/" + ("newest" if query.newest_first else "oldest")
    conditions = ["id >= ? AND id <= ?"]
    parameters: list[object] = [query.first_id or "", query.last_id or _HIGHEST]
    last_returned = position_as_str(decode_token(token, listing))
    if last_returned is not None:  # continue past it, in the listing's direction
        conditions.append("id < ?" if query.newest_first else "id > ?")
        parameters.append(last_returned)
    if query.kinds:
        conditions.append(f"kind IN ({', '.join('?' for _ in query.kinds)})")
        parameters.extend(query.kinds)
    if query.actor is not None:
        conditions.append("actor = ?")
        parameters.append(query.actor)
    direction = "DESC" if query.newest_first else "ASC"
    rows = connection.execute(
        f"SELECT id, record FROM governance_events WHERE {' AND '.join(conditions)} "  # noqa: S608 (no input)
        f"ORDER BY id {direction} LIMIT ?",
        (*parameters, max(limit, 1) + 1),
    ).fetchall()
    kept, next_token = page_of(rows, limit, listing, lambda row: str(row[0]))
    return Page([EventRecord.model_validate_json(row[1]) for row in kept], next_token)
