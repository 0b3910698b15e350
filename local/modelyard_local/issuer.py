"""A local OpenID Connect issuer that mints GitHub-Actions-shaped tokens.

It stands in for ``https://token.actions.githubusercontent.com`` in development and tests:
the server verifies its tokens exactly as it verifies GitHub's (discovery document, JWKS,
RS256, audience), so nothing in the server knows it is talking to a fake.

* ``GET /.well-known/openid-configuration`` - discovery document.
* ``GET /.well-known/jwks`` - every key the issuer has signed with (rotation keeps old ones).
* ``GET /mint?repository=acme/models&environment=production`` - a token with these claims,
  answered as ``{"value": "<jwt>"}`` like GitHub's token request endpoint. Loopback
  callers only; ``audience`` and ``ttl`` are parameters, not claims.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import secrets
import socket
import threading
import time
import uuid
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)
from jwt.algorithms import RSAAlgorithm

from modelyard_server.adapters.embedded.private_files import write_private_file

DEFAULT_AUDIENCE = "modelyard"
DEFAULT_REPOSITORY = "acme/models"
DEFAULT_ACTOR = "dev"
DEFAULT_REF = "refs/heads/main"
DEFAULT_TTL_SECONDS = 900
ALGORITHM = "RS256"


def _stable_id(text: str) -> str:
    """A numeric id derived from ``text``: the same repository always gets the same id."""
    return str(int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big") % 900_000_000 + 100_000_000)


def local_repository_id(repository: str) -> str:
    """The id a repository has in the local issuer's tokens (`repository_id`): what a grant names it by."""
    return _stable_id(repository)


def local_user_id(login: str) -> str:
    """The id a local GitHub user has, in tokens and in the GitHub stand-in (logins are case-insensitive)."""
    return _stable_id(f"user:{login.casefold()}")


