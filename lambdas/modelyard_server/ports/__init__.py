"""The ports the domain reaches storage through, and the backend in force in this process.

`bootstrap` (the one composition root) builds a :class:`Backend` from settings and installs it;
the domain asks :func:`backend` for it at call time, so nothing binds storage at import time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the protocols only type the fields: an entry point's import need not define them
    from modelyard_server.ports.search import SearchStore
    from modelyard_server.ports.storage import (
        BlobStore,
        DeadLetters,
        EventLog,
        GovernanceStore,
        ModelStore,
        NamespaceStore,
        NotificationStore,
        Parameters,
        PointerStore,
        ReviewStore,
        RoleGrants,
        SecurityLog,
        SessionRevocations,
        VersionStore,
    )


@dataclass(frozen=True)
class Backend:
    """One storage backend's implementation of every port."""

    name: str
    models: ModelStore
    versions: VersionStore
    pointers: PointerStore
    events: EventLog
    governance: GovernanceStore
    reviews: ReviewStore
    roles: RoleGrants
    notifications: NotificationStore
    security: SecurityLog
    blobs: BlobStore
    search: SearchStore
    parameters: Parameters
    dead_letters: DeadLetters | None  # None: failed notifications are not kept (no queue configured)
    namespaces: NamespaceStore
    sessions: SessionRevocations  # people's sessions signed out before they expired
    close: Callable[[], None] = lambda: None


_lock = threading.Lock()
_installed: Backend | None = None
_builder: Callable[[], Backend] | None = None


def set_builder(builder: Callable[[], Backend] | None) -> None:
    """How to build the backend on first use (bootstrap registers it); forgets any built one."""
    global _builder, _installed
    with _lock:
        _builder = builder
        if _installed is not None:
            _installed.close()
        _installed = None


def backend() -> Backend:
    """The backend in force: built on first use by the registered builder."""
    global _installed
    current = _installed
    if current is not None:
        return current
    with _lock:
        if _installed is None:
            if _builder is None:
                raise RuntimeError("no storage backend: call modelyard_server.bootstrap.install() first")
            _installed = _builder()
        return _installed
