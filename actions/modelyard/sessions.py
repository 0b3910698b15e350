"""A person's registry sessions, kept on this machine, and the token source that uses and renews them.

``modelyard login`` stores one entry per registry URL in ``$MODELYARD_CONFIG_DIR/session.json``
(default ``~/.config/modelyard/session.json``), readable by its owner only (mode 0600, written
whole or not at all): the GitHub user token, the registry's session token and when it expires,
the person's login and GitHub user id. Before the session expires the client exchanges the
GitHub token again; the registry asks GitHub anew, so a revoked token or a team someone left
takes effect then.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from modelyard.errors import ClientError, RegistryError
from modelyard.transport import RetryPolicy, Transport

SESSION_FILE = "session.json"
#: renew a session this many seconds before it expires
RENEW_MARGIN = 300.0
LOGIN_AGAIN = "run `modelyard login` again"


@dataclass(frozen=True)
class StoredSession:
    registry_url: str
    github_token: str
    session_token: str
    expires_at: float  # unix seconds
    login: str
    id: int

    def __repr__(self) -> str:
        return f"StoredSession(registry_url={self.registry_url!r}, login={self.login!r}, id={self.id})"


class SignInRefused(ClientError):
    """The registry (asking GitHub) did not accept the GitHub token: the person must sign in again."""


def registry_key(url: str) -> str:
    """The registry URL as sessions are filed under it (no trailing slash, no `/v1`)."""
    base = url.strip().rstrip("/")
    return base[: -len("/v1")] if base.endswith("/v1") else base


def config_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("MODELYARD_CONFIG_DIR", "").strip():
        return Path(env["MODELYARD_CONFIG_DIR"]).expanduser()
    return Path(env.get("HOME") or Path.home()) / ".config" / "modelyard"


class SessionStore:
    """The session file: one entry per registry URL."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / SESSION_FILE

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SessionStore:
        return cls(config_dir(env))

    def _read(self) -> dict[str, Any]:
        try:
            data: Any = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise ClientError(f"cannot read {self.path}: {exc}; delete it and run `modelyard login`") from None
        sessions = data.get("sessions") if isinstance(data, dict) else None
        return sessions if isinstance(sessions, dict) else {}

    def get(self, registry_url: str) -> StoredSession | None:
        entry = self._read().get(registry_key(registry_url))
        if not isinstance(entry, dict):
            return None
        try:
            return StoredSession(
                registry_url=str(entry["registry_url"]),
                github_token=str(entry["github_token"]),
                session_token=str(entry["session_token"]),
                expires_at=float(entry["expires_at"]),
                login=str(entry["login"]),
                id=int(entry["id"]),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def put(self, session: StoredSession) -> None:
        sessions = self._read()
        sessions[registry_key(session.registry_url)] = asdict(session)
        self._write(sessions)

    def delete(self, registry_url: str) -> bool:
        """Forget the session for `registry_url`; True when there was one."""
        sessions = self._read()
        if sessions.pop(registry_key(registry_url), None) is None:
            return False
        self._write(sessions)
        return True

    def _write(self, sessions: dict[str, Any]) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        data = json.dumps({"sessions": sessions}, indent=2, sort_keys=True).encode("utf-8")
        # mkstemp creates the file 0600, so the tokens are never readable by others, not even for a moment
        fd, staging = tempfile.mkstemp(prefix=".session-", suffix=".json", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(staging, self.path)
        except BaseException:
            Path(staging).unlink(missing_ok=True)
            raise


def call_without_token(
    registry_url: str, method: str, path: str, body: Any = None, *, retry: RetryPolicy | None = None
) -> Any:
    """One of the registry's public sign-in calls (retried like any other; errors as RegistryError)."""
    transport = Transport(registry_url, None, retry=retry)
    try:
        return transport.request(method, path, body=body, auth=False)
    finally:
        transport.close()


def exchange(registry_url: str, github_token: str, *, retry: RetryPolicy | None = None) -> dict[str, Any]:
    """``POST /v1/sessions``: the registry's session for a GitHub user token."""
    try:
        answer = call_without_token(registry_url, "POST", "/v1/sessions", {"github_token": github_token}, retry=retry)
    except RegistryError as exc:
        if exc.status == 401:
            raise SignInRefused(f"{exc.detail or exc.title} ({LOGIN_AGAIN})") from None
        raise
    if not isinstance(answer, dict) or not isinstance(answer.get("token"), str):
        raise ClientError(f"the registry at {registry_url} answered POST /v1/sessions without a session token")
    return answer


def session_from_answer(registry_url: str, github_token: str, answer: Mapping[str, Any]) -> StoredSession:
    found = answer.get("user")
    user: Mapping[str, Any] = found if isinstance(found, dict) else {}
    expires = datetime.fromisoformat(str(answer["expires_at"]).replace("Z", "+00:00")).timestamp()
    return StoredSession(
        registry_url=registry_key(registry_url),
        github_token=github_token,
        session_token=str(answer["token"]),
        expires_at=expires,
        login=str(user.get("login", "")),
        id=int(user.get("id", 0)),
    )


class SessionToken:
    """The stored session of one registry as a token source, renewed with GitHub before it expires."""

    def __init__(
        self,
        registry_url: str,
        store: SessionStore,
        *,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.registry_url = registry_key(registry_url)
        self._store = store
        self._retry = retry
        self._clock = clock
        self._stale = False

    def __repr__(self) -> str:
        return f"SessionToken(registry_url={self.registry_url!r})"

    def get(self) -> str:
        session = self._store.get(self.registry_url)
        if session is None:
            raise ClientError(f"not signed in to {self.registry_url}: run `modelyard login`")
        if not self._stale and self._clock() < session.expires_at - RENEW_MARGIN:
            return session.session_token
        return self.renew(session).session_token

    def renew(self, session: StoredSession) -> StoredSession:
        """Exchange the stored GitHub token for a new session (GitHub is asked again: teams, revocation)."""
        answer = exchange(self.registry_url, session.github_token, retry=self._retry)
        renewed = session_from_answer(self.registry_url, session.github_token, answer)
        self._store.put(renewed)
        self._stale = False
        return renewed

    def invalidate(self) -> bool:
        self._stale = True  # the registry refused the session (a rotated key): renew it, once
        return True


def stored_session_source(registry_url: str, env: Mapping[str, str] | None = None) -> SessionToken | None:
    """A token source for `registry_url` when this machine holds a session for it, else None."""
    store = SessionStore.from_env(env)
    try:
        found = store.get(registry_url)
    except ClientError:
        return None
    return SessionToken(registry_url, store) if found is not None else None
