"""Replay the notification dead-letter queue: ``python -m modelyard_server.handlers.redrive``.

Uses the same settings as the notifier (``MODELYARD_TABLE``, ``MODELYARD_NOTIFY_DLQ_URL``, …)
and the operator's AWS credentials. Exit status 1 when something is still undelivered.
"""

from __future__ import annotations

import argparse
import os
import sys

from modelyard_server import bootstrap
from modelyard_server.domain import notifier
from modelyard_server.handlers.terminal_text import printable
from modelyard_server.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m modelyard_server.handlers.redrive", description=__doc__)
    parser.add_argument("--queue-url", help="the dead-letter queue (default: $MODELYARD_NOTIFY_DLQ_URL)")
    parser.add_argument("--limit", type=int, default=100, help="at most this many messages (default %(default)s)")
    args = parser.parse_args(argv)
    if args.queue_url:
        os.environ["MODELYARD_NOTIFY_DLQ_URL"] = args.queue_url
        get_settings.cache_clear()
    bootstrap.install()
    try:
        results = notifier.redrive(args.limit)
    except notifier.NotDelivered as error:
        print(printable(f"redrive: {error}"), file=sys.stderr)
        return 2
    for result in results:
        why = f": {result.reason}" if result.reason else ""
        print(printable(f"{result.outcome:<9} {result.channel}{why}"))
    sent = sum(result.outcome in ("sent", "duplicate") for result in results)
    print(f"{sent} of {len(results)} redelivered")
    return 0 if sent == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
