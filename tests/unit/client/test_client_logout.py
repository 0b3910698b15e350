"""`modelyard logout`: the registry ends the session first; this machine forgets it whatever the registry said."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Answer, Handler, Loopback, Seen
from modelyard.cli import main
from modelyard.logout import logout
from modelyard.sessions import SessionStore, StoredSession
from modelyard.transport import RetryPolicy

ONCE = RetryPolicy(attempts=1, timeout=5)


def _signed_in(tmp_path: Path, registry_url: str, expires_in: float = 3600) -> SessionStore:
    store = SessionStore(tmp_path / "config")
    store.put(
        StoredSession(
            registry_url=registry_url,
            github_token="gho_secret",
            session_token="session.jwt.value",
            expires_at=time.time() + expires_in,
            login="alice",
            id=1001,
        )
    )
    return store


def _answering(status: int, body: dict[str, object] | None = None) -> Callable[[Seen], Answer]:
    return lambda seen: Answer(status, body or b"", {"Content-Type": "application/problem+json"} if body else {})


def test_the_registry_ends_the_session_with_its_own_token_then_it_is_forgotten(
    tmp_path: Path, loopback: Callable[[Handler], Loopback]
) -> None:
    server = loopback(_answering(204))
    store = _signed_in(tmp_path, server.url)

    result = logout(server.url, store=store, retry=ONCE)

    assert (result.forgotten, result.ended, result.problem) == (True, True, None)
    assert [(seen.method, seen.path) for seen in server.seen] == [("DELETE", "/v1/sessions/current")]
    assert server.seen[0].headers["authorization"] == "Bearer session.jwt.value"
    assert store.get(server.url) is None


def test_a_session_the_registry_refuses_already_is_over_and_is_not_renewed(
    tmp_path: Path, loopback: Callable[[Handler], Loopback]
) -> None:
    expired = {"type": "x/invalid-token", "title": "Invalid bearer token", "status": 401, "detail": "signed out"}
    server = loopback(_answering(401, expired))
    store = _signed_in(tmp_path, server.url)

    result = logout(server.url, store=store, retry=ONCE)

    assert (result.forgotten, result.ended) == (True, True)
    assert len(server.seen) == 1  # no exchange of the GitHub token for a new session to sign out of
    assert store.get(server.url) is None


# The registry accepts a token a little past its `exp` (clock leeway), and this machine's clock may run ahead of
# the registry's: a session that looks expired here by seconds may still work there, so it is ended there too.
@pytest.mark.parametrize(("expired_for", "asked"), [(3600, []), (10, [("DELETE", "/v1/sessions/current")])])
def test_an_expired_session_is_forgotten_asking_the_registry_only_when_it_may_still_work_there(
    tmp_path: Path, loopback: Callable[[Handler], Loopback], expired_for: float, asked: list[tuple[str, str]]
) -> None:
    server = loopback(_answering(204))
    store = _signed_in(tmp_path, server.url, expires_in=-expired_for)

    result = logout(server.url, store=store, retry=ONCE)

    assert (result.forgotten, result.ended) == (True, True)
    assert [(seen.method, seen.path) for seen in server.seen] == asked


def test_an_unreachable_registry_still_leaves_the_session_forgotten_and_says_so(
    tmp_path: Path, closed_port_url: str
) -> None:
    store = _signed_in(tmp_path, closed_port_url)

    result = logout(closed_port_url, store=store, retry=ONCE)

    assert (result.forgotten, result.ended) == (True, False)
    assert result.problem is not None and "unreachable" in result.problem
    assert result.expires_at is not None and result.expires_at > time.time()
    assert store.get(closed_port_url) is None


def test_a_registry_without_sign_out_leaves_the_session_forgotten_and_says_what_it_answered(
    tmp_path: Path, loopback: Callable[[Handler], Loopback]
) -> None:
    missing = {"type": "x/not-found", "title": "Not found", "status": 404, "detail": "no such route"}
    server = loopback(_answering(404, missing))
    store = _signed_in(tmp_path, server.url)

    result = logout(server.url, store=store, retry=ONCE)

    assert (result.forgotten, result.ended) == (True, False)
    assert result.problem is not None and "HTTP 404" in result.problem
    assert store.get(server.url) is None


def test_without_a_session_there_is_nothing_to_sign_out_of(tmp_path: Path, closed_port_url: str) -> None:
    result = logout(closed_port_url, store=SessionStore(tmp_path / "config"), retry=ONCE)

    assert (result.forgotten, result.ended) == (False, False)


def test_the_cli_signs_out_here_only_when_the_registry_is_down_and_warns(
    tmp_path: Path,
    closed_port_url: str,
    clean_env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store = _signed_in(tmp_path, closed_port_url)
    monkeypatch.setenv("MODELYARD_CONFIG_DIR", str(store.path.parent))
    monkeypatch.setenv("MODELYARD_URL", closed_port_url)
    monkeypatch.setenv("MODELYARD_MAX_ATTEMPTS", "1")

    code = main(["logout"])
    out, err = capsys.readouterr()
    again = main(["logout", "--json"])
    second = json.loads(capsys.readouterr().out)

    assert code == 0
    assert out.strip() == "signed out on this machine only"
    assert "warning:" in err and "unreachable" in err and "stays valid until" in err
    assert "session.jwt.value" not in out + err
    assert again == 0 and second == {"signed_out": False, "session_ended": False, "problem": None}
