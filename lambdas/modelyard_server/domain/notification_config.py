"""Chat-ops notifications' routing config (which events go to which channel) and the use cases that store it;
what a message says is domain/notices.py.

The config is set by an admin (``PUT /v1/notifications``) and refused there when it could not work:
unknown channel types or event types, malformed URLs, secrets that do not exist or do not look
like what they should. Channel secrets never enter the table: a channel names an SSM Parameter
Store parameter (a SecureString under the notifier's prefix) that holds the Slack/Teams webhook
URL or the Standard Webhooks signing secret.
"""

from __future__ import annotations

import binascii
import fnmatch
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints, model_validator

from modelyard_server.adapters.channels import webhook
from modelyard_server.adapters.urls import is_loopback_host
from modelyard_server.domain import access
from modelyard_server.domain.clock import now
from modelyard_server.domain.errors import DomainError
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.governance_audit import NOTIFICATIONS_SET, governance_event
from modelyard_server.domain.model_base import Revision, StrictModel
from modelyard_server.domain.principal import Principal
from modelyard_server.ports import backend
from modelyard_server.ports.records import ConfigChanged
from modelyard_server.settings import get_settings

# The event types a route may name. infra/template.yaml's bus rule forwards exactly these to the notifier
# (tests/integration/test_template.py holds the two lists equal), so what a route accepts is delivered.
EVENT_TYPES = (
    "model.created",
    "model.updated",
    "model.version.registered",
    "model.version.ready",
    "model.version.rejected",
    "model.version.archived",
    "model.version.deprecated",
    "model.version.restored",
    "model.version.promoted",
    "model.version.rolled_back",
    "model.version.validated",
    "model.version.reviewed",
    "model.alias.set",
    "model.alias.deleted",
    "model.promotion.denied",
    "model.validation.refused",
    "model.policy.set",
    "model.protection_rule.answered",
)
DEFAULT_ROUTE_EVENTS = (
    "model.version.promoted",
    "model.version.rolled_back",
    "model.version.validated",
    "model.promotion.denied",
)


class InvalidNotificationConfig(DomainError):
    status, slug, title = 422, "invalid-notification-config", "Notification config refused"


class NotificationConfigMoved(DomainError):
    status, slug, title = 409, "notification-config-moved", "Notification config changed concurrently"


def _is_event_type(value: str) -> str:
    if value != "*" and value not in EVENT_TYPES:
        raise ValueError(f"unknown event type '{value}'; known: {', '.join(EVENT_TYPES)} (or '*')")
    return value


def check_url(value: str) -> str:
    """An absolute https URL with a host (plain http only to loopback, and only where allowed)."""
    if any(ch.isspace() for ch in value) or len(value) > 2048:
        raise ValueError("malformed URL: it contains whitespace or is over 2048 characters")
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError as error:
        raise ValueError(f"malformed URL: {error}") from error
    if not host:
        raise ValueError("malformed URL: it has no host")
    if parts.username or parts.password:
        raise ValueError("malformed URL: credentials in the URL are not allowed")
    if parts.scheme == "https":
        return value
    if parts.scheme == "http" and is_loopback_host(host) and get_settings().notify_allow_loopback_http:
        return value
    raise ValueError(f"malformed URL: expected https://, got '{parts.scheme}://'")


ChannelName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")]
ParameterName = Annotated[str, StringConstraints(pattern=r"^/[A-Za-z0-9_./-]{1,1000}$")]
EventTypeName = Annotated[str, AfterValidator(_is_event_type)]
HttpsUrl = Annotated[str, AfterValidator(check_url)]
ModelPattern = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.*?/-]{1,128}$")]


class SlackChannel(StrictModel):
    type: Literal["slack"]
    name: ChannelName
    url_parameter: ParameterName = Field(
        description="Parameter holding the Slack incoming-webhook URL (an SSM SecureString on AWS)"
    )


class TeamsChannel(StrictModel):
    type: Literal["teams"]
    name: ChannelName
    url_parameter: ParameterName = Field(
        description="Parameter holding the Teams Workflows webhook URL (an SSM SecureString on AWS)"
    )


class WebhookChannel(StrictModel):
    type: Literal["webhook"]
    name: ChannelName
    url: HttpsUrl = Field(description="Where to POST the signed event")
    secret_parameter: ParameterName = Field(
        description="Parameter holding the signing secret, whsec_... (an SSM SecureString on AWS)"
    )


Channel = Annotated[SlackChannel | TeamsChannel | WebhookChannel, Field(discriminator="type")]


class Route(StrictModel):
    channel: ChannelName
    events: list[EventTypeName] = Field(default_factory=lambda: list(DEFAULT_ROUTE_EVENTS), min_length=1, max_length=20)
    models: list[ModelPattern] = Field(default_factory=lambda: ["*"], min_length=1, max_length=50)
    stages: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=20, description="Only events about these stages (empty: any, or none)"
    )
    validations: Literal["failed", "all"] = Field(default="failed", description="Which validation results to send")

    def matches(self, event: EventRecord) -> bool:
        if "*" not in self.events and event.type not in self.events:
            return False
        if not any(fnmatch.fnmatchcase(event.model, pattern) for pattern in self.models):
            return False
        if self.stages and event.detail.get("stage") not in self.stages:
            return False
        if event.type == "model.version.validated" and self.validations == "failed":
            return (event.after or {}).get("status") == "failed"
        return True


