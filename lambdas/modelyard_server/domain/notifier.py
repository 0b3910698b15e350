"""Deliver an event to every channel its routes name, at least once; what cannot be delivered is dead-lettered.

Each channel is delivered (and, on failure, dead-lettered) on its own, so one broken channel
never makes another receive a message twice. A channel that already got an event (a redelivery
from the stream, EventBridge or a redrive) is skipped, and a generic webhook always carries the
event id as ``webhook-id`` for receivers to dedupe on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from modelyard_server.adapters.channels import http, slack, teams, webhook
from modelyard_server.domain.clock import now
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.notices import Notice, build_notice
from modelyard_server.domain.notification_config import (
    NotificationConfig,
    SlackChannel,
    TeamsChannel,
    WebhookChannel,
    check_url,
    current_config,
)
from modelyard_server.ports import backend
from modelyard_server.settings import get_settings

AnyChannel = SlackChannel | TeamsChannel | WebhookChannel
Observer = Callable[[AnyChannel, Notice, http.OutgoingMessage], None]
"""Called with each message just before it is sent (the local stack prints them)."""


class NotDelivered(Exception):
    """A delivery failed and there is no dead-letter queue to keep it: let the caller's retries have it."""


@dataclass(frozen=True)
class Delivery:
    channel: str
    outcome: Literal["sent", "duplicate", "dead_lettered", "failed"]
    attempts: int = 0
    reason: str | None = None


def retry_policy() -> http.RetryPolicy:
    settings = get_settings()
    return http.RetryPolicy(
        attempts=settings.notify_max_attempts,
        backoff_seconds=settings.notify_backoff_seconds,
        max_backoff_seconds=settings.notify_max_backoff_seconds,
        timeout_seconds=settings.notify_timeout_seconds,
    )


class SecretUnavailable(Exception):
    """A channel's secret is gone or no longer valid (it was checked when the config was set)."""


def _secret(name: str) -> str:
    value = backend().parameters.read_parameter(name)
    if value is None:
        raise SecretUnavailable(f"the channel secret parameter {name} does not exist")
    return value


def render(channel: AnyChannel, notice: Notice) -> http.OutgoingMessage:
    if isinstance(channel, WebhookChannel):
        return webhook.render(notice.event, channel.url, _secret(channel.secret_parameter))
    url = _secret(channel.url_parameter)
    try:
        check_url(url)
    except ValueError as error:
        raise SecretUnavailable(f"the channel secret parameter {channel.url_parameter} holds a {error}") from error
    return slack.render(notice, url) if isinstance(channel, SlackChannel) else teams.render(notice, url)


def _attempt(channel: AnyChannel, notice: Notice, observer: Observer | None) -> http.DeliveryOutcome:
    try:
        message = render(channel, notice)
    except SecretUnavailable as error:
        return http.DeliveryOutcome(False, 0, None, f"secret unavailable: {error}")
    if observer is not None:
        observer(channel, notice, message)
    return http.deliver(message, retry_policy())


def dead_letter_body(event: EventRecord, channel: AnyChannel, outcome: http.DeliveryOutcome) -> dict[str, Any]:
    return {
        "event": event.model_dump(mode="json"),
        "channel": channel.name,
        "channel_type": channel.type,
        "reason": outcome.reason,
        "status": outcome.status,
        "attempts": outcome.attempts,
        "failed_at": now().isoformat(),
    }


def deliver_to(channel: AnyChannel, notice: Notice, observer: Observer | None = None) -> Delivery:
    event = notice.event
    if backend().notifications.already_sent(event.id, channel.name):
        return Delivery(channel.name, "duplicate")
    outcome = _attempt(channel, notice, observer)
    if outcome.delivered:
        backend().notifications.mark_sent(event.id, channel.name)
        return Delivery(channel.name, "sent", outcome.attempts)
    queue = backend().dead_letters
    if queue is None:
        raise NotDelivered(f"{channel.name}: {outcome.reason}")
    queue.send(dead_letter_body(event, channel, outcome))
    return Delivery(channel.name, "dead_lettered", outcome.attempts, outcome.reason)


def notify(
    event: EventRecord, config: NotificationConfig | None = None, observer: Observer | None = None
) -> list[Delivery]:
    """One message per routed channel; dead-letters each failure with its reason."""
    chosen = config if config is not None else current_config()
    channels = chosen.channels_for(event)
    if not channels:
        return []
    notice = build_notice(event, get_settings().public_url)
    return [deliver_to(channel, notice, observer) for channel in channels]


def _letter_contents(body: dict[str, Any]) -> tuple[EventRecord, str | None]:
    """The event a dead letter holds and its channel (None: every channel its routes name).

    Three producers write to the queue: the notifier (one channel's failed delivery), Lambda's
    on-failure destination (``requestPayload`` is the EventBridge event) and the bus rule's own
    dead-letter config (the EventBridge event itself).
    """
    if "event" in body:
        return EventRecord.model_validate(body["event"]), str(body.get("channel"))
    payload = body.get("requestPayload", body)
    return EventRecord.model_validate(payload["detail"]), None


def _redeliver(event: EventRecord, name: str, config: NotificationConfig, observer: Observer | None) -> Delivery:
    channel = config.channel(name)
    if channel is None:
        return Delivery(name, "failed", 0, f"channel '{name}' is no longer configured; left in the queue")
    if backend().notifications.already_sent(event.id, name):
        return Delivery(name, "duplicate")
    outcome = _attempt(channel, build_notice(event, get_settings().public_url), observer)
    if not outcome.delivered:
        return Delivery(name, "failed", outcome.attempts, outcome.reason)
    backend().notifications.mark_sent(event.id, name)
    return Delivery(name, "sent", outcome.attempts)


def redrive(limit: int = 100, observer: Observer | None = None) -> list[Delivery]:
    """Replay dead letters to their channels as configured now; what is delivered leaves the queue.

    A delivery that fails again stays in the queue (it reappears once its visibility lapses); so does
    one whose channel is no longer configured, so nothing is dropped by a config change, and one that holds
    no event (not even JSON: anyone allowed to send to the queue can), for a person to read. A whole
    event (from Lambda or the bus) is notified afresh: each channel that fails gets its own letter.
    """
    queue = backend().dead_letters
    if queue is None:
        raise NotDelivered("no dead-letter queue is configured (MODELYARD_NOTIFY_DLQ_URL)")
    config = current_config()
    results: list[Delivery] = []
    for letter in queue.receive(limit):
        try:
            event, name = _letter_contents(letter.body)
        except (KeyError, TypeError, ValidationError) as unreadable:  # left for a person: nothing says what it was
            why = f"{type(unreadable).__name__}: {str(unreadable).splitlines()[0][:200]}"
            results.append(Delivery("(unreadable letter)", "failed", 0, f"left in the queue, unreadable ({why})"))
            continue
        if name is None:
            results.extend(notify(event, config, observer))
            queue.delete(letter)
            continue
        result = _redeliver(event, name, config, observer)
        if result.outcome in ("sent", "duplicate"):
            queue.delete(letter)
        results.append(result)
    return results
