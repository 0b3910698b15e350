"""The API's Lambda entry point in-process on the embedded (SQLite) backend, with the local OIDC issuer.

Fast enough to run one request per case of a large table: a seeded registry is built once, closed, and
copied (a directory of files) for each case, so every case starts from the same state.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from modelyard_local.github import LocalGitHub
from modelyard_local.issuer import LocalIssuer
from tests.support.api_events import ApiResponse, http_event, invoke


@dataclass
class EmbeddedApi:
    issuer: LocalIssuer
    data_dir: Path

    def workflow(self, repository: str, **claims: Any) -> str:
        """A GitHub Actions token of a run of `repository`."""
        return self.issuer.mint(repository=repository, **claims)

    def repository_id(self, repository: str) -> str:
        """The `repository_id` the local issuer puts in `repository`'s tokens."""
        return str(self.issuer.default_claims(repository=repository)["repository_id"])

    def person(self, user_id: int, login: str, teams: tuple[str, ...] = ()) -> str:
        """A registry session for a person, as POST /v1/sessions would sign it."""
        from modelyard_server.handlers.auth import session_tokens
        from modelyard_server.ports.identity import GitHubIdentity

        tokens = session_tokens()
        assert tokens is not None, "the embedded registry signs sessions with its data directory's key"
        return tokens.issue(GitHubIdentity(user_id, login, tuple(sorted(teams)), ()))[0]

    def call(self, method: str, path: str, token: str | None, **kwargs: Any) -> ApiResponse:
        from modelyard_server.handlers.api import lambda_handler

        return invoke(lambda_handler, http_event(method, path, token=token, **kwargs))

    def ok(self, method: str, path: str, token: str | None, **kwargs: Any) -> Any:
        answer = self.call(method, path, token, **kwargs)
        assert 200 <= answer.status < 300, (method, path, answer)
        return answer.body

    def upload(self, model: str, data: bytes, token: str, **fields: Any) -> int:
        """Register `data` as a version of `model` (with `fields`: metrics, tags...), store its bytes, complete
        it: its number."""
        number = self.register(model, data, token, store=True, **fields)
        self.ok("POST", f"/v1/models/{model}/versions/{number}/complete", token, body={})
        return number

    def register(self, model: str, data: bytes, token: str, *, store: bool, **fields: Any) -> int:
        """Phase one; with `store`, the bytes land where an upload would put them (phase two not called)."""
        from modelyard_server.ports import backend

        artifact = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "format": "joblib"}
        body = {"artifact": artifact, **fields}
        answer = self.ok("POST", f"/v1/models/{model}/versions", token, body=body)
        if store:
            path = backend().blobs.files.blob_path(answer["version"]["artifact"]["key"])  # type: ignore[attr-defined]
            path.write_bytes(data)
        return int(answer["version"]["version"])


def github_settings(github: LocalGitHub) -> dict[str, str]:
    """The settings of a registry whose people sign in through the GitHub stand-in (sessions, team membership)."""
    return {
        "MODELYARD_GITHUB_URL": github.url,
        "MODELYARD_GITHUB_API_URL": github.url,
        "MODELYARD_GITHUB_CLIENT_ID": github.people.client_id,
    }


def configure(monkeypatch: pytest.MonkeyPatch, issuer: LocalIssuer, data_dir: Path, **env: str) -> None:
    from modelyard_server.handlers.wiring import forget_configuration

    settings = {
        "MODELYARD_BACKEND": "sqlite",
        "MODELYARD_DATA_DIR": str(data_dir),
        "MODELYARD_TRUSTED_ISSUERS": issuer.url,
        "MODELYARD_AUDIENCE": "modelyard",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_DEV": "false",
        **env,
    }
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    forget_configuration()


def close() -> None:
    """Close the backend in force (its files may then be copied) and forget every setting."""
    from modelyard_server import ports
    from modelyard_server.handlers.wiring import forget_settings

    ports.set_builder(None)
    forget_settings()


@contextmanager
def embedded_api(
    monkeypatch: pytest.MonkeyPatch, issuer: LocalIssuer, data_dir: Path, *, copy_of: Path | None = None, **env: str
) -> Iterator[EmbeddedApi]:
    """An embedded registry in `data_dir` (a fresh copy of `copy_of` when given), closed afterwards."""
    if copy_of is not None:
        shutil.copytree(copy_of, data_dir)
    configure(monkeypatch, issuer, data_dir, **env)
    try:
        yield EmbeddedApi(issuer, data_dir)
    finally:
        close()
