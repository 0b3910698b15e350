"""Signed-out sessions: refused from the sign-out until the session would have expired, one session at a time."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from modelyard_server.adapters.embedded.backend import open_embedded
from modelyard_server.adapters.embedded.database import DATABASE_FILE
from modelyard_server.ports import Backend
from tests.contract.conftest import Clock

HOUR = 3600


def _in(clock: Clock, seconds: int) -> int:
    return int(clock.now().timestamp()) + seconds


def test_a_revoked_session_is_refused_and_others_are_not(backend: Backend, clock: Clock) -> None:
    assert backend.sessions.session_revoked("laptop") is False

    backend.sessions.revoke_session("laptop", _in(clock, HOUR))

    assert backend.sessions.session_revoked("laptop") is True
    assert backend.sessions.session_revoked("desktop") is False
    assert backend.sessions.session_revoked("LAPTOP") is False  # token ids are compared exactly


def test_a_revocation_lasts_until_the_session_would_have_expired(backend: Backend, clock: Clock) -> None:
    backend.sessions.revoke_session("laptop", _in(clock, HOUR))

    clock.advance(timedelta(seconds=HOUR - 5))
    assert backend.sessions.session_revoked("laptop") is True
    clock.advance(timedelta(seconds=10))
    assert backend.sessions.session_revoked("laptop") is False  # its token is refused as expired from then on


def test_revoking_twice_is_no_error_and_keeps_the_session_refused(backend: Backend, clock: Clock) -> None:
    backend.sessions.revoke_session("laptop", _in(clock, HOUR))
    backend.sessions.revoke_session("laptop", _in(clock, HOUR))

    assert backend.sessions.session_revoked("laptop") is True


def test_hostile_session_ids_are_only_keys(backend: Backend, clock: Clock) -> None:
    hostile = ["' OR 1=1 --", "../#REVOKED", "SESSION#x", "é" * 200, "x" * 2000]
    backend.sessions.revoke_session(hostile[0], _in(clock, HOUR))

    assert [backend.sessions.session_revoked(found) for found in hostile] == [True, False, False, False, False]


def test_a_sign_out_removes_lapsed_revocations_from_the_embedded_database(tmp_path: Path) -> None:
    clock = Clock()
    backend = open_embedded(tmp_path / "data", now=clock.now)
    try:
        backend.sessions.revoke_session("old", _in(clock, 60))
        clock.advance(timedelta(hours=2))
        backend.sessions.revoke_session("new", _in(clock, HOUR))
    finally:
        backend.close()
    with sqlite3.connect(tmp_path / "data" / DATABASE_FILE) as raw:
        kept = [row[0] for row in raw.execute("SELECT session_id FROM revoked_sessions")]
    assert kept == ["new"]
