"""Versions: numbered by the model's counter, sealed once ready; only their lifecycle fields change."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from modelyard_server.adapters.embedded.codec import epoch, record_json
from modelyard_server.adapters.embedded.database import Clock, Database
from modelyard_server.adapters.embedded.events import append_event
from modelyard_server.adapters.embedded.paging import decode_token, page_of, position_as_int
from modelyard_server.adapters.embedded.pointers import replace_pointer_record
from modelyard_server.adapters.embedded.search_index import index_version
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.pointer_records import PointerRecord
from modelyard_server.domain.version_records import ABANDON_GRACE, VersionRecord
from modelyard_server.ports.records import ConditionFailed, IdempotencyRecord, Page, Verdict, VerifiedBlob

IDEMPOTENCY_TTL = timedelta(hours=24)
NEWEST = 2**62  # above any version number: where a newest-first listing starts

# Queries name the versions table `v`. A version is read as one JSON document, the record as registered
# with its lifecycle columns patched over it, so decoding it is one pydantic-core call (a null in the
# patch removes the key: the field takes its default, None).
VERSION_JSON = """json_patch(v.record, json_object(
    'status', v.status,
    'status_reason', v.status_reason,
    'ready_at', v.ready_at,
    'validation', json(v.validation),
    'stages_reached', json(v.stages_reached),
    'blob_version', v.blob_version,
    'pointer_moves', v.pointer_moves,
    'upload_expires_at', CASE WHEN v.status = 'pending_upload' AND v.upload_open_until IS NOT NULL
        THEN strftime('%Y-%m-%dT%H:%M:%SZ', v.upload_open_until, 'unixepoch') END
))"""
#: A pending version whose upload is still open: its window closed less than ABANDON_GRACE ago (`:cutoff`).
UPLOAD_OPEN = "v.status = 'pending_upload' AND (v.upload_open_until IS NULL OR v.upload_open_until >= :cutoff)"
STATUS_CONDITIONS = {
    "pending_upload": UPLOAD_OPEN,
    "abandoned": "v.status = 'pending_upload' AND v.upload_open_until < :cutoff",
}


def version_record(document: str) -> VersionRecord:
    """A stored version, from the document VERSION_JSON reads."""
    return VersionRecord.model_validate_json(document)


class SqliteVersionStore:
    def __init__(self, db: Database, now: Clock) -> None:
        self._db = db
        self._now = now

    def _cutoff(self) -> int:
        return epoch(self._now() - ABANDON_GRACE)

    # ----------------------------------------------------------------------------------------- reads

    def get_version(self, name: str, number: int, *, consistent: bool = False) -> VersionRecord | None:
        with self._db.read() as connection:
            row = connection.execute(
                f"SELECT {VERSION_JSON} FROM versions AS v WHERE model = ? AND number = ?",  # noqa: S608 (constant)
                (name, number),
            ).fetchone()
        return None if row is None else version_record(row[0])

    def get_semver_claim(self, name: str, semver: str) -> int | None:
        with self._db.read() as connection:
            row = connection.execute(
                "SELECT version FROM semver_claims WHERE model = ? AND semver = ?", (name, semver)
            ).fetchone()
        return None if row is None else int(row[0])

    def list_versions(
        self, name: str, limit: int, token: str | None, status: str | None, tag: tuple[str, str] | None
    ) -> Page[VersionRecord]:
        """Newest first, filtered in the query: a page is full unless it is the last."""
        listing = f"versions/{name}"
        before = position_as_int(decode_token(token, listing))
        params: dict[str, Any] = {
            "model": name,
            "before": NEWEST if before is None else before,
            "limit": max(limit, 1) + 1,
            "cutoff": self._cutoff(),
            "status": status,
        }
        status_condition = STATUS_CONDITIONS.get(status, "v.status = :status") if status is not None else "1"
        if tag is None:
            # (model, status, number) or the primary key: an index range scan, newest first.
            query = (
                f"SELECT {VERSION_JSON}, v.number FROM versions AS v "  # noqa: S608 (constant fragments)
                f"WHERE v.model = :model AND v.number < :before AND {status_condition} "
                "ORDER BY v.number DESC LIMIT :limit"
            )
        else:
            params.update(key=tag[0], value=tag[1])
            # driven by the tag index (model, key, value, number): only versions with the tag are read
            query = (
                f"SELECT {VERSION_JSON}, t.number "  # noqa: S608 (constant fragments)
                "FROM version_tags AS t JOIN versions AS v ON v.model = t.model AND v.number = t.number "
                "WHERE t.model = :model AND t.key = :key AND t.value = :value AND t.number < :before "
                f"AND {status_condition} ORDER BY t.number DESC LIMIT :limit"
            )
        with self._db.read() as connection:
            rows = connection.execute(query, params).fetchall()
        kept, next_token = page_of(rows, limit, listing, lambda row: int(row[1]))
        return Page([version_record(row[0]) for row in kept], next_token)

    def verified_blob(self, sha256: str) -> VerifiedBlob | None:
        """One lookup in the digest index (versions get their digest there when they become ready)."""
        with self._db.read() as connection:
            row = connection.execute("SELECT blob_version FROM versions WHERE sha256 = ? LIMIT 1", (sha256,)).fetchone()
        return None if row is None else VerifiedBlob(row[0])

    def get_idempotency_record(self, model: str, key: str) -> IdempotencyRecord | None:
        with self._db.read() as connection:
            row = connection.execute(
                "SELECT request_hash, version FROM idempotency_keys WHERE model = ? AND key = ? AND expires_at >= ?",
                (model, key, epoch(self._now())),
            ).fetchone()
        return None if row is None else IdempotencyRecord(row[0], int(row[1]))

    # ---------------------------------------------------------------------------------------- writes

    def insert_version_claiming_number(
        self,
        version: VersionRecord,
        expected_latest: int,
        event: EventRecord,
        idempotency: tuple[str, str] | None,
    ) -> None:
        name, number = version.model, version.version
        now = epoch(self._now())
        with self._db.write() as connection:
            failed = self._claims_lost(connection, version, expected_latest, idempotency, now)
            if failed:
                raise ConditionFailed(failed)
            connection.execute("UPDATE models SET latest_version = ? WHERE name = ?", (number, name))
            sealed = version.model_copy(
                update={
                    "status_reason": None,
                    "ready_at": None,
                    "validation": None,
                    "blob_version": None,
                    "upload_expires_at": None,
                }
            )
            connection.execute(
                "INSERT INTO versions (model, number, record, status, upload_open_until) VALUES (?, ?, ?, ?, ?)",
                (
                    name,
                    number,
                    record_json(sealed),
                    version.status,
                    epoch(version.upload_expires_at) if version.upload_expires_at is not None else None,
                ),
            )
            connection.executemany(
                "INSERT INTO version_tags (model, number, key, value) VALUES (?, ?, ?, ?)",
                [(name, number, key, value) for key, value in version.tags.items()],
            )
            index_version(connection, version)
            append_event(connection, event)
            if idempotency is not None:
                key, request_hash = idempotency
                connection.execute(
                    "INSERT OR REPLACE INTO idempotency_keys (model, key, request_hash, version, expires_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (name, key, request_hash, number, now + int(IDEMPOTENCY_TTL.total_seconds())),
                )
            if version.semver is not None:
                connection.execute(
                    "INSERT INTO semver_claims (model, semver, version) VALUES (?, ?, ?)",
                    (name, version.semver, number),
                )

    @staticmethod
    def _claims_lost(
        connection: sqlite3.Connection,
        version: VersionRecord,
        expected_latest: int,
        idempotency: tuple[str, str] | None,
        now: int,
    ) -> set[str]:
        """Which guards of a registration no longer hold: the counter, the idempotency key, the semver label."""
        name = version.model
        failed: set[str] = set()
        counter = connection.execute("SELECT latest_version FROM models WHERE name = ?", (name,)).fetchone()
        taken = connection.execute(
            "SELECT 1 FROM versions WHERE model = ? AND number = ?", (name, version.version)
        ).fetchone()
        if counter is None or counter[0] != expected_latest or taken is not None:
            failed.add("counter")
        if idempotency is not None:
            earlier = connection.execute(
                "SELECT 1 FROM idempotency_keys WHERE model = ? AND key = ? AND expires_at >= ?",
                (name, idempotency[0], now),
            ).fetchone()
            if earlier is not None:  # an expired record is absent: its key may be used again
                failed.add("idempotency")
        if version.semver is not None:
            claimed = connection.execute(
                "SELECT 1 FROM semver_claims WHERE model = ? AND semver = ?", (name, version.semver)
            ).fetchone()
            if claimed is not None:
                failed.add("semver")
        return failed

    def mark_version_ready(
        self, model: str, number: int, sha256: str, blob_version: str | None, event: EventRecord
    ) -> datetime:
        ready_at = self._now()
        with self._db.write() as connection:
            updated = connection.execute(
                "UPDATE versions AS v SET status = 'ready', ready_at = :ready_at, sha256 = :sha256, "  # noqa: S608
                "blob_version = COALESCE(:blob_version, blob_version) "
                f"WHERE model = :model AND number = :number AND {UPLOAD_OPEN}",
                {
                    "ready_at": ready_at.isoformat(),
                    "sha256": sha256,
                    "blob_version": blob_version,
                    "model": model,
                    "number": number,
                    "cutoff": self._cutoff(),
                },
            ).rowcount
            if updated == 0:
                raise ConditionFailed({"version"})
            append_event(connection, event)
        return ready_at

    def mark_version_verifying(self, model: str, number: int, event: EventRecord) -> None:
        with self._db.write() as connection:
            updated = connection.execute(
                "UPDATE versions AS v SET status = 'verifying' "  # noqa: S608 (a constant condition)
                f"WHERE model = :model AND number = :number AND {UPLOAD_OPEN}",
                {"model": model, "number": number, "cutoff": self._cutoff()},
            ).rowcount
            if updated == 0:
                raise ConditionFailed({"version"})
            append_event(connection, event)

    def finish_verification(
        self, model: str, number: int, sha256: str, verdict: Verdict, event: EventRecord
    ) -> datetime:
        settled_at = self._now()
        with self._db.write() as connection:
            if verdict.ready:  # as mark_version_ready: the digest column makes the bytes findable
                updated = connection.execute(
                    "UPDATE versions SET status = 'ready', ready_at = ?, sha256 = ?, "
                    "blob_version = COALESCE(?, blob_version) WHERE model = ? AND number = ? AND status = 'verifying'",
                    (settled_at.isoformat(), sha256, verdict.blob_version, model, number),
                ).rowcount
            else:
                updated = connection.execute(
                    "UPDATE versions SET status = 'rejected', status_reason = ? "
                    "WHERE model = ? AND number = ? AND status = 'verifying'",
                    (verdict.reason or "", model, number),
                ).rowcount
            if updated == 0:
                raise ConditionFailed({"version"})
            append_event(connection, event)
        return settled_at

    def extend_upload_window(self, model: str, number: int, until: datetime) -> None:
        with self._db.write() as connection:
            updated = connection.execute(
                "UPDATE versions AS v SET upload_open_until = :until "  # noqa: S608 (a constant condition)
                f"WHERE model = :model AND number = :number AND {UPLOAD_OPEN}",
                {"until": epoch(until), "model": model, "number": number, "cutoff": self._cutoff()},
            ).rowcount
            if updated == 0:
                raise ConditionFailed({"version"})

    def set_version_status(
        self,
        model: str,
        number: int,
        status: str,
        reason: str,
        allowed_from: Sequence[str],
        event: EventRecord,
        pointers_holding: Sequence[PointerRecord],
        pointer_moves_seen: int,
    ) -> None:
        failed: set[str] = set()
        allowed = list(allowed_from)
        with self._db.write() as connection:
            updated = connection.execute(
                "UPDATE versions SET status = ?, status_reason = ? WHERE model = ? AND number = ? "  # noqa: S608
                f"AND pointer_moves = ? AND status IN ({', '.join('?' * len(allowed))})",  # only placeholders
                (status, reason, model, number, pointer_moves_seen, *allowed),
            ).rowcount
            if updated == 0:
                failed.add("version")
            for pointer in pointers_holding:
                assert pointer.target is not None
                summary = pointer.target.model_copy(update={"status": status})
                if not replace_pointer_record(connection, pointer.model_copy(update={"target": summary}, deep=True)):
                    failed.add("pointer")
            if failed:
                raise ConditionFailed(failed)  # rolls the transaction back
            append_event(connection, event)
