"""The incident forms (roll a stage back, archive a version): what was posted, checked before anything moves.

A reason and a ticked confirmation are the page's own rules (the person must say why and mean it); who may
act is the domain's, decided when the request reaches it, whatever the page showed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from modelyard_server.domain import access
from modelyard_server.domain.model_records import ModelRecord
from modelyard_server.domain.principal import Principal
from modelyard_server.ui.web_session import FormRefused

MAX_REASON = 1000
CONFIRMED = "yes"
ARCHIVE_STATUSES = ("archived", "deprecated")
ROLLBACK_FIELDS = ("reason", "confirm", "expected_version")
ARCHIVE_FIELDS = ("reason", "confirm", "status")
_VERSION = re.compile(r"[1-9][0-9]{0,8}")
# as versions.archive_version requires: owners retire their own versions, ops any
ARCHIVING: tuple[access.Capability, ...] = ("develop", "operate")


def may_archive(person: Principal, model: ModelRecord) -> bool:
    """Whether to offer archiving `model`'s versions to `person` (the domain decides again when it is posted)."""
    return any(access.can(person, capability, model) for capability in ARCHIVING)


@dataclass
class IncidentForm:
    """The fields as posted (to show again) and what is wrong with them (empty: go ahead)."""

    reason: str = ""
    confirmed: bool = False
    status: Literal["archived", "deprecated"] = "archived"
    errors: list[str] = field(default_factory=list)


def _checked(fields: dict[str, str]) -> IncidentForm:
    reason = fields.get("reason", "").strip()
    form = IncidentForm(reason=reason[:MAX_REASON], confirmed=fields.get("confirm") == CONFIRMED)
    if not reason:
        form.errors.append("Say why: the reason is recorded in the audit trail.")
    elif len(reason) > MAX_REASON:
        form.errors.append(f"The reason is {len(reason)} characters long; at most {MAX_REASON}.")
    if not form.confirmed:
        form.errors.append("Tick “I confirm” to go ahead.")
    return form


def rollback_form(fields: dict[str, str]) -> tuple[IncidentForm, int]:
    """The checked form and the stage holder the person saw (so a stage that moved since is refused, 409)."""
    seen = fields.get("expected_version", "")
    if _VERSION.fullmatch(seen) is None:
        raise FormRefused("expected_version: the form names no version the stage held; reload the page")
    return _checked(fields), int(seen)


def archive_form(fields: dict[str, str]) -> IncidentForm:
    form = _checked(fields)
    status = fields.get("status", "archived")
    if status == "deprecated":
        form.status = "deprecated"
    elif status != "archived":
        raise FormRefused(f"status: '{status[:30]}' is neither archived nor deprecated")
    return form
