"""Delivery over HTTP: what is retried, how long it waits, and why it gives up (loopback receivers)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from modelyard_local.receivers import Receiver, start_receiver, stop_receivers
from modelyard_server.adapters.channels.http import OutgoingMessage, RetryPolicy, deliver, retry_after_seconds

FAST = RetryPolicy(attempts=3, backoff_seconds=0.01, max_backoff_seconds=1.0, timeout_seconds=0.3)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = start_receiver()
    yield started
    stop_receivers(started)


def test_backoff_doubles_and_is_capped() -> None:
    policy = RetryPolicy(attempts=6, backoff_seconds=1.0, max_backoff_seconds=5.0)
    assert [policy.backoff(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_retry_after_in_seconds_or_as_an_http_date() -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_retry_after_is_honoured_between_attempts(receiver: Receiver) -> None:
    receiver.fail_next(1, status=429, headers={"Retry-After": "1"})
    waits: list[float] = []
    outcome = deliver(OutgoingMessage(receiver.url, b"{}"), FAST, sleep=waits.append)
    assert (outcome.delivered, outcome.attempts) == (True, 2)
    assert waits == [1.0]


def test_a_retry_after_longer_than_the_notifier_waits_goes_to_the_dead_letters(receiver: Receiver) -> None:
    receiver.fail_next(1, status=429, headers={"Retry-After": "120"})
    outcome = deliver(OutgoingMessage(receiver.url, b"{}"), FAST, sleep=lambda _: None)
    assert not outcome.delivered
    assert outcome.attempts == 1
    assert outcome.reason == "HTTP 429: unavailable; Retry-After 120 s is longer than the notifier waits (1 s)"


def test_a_receiver_that_never_answers_times_out_and_is_retried() -> None:
    with socket.socket() as silent:  # accepts connections (kernel backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/hook"
        outcome = deliver(OutgoingMessage(url, b"{}"), FAST, sleep=lambda _: None)
    assert not outcome.delivered
    assert outcome.reason == "timed out after 0.3 s (gave up after 3 attempts)"


def test_a_closed_port_is_a_connection_failure() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    outcome = deliver(OutgoingMessage(f"http://127.0.0.1:{port}/hook", b"{}"), FAST, sleep=lambda _: None)
    assert not outcome.delivered
    assert outcome.reason is not None and outcome.reason.startswith("could not connect")


def test_redirects_are_not_followed(receiver: Receiver) -> None:
    receiver.fail_next(1, status=307, headers={"Location": "http://127.0.0.1:9/elsewhere"})
    outcome = deliver(OutgoingMessage(receiver.url, b"{}"), FAST, sleep=lambda _: None)
    assert (outcome.delivered, outcome.status) == (False, 307)
    assert outcome.reason is not None and outcome.reason.endswith("(not retried)")
