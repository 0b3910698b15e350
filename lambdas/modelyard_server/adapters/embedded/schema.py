"""The embedded registry's tables, created and migrated when the database opens.

Records are stored as JSON (``model_dump(mode="json")``) next to the columns queries select or order
on; every query a request makes is an indexed lookup or an indexed range scan bounded by its limit,
whatever the number of versions. ``PRAGMA user_version`` is the schema version: each entry of
``MIGRATIONS`` takes the database from its index to the next, in one transaction (a script, or a
function when stored records must be read to fill new columns).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

VERSION_1 = """
CREATE TABLE models (
    name TEXT PRIMARY KEY,
    record TEXT NOT NULL,                      -- without stages/aliases: those are the pointers
    latest_version INTEGER NOT NULL DEFAULT 0  -- the numbering counter
);
CREATE TABLE versions (
    model TEXT NOT NULL REFERENCES models (name),
    number INTEGER NOT NULL,
    record TEXT NOT NULL,         -- what was registered: never rewritten
    status TEXT NOT NULL,         -- the lifecycle fields, kept apart so the record stays as sealed
    status_reason TEXT,
    ready_at TEXT,
    validation TEXT,
    stages_reached TEXT NOT NULL DEFAULT '[]',
    blob_version TEXT,
    pointer_moves INTEGER NOT NULL DEFAULT 0,
    upload_open_until INTEGER,    -- epoch seconds, while pending
    sha256 TEXT,                  -- set once ready: these bytes are verified
    PRIMARY KEY (model, number)
);
CREATE INDEX versions_by_status ON versions (model, status, number);
CREATE INDEX versions_by_digest ON versions (sha256) WHERE sha256 IS NOT NULL;
CREATE TABLE version_tags (
    model TEXT NOT NULL,
    number INTEGER NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (model, key, value, number),
    FOREIGN KEY (model, number) REFERENCES versions (model, number)
) WITHOUT ROWID;
CREATE TABLE idempotency_keys (
    model TEXT NOT NULL REFERENCES models (name),
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    version INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (model, key)
) WITHOUT ROWID;
CREATE TABLE semver_claims (
    model TEXT NOT NULL REFERENCES models (name),
    semver TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (model, semver)
) WITHOUT ROWID;
CREATE TABLE pointers (
    model TEXT NOT NULL REFERENCES models (name),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    record TEXT NOT NULL,
    revision INTEGER NOT NULL,
    version INTEGER,
    PRIMARY KEY (model, kind, name)
);
CREATE TABLE pointer_history (
    model TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    event_id TEXT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (model, kind, name, event_id),
    FOREIGN KEY (model, kind, name) REFERENCES pointers (model, kind, name)
);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- the outbox order: never reused, only grows
    id TEXT NOT NULL UNIQUE,
    model TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX events_by_model ON events (model, id);
