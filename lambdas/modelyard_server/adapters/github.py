"""GitHub REST, as a GitHub App: app JWT → installation token → run approvals, deployment protection answers."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jwt

from modelyard_server.adapters.urls import is_safe_to_call

API_VERSION = "2022-11-28"
TIMEOUT_SECONDS = 10
TOKEN_REFRESH_MARGIN_SECONDS = 300


class GitHubUnavailable(Exception):
    """GitHub could not be asked (network, credentials, or an unexpected answer); the message says which."""


@dataclass(frozen=True)
class Approval:
    login: str
    state: str
    comment: str
    environments: tuple[str, ...]
    user_id: str | None = None  # GitHub's numeric user id: logins can change and differ in case


class GitHubApp:
    """A GitHub App's view of the repositories it is installed on."""

    def __init__(self, app_id: str, private_key_pem: str, api_url: str = "https://api.github.com") -> None:
        self._app_id = app_id
        self._private_key = private_key_pem
        self._api_url = api_url.rstrip("/")
        self._tokens: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------------------------ plumbing

    def _app_jwt(self) -> str:
        issued = int(time.time()) - 60  # GitHub's advice: allow for clock drift
        claims = {"iat": issued, "exp": issued + 540, "iss": self._app_id}
        return jwt.encode(claims, self._private_key, algorithm="RS256")

    def _call(self, method: str, path: str, token: str, body: dict[str, Any] | None = None) -> Any:
        url = f"{self._api_url}{path}"
        if not is_safe_to_call(url):
            raise GitHubUnavailable(f"refusing to call GitHub over plain HTTP: {self._api_url}")
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - scheme checked above
        request.add_header("Accept", "application/vnd.github+json")
        request.add_header("X-GitHub-Api-Version", API_VERSION)
        request.add_header("Authorization", f"Bearer {token}")
        request.add_header("User-Agent", "modelyard")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                raw = response.read(4 * 1024 * 1024)
        except urllib.error.HTTPError as error:
            detail = error.read(2048).decode("utf-8", "replace")
            raise GitHubUnavailable(f"GitHub answered {error.code} to {method} {path}: {detail[:300]}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise GitHubUnavailable(f"GitHub could not be reached for {method} {path}: {error}") from None
        return json.loads(raw) if raw else None

    def installation_token(self, repository: str) -> str:
        """A short-lived token for the installation on `repository`'s owner, cached until near expiry."""
        with self._lock:
            cached = self._tokens.get(repository)
            if cached is not None and cached[1] - TOKEN_REFRESH_MARGIN_SECONDS > time.time():
                return cached[0]
        owner, repo = repository.split("/", 1)
        app_token = self._app_jwt()
        installation = self._call("GET", f"/repos/{_q(owner)}/{_q(repo)}/installation", app_token)
        installation_id = int(installation["id"])
        answer = self._call("POST", f"/app/installations/{installation_id}/access_tokens", app_token, body={})
        token = str(answer["token"])
        expires = datetime.fromisoformat(str(answer["expires_at"]).replace("Z", "+00:00")).timestamp()
        with self._lock:
            self._tokens[repository] = (token, expires)
        return token

    # ------------------------------------------------------------------------------------ questions

    def run_approvals(self, repository: str, run_id: str) -> list[Approval]:
        """Who approved or rejected deployments of a workflow run (GitHub's review history for the run)."""
        owner, repo = repository.split("/", 1)
        token = self.installation_token(repository)
        answer = self._call("GET", f"/repos/{_q(owner)}/{_q(repo)}/actions/runs/{_q(run_id)}/approvals", token)
        if not isinstance(answer, list):
            raise GitHubUnavailable("GitHub's approvals answer was not a list")
        approvals = []
        for entry in answer:
            user = entry.get("user") or {}
            environments = tuple(str(env.get("name", "")) for env in entry.get("environments") or [])
            approvals.append(
                Approval(
                    login=str(user.get("login", "")),
                    state=str(entry.get("state", "")),
                    comment=str(entry.get("comment") or ""),
                    environments=environments,
                    user_id=str(user["id"]) if user.get("id") is not None else None,
                )
            )
        return approvals

    def answer_protection_rule(
        self, repository: str, run_id: str, environment: str, state: str | None, comment: str
    ) -> None:
        """Approve or reject a job waiting on our custom deployment protection rule (no state: a comment)."""
        owner, repo = repository.split("/", 1)
        token = self.installation_token(repository)
        body: dict[str, Any] = {"environment_name": environment, "comment": comment[:1024]}
        if state is not None:
            body["state"] = state
        path = f"/repos/{_q(owner)}/{_q(repo)}/actions/runs/{_q(run_id)}/deployment_protection_rule"
        self._call("POST", path, token, body=body)


def _q(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def configured_app(
    app_id: str | None, private_key: str | None, private_key_secret: str | None, api_url: str
) -> GitHubApp | None:
    """The GitHub App from configuration (key inline or in Secrets Manager), or None when not configured."""
    if not app_id or not (private_key or private_key_secret):
        return None
    if private_key is None:
        from modelyard_server.adapters.secrets import secret_string

        private_key = secret_string(str(private_key_secret))
    return GitHubApp(app_id, private_key, api_url)


def signature_matches(secret: str, body: bytes, header: str | None) -> bool:
    """GitHub's `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>`, compared in constant time."""
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))
