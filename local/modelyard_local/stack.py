"""The local registry: the API on uvicorn, a local OIDC issuer, a GitHub stand-in, the events pipeline.

``LocalStack`` wires the same pieces Lambda wires, on loopback, in one process, on one of two
storage backends::

    with LocalStack(port=0, issuer_port=0, data_dir=path) as stack:   # embedded: SQLite + files
        token = stack.mint(repository="acme/models")
        urllib.request.urlopen(f"{stack.api_url}/v1/health")

* ``backend="sqlite"`` (the default): the embedded registry in ``data_dir`` (a temporary directory,
  removed on stop, when none is given). Persistent: the database, the blobs and the issuer's
  signing key live there, so a restart on the same ports finds everything, old tokens included.
* ``backend="moto"``: the AWS-shaped stack, DynamoDB/S3/SQS/SSM on a moto server, created from
  the template. It points this *process's* environment at moto (``AWS_ENDPOINT_URL`` and
  friends), so boto3 and pynamodb reach moto without code changes.

Either way the process's environment is restored on stop.
"""

from __future__ import annotations

import importlib
import logging
import os
import secrets
import socket
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

import boto3
import uvicorn
from botocore.config import Config as BotoConfig

from modelyard_local.github import APP_ID as GITHUB_APP_ID
from modelyard_local.github import LocalGitHub
from modelyard_local.issuer import DEFAULT_AUDIENCE, LocalIssuer
from modelyard_local.local_sign_in import LOCAL_SIGN_IN_PATH, LocalSignInLinks, with_local_sign_in
from modelyard_local.moto_server import MotoServer
from modelyard_local.ports import listen_on
from modelyard_local.template_resources import create_bucket, create_table
from modelyard_server import bootstrap, ports
from modelyard_server.adapters.embedded.backend import EmbeddedBackend
from modelyard_server.adapters.embedded.database import DataDirUnusable
from modelyard_server.adapters.embedded.disk_space import disk_writes
from modelyard_server.settings import Settings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_API_PORT = 8642
DEFAULT_ISSUER_PORT = 8643
DEFAULT_MOTO_PORT = 8644
DEFAULT_TABLE = "modelyard-registry"
DEFAULT_BUCKET = "modelyard-artifacts"
DEFAULT_DLQ = "modelyard-notifications-dlq"
REGION = "us-east-1"
ISSUER_KEY_FILE = "issuer-key.pem"
StackBackend = Literal["sqlite", "moto"]

AsgiApp = Callable[..., Any]
"""An ASGI application (``async def app(scope, receive, send)``)."""

# Variables that would send boto3 somewhere other than moto, or to a real account.
_CLEARED_ENV = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
)


def default_app_factory() -> AsgiApp:
    """The real API: ``modelyard_local.asgi.create_app()`` (a powertools HttpResolver)."""
    # Imported by name so the local package does not depend on the handlers at import time.
    asgi = importlib.import_module("modelyard_local.asgi")
    app: AsgiApp = asgi.create_app()
    return app


class LocalStackError(RuntimeError):
    """A part of the local stack failed to start."""


