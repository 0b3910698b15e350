"""Run the local stack until Ctrl-C: ``python -m modelyard_local`` (what ``modelyard dev`` runs).

Ctrl-C or SIGTERM stops it within :data:`STOP_DEADLINE_SECONDS`, also while it is starting: a
stop that overruns the deadline (a hung request, a slow webhook) ends the process anyway, and
a second signal ends it at once.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import re
import signal
import sys
import threading
import urllib.parse
from pathlib import Path
from types import FrameType

from modelyard_local.issuer import local_user_id
from modelyard_local.ports import PortUnavailable
from modelyard_local.stack import (
    DEFAULT_API_PORT,
    DEFAULT_HOST,
    DEFAULT_ISSUER_PORT,
    DEFAULT_MOTO_PORT,
    LocalStack,
    LocalStackError,
)
from modelyard_server.adapters.embedded.database import UNUSABLE_DATA_DIR
from modelyard_server.adapters.urls import is_loopback_host
from modelyard_server.domain.errors import DomainError

STOP_DEADLINE_SECONDS = 4.0
#: the option that moves each part of the stack to another port
PORT_FLAGS = {"api": "--port", "issuer": "--issuer-port", "moto": "--moto-port"}
#: what stops the stack from starting, each with a message that says what to do
START_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    ImportError,
    ValueError,
    DomainError,
    LocalStackError,
    *UNUSABLE_DATA_DIR,
)
QUIET_LOGGERS = ("botocore", "boto3", "urllib3", "pynamodb")  # INFO: a line per AWS call or setting


def parser() -> argparse.ArgumentParser:
    """The options of ``modelyard dev`` (the CLI hands its arguments to this parser)."""
    parser = argparse.ArgumentParser(
        prog="modelyard dev",
        description="Run modelyard locally until Ctrl-C: the API on the embedded registry (SQLite + files in "
        "--data-dir, kept across restarts), a local OIDC issuer, a GitHub stand-in and the events pipeline. "
        "--backend moto runs the AWS-shaped stack (DynamoDB, S3, SSM, SQS on moto; nothing is kept). "
        "Port 0 picks a free port.",
    )
    parser.add_argument(
        "--backend",
        choices=["sqlite", "moto"],
        default="sqlite",
        help="sqlite: the embedded registry (default); moto: DynamoDB and S3 as on AWS, in memory",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=default_data_dir(),
        help="where the embedded registry keeps its database, artifacts and keys (default %(default)s)",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to listen on (default %(default)s)")
    parser.add_argument("--port", type=int, default=DEFAULT_API_PORT, help="API port (default %(default)s)")
    parser.add_argument(
        "--public-url",
        metavar="URL",
        help="the URL clients reach this server at, when it is not http://HOST:PORT (a teammate's view of "
        "--host 0.0.0.0, a proxy): artifact upload and download URLs point there",
    )
    parser.add_argument(
        "--issuer-port", type=int, default=DEFAULT_ISSUER_PORT, help="OIDC issuer port (default %(default)s)"
    )
    parser.add_argument(
        "--moto-port",
        type=int,
        default=DEFAULT_MOTO_PORT,
        help="moto's port, --backend moto (default %(default)s)",
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a non-loopback --host (the issuer mints tokens for anyone who can reach it)",
    )
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    parser.add_argument(
        "--notifications",
        metavar="FILE",
        help="JSON routing config for the events pipeline: channels, routes and the parameters they name "
        "(webhook URLs, whsec_ secrets; kept in the data directory, or in moto's SSM); notifications are "
        "printed and also posted to those URLs",
    )
    parser.add_argument("--no-events", action="store_true", help="do not run the events pipeline (outbox -> notifier)")
    return parser


def _port_advice(error: PortUnavailable) -> str:
    flag = PORT_FLAGS.get(error.part, "--port")
    return (
        f"could not start the local stack: {error}. Stop what is using port {error.port}, "
        f"or pick another one with {flag} N ({flag} 0: any free port)"
    )


def default_data_dir() -> Path:
    """The user's data directory for modelyard (XDG on Linux, Application Support on macOS; POSIX only)."""
    if sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "modelyard"


def _storage_line(stack: LocalStack) -> str:
    if stack.backend == "sqlite":
        return f"  data     {stack.data_dir}  (SQLite, artifacts, keys: copy it while stopped to back it up)"
    return f"  moto     {stack.moto_url}  (table {stack.table_name}, bucket {stack.bucket_name}; in memory)"


def local_login() -> str:
    """The local user's GitHub login in the stand-in: the account name, as GitHub would spell a login."""
    try:
        account = getpass.getuser()
    except (OSError, KeyError):
        account = ""
    login = re.sub(r"[^A-Za-z0-9-]+", "-", account).strip("-")[:39]
    return login or "developer"


def _with_local_admin(login: str) -> str:
    """MODELYARD_ADMIN_SUBJECTS as set, plus the local user."""
    given = os.environ.get("MODELYARD_ADMIN_SUBJECTS", "")
    return ",".join(part for part in (given, f"github-user:{local_user_id(login)}") if part)


