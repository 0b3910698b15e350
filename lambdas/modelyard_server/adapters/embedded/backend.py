"""The embedded backend: every storage port on one SQLite database and a blob directory, under one data
directory that this process holds exclusively until `close`."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from modelyard_server import ports
from modelyard_server.adapters.embedded.database import (
    BUSY_TIMEOUT_MS,
    Clock,
    Database,
    DataDirUnusable,
    Synchronous,
)
from modelyard_server.adapters.embedded.dead_letters import SqliteDeadLetters
from modelyard_server.adapters.embedded.disk_space import disk_writes
from modelyard_server.adapters.embedded.events import SqliteEventLog
from modelyard_server.adapters.embedded.file_blobs import FileBlobStore
from modelyard_server.adapters.embedded.governance import SqliteGovernanceStore
from modelyard_server.adapters.embedded.housekeeping import Housekeeping
from modelyard_server.adapters.embedded.models import SqliteModelStore
from modelyard_server.adapters.embedded.namespaces import SqliteNamespaceStore
from modelyard_server.adapters.embedded.notifications import SqliteNotificationStore
from modelyard_server.adapters.embedded.outbox import Outbox
from modelyard_server.adapters.embedded.parameters import SqliteParameters
from modelyard_server.adapters.embedded.pointers import SqlitePointerStore
from modelyard_server.adapters.embedded.private_files import write_private_file
from modelyard_server.adapters.embedded.reviews import SqliteReviewStore
from modelyard_server.adapters.embedded.roles import SqliteRoleGrants
from modelyard_server.adapters.embedded.search import EmbeddedSearch
from modelyard_server.adapters.embedded.security_log import SqliteSecurityLog
from modelyard_server.adapters.embedded.session_revocations import SqliteSessionRevocations
from modelyard_server.adapters.embedded.versions import SqliteVersionStore
from modelyard_server.domain import clock
from modelyard_server.settings import Settings

SIGNING_KEY_FILE = "blob-signing.key"
SIGNING_KEY_BYTES = 32
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8642"


@dataclass(frozen=True)
class EmbeddedBackend(ports.Backend):
    """The ports, plus what only the embedded registry has: its outbox, and a way to set parameters."""

    outbox: Outbox = field(kw_only=True)
    housekeeping: Housekeeping = field(kw_only=True)
    parameter_store: SqliteParameters = field(kw_only=True)
    data_dir: Path = field(kw_only=True)


def embedded_backend(
    settings: Settings, *, now: Clock = clock.now, synchronous: Synchronous = "FULL"
) -> EmbeddedBackend:
    """The backend on `settings.data_dir` (created, mode 0700, if missing)."""
    if not settings.data_dir:
        raise DataDirUnusable(
            "the sqlite backend keeps its data in a directory: set MODELYARD_DATA_DIR (settings.data_dir)"
        )
    return open_embedded(
        Path(settings.data_dir), settings.public_url or DEFAULT_PUBLIC_URL, now=now, synchronous=synchronous
    )


def open_embedded(
    data_dir: Path,
    public_url: str = DEFAULT_PUBLIC_URL,
    *,
    now: Clock = clock.now,
    synchronous: Synchronous = "FULL",
    shared_connection: bool = False,
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
) -> EmbeddedBackend:
    # the database takes the data directory's lock first
    db = Database(
        data_dir, synchronous=synchronous, shared_connection=shared_connection, busy_timeout_ms=busy_timeout_ms
    )
    try:
        with disk_writes(data_dir):
            signing_key = _signing_key(data_dir / SIGNING_KEY_FILE)
            blobs_dir = data_dir / "blobs"
            blobs_dir.mkdir(mode=0o700, exist_ok=True)
            blobs = FileBlobStore(blobs_dir, signing_key, public_url)
    except BaseException:
        db.close()
        raise
    parameters = SqliteParameters(db)
    housekeeping = Housekeeping(db, blobs, now)
    db.after_writes(housekeeping.run_if_due)
    return EmbeddedBackend(
        name="sqlite",
        models=SqliteModelStore(db),
        versions=SqliteVersionStore(db, now),
        pointers=SqlitePointerStore(db),
        events=SqliteEventLog(db),
        governance=SqliteGovernanceStore(db, now),
        reviews=SqliteReviewStore(db),
        roles=SqliteRoleGrants(db),
        notifications=SqliteNotificationStore(db, now),
        security=SqliteSecurityLog(db, now),
        blobs=blobs,
        search=EmbeddedSearch(db, now),
        parameters=parameters,
        dead_letters=SqliteDeadLetters(db),
        namespaces=SqliteNamespaceStore(db),
        sessions=SqliteSessionRevocations(db, now),
        close=db.close,
        outbox=Outbox(db),
        housekeeping=housekeeping,
        parameter_store=parameters,
        data_dir=data_dir,
    )


def _signing_key(path: Path) -> bytes:
    """The key that signs blob URLs: made once, so URLs handed out before a restart stay valid."""
    if not path.exists():
        write_private_file(path, secrets.token_bytes(SIGNING_KEY_BYTES))
    key = path.read_bytes()
    if len(key) != SIGNING_KEY_BYTES:
        raise DataDirUnusable(
            f"{path} holds {len(key)} bytes, not a {SIGNING_KEY_BYTES}-byte key; delete it to make a new one "
            "(upload and download URLs handed out before become invalid)"
        )
    return key
