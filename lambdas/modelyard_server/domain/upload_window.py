"""How long a registration waits for its bytes: until the upload URLs it was given expire, plus an hour.

Handing out URLs (the registration, a resumed registration, a page of part URLs) moves the window to
their expiry; a version whose window closed over an hour ago is abandoned (see `VersionRecord`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from modelyard_server.domain.clock import now
from modelyard_server.domain.errors import VersionStateConflict
from modelyard_server.domain.version_records import VersionRecord
from modelyard_server.ports import backend
from modelyard_server.ports.records import ConditionFailed
from modelyard_server.settings import get_settings


def window_end() -> datetime:
    """When upload URLs handed out now expire: a pending version's upload stays open until then."""
    return now() + timedelta(seconds=get_settings().presign_ttl_seconds)


def abandoned_detail(version: VersionRecord) -> str:
    return (
        f"version {version.version} of '{version.model}' was abandoned: its upload did not complete while its "
        "upload URLs were valid (plus an hour). Register the artifact again, with a new Idempotency-Key"
    )


def keep_open(version: VersionRecord) -> VersionRecord:
    """Move a pending version's upload window to the expiry of URLs handed out now."""
    until = window_end()
    try:
        backend().versions.extend_upload_window(version.model, version.version, until)
    except ConditionFailed as closed:
        raise VersionStateConflict(abandoned_detail(version)) from closed
    return version.model_copy(update={"upload_expires_at": until})
