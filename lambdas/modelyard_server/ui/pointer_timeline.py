"""A model's stages and aliases as its page shows them: each holder, and who moved it when, from which run,
with which approvers (rollbacks with their reason).

The moves are read from ONE page of the model's latest events (`audit.latest_events`), not from each
pointer's history: the promote event is where a promotion keeps its approvers and sign-offs, and one read
serves every pointer. Events are written by the registry but carry what callers sent (comments, logins from
GitHub), so every field is read defensively and a run URL becomes a link only when it is a web address.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal

from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.model_records import ModelRecord, PointerState
from modelyard_server.ui import links
from modelyard_server.ui.url_safety import EXTERNAL_LINK_CLASS, EXTERNAL_LINK_REL, web_link

PointerKind = Literal["stage", "alias"]
# event type -> (pointer kind, what the page calls the move)
POINTER_MOVES: dict[str, tuple[PointerKind, str]] = {
    "model.version.promoted": ("stage", "promoted"),
    "model.version.rolled_back": ("stage", "rolled back"),
    "model.alias.set": ("alias", "set"),
    "model.alias.deleted": ("alias", "removed"),
}
MAX_NAMES = 20  # approvers or reviewers shown per move: the event's own bound is GitHub's, not ours


@dataclass(frozen=True)
class Approver:
    login: str
    comment: str


@dataclass(frozen=True)
class Move:
    """One move of a stage or alias, as its event recorded it."""

    verb: str
    version: int | None
    previous: int | None
    at: datetime
    by: str  # a person's login, or `actor via owner/repository` for a workflow (as the API's history says)
    by_person: bool
    run_url: str | None  # as the event recorded it; a link only when it is a web address (`run_link`)
    run_id: str | None
    comment: str | None
    approvers: list[Approver] = field(default_factory=list)
    signed_off_by: list[str] = field(default_factory=list)
    authority: str | None = None  # a rollback's: `environment` (a deployment job) or `operate` (ops, from anywhere)
    link_class: ClassVar[str] = EXTERNAL_LINK_CLASS  # the run link leaves the registry, as a model card's links do
    link_rel: ClassVar[str] = EXTERNAL_LINK_REL

    @property
    def is_rollback(self) -> bool:
        return self.verb == "rolled back"

    @property
    def run_link(self) -> str | None:
        return web_link(self.run_url)


@dataclass(frozen=True)
class PointerView:
    kind: PointerKind
    name: str
    holder: PointerState | None
    holder_link: str | None
    moves: list[Move]

    @property
    def label(self) -> str:
        return self.name if self.kind == "stage" else f"@{self.name}"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _number(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _version_in(side: dict[str, Any] | None) -> int | None:
    return _number((side or {}).get("version"))


def _approvers(detail: dict[str, Any]) -> list[Approver]:
    given = detail.get("approvers")
    entries = given if isinstance(given, list) else []
    return [
        Approver(login, _text(entry.get("comment")) or "")
        for entry in entries[:MAX_NAMES]
        if isinstance(entry, dict) and (login := _text(entry.get("login")))
    ]


def _signed_off_by(detail: dict[str, Any]) -> list[str]:
    sign_offs = detail.get("sign_offs")
    names = sign_offs.get("approved_by") if isinstance(sign_offs, dict) else None
    return [name for name in (names if isinstance(names, list) else [])[:MAX_NAMES] if _text(name)]


def move_of(event: EventRecord) -> Move | None:
    """The move an event records, or None when it moved no pointer."""
    known = POINTER_MOVES.get(event.type)
    if known is None:
        return None
    detail = event.detail
    return Move(
        verb=known[1],
        version=_version_in(event.after),
        previous=_version_in(event.before),
        at=event.at,
        by=event.actor,
        by_person=detail.get("actor_kind") == "person",
        run_url=event.run_url,
        run_id=event.run_id,
        comment=_text(detail.get("comment")),
        approvers=_approvers(detail),
        signed_off_by=_signed_off_by(detail),
        authority=_text(detail.get("authority")),
    )


def _moves_by_pointer(events: Iterable[EventRecord]) -> dict[tuple[PointerKind, str], list[Move]]:
    moves: dict[tuple[PointerKind, str], list[Move]] = {}
    for event in events:
        known = POINTER_MOVES.get(event.type)
        name = _text(event.detail.get(known[0])) if known else None
        move = move_of(event)
        if known is None or name is None or move is None:
            continue
        moves.setdefault((known[0], name), []).append(move)
    return moves


def _ordered_names(first: Sequence[str], *more: Iterable[str]) -> list[str]:
    seen = list(first)
    for names in more:
        seen += sorted(set(names) - set(seen))
    return seen


def pointers(model: ModelRecord, stages: Sequence[str], events: Iterable[EventRecord]) -> list[PointerView]:
    """Every stage of the registry (the last, usually production, first), then the model's aliases, each
    with its holder and its moves among `events` (newest first, as given). An alias removed since is
    listed while its moves are among the events."""
    moves = _moves_by_pointer(events)
    stage_names = _ordered_names(list(reversed(stages)), model.stages, (n for k, n in moves if k == "stage"))
    alias_names = _ordered_names([], model.aliases, (n for k, n in moves if k == "alias"))
    sections: tuple[tuple[PointerKind, list[str], dict[str, PointerState]], ...] = (
        ("stage", stage_names, model.stages),
        ("alias", alias_names, model.aliases),
    )
    views = []
    for kind, names, held in sections:
        for name in names:
            holder = held.get(name)
            link = links.version(model.name, holder.version) if holder is not None else None
            views.append(PointerView(kind, name, holder, link, moves.get((kind, name), [])))
    return views


def holders(model: ModelRecord) -> dict[str, int]:
    """What holds which version, as the chart marks it: `production`, `@champion`."""
    held = {stage: pointer.version for stage, pointer in model.stages.items()}
    held |= {f"@{alias}": pointer.version for alias, pointer in model.aliases.items()}
    return held
