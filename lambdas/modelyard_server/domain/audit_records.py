"""The audit trail's records: who did something (the verified token's identity, as events, grants and versions
record it) and a page of a trail's events. Apart from `event_record`, which the events consumer and the notifier
load alone."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.model_base import RegistryModel


class Actor(RegistryModel):
    """Who did something: the verified token's identity (a workflow run, or a person signed in with GitHub)."""

    subject: str
    kind: Literal["workflow", "person"] = "workflow"
    repository: str | None = None
    actor: str | None = None
    run_id: str | None = None
    run_url: str | None = None
    environment: str | None = None
    issuer: str
    user_id: str | None = Field(default=None, description="a person's GitHub user id (what identifies them)")
    login: str | None = Field(default=None, description="a person's GitHub login when they acted")
    client: str | None = Field(default=None, description="the client they acted through (its User-Agent)")


class EventPage(RegistryModel):
    items: list[EventRecord]
    next_token: str | None = None
