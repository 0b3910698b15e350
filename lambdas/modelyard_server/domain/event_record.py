"""An event of the audit log: what the events consumer publishes and the notifier announces. Its own
module, so those functions load this one model rather than every record and request of the registry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from modelyard_server.domain.model_base import RegistryModel


class EventRecord(RegistryModel):
    id: str
    type: str
    model: str
    version: int | None = None
    at: datetime
    actor: str
    repository: str | None = None
    run_id: str | None = None
    run_url: str | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    detail: dict[str, Any] = Field(default_factory=dict)
