"""Run the local stack until Ctrl-C: ``python -m modelyard_server.local`` (what ``modelyard dev`` runs)."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import signal
import sys
import threading
from types import FrameType

from modelyard_server.local.stack import (
    DEFAULT_API_PORT,
    DEFAULT_HOST,
    DEFAULT_ISSUER_PORT,
    DEFAULT_MOTO_PORT,
    LocalStack,
)

DEFAULT_DEV_ISSUER = f"http://{DEFAULT_HOST}:{DEFAULT_ISSUER_PORT}"  # where `modelyard dev-token` looks


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
            "Ctrl-C to stop",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not args.allow_remote and not _is_loopback(args.host):
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

    stack = LocalStack(
        args.host,
        args.port,
        args.issuer_port,
        args.moto_port,
        log_level=args.log_level,
        access_log=True,
    )
    try:
        stack.start()
    except (OSError, ImportError) as error:
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