class LocalStack:
    """The API on uvicorn + LocalIssuer (+ moto for the AWS-shaped backend), all on ``host``.

    Ports default to the dev ports (API 8642, issuer 8643, moto 8644); pass 0 for free ports.
    ``app_factory`` is called *after* the environment names the backend (and, on moto, the table
    and bucket exist); it defaults to the real API.
    """

    def __init__(
        self,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_API_PORT,
        issuer_port: int = DEFAULT_ISSUER_PORT,
        moto_port: int = DEFAULT_MOTO_PORT,
        *,
        table_name: str = DEFAULT_TABLE,
        bucket_name: str = DEFAULT_BUCKET,
        audience: str = DEFAULT_AUDIENCE,
        app_factory: Callable[[], AsgiApp] | None = None,
        extra_env: Mapping[str, str] | None = None,
        log_level: str = "warning",
        log_config: dict[str, Any] | None = None,
        access_log: bool = False,
        events_pipeline: bool = False,
        notify_printer: Callable[[str], None] | None = None,
        notifications: Mapping[str, Any] | None = None,
        github: bool = False,
        backend: StackBackend = "sqlite",
        data_dir: Path | str | None = None,
        public_url: str | None = None,
    ) -> None:
        self.host = host
        self._public_url = public_url.rstrip("/") if public_url else None
        self.backend = backend
        self._data_dir = Path(data_dir).expanduser().resolve() if data_dir is not None else None
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        self.table_name = table_name
        self.bucket_name = bucket_name
        self.audience = audience
        self._ports = {"api": port, "issuer": issuer_port, "moto": moto_port}
        self._app_factory = app_factory or default_app_factory
        self._extra_env = dict(extra_env or {})
        self._log_level = log_level
        self._log_config = log_config
        self._access_log = access_log
        self._events_pipeline = events_pipeline or notifications is not None
        self._notify_printer = notify_printer
        self._notifications = dict(notifications) if notifications is not None else None
        self._pipeline: Any = None  # a LocalPipeline once started
        self._verifier: Any = None  # a LocalVerifier once started (moto)
        self._dlq_url: str | None = None

        self._with_github = github
        self._github: LocalGitHub | None = None
        self._sign_in_links: LocalSignInLinks | None = None
        self._session_key = secrets.token_urlsafe(48)
        self._moto: MotoServer | None = None
        self._moto_url: str | None = None
        self._issuer: LocalIssuer | None = None
        self._uvicorn: uvicorn.Server | None = None
        self._uvicorn_thread: threading.Thread | None = None
        self._api_socket: socket.socket | None = None
        self._reserved: dict[str, socket.socket] = {}
        self._saved_env: dict[str, str | None] | None = None

    # ------------------------------------------------------------------ urls

    @property
    def moto_url(self) -> str:
        if self._moto_url is None:
            raise RuntimeError(
                "LocalStack is not started" if self.backend == "moto" else "the sqlite backend has no moto"
            )
        return self._moto_url

    @property
    def data_dir(self) -> Path:
        """Where the embedded registry keeps its database, blobs and keys."""
        if self._data_dir is None:
            raise RuntimeError("the moto backend keeps no data directory" if self.backend == "moto" else "not started")
        return self._data_dir

    @property
    def issuer(self) -> LocalIssuer:
        if self._issuer is None:
            raise RuntimeError("LocalStack is not started")
        return self._issuer

    @property
    def issuer_url(self) -> str:
        return self.issuer.url

    @property
    def api_port(self) -> int:
        sock = self._api_socket or self._reserved.get("api")  # reserved: the port is known before the API runs
        if sock is None:
            raise RuntimeError("LocalStack is not started")
        return int(sock.getsockname()[1])

    @property
    def api_url(self) -> str:
        return f"http://{_url_host(self.host)}:{self.api_port}"

    @property
    def public_url(self) -> str:
        """Where clients reach the API (and the artifact transfers it signs URLs for): `api_url` unless given."""
        return self._public_url or self.api_url

    @property
    def events_pipeline(self) -> bool:
        return self._events_pipeline

    @property
    def notifications_configured(self) -> bool:
        return self._notifications is not None

    @property
    def pipeline(self) -> Any:
        """The running :class:`~modelyard_local.pipeline.LocalPipeline` (``events_pipeline=True``)."""
        if self._pipeline is None:
            raise RuntimeError("the events pipeline is not running (LocalStack(events_pipeline=True))")
        return self._pipeline

    @property
    def github(self) -> LocalGitHub:
        """The local GitHub stand-in (approvals, protection rule answers), when started with ``github=True``."""
        if self._github is None:
            raise RuntimeError("LocalStack was not started with github=True")
        return self._github

    def mint(self, **claims: Any) -> str:
        """A token from the local issuer (see :meth:`LocalIssuer.mint`)."""
        return self.issuer.mint(**claims)

    def environment(self) -> dict[str, str]:
        """The variables the stack sets in this process (and that a child process needs)."""
        env = self._backend_environment()
        env.update(
            {
                "MODELYARD_TRUSTED_ISSUERS": self.issuer_url,
                "MODELYARD_AUDIENCE": self.audience,
                # the pages' links (notifications, GitHub's sign-in callback) and, embedded, artifact transfers
                "MODELYARD_PUBLIC_URL": self.public_url,
                "POWERTOOLS_SERVICE_NAME": "modelyard",
                "POWERTOOLS_METRICS_NAMESPACE": "modelyard",
                "POWERTOOLS_TRACE_DISABLED": "true",
                "POWERTOOLS_METRICS_DISABLED": "true",
                "MODELYARD_NOTIFY_ALLOW_LOOPBACK_HTTP": "true",
                "MODELYARD_NOTIFY_PARAMETER_PREFIX": "/modelyard/notifications/",
                # as the template's default: the local issuer's tokens are on refs/heads/main unless minted otherwise
                "MODELYARD_GOVERNANCE_REFS": "refs/heads/main",
            }
        )
        if self._dlq_url is not None:
            env["MODELYARD_NOTIFY_DLQ_URL"] = self._dlq_url
        if self._github is not None:
            env["MODELYARD_GITHUB_APP_ID"] = GITHUB_APP_ID
            env["MODELYARD_GITHUB_APP_PRIVATE_KEY"] = self._github.private_key_pem
            env["MODELYARD_GITHUB_API_URL"] = self._github.url
            # people sign in through the stand-in's device flow (CLI) or web flow (browser); the embedded registry
            # keeps its session key in the data directory, the moto one gets a key for this run
            env["MODELYARD_GITHUB_URL"] = self._github.url
            env["MODELYARD_GITHUB_CLIENT_ID"] = self._github.people.client_id
            env["MODELYARD_GITHUB_CLIENT_SECRET"] = self._github.people.client_secret
            if self.backend == "moto":
                env["MODELYARD_SESSION_KEY"] = self._session_key
        env.update(self._extra_env)
        return env

    def _backend_environment(self) -> dict[str, str]:
        if self.backend == "sqlite":
            return {
                "MODELYARD_BACKEND": "sqlite",
                "MODELYARD_DATA_DIR": str(self.data_dir),
            }
        return {
            "MODELYARD_BACKEND": "dynamodb",
            "AWS_ENDPOINT_URL": self.moto_url,
            "AWS_ENDPOINT_URL_DYNAMODB": self.moto_url,
            "AWS_ENDPOINT_URL_DYNAMODB_STREAMS": self.moto_url,
            "AWS_ENDPOINT_URL_S3": self.moto_url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
            "MODELYARD_TABLE": self.table_name,
            "MODELYARD_BUCKET": self.bucket_name,
        }

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        """Start the backend (moto, or open the data directory), the issuer, the API and the pipeline."""
        if self._issuer is not None:
            return self
        try:
            # every port first: a taken one fails now, before anything runs (PortUnavailable names it)
            wanted = {part: port for part, port in self._ports.items() if part != "moto" or self.backend == "moto"}
            self._reserved = {part: listen_on(part, self.host, port) for part, port in wanted.items()}
            key_file = None
            if self.backend == "moto":
                self._start_moto(self._reserved.pop("moto"))
            else:
                # The data directory's lock first: nothing is written into it (not even the issuer's key)
                # unless this server holds it. A second server on it, or an unusable one, fails here.
                bootstrap.install(self._embedded_settings())
                ports.backend()
                key_file = self.data_dir / ISSUER_KEY_FILE
            with disk_writes(key_file.parent) if key_file is not None else nullcontext():  # a full disk says so
                self._issuer = LocalIssuer(
                    self.host, audience=self.audience, sock=self._reserved.pop("issuer"), key_file=key_file
                ).start()
            if self._with_github:
                self._github = LocalGitHub()
            self._apply_environment()
            if self.backend == "moto":
                bootstrap.install()
                self._create_resources()
                if self._events_pipeline:
                    self._create_dead_letter_queue()
            self._start_api()
            if self.backend == "moto":  # S3 does not hash on arrival: large completions need the verifier
                self._start_verifier()
            if self._events_pipeline:
                self._start_pipeline()
        except BaseException:
            self.stop()
            raise
        return self

    def _embedded_settings(self) -> Settings:
        """The embedded backend's settings, as the environment will say them (see `environment`)."""
        return Settings(
            backend="sqlite",
            data_dir=str(self._prepare_data_dir()),
            public_url=self.public_url,
            table_name=self.table_name,
            bucket_name=self.bucket_name,
        )

    def _prepare_data_dir(self) -> Path:
        if self._data_dir is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="modelyard-")
            self._data_dir = Path(self._scratch.name)
        try:
            with disk_writes(self._data_dir):
                self._data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as error:
            raise DataDirUnusable(f"cannot create the data directory {self._data_dir}: {error.strerror}") from error
        return self._data_dir

    def stop(self) -> None:
        """Stop the API, the events pipeline, the issuer and moto, and restore the environment. Safe to call twice."""
        pipeline, self._pipeline = self._pipeline, None
        if pipeline is not None:
            pipeline.stop()
        verifier, self._verifier = self._verifier, None
        if verifier is not None:
            verifier.stop()
        server, thread = self._uvicorn, self._uvicorn_thread
        self._uvicorn, self._uvicorn_thread = None, None
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(timeout=3)
        for sock in self._reserved.values():
            sock.close()
        self._reserved = {}
        if self._api_socket is not None:
            self._api_socket.close()
            self._api_socket = None
        if self._issuer is not None:
            self._issuer.stop()
            self._issuer = None
        if self._github is not None:
            self._github.stop()
            self._github = None
        if self._moto is not None:
            self._moto.stop()
            self._moto = None
            self._moto_url = None
        self._dlq_url = None
        ports.set_builder(None)  # closes the backend (the database: its data directory's lock is released)
        self._restore_environment()
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch, self._data_dir = None, None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ parts

    def _start_moto(self, sock: socket.socket) -> None:
        if self._log_level.lower() != "debug":
            # moto's werkzeug server logs every request; keep that for debug runs only.
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
        from modelyard_local.moto_guard import MotoInternalsChanged
        from modelyard_local.moto_patches import patch_moto_dynamodb

        # One request at a time (DynamoDB applies each atomically), transactions that copy only the
        # items they touch; fails here, naming what changed, on a moto the patches were not written for.
        try:
            patch_moto_dynamodb()
        except MotoInternalsChanged as error:
            raise LocalStackError(str(error)) from error
        self._moto = MotoServer(sock).start()
        self._moto_url = f"http://{_url_host(self.host)}:{self._moto.port}"
        # moto keeps its backends per process, not per server: a stack started after another one in
        # the same process would see that one's tables, objects and stream records. Start empty.
        reset = urllib.request.Request(  # noqa: S310 - our own loopback server
            f"{self._moto_url}/moto-api/reset", data=b"", method="POST"
        )
        with urllib.request.urlopen(reset, timeout=10) as answer:  # noqa: S310
            answer.read()

    def _apply_environment(self) -> None:
        saved: dict[str, str | None] = {}
        for name in _CLEARED_ENV:
            saved[name] = os.environ.pop(name, None)
        for name, value in self.environment().items():
            saved.setdefault(name, os.environ.get(name))
            os.environ[name] = value
        self._saved_env = saved

    def _restore_environment(self) -> None:
        saved, self._saved_env = self._saved_env, None
        for name, value in (saved or {}).items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    def _client(self, service: str) -> Any:
        session = boto3.session.Session(
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106 - moto's dummy credentials
            region_name=REGION,
        )
        config = BotoConfig(retries={"max_attempts": 2, "mode": "standard"})
        return session.client(service, endpoint_url=self.moto_url, config=config)  # type: ignore[call-overload]

    def _create_resources(self) -> None:
        create_table(self._client("dynamodb"), self.table_name)
        create_bucket(self._client("s3"), self.bucket_name)

    def _create_dead_letter_queue(self) -> None:
        self._dlq_url = str(self._client("sqs").create_queue(QueueName=DEFAULT_DLQ)["QueueUrl"])
        saved = self._saved_env if self._saved_env is not None else {}
        saved.setdefault("MODELYARD_NOTIFY_DLQ_URL", os.environ.get("MODELYARD_NOTIFY_DLQ_URL"))
        os.environ["MODELYARD_NOTIFY_DLQ_URL"] = self._dlq_url

    def _start_pipeline(self) -> None:
        """Feed the outbox (or the table's stream) through the bus to the notifier (see pipeline)."""
        from modelyard_local.pipeline import LocalPipeline, OutboxPipeline

        if self._notifications is not None:
            self._apply_notifications(self._notifications)
        printer = self._notify_printer or (lambda line: print(line, flush=True))
        if self.backend == "sqlite":
            self._pipeline = OutboxPipeline(embedded().outbox, printer=printer).start()
        else:
            self._pipeline = LocalPipeline(self.table_name, printer=printer).start()

    def _start_verifier(self) -> None:
        """Hash large uploads in a thread, as the verifier function does on AWS (see verifier)."""
        from modelyard_local.verifier import LocalVerifier

        printer = self._notify_printer or (lambda line: print(line, flush=True))
        self._verifier = LocalVerifier.for_table(self.table_name, printer).start()

    def set_parameter(self, name: str, value: str) -> None:
        """A channel secret (webhook URL, signing secret) where the backend reads it: SSM, or the database."""
        if self.backend == "sqlite":
            embedded().parameter_store.set_parameter(name, value)
        else:
            self._client("ssm").put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)

    def _apply_notifications(self, spec: Mapping[str, Any]) -> None:
        """A local routing config: its ``parameters`` are stored as secrets, the rest is checked and stored."""
        from modelyard_server.domain.notifications import SetNotificationsRequest, store_notifications
        from modelyard_server.domain.principal import Principal

        for name, value in dict(spec.get("parameters", {})).items():
            self.set_parameter(name, str(value))
        request = SetNotificationsRequest.model_validate({k: v for k, v in spec.items() if k != "parameters"})
        # Whoever started the stack, from its --notifications file: the governance trail says so.
        operator = Principal(claims={"sub": "local:modelyard-dev", "actor": "modelyard dev", "iss": "modelyard-local"})
        store_notifications(request, operator)

    def sign_in_link(self, login: str) -> str:
        """A one-time link that signs a browser in to the web pages as `login` (a GitHub stand-in person)."""
        if self._sign_in_links is None:
            raise RuntimeError("LocalStack signs people in only when started with github=True")
        return f"{self.api_url}{LOCAL_SIGN_IN_PATH}?code={self._sign_in_links.issue(login)}"

    def _start_api(self) -> None:
        app = self._app_factory()
        if self._github is not None:
            self._sign_in_links = LocalSignInLinks(self._github.people)
            app = with_local_sign_in(app, self._sign_in_links)
        sock = self._api_socket = self._reserved.pop("api")
        config = uvicorn.Config(
            app,
            host=self.host,
            port=self.api_port,
            lifespan="off",
            log_level=self._log_level,
            log_config=self._log_config,
            access_log=self._access_log,
            timeout_graceful_shutdown=2,  # Ctrl-C stops the whole stack within 5 s
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="modelyard-api", daemon=True)
        self._uvicorn, self._uvicorn_thread = server, thread
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive():
                raise LocalStackError("the API server exited during startup")
            if time.monotonic() > deadline:
                raise LocalStackError("the API server did not start within 10 s")
            time.sleep(0.01)


def embedded() -> EmbeddedBackend:
    """The embedded backend this process runs (the stack's sqlite backend, once started)."""
    running = ports.backend()
    if not isinstance(running, EmbeddedBackend):
        raise RuntimeError(f"the {running.name} backend is running, not the embedded one")
    return running


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
