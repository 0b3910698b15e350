"""What a version's registration writes for search: its searchable columns, metrics and parents.

All of it is known at registration and never changes (a version's record is sealed), so it is
written once, in the registration's transaction; status and the pointers holding a version are
read from their own columns and tables when a search runs.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from modelyard_server.domain.version_records import VersionRecord

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(instant: datetime) -> int:
    """Epoch microseconds, exactly (a float timestamp would round some apart and others together)."""
    return (instant - EPOCH) // timedelta(microseconds=1)


def workflow_path(workflow_ref: str | None) -> str | None:
    """`owner/repo/.github/workflows/x.yml@refs/heads/main` -> the path without its ref."""
    return None if workflow_ref is None else workflow_ref.split("@", 1)[0]


def index_version(connection: sqlite3.Connection, version: VersionRecord) -> None:
    """The search entries of a version just inserted (its row and its tags exist already)."""
    name, number, created = version.model, version.version, micros(version.created_at)
    lineage = version.lineage
    connection.execute(
        "UPDATE versions SET created_us = ?, framework = ?, format = ?, data_uri = ?, data_version = ?, "
        "data_digest = ?, commit_sha = ?, workflow = ? WHERE model = ? AND number = ?",
        (
            created,
            version.framework,
            version.artifact.format,
            lineage.data_uri,
            lineage.data_version,
            lineage.data_digest,
            lineage.commit,
            workflow_path(lineage.workflow_ref),
            name,
            number,
        ),
    )
    connection.execute("UPDATE version_tags SET created_us = ? WHERE model = ? AND number = ?", (created, name, number))
    connection.executemany(
        "INSERT INTO version_metrics (model, number, name, value) VALUES (?, ?, ?, ?)",
        [(name, number, metric, value) for metric, value in version.metrics.items()],
    )
    connection.executemany(
        "INSERT OR IGNORE INTO version_parents (parent, created_us, model, number) VALUES (?, ?, ?, ?)",
        [(parent, created, name, number) for parent in version.lineage.parents],
    )


def index_stored_versions(connection: sqlite3.Connection) -> None:
    """Fill the search entries of every stored version (the schema migration that adds them)."""
    rows = connection.execute("SELECT record FROM versions").fetchall()
    for (record,) in rows:
        index_version(connection, VersionRecord.model_validate_json(record))