class NotificationConfig(StrictModel):
    channels: list[Channel] = Field(default_factory=list, max_length=20)
    routes: list[Route] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _routes_name_channels(self) -> NotificationConfig:
        names = [channel.name for channel in self.channels]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"channel names must be unique; repeated: {', '.join(duplicates)}")
        unknown = sorted({route.channel for route in self.routes} - set(names))
        if unknown:
            raise ValueError(f"routes name channels that are not configured: {', '.join(unknown)}")
        return self

    def channel(self, name: str) -> SlackChannel | TeamsChannel | WebhookChannel | None:
        return next((channel for channel in self.channels if channel.name == name), None)

    def channels_for(self, event: EventRecord) -> list[SlackChannel | TeamsChannel | WebhookChannel]:
        """Each channel at most once, however many routes send the event there, in config order."""
        wanted = {route.channel for route in self.routes if route.matches(event)}
        return [channel for channel in self.channels if channel.name in wanted]


class SetNotificationsRequest(NotificationConfig):
    expected_revision: Revision | None = Field(
        default=None,
        description="Only replace the config if its revision is still this (0 = none set)",
    )


class NotificationsView(NotificationConfig):
    # An answer read back from storage (where times are ISO strings), not a request: not strict.
    model_config = ConfigDict(strict=False)

    revision: int
    updated_at: datetime | None = None
    updated_by: str | None = None


def _refuse(problems: list[dict[str, str]]) -> InvalidNotificationConfig:
    summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems[:5])
    return InvalidNotificationConfig(summary, errors=problems)


def _check_webhook_secret(value: str) -> str | None:
    """Why `value` is not a usable Standard Webhooks secret, or None if it is."""
    if not value.startswith(webhook.SECRET_PREFIX):
        return f"does not start with '{webhook.SECRET_PREFIX}'"
    try:
        key = webhook.signing_key(value)
    except (binascii.Error, ValueError):
        return f"the part after '{webhook.SECRET_PREFIX}' is not base64"
    if not 24 <= len(key) <= 64:
        return f"the key is {len(key)} bytes; Standard Webhooks keys are 24 to 64 bytes"
    return None


def _secret_problems(index: int, channel: SlackChannel | TeamsChannel | WebhookChannel) -> list[dict[str, str]]:
    """Each channel's secret must exist under the notifier's prefix and hold what the channel needs."""
    prefix = get_settings().notification_parameter_prefix
    name = channel.secret_parameter if isinstance(channel, WebhookChannel) else channel.url_parameter
    where = f"channels.{index}.{'secret_parameter' if isinstance(channel, WebhookChannel) else 'url_parameter'}"
    if not name.startswith(prefix):
        return [{"field": where, "message": f"the notifier may only read parameters under {prefix}; got {name}"}]
    value = backend().parameters.read_parameter(name)
    if value is None:
        message = (
            f"secret missing: parameter {name} does not exist (create it first: on AWS an SSM SecureString; "
            "with modelyard dev, in the --notifications file's parameters)"
        )
        return [{"field": where, "message": message}]
    if isinstance(channel, WebhookChannel):
        why = _check_webhook_secret(value)
        return [] if why is None else [{"field": where, "message": f"the signing secret in {name} {why}"}]
    try:
        check_url(value)
    except ValueError as error:
        return [{"field": where, "message": f"the webhook URL in {name} is a {error}"}]
    return []


def _check_config(config: NotificationConfig) -> None:
    problems: list[dict[str, str]] = []
    stages = get_settings().stages
    for index, route in enumerate(config.routes):
        for stage in route.stages:
            if stage not in stages:
                message = f"'{stage}' is not a stage of this registry; stages are: {', '.join(stages)}"
                problems.append({"field": f"routes.{index}.stages", "message": message})
    for index, channel in enumerate(config.channels):
        problems.extend(_secret_problems(index, channel))
    if problems:
        raise _refuse(problems)


def _view(record: dict[str, Any], revision: int) -> NotificationsView:
    return NotificationsView.model_validate(
        {**record["config"], "revision": revision, "updated_at": record["updated_at"], "updated_by": record["by"]}
    )


def current_config() -> NotificationConfig:
    """The routing config in force (empty when none was ever set)."""
    stored = backend().notifications.get_config()
    return NotificationConfig() if stored is None else NotificationConfig.model_validate(stored[0]["config"])


def get_notifications(principal: Principal) -> NotificationsView:
    access.require(principal, "administer", action="reading the notification config")
    stored = backend().notifications.get_config()
    return NotificationsView(revision=0) if stored is None else _view(*stored)


def set_notifications(request: SetNotificationsRequest, principal: Principal) -> NotificationsView:
    access.require(principal, "administer", action="changing the notification config")
    return store_notifications(request, principal)


def store_notifications(request: SetNotificationsRequest, principal: Principal) -> NotificationsView:
    """Check every channel could work (secrets exist and hold the right thing), then store the config."""
    config = NotificationConfig.model_validate(request.model_dump(exclude={"expected_revision"}))
    _check_config(config)
    stored = backend().notifications.get_config()
    current = stored[1] if stored is not None else 0
    expected = current if request.expected_revision is None else request.expected_revision
    if expected != current:
        raise NotificationConfigMoved(f"the config is at revision {current}, not {expected}; re-read it and retry")
    record = {"config": config.model_dump(mode="json"), "updated_at": now().isoformat(), "by": principal.display_name}
    before = {"revision": current, "config": stored[0]["config"]} if stored is not None else None
    after = {"revision": expected + 1, "config": record["config"]}
    audit = governance_event(NOTIFICATIONS_SET, principal, before, after, subject="registry:notifications")
    try:
        revision = backend().notifications.put_config(record, expected, audit)
    except ConfigChanged as error:
        raise NotificationConfigMoved("the config was replaced at the same time; re-read it and retry") from error
    return _view(record, revision)
