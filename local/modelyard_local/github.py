"""A local stand-in for GitHub's REST API, as a GitHub App sees it, on 127.0.0.1.

`modelyard dev` and the tests use it where the registry asks GitHub who approved a run and answers
deployment protection rules. Responses are shaped after GitHub's REST documentation, and it checks
what GitHub checks: the app JWT (RS256, `iss` = app id, at most 10 minutes) for app endpoints and
the installation token for repository endpoints. `POST /_local/approvals` (loopback only) plays a
reviewer pressing "Approve and deploy" in GitHub's UI. People (the device flow, `/user`, their teams)
are `people` (github_people.py).
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from modelyard_local.github_people import GitHubPeople, parse_form
from modelyard_local.issuer import local_user_id

APP_ID = "123456"
INSTALLATION_ID = 4242


@dataclass
class LocalGitHub:
    """Approvals per run (arranged by tests, the demo or `/_local/approvals`) and protection rule answers."""

    approvals: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    protection_answers: list[dict[str, Any]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    down: bool = False

    def __post_init__(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.private_key_pem = self._key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        self._tokens: set[str] = set()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.people = GitHubPeople(self.url)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def approve(
        self,
        repository: str,
        run_id: str,
        login: str,
        environment: str,
        *,
        state: str = "approved",
        comment: str = "Ship it!",
        user_id: int | None = None,
    ) -> None:
        """Record a review of `run_id` as GitHub would; the user's id defaults to one per login (any case)."""
        self.approvals.setdefault((repository, run_id), []).append(
            {
                "environments": [
                    {
                        "id": 161088068,
                        "node_id": "MDExOkVudmlyb25tZW50MTYxMDg4MDY4",
                        "name": environment,
                        "url": f"https://api.github.com/repos/{repository}/environments/{environment}",
                        "html_url": f"https://github.com/{repository}/deployments/activity_log?environments_filter="
                        f"{environment}",
                        "created_at": "2026-11-01T12:00:00Z",
                        "updated_at": "2026-11-01T12:00:00Z",
                    }
                ],
                "state": state,
                "comment": comment,
                "user": {
                    "login": login,
                    "id": user_id if user_id is not None else int(local_user_id(login)),
                    "node_id": "MDQ6VXNlcjE=",
                    "type": "User",
                    "site_admin": False,
                },
            }
        )

    # ---------------------------------------------------------------------------------- checks

    def _app_jwt_ok(self, header: str) -> bool:
        token = header.removeprefix("Bearer ").strip()
        try:
            claims = jwt.decode(
                token, self._key.public_key(), algorithms=["RS256"], options={"require": ["exp", "iat"]}
            )
        except jwt.PyJWTError:
            return False
        return str(claims.get("iss")) == APP_ID and int(claims["exp"]) - int(claims["iat"]) <= 600

    def _installation_ok(self, header: str) -> bool:
        return header.removeprefix("Bearer ").strip() in self._tokens

    def issue_token(self) -> dict[str, Any]:
        token = "ghs_" + secrets.token_hex(18)
        self._tokens.add(token)
        expires = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "token": token,
            "expires_at": expires,
            "permissions": {"actions": "read", "deployments": "write"},
            "repository_selection": "all",
        }


def _handler_for(github: LocalGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _send(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
            headers = dict(headers or {})
            # a str body is a page for the browser (the web flow's), sent as it is with its own Content-Type
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", headers.pop("Content-Type", "application/json; charset=utf-8"))
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _route(self, method: str) -> None:
            github.requests.append(f"{method} {self.path}")
            if github.down:
                self._send(503, {"message": "Service Unavailable"})
                return
            auth = self.headers.get("Authorization", "")
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            form = parse_form(raw, self.headers.get("Content-Type", "")) if method == "POST" else {}
            loopback = self.client_address[0] in ("127.0.0.1", "::1")
            people = github.people.answer(method, self.path, form, auth, loopback)
            if people is not None:
                self._send(*people)
                return
            body = json.loads(raw) if raw else None
            if method == "POST" and self.path == "/_local/approvals" and isinstance(body, dict):
                github.approve(
                    str(body["repository"]),
                    str(body["run_id"]),
                    str(body["login"]),
                    str(body["environment"]),
                    state=str(body.get("state", "approved")),
                    comment=str(body.get("comment", "")),
                )
                self._send(201, {"approved": True})
                return
            if method == "GET" and re.fullmatch(r"/repos/[^/]+/[^/]+/installation", self.path):
                if not github._app_jwt_ok(auth):
                    self._send(401, {"message": "A JSON web token could not be decoded"})
                    return
                self._send(200, {"id": INSTALLATION_ID, "app_id": int(APP_ID), "target_type": "Organization"})
                return
            if method == "POST" and self.path == f"/app/installations/{INSTALLATION_ID}/access_tokens":
                if not github._app_jwt_ok(auth):
                    self._send(401, {"message": "A JSON web token could not be decoded"})
                    return
                self._send(201, github.issue_token())
                return
            if not github._installation_ok(auth):
                self._send(401, {"message": "Bad credentials"})
                return
            approvals = re.fullmatch(r"/repos/([^/]+/[^/]+)/actions/runs/(\d+)/approvals", self.path)
            if method == "GET" and approvals:
                self._send(200, github.approvals.get((approvals.group(1), approvals.group(2)), []))
                return
            rule = re.fullmatch(r"/repos/([^/]+/[^/]+)/actions/runs/(\d+)/deployment_protection_rule", self.path)
            if method == "POST" and rule:
                github.protection_answers.append({"repository": rule.group(1), "run_id": rule.group(2), **(body or {})})
                self._send(204)
                return
            self._send(404, {"message": "Not Found"})

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

    return Handler
