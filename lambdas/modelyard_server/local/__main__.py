"""Run the local stack until Ctrl-C: ``python -m modelyard_server.local`` (what ``modelyard dev`` runs)."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from modelyard_server.adapters.urls import is_loopback_host
from modelyard_server.domain.errors import DomainError
from modelyard_server.local.stack import (
    DEFAULT_API_PORT,
    DEFAULT_HOST,
    DEFAULT_ISSUER_PORT,
    DEFAULT_MOTO_PORT,
    LocalStack,
)

DEFAULT_DEV_ISSUER = f"http://{DEFAULT_HOST}:{DEFAULT_ISSUER_PORT}"  # where `modelyard dev-token` looks


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m modelyard_server.local",
        description="Run modelyard locally: moto (DynamoDB + S3), a local OIDC issuer and the API.",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to listen on (default %(default)s)")
    parser.add_argument("--port", type=int, default=DEFAULT_API_PORT, help="API port (default %(default)s)")
    parser.add_argument(
        "--issuer-port", type=int, default=DEFAULT_ISSUER_PORT, help="OIDC issuer port (default %(default)s)"
    )
    parser.add_argument(
        "--moto-port", type=int, default=DEFAULT_MOTO_PORT, help="moto server port (default %(default)s)"
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
        help="JSON routing config for the events pipeline: channels, routes and the SSM parameters they name "
        "(webhook URLs, whsec_ secrets); notifications are printed and also posted to those URLs",
    )
    parser.add_argument("--no-events", action="store_true", help="do not run the events pipeline (stream -> notifier)")
    return parser


def _banner(stack: LocalStack) -> str:
    return "\n".join(
        [
            "",
            "modelyard local stack is running",
            f"  API      {stack.api_url}",
            f"  Swagger  {stack.api_url}/v1/docs",
            f"  issuer   {stack.issuer_url}",
            f"  moto     {stack.moto_url}  (table {stack.table_name}, bucket {stack.bucket_name})",
            "",
            "Get a token:",
            f"  export MODELYARD_URL={stack.api_url}",
            *([] if stack.issuer_url == DEFAULT_DEV_ISSUER else [f"  export MODELYARD_DEV_ISSUER={stack.issuer_url}"]),
            "  export MODELYARD_TOKEN=$(modelyard dev-token --repository acme/models)",
            "or raw:",
            f"  curl '{stack.issuer_url}/mint?repository=acme/models'",
            "",
            "GitHub stand-in (approvals of workflow runs, as a GitHub App sees them):",
            f"  {stack.github.url}   approve run 42 for production as alice:",
            f"  curl -X POST {stack.github.url}/_local/approvals -H 'Content-Type: application/json' \\",
            """    -d '{"repository": "acme/models", "run_id": "42", "login": "alice", "environment": "production"}'""",
            "",
            "Events pipeline: each notification is printed here"
            + (" and posted to the configured channels" if stack.notifications_configured else "")
            + (" (off)" if not stack.events_pipeline else ""),
            "",
            "Ctrl-C to stop",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not args.allow_remote and not is_loopback_host(args.host):
        print(
            f"refusing to listen on {args.host}: the local issuer mints tokens for anyone who can "
            "reach it. Use a loopback address, or pass --allow-remote if you really mean it.",
            file=sys.stderr,
        )
        return 2

    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")

    stop = threading.Event()

    def _request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _request_stop)
    signal.signal(signal.SIGTERM, _request_stop)

    notifications = None
    if args.notifications:
        try:
            notifications = json.loads(Path(args.notifications).read_text())
        except (OSError, ValueError) as error:
            print(f"could not read {args.notifications}: {error}", file=sys.stderr)
            return 2
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
    )
    try:
        stack.start()
    except (OSError, ImportError, ValueError, DomainError) as error:
        print(f"could not start the local stack: {error}", file=sys.stderr)
        return 1
    try:
        print(_banner(stack), flush=True)
        while not stop.wait(timeout=1):
            pass
        print("stopping...", flush=True)
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
