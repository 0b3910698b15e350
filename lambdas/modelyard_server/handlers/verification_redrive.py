"""Verify again what the verifier gave up on: ``python -m modelyard_server.handlers.verification_redrive``.

A large upload's verification runs in the verifier function; an invocation that keeps failing (the store
unreachable, the function timing out) lands in the verification dead-letter queue (the stack's output
``VerificationDeadLetterQueueUrl``) with its version left ``verifying``. This runs the same verification for
each letter with the operator's AWS credentials and the verifier's settings (``MODELYARD_TABLE``,
``MODELYARD_BUCKET``); a letter leaves the queue once its version is settled (ready or rejected, or no longer
verifying for another reason: archived since) or gone. A letter that is no verification (not even JSON) stays.
A letter that fails is tried once a run, even if it is back in the queue before the run ends. Exit status 1
when a letter is still there.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from modelyard_server import bootstrap
from modelyard_server.adapters.sqs_dead_letters import SqsDeadLetters
from modelyard_server.domain import verification
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.handlers.terminal_text import printable
from modelyard_server.ports.records import DeadLetter

QUEUE_VARIABLE = "MODELYARD_VERIFY_DLQ_URL"


@dataclass(frozen=True)
class Outcome:
    letter: str  # what the letter was about: "model vN", or why it could not be read
    status: str  # the version's status now (its verification over), gone, failed, unreadable
    reason: str | None = None

    @property
    def settled(self) -> bool:
        # a version no longer verifying is settled, whatever happened to it since (archived, deprecated)
        return self.status not in ("failed", "unreadable")


def _trigger(body: dict[str, Any]) -> EventRecord:
    """The `model.version.verifying` event a letter holds (Lambda's on-failure record, or the bus event itself)."""
    payload = body.get("requestPayload", body)
    if not isinstance(payload, dict) or not isinstance(payload.get("detail"), dict):
        raise ValueError("the letter holds no bus event (no detail)")
    trigger = EventRecord.model_validate(payload["detail"])
    if trigger.type != verification.VERIFYING_EVENT or trigger.version is None:
        raise ValueError(f"the letter holds a {trigger.type} event, not a verification")
    return trigger


def redrive(queue: SqsDeadLetters, limit: int) -> list[Outcome]:
    """Verify each letter's version again; settled letters leave the queue, the others stay (visible again later)."""
    outcomes: list[Outcome] = []
    unsettled: set[str] = set()  # the letters this run could not settle
    for letter in queue.receive(limit):
        # a verification may outlast the queue's visibility timeout: a letter that failed comes back during the
        # run, and trying it again (hashing gigabytes again) until `limit` would tell the operator nothing new
        seen = json.dumps(letter.body, sort_keys=True)
        if seen in unsettled:
            continue
        outcomes.append(_settled(queue, letter))
        if not outcomes[-1].settled:
            unsettled.add(seen)
    return outcomes


def _settled(queue: SqsDeadLetters, letter: DeadLetter) -> Outcome:
    """Verify a letter's version again; the letter leaves the queue once the version is settled."""
    try:
        trigger = _trigger(letter.body)
    except (ValueError, ValidationError) as error:  # left for a person to read: nothing here knows what it was
        return Outcome("a letter", "unreadable", str(error).splitlines()[0][:200])
    subject = f"{trigger.model} v{trigger.version}"
    try:
        version = verification.settle(trigger)
    except Exception as error:  # whatever failed the verifier may fail here too: report it, keep the letter
        return Outcome(subject, "failed", f"{type(error).__name__}: {str(error)[:200]}")
    status = "gone" if version is None else version.status
    if status == "verifying":  # settle() leaves a version verifying only if its write lost a race: retry later
        return Outcome(subject, "failed", "still verifying; run again")
    queue.delete(letter)
    return Outcome(subject, status, version.status_reason if version is not None else None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name if __spec__ else __name__}", description=__doc__)
    parser.add_argument("--queue-url", help=f"the verification dead-letter queue (default: ${QUEUE_VARIABLE})")
    parser.add_argument("--limit", type=int, default=100, help="at most this many letters (default %(default)s)")
    args = parser.parse_args(argv)
    queue_url = args.queue_url or os.environ.get(QUEUE_VARIABLE)
    if not queue_url:
        parser.error(f"give --queue-url or set {QUEUE_VARIABLE} (the stack's VerificationDeadLetterQueueUrl output)")
    if args.limit < 1:
        parser.error("--limit must be at least 1")
    bootstrap.install()
    outcomes = redrive(SqsDeadLetters(queue_url), args.limit)
    for outcome in outcomes:
        why = f": {outcome.reason}" if outcome.reason else ""
        print(printable(f"{outcome.status:<10} {outcome.letter}{why}"))
    settled = sum(outcome.settled for outcome in outcomes)
    print(f"{settled} of {len(outcomes)} settled")
    return 0 if settled == len(outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
