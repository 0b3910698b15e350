"""The session file: private, written whole, one entry per registry; and when the client uses it."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from modelyard.errors import ClientError
from modelyard.oidc import GitHubActionsToken, MissingToken, StaticToken, token_source
from modelyard.sessions import SessionStore, SessionToken, StoredSession, config_dir
from modelyard.token_advice import rejected_token_advice

REGISTRY = "https://registry.example.com"


def _session(registry_url: str = REGISTRY, login: str = "alice") -> StoredSession:
    return StoredSession(
        registry_url=registry_url,
        github_token="gho_secret",
        session_token="session.jwt.value",
        expires_at=time.time() + 3600,
        login=login,
        id=1001,
    )


def test_the_file_is_private_even_under_a_permissive_umask(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "config")
    previous = os.umask(0)
    try:
        store.put(_session())
    finally:
        os.umask(previous)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700


def test_a_file_left_readable_by_others_is_replaced_by_a_private_one(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    store.put(_session())
    store.path.chmod(0o644)
    store.put(_session(login="alice2"))
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert [path.name for path in tmp_path.iterdir()] == ["session.json"]


def test_one_entry_per_registry_url_however_it_is_spelled(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    store.put(_session(REGISTRY + "/v1/", "alice"))
    store.put(_session("http://127.0.0.1:8642", "bob"))
    store.put(_session(REGISTRY, "alice-renamed"))
    found = store.get(REGISTRY + "/")
    assert found is not None and found.login == "alice-renamed"
    other = store.get("http://127.0.0.1:8642/v1")
    assert other is not None and other.login == "bob"
    assert store.delete(REGISTRY) and store.get(REGISTRY) is None
    assert store.get("http://127.0.0.1:8642") is not None


def test_a_corrupt_file_says_how_to_recover(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    store.path.write_text("{not json")
    with pytest.raises(ClientError, match="modelyard login"):
        store.get(REGISTRY)


def test_the_tokens_never_show_in_a_repr(tmp_path: Path) -> None:
    session = _session()
    assert "gho_secret" not in repr(session) and "session.jwt.value" not in repr(session)
    assert "gho_secret" not in repr(SessionToken(REGISTRY, SessionStore(tmp_path)))


def test_config_dir_comes_from_modelyard_config_dir_else_home(tmp_path: Path) -> None:
    assert config_dir({"MODELYARD_CONFIG_DIR": str(tmp_path)}) == tmp_path
    assert config_dir({"HOME": str(tmp_path)}) == tmp_path / ".config" / "modelyard"


def test_a_fresh_stored_session_is_used_as_it_is(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    store.put(_session())
    assert SessionToken(REGISTRY, store).get() == "session.jwt.value"


def test_the_stored_session_is_the_last_choice_and_never_in_actions(tmp_path: Path) -> None:
    SessionStore(tmp_path).put(_session())
    env = {"MODELYARD_CONFIG_DIR": str(tmp_path)}
    assert isinstance(token_source(None, env, registry_url=REGISTRY), SessionToken)
    assert isinstance(token_source(None, env, registry_url="https://other.example.com"), MissingToken)
    assert isinstance(token_source("explicit", env, registry_url=REGISTRY), StaticToken)
    assert isinstance(token_source(None, env | {"MODELYARD_TOKEN": "t"}, registry_url=REGISTRY), StaticToken)
    actions = env | {
        "GITHUB_ACTIONS": "true",
        "ACTIONS_ID_TOKEN_REQUEST_URL": "https://x",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "y",
    }
    assert isinstance(token_source(None, actions, registry_url=REGISTRY), GitHubActionsToken)
    assert isinstance(token_source(None, {"GITHUB_ACTIONS": "true", **env}, registry_url=REGISTRY), MissingToken)


def test_a_refused_session_advises_signing_in_again() -> None:
    import base64
    import json

    payload = base64.urlsafe_b64encode(json.dumps({"kind": "person", "iss": "urn:modelyard:sessions"}).encode())
    token = f"e30.{payload.decode().rstrip('=')}.sig"
    assert "modelyard login" in rejected_token_advice(token, {}, time.time())