def _banner(stack: LocalStack, login: str) -> str:
    return "\n".join(
        [
            "",
            "modelyard local stack is running",
            f"  API      {stack.api_url}",
            f"  Swagger  {stack.api_url}/v1/docs",
            f"  Web UI   {stack.sign_in_link(login)}",
            f"           (signs a browser in as {login}, a registry admin here; the link works once, for 10 minutes)",
            f"  issuer   {stack.issuer_url}",
            _storage_line(stack),
            "",
            "In another shell:",
            f"  export MODELYARD_URL={stack.api_url}",
            f"  export MODELYARD_DEV_ISSUER={stack.issuer_url}",
            "  export MODELYARD_TOKEN=$(modelyard dev-token --repository acme/models)",
            "  (promoting needs a token of the stage's environment: add --environment staging)",
            "or raw:",
            f"  curl '{stack.issuer_url}/mint?repository=acme/models'",
            "",
            "GitHub stand-in (approvals of workflow runs, as a GitHub App sees them):",
            f"  {stack.github.url}   approve run 42 for production as alice:",
            f"  curl -X POST {stack.github.url}/_local/approvals -H 'Content-Type: application/json' \\",
            """    -d '{"repository": "acme/models", "run_id": "42", "login": "alice", "environment": "production"}'""",
            "  people sign in with its device flow (`modelyard login`); approve the code it prints as alice:",
            f"  curl -X POST {stack.github.url}/_local/device/approve -d user_code=ABCD-EFGH -d login=alice",
            "  and with its web flow (the web pages' sign-in); be signed in at GitHub in your browser as alice:",
            f"  curl -X POST {stack.github.url}/_local/browser/sign-in -d login=alice",
            "",
            "Events pipeline: each notification is printed here"
            + (" and posted to the configured channels" if stack.notifications_configured else "")
            + (" (off)" if not stack.events_pipeline else ""),
            "",
            "Ctrl-C to stop",
            "",
        ]
    )


class _Stopper:
    """SIGINT/SIGTERM handling: stop at once while starting, within the deadline once running."""

    def __init__(self) -> None:
        self.requested = threading.Event()
        self.running = False

    def install(self) -> None:
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self.requested.is_set():
            os._exit(128 + signum)  # asked twice: leave now
        self.requested.set()
        deadline = threading.Timer(STOP_DEADLINE_SECONDS, self._overrun)
        deadline.daemon = True
        deadline.start()
        if not self.running:
            raise KeyboardInterrupt  # interrupts start(), which stops what already runs

    @staticmethod
    def _overrun() -> None:
        print(f"the stack did not stop within {STOP_DEADLINE_SECONDS:g} s; exiting anyway", file=sys.stderr, flush=True)
        os._exit(1)


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(levelname)s %(name)s: %(message)s")
    if level != "debug":
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)


def public_url_problem(url: str) -> str | None:
    """Why `url` cannot be where clients reach the server (artifact URLs are built on it), or None."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        return f"--public-url must be http(s)://HOST[:PORT][/PATH], not {url!r}"
    return None


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    problem = public_url_problem(args.public_url) if args.public_url else None
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2
    if not args.allow_remote and not is_loopback_host(args.host):
        print(
            f"refusing to listen on {args.host}: the local issuer mints tokens for anyone who can "
            "reach it. Use a loopback address, or pass --allow-remote if you really mean it.",
            file=sys.stderr,
        )
        return 2
    _configure_logging(args.log_level)

    notifications = None
    if args.notifications:
        try:
            notifications = json.loads(Path(args.notifications).read_text())
        except (OSError, ValueError) as error:
            print(f"could not read {args.notifications}: {error}", file=sys.stderr)
            return 2
    stopper = _Stopper()
    stopper.install()
    login = local_login()
    stack = LocalStack(
        args.host,
        args.port,
        args.issuer_port,
        args.moto_port,
        log_level=args.log_level,
        access_log=True,
        events_pipeline=not args.no_events,
        notifications=notifications,
        github=True,
        backend=args.backend,
        data_dir=args.data_dir if args.backend == "sqlite" else None,
        public_url=args.public_url,
        # the person at this machine administers their own registry (their web sign-in link is below)
        extra_env={"MODELYARD_ADMIN_SUBJECTS": _with_local_admin(login)},
    )
    try:
        try:
            stack.start()
        except PortUnavailable as error:
            print(_port_advice(error), file=sys.stderr)
            return 1
        except START_ERRORS as error:
            print(f"could not start the local stack: {error}", file=sys.stderr)
            return 1
        stopper.running = True
        print(_banner(stack, login), flush=True)
        while not stopper.requested.wait(timeout=1):
            pass
        print("stopping...", flush=True)
    except KeyboardInterrupt:
        print("stopped while starting", file=sys.stderr)
        return 130
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