CREATE TABLE outbox_cursor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    delivered_seq INTEGER NOT NULL          -- every event up to this one was published
);
INSERT INTO outbox_cursor (id, delivered_seq) VALUES (1, 0);
CREATE TABLE registry_policy (
    revision INTEGER PRIMARY KEY,           -- the highest is the policy in force; the rest is its history
    record TEXT NOT NULL
);
CREATE TABLE model_policies (
    model TEXT PRIMARY KEY REFERENCES models (name),
    record TEXT NOT NULL,
    revision INTEGER NOT NULL
);
CREATE TABLE validation_reports (
    model TEXT NOT NULL,
    number INTEGER NOT NULL,
    report_id TEXT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (model, number, report_id),
    FOREIGN KEY (model, number) REFERENCES versions (model, number)
);
CREATE TABLE promotion_requests (
    repository TEXT NOT NULL,
    run_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    record TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (repository, run_id, stage)
);
CREATE TABLE webhook_deliveries (
    delivery_id TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
CREATE TABLE notification_config (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    record TEXT NOT NULL,
    revision INTEGER NOT NULL
);
CREATE TABLE notifications_sent (
    event_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (event_id, channel)
) WITHOUT ROWID;
CREATE TABLE security_events (
    id TEXT PRIMARY KEY,
    record TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX security_events_by_expiry ON security_events (expires_at);
CREATE TABLE security_quota (
    who TEXT NOT NULL,
    hour TEXT NOT NULL,
    kept INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (who, hour)
);
CREATE INDEX security_quota_by_expiry ON security_quota (expires_at);
CREATE TABLE parameters (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE dead_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    body TEXT NOT NULL,
    visible_at REAL NOT NULL DEFAULT 0,     -- epoch seconds: hidden from readers until then
    receipt TEXT                            -- the handle of the latest receive
);
CREATE INDEX dead_letters_by_visibility ON dead_letters (visible_at, id);
"""

# Search (issue 11): the columns and tables each search filter reads through an index, ordered the way
# pages are (created, model, number); adapters/embedded/search.py states which filter uses which.
VERSION_2_TABLES = """
ALTER TABLE versions ADD COLUMN created_us INTEGER NOT NULL DEFAULT 0;  -- created_at, epoch microseconds
ALTER TABLE versions ADD COLUMN framework TEXT;
ALTER TABLE versions ADD COLUMN format TEXT;
ALTER TABLE versions ADD COLUMN data_uri TEXT;
ALTER TABLE versions ADD COLUMN data_version TEXT;
ALTER TABLE versions ADD COLUMN data_digest TEXT;
ALTER TABLE versions ADD COLUMN commit_sha TEXT;
ALTER TABLE versions ADD COLUMN workflow TEXT;               -- lineage.workflow_ref without its @ref
ALTER TABLE version_tags ADD COLUMN created_us INTEGER NOT NULL DEFAULT 0;
CREATE TABLE version_metrics (
    model TEXT NOT NULL,
    number INTEGER NOT NULL,
    name TEXT NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (model, number, name),
    FOREIGN KEY (model, number) REFERENCES versions (model, number)
) WITHOUT ROWID;
CREATE TABLE version_parents (
    parent TEXT NOT NULL,                   -- models:/name/N, as lineage.parents stores it
    created_us INTEGER NOT NULL,
    model TEXT NOT NULL,
    number INTEGER NOT NULL,
    PRIMARY KEY (parent, created_us, model, number),
    FOREIGN KEY (model, number) REFERENCES versions (model, number)
) WITHOUT ROWID;
"""
VERSION_2_INDEXES = """
CREATE INDEX versions_by_created ON versions (created_us, model, number);
CREATE INDEX versions_by_model_created ON versions (model, created_us, number);
CREATE INDEX versions_by_framework ON versions (framework, created_us, model, number) WHERE framework IS NOT NULL;
CREATE INDEX versions_by_format ON versions (format, created_us, model, number) WHERE format IS NOT NULL;
CREATE INDEX versions_by_data_uri ON versions (data_uri, created_us, model, number) WHERE data_uri IS NOT NULL;
CREATE INDEX versions_by_data_version ON versions (data_version, created_us, model, number)
    WHERE data_version IS NOT NULL;
CREATE INDEX versions_by_data_digest ON versions (data_digest, created_us, model, number)
    WHERE data_digest IS NOT NULL;
CREATE INDEX versions_by_commit ON versions (commit_sha, created_us, model, number) WHERE commit_sha IS NOT NULL;
CREATE INDEX versions_by_workflow ON versions (workflow, created_us, model, number) WHERE workflow IS NOT NULL;
CREATE INDEX version_tags_across ON version_tags (key, value, created_us, model, number);
CREATE INDEX version_tags_by_model_created ON version_tags (model, key, value, created_us, number);
CREATE INDEX version_metrics_by_value ON version_metrics (model, name, value, number);
CREATE INDEX pointers_by_name ON pointers (kind, name, model);
"""


# Review sign-off (issue 12): each reviewer's current review of a version; `at` is the review's event id
# (a ULID), so listing in `at` order is listing in the order reviewers last spoke.
VERSION_3 = """
CREATE TABLE reviews (
    model TEXT NOT NULL,
    number INTEGER NOT NULL,
    reviewer TEXT NOT NULL,
    at TEXT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (model, number, reviewer),
    FOREIGN KEY (model, number) REFERENCES versions (model, number)
);
"""


def _version_2(connection: sqlite3.Connection) -> None:
    """Add the search columns and tables, and fill them from the versions already stored."""
    from modelyard_server.adapters.embedded.search_index import index_stored_versions

    for statement in _statements(VERSION_2_TABLES):
        connection.execute(statement)
    index_stored_versions(connection)
    for statement in _statements(VERSION_2_INDEXES):
        connection.execute(statement)


# The governance trail (issue 12): registry-level changes, kept apart from the models' events (and so from
# the outbox: nothing publishes them); adapters/embedded/governance_trail.py reads it.
VERSION_4 = """
CREATE TABLE governance_events (
    id TEXT PRIMARY KEY,                    -- a ULID: ordered by time
    kind TEXT NOT NULL,                     -- the event type, e.g. policy.registry.set
    actor TEXT NOT NULL,                    -- the acting principal's subject
    record TEXT NOT NULL
);
CREATE INDEX governance_events_by_kind ON governance_events (kind, id);
CREATE INDEX governance_events_by_actor ON governance_events (actor, id);
"""

VERSION_5 = """
CREATE TABLE role_grants (
    scope TEXT NOT NULL,                    -- '*' or a namespace
    role TEXT NOT NULL,
    grantee_kind TEXT NOT NULL,             -- team | person | repository
    grantee TEXT NOT NULL,                  -- org/team, a GitHub user id, a repository id
    record TEXT NOT NULL,
    PRIMARY KEY (scope, role, grantee_kind, grantee)
);
"""


# Namespaces (issue 12): few records, read whole.
VERSION_6 = """
CREATE TABLE namespaces (
    name TEXT PRIMARY KEY,
    record TEXT NOT NULL,
    revision INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE namespace_policies (       -- a namespace's policy layer (admins), between registry and model
    namespace TEXT PRIMARY KEY REFERENCES namespaces (name),
    record TEXT NOT NULL,
    revision INTEGER NOT NULL
) WITHOUT ROWID;
"""

# Dead letters expire as SQS's do (adapters/embedded/dead_letters.py); those already kept count from the upgrade.
VERSION_7 = """
ALTER TABLE dead_letters ADD COLUMN sent_at REAL NOT NULL DEFAULT 0;   -- epoch seconds
UPDATE dead_letters SET sent_at = CAST(strftime('%s', 'now') AS REAL);
CREATE INDEX dead_letters_by_age ON dead_letters (sent_at);
"""

# Sessions people signed out of before they expired (adapters/embedded/session_revocations.py).
VERSION_8 = """
CREATE TABLE revoked_sessions (
    session_id TEXT PRIMARY KEY,    -- the session token's `jti`
    expires_at INTEGER NOT NULL     -- epoch seconds: the token is refused anyway from then on
) WITHOUT ROWID;
CREATE INDEX revoked_sessions_by_expiry ON revoked_sessions (expires_at);
"""

Migration = str | Callable[[sqlite3.Connection], None]
MIGRATIONS: tuple[Migration, ...] = (
    VERSION_1,
    _version_2,
    VERSION_3,
    VERSION_4,
    VERSION_5,
    VERSION_6,
    VERSION_7,
    VERSION_8,
)
SCHEMA_VERSION = len(MIGRATIONS)


class SchemaTooNew(RuntimeError):
    """The database was written by a newer modelyard: this one must not touch it."""


def migrate(connection: sqlite3.Connection) -> None:
    """Bring the schema to SCHEMA_VERSION, one migration per transaction (the caller holds the write lock)."""
    while True:
        connection.execute("BEGIN IMMEDIATE")
        try:
            current = int(connection.execute("PRAGMA user_version").fetchone()[0])
            if current > SCHEMA_VERSION:
                raise SchemaTooNew(
                    f"the registry database has schema version {current}, newer than this modelyard "
                    f"understands ({SCHEMA_VERSION}); upgrade modelyard"
                )
            if current == SCHEMA_VERSION:
                connection.execute("COMMIT")
                return
            migration = MIGRATIONS[current]
            if isinstance(migration, str):
                for statement in _statements(migration):
                    connection.execute(statement)
            else:
                migration(connection)
            connection.execute(f"PRAGMA user_version = {current + 1}")
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise


def _statements(script: str) -> list[str]:
    """A script's statements one by one (executescript would COMMIT the open transaction first)."""
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    return [s for s in statements if s]
