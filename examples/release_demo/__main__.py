"""``python -m release_demo [--keep-running] [--state-file FILE]``: see the package's docstring."""

from __future__ import annotations

import argparse
import base64
import json
import secrets
import signal
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from types import FrameType

from modelyard.errors import ModelyardError
from modelyard_local.receivers import Receiver, start_receiver, stop_receivers
from modelyard_server.adapters.channels.webhook import SECRET_PREFIX
from release_demo.narration import Steps, say, show
from release_demo.registry import RunningRegistry, Webhook, start_registry
from release_demo.release import DemoFailed, Release
from release_demo.scenario import ADMIN, MODEL, NOTIFIED_EVENTS, PRODUCTION, WEBHOOK_CHANNEL


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m release_demo",
        description="Release a scikit-learn model through a local modelyard registry, end to end.",
    )
    parser.add_argument(
        "--keep-running",
        action="store_true",
        help="keep the registry up after the demo (browse its Swagger UI) until Ctrl-C or SIGTERM",
    )
    parser.add_argument(
        "--state-file",
        type=Path,
        help="after the release, write the registry's URL, an admin token and the webhook deliveries there (JSON)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    began = time.monotonic()
    steps = Steps()
    notices: list[str] = []  # what the notifier logs, from the events pipeline's thread
    inbox = start_receiver(status=204, body=b"")
    hook = Webhook(
        name=WEBHOOK_CHANNEL,
        url=inbox.url,
        secret=SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode(),
        events=NOTIFIED_EVENTS,
    )
    say(f"modelyard demo: {MODEL} from training to {PRODUCTION}, through a local registry")
    try:
        with tempfile.TemporaryDirectory(prefix="modelyard-demo-") as workdir:
            steps("Start the registry, with a webhook receiver for the deployer")
            with start_registry(admins=[ADMIN], webhook=hook, on_notice=notices.append) as registry:
                show("\n".join(registry.parts))
                Release(registry, hook, inbox, notices, Path(workdir), steps).run()
                say(f"\ndemo finished: all steps passed in {time.monotonic() - began:.1f} s")
                if args.state_file:
                    write_state(args.state_file, registry, hook, inbox)
                if args.keep_running:
                    say(f"the registry stays up at {registry.url} (Ctrl-C to stop)")
                    wait_for_signal()
            say("registry stopped")
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    except (DemoFailed, ModelyardError) as failure:  # a refusal or a client error says what went wrong by itself
        print(f"\nFAILED at step {steps.number} ({steps.title}): {failure}", file=sys.stderr)
        return 1
    except Exception:
        print(f"\nFAILED at step {steps.number} ({steps.title}):", file=sys.stderr)
        traceback.print_exc()
        return 1
    finally:
        stop_receivers(inbox)
    return 0


def write_state(path: Path, registry: RunningRegistry, hook: Webhook, inbox: Receiver) -> None:
    """What a reader needs to look at the registry the demo left: its URL, a token, what the webhook got."""
    state = {
        "registry_url": registry.url,
        "admin_token": registry.mint(repository=ADMIN),
        "webhook": {
            "secret": hook.secret,
            "deliveries": [{"headers": each.headers, "body": each.body.decode()} for each in inbox.delivered()],
        },
    }
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(state, indent=2), encoding="utf-8")
    partial.replace(path)  # whoever waits for the file never reads half of it


def wait_for_signal() -> None:
    """Block until SIGINT or SIGTERM (also when a non-interactive shell started us with SIGINT ignored)."""
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    while not stop.wait(timeout=1):
        pass


if __name__ == "__main__":
    sys.exit(main())