class _SigningKey:
    def __init__(self, private_key: rsa.RSAPrivateKey | None = None) -> None:
        self.private_key = private_key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
        # derived from the key, so a key kept on disk signs with the same kid after a restart
        public = self.private_key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        self.kid = hashlib.sha256(public).hexdigest()[:8]

    @classmethod
    def kept_in(cls, path: Path) -> _SigningKey:
        """The key stored in `path` (PEM, mode 0600), made and stored there first if there is none."""
        if not path.exists():
            key = cls()
            write_private_file(path, key.private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
            return key
        loaded = load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(loaded, rsa.RSAPrivateKey):
            raise ValueError(f"{path} does not hold an RSA private key; delete it to make a new one")
        return cls(loaded)

    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        jwk.update({"kid": self.kid, "use": "sig", "alg": ALGORITHM})
        return jwk


class LocalIssuer:
    """An OIDC issuer on loopback that signs GitHub-Actions-shaped ID tokens.

    Use as a context manager, or call :meth:`start` / :meth:`stop`.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        audience: str = DEFAULT_AUDIENCE,
        sock: socket.socket | None = None,
        key_file: Path | None = None,
    ) -> None:
        """``sock``: an already listening socket to serve on (then ``host`` and ``port`` are its own).

        ``key_file``: keep the signing key there (made on first use), so tokens it minted stay valid
        after a restart on the same port; without it every issuer signs with a fresh key.
        """
        self._host = host
        self._port = port
        self._sock = sock
        self.audience = audience
        self._keys: list[_SigningKey] = [_SigningKey.kept_in(key_file) if key_file is not None else _SigningKey()]
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        """Bind the port and serve in a daemon thread. Idempotent."""
        if self._server is not None:
            return self
        if self._sock is None:
            server = ThreadingHTTPServer((self._host, self._port), _IssuerRequestHandler)
        else:
            server = ThreadingHTTPServer(self._sock.getsockname()[:2], _IssuerRequestHandler, bind_and_activate=False)
            server.socket.close()
            server.socket, self._sock = self._sock, None
            server.server_address = server.socket.getsockname()
        server.daemon_threads = True
        server.issuer = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="modelyard-issuer", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port. Safe to call twice."""
        server, thread = self._server, self._thread
        self._server, self._thread = None, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("LocalIssuer is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The issuer identifier (the ``iss`` claim), e.g. ``http://127.0.0.1:8643``."""
        host = self._host if ":" not in self._host else f"[{self._host}]"
        return f"http://{host}:{self.port}"

    # ------------------------------------------------------------------ keys

    @property
    def kid(self) -> str:
        """The id of the key new tokens are signed with."""
        with self._lock:
            return self._keys[-1].kid

    def rotate_key(self, *, keep_previous: bool = True) -> str:
        """Sign from now on with a fresh key and return its kid.

        The previous keys stay in the JWKS (as GitHub's do during a rotation) unless
        ``keep_previous`` is false, in which case tokens signed with them stop verifying.
        """
        key = _SigningKey()
        with self._lock:
            self._keys = [*self._keys, key] if keep_previous else [key]
        return key.kid

    def jwks(self) -> dict[str, Any]:
        """The JSON Web Key Set served at ``/.well-known/jwks``."""
        with self._lock:
            keys = list(self._keys)
        return {"keys": [key.public_jwk() for key in keys]}

    def openid_configuration(self) -> dict[str, Any]:
        """The discovery document served at ``/.well-known/openid-configuration``."""
        return {
            "issuer": self.url,
            "jwks_uri": f"{self.url}/.well-known/jwks",
            "subject_types_supported": ["public", "pairwise"],
            "response_types_supported": ["id_token"],
            "scopes_supported": ["openid"],
            "id_token_signing_alg_values_supported": [ALGORITHM],
            "claims_supported": sorted(self.default_claims()),
        }

    # ------------------------------------------------------------------ tokens

    def default_claims(
        self, *, ttl: int = DEFAULT_TTL_SECONDS, audience: str | None = None, **claims: Any
    ) -> dict[str, Any]:
        """The claims :meth:`mint` would sign: GitHub-shaped defaults overlaid with ``claims``.

        A claim given as ``None`` is left out of the token (to test missing claims).
        """
        now = int(time.time())
        repository = str(claims.get("repository") or DEFAULT_REPOSITORY)
        owner = repository.split("/", 1)[0]
        ref = str(claims.get("ref") or DEFAULT_REF)
        actor = str(claims.get("actor") or DEFAULT_ACTOR)
        environment = claims.get("environment")
        workflow_path = f"{repository}/.github/workflows/local.yml@{ref}"
        sub = f"repo:{repository}:environment:{environment}" if environment else f"repo:{repository}:ref:{ref}"
        base: dict[str, Any] = {
            "iss": self.url,
            "aud": audience if audience is not None else self.audience,
            "sub": sub,
            "iat": now,
            "nbf": now,
            "exp": now + ttl,
            "jti": str(uuid.uuid4()),
            "repository": repository,
            "repository_id": _stable_id(repository),
            "repository_owner": owner,
            "repository_owner_id": _stable_id(owner),
            "repository_visibility": "private",
            "actor": actor,
            "actor_id": local_user_id(actor),
            "ref": ref,
            "ref_type": "tag" if ref.startswith("refs/tags/") else "branch",
            "sha": secrets.token_hex(20),
            "run_id": str(secrets.randbelow(9_000_000_000) + 1_000_000_000),
            "run_number": "1",
            "run_attempt": "1",
            "workflow": "local",
            "workflow_ref": workflow_path,
            "job_workflow_ref": workflow_path,
            "event_name": "workflow_dispatch",
            "runner_environment": "github-hosted",
        }
        if environment:
            base["environment"] = environment
        base.update(claims)
        return {name: value for name, value in base.items() if value is not None}

    def mint(self, *, ttl: int = DEFAULT_TTL_SECONDS, audience: str | None = None, **claims: Any) -> str:
        """Sign a token now. ``claims`` override the GitHub-shaped defaults (see :meth:`default_claims`).

        ``ttl`` may be negative to mint an already expired token.
        """
        payload = self.default_claims(ttl=ttl, audience=audience, **claims)
        with self._lock:
            key = self._keys[-1]
        return jwt.encode(payload, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid, "typ": "JWT"})


class _IssuerRequestHandler(BaseHTTPRequestHandler):
    server_version = "modelyard-local-issuer"

    @property
    def issuer(self) -> LocalIssuer:
        issuer: LocalIssuer = self.server.issuer  # type: ignore[attr-defined]
        return issuer

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/.well-known/openid-configuration":
            self._send_json(HTTPStatus.OK, self.issuer.openid_configuration())
        elif parts.path == "/.well-known/jwks":
            self._send_json(HTTPStatus.OK, self.issuer.jwks())
        elif parts.path == "/mint":
            self._mint(parts.query)
        else:
            self._send_json(HTTPStatus.NOT_FOUND, {"message": "Not Found"})

    def _mint(self, query: str) -> None:
        if not ipaddress.ip_address(self.client_address[0]).is_loopback:
            self._send_json(HTTPStatus.FORBIDDEN, {"message": "/mint answers loopback callers only"})
            return
        # Blank parameters (``environment=``) mean "not given", not an empty claim.
        claims: dict[str, Any] = dict(parse_qsl(query))
        audience = claims.pop("audience", None)
        try:
            ttl = int(claims.pop("ttl", DEFAULT_TTL_SECONDS))
        except ValueError:
            self._send_json(HTTPStatus.BAD_REQUEST, {"message": "ttl must be an integer number of seconds"})
            return
        self._send_json(HTTPStatus.OK, {"value": self.issuer.mint(ttl=ttl, audience=audience, **claims)})

    def _send_json(self, status: HTTPStatus, body: dict[str, Any]) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test and dev output quiet."""
