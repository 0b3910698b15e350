"""Policies (registry and per model, revision-guarded), validation reports, promotion requests,
webhook deliveries already seen, and the governance trail (``governance_trail``): a policy write and its
governance event are one transaction."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from modelyard_server.adapters.embedded.codec import epoch, record_json, to_json
from modelyard_server.adapters.embedded.database import Clock, Database
from modelyard_server.adapters.embedded.events import append_event
from modelyard_server.adapters.embedded.governance_trail import append_governance_event, list_governance_events
from modelyard_server.adapters.embedded.paging import MAX_POSITION, decode_token, page_of, position_as_int
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.version_records import ValidationSummary
from modelyard_server.ports.records import AuditQuery, ConditionFailed, Page

#: GitHub fails a job that waits for approval longer than 30 days; deliveries are remembered as long.
PROMOTION_REQUEST_TTL = timedelta(days=31)


class SqliteGovernanceStore:
    def __init__(self, db: Database, now: Clock) -> None:
        self._db = db
        self._now = now

    # ------------------------------------------------------------------------------------- policies

    def get_registry_policy(self) -> tuple[dict[str, Any], int] | None:
        with self._db.read() as connection:
            row = connection.execute(
                "SELECT record, revision FROM registry_policy ORDER BY revision DESC LIMIT 1"
            ).fetchone()
        return None if row is None else (json.loads(row[0]), int(row[1]))

    def put_registry_policy(self, record: dict[str, Any], expected_revision: int, audit: EventRecord) -> int:
        """The highest revision is the policy in force; every revision stays, as its history."""
        revision = expected_revision + 1
        with self._db.write() as connection:
            current = connection.execute("SELECT COALESCE(MAX(revision), 0) FROM registry_policy").fetchone()[0]
            if current != expected_revision:
                raise ConditionFailed({"policy"})
            connection.execute(
                "INSERT INTO registry_policy (revision, record) VALUES (?, ?)", (revision, to_json(record))
            )
            append_governance_event(connection, audit)
        return revision

    def registry_policy_history(self, limit: int, token: str | None = None) -> Page[tuple[int, dict[str, Any]]]:
        """One SELECT per page, newest first; the token holds the last revision returned."""
        before = position_as_int(decode_token(token, "policy-history"))
        with self._db.read() as connection:
            rows = connection.execute(
                "SELECT revision, record FROM registry_policy WHERE revision < ? ORDER BY revision DESC LIMIT ?",
                (before if before is not None else MAX_POSITION, max(limit, 1) + 1),
            ).fetchall()
        kept, next_token = page_of(rows, limit, "policy-history", lambda row: int(row[0]))
        return Page([(int(row[0]), json.loads(row[1])) for row in kept], next_token)

    def put_model_policy(
        self, model: str, record: dict[str, Any], expected_revision: int, event: EventRecord, audit: EventRecord
    ) -> int:
        revision = expected_revision + 1
        with self._db.write() as connection:
            if expected_revision == 0:
                changed = connection.execute(
                    "INSERT INTO model_policies (model, record, revision) VALUES (?, ?, ?) "
                    "ON CONFLICT (model) DO NOTHING",
                    (model, to_json(record), revision),
                ).rowcount
            else:
                changed = connection.execute(
                    "UPDATE model_policies SET record = ?, revision = ? WHERE model = ? AND revision = ?",
                    (to_json(record), revision, model, expected_revision),
                ).rowcount
            if changed == 0:
                raise ConditionFailed({"policy"})
            append_event(connection, event)
            append_governance_event(connection, audit)
        return revision

    def governance_events(self, query: AuditQuery, limit: int, token: str | None) -> Page[EventRecord]:
        with self._db.read() as connection:
            return list_governance_events(connection, query, limit, token)

    # ---------------------------------------------------------------------------------- validations

    def save_validation(
        self, model: str, number: int, report: dict[str, Any], summary: ValidationSummary, event: EventRecord
    ) -> None:
        with self._db.write() as connection:
            updated = connection.execute(
                "UPDATE versions SET validation = ? WHERE model = ? AND number = ? AND status = 'ready'",
                (record_json(summary), model, number),
            ).rowcount
            if updated == 0:
                raise ConditionFailed({"version"})
            connection.execute(
                "INSERT INTO validation_reports (model, number, report_id, record) VALUES (?, ?, ?, ?)",
                (model, number, summary.report_id, to_json(report)),
            )
            append_event(connection, event)

    def latest_report(self, model: str, number: int) -> dict[str, Any] | None:
        with self._db.read() as connection:
            row = connection.execute(
                "SELECT record FROM validation_reports WHERE model = ? AND number = ? ORDER BY report_id DESC LIMIT 1",
                (model, number),
            ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    # ---------------------------------------------------------------------- protection-rule records

    def save_promotion_request(self, repository: str, run_id: str, stage: str, request: dict[str, Any]) -> None:
        expires = epoch(self._now() + PROMOTION_REQUEST_TTL)
        with self._db.write() as connection:
            connection.execute(
                "INSERT OR REPLACE INTO promotion_requests (repository, run_id, stage, record, expires_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (repository, run_id, stage, to_json(request), expires),
            )

    def get_promotion_request(self, repository: str, run_id: str, stage: str) -> dict[str, Any] | None:
        with self._db.read() as connection:
            row = connection.execute(
                "SELECT record FROM promotion_requests WHERE repository = ? AND run_id = ? AND stage = ? "
                "AND expires_at >= ?",
                (repository, run_id, stage, epoch(self._now())),
            ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def delivery_seen(self, delivery_id: str) -> bool:
        with self._db.read() as connection:
            row = connection.execute(
                "SELECT 1 FROM webhook_deliveries WHERE delivery_id = ? AND expires_at >= ?",
                (delivery_id, epoch(self._now())),
            ).fetchone()
        return row is not None

    def claim_delivery(self, delivery_id: str) -> bool:
        now = self._now()
        with self._db.write() as connection:
            claimed = connection.execute(
                "INSERT INTO webhook_deliveries (delivery_id, expires_at) VALUES (?, ?) "
                "ON CONFLICT (delivery_id) DO UPDATE SET expires_at = excluded.expires_at "
                "WHERE webhook_deliveries.expires_at < ?",  # an expired claim is absent: claim it afresh
                (delivery_id, epoch(now + PROMOTION_REQUEST_TTL), epoch(now)),
            ).rowcount
        return claimed == 1
