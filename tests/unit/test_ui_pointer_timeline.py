"""The model page's stages and aliases from a page of events: which events are moves, whose pointer each moves,
and what of an event's (caller-supplied) detail may become a link or a name on the page."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.model_records import ModelRecord, PointerState
from modelyard_server.ui.pointer_timeline import holders, move_of, pointers

AT = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
STAGES = ("development", "staging", "production")


def _event(kind: str, version: int | None, previous: int | None = None, **detail: Any) -> EventRecord:
    return EventRecord(
        id=f"E{kind}{version}",
        type=kind,
        model="fraud",
        at=AT,
        actor=detail.pop("actor", "bob via acme/fraud"),
        run_url=detail.pop("run_url", None),
        run_id=detail.pop("run_id", None),
        before={"version": previous},
        after={"version": version},
        detail=detail,
    )


def _model(stages: dict[str, int], aliases: dict[str, int]) -> ModelRecord:
    def held(version: int) -> PointerState:
        return PointerState(version=version, updated_at=AT, updated_by="bob")

    return ModelRecord(
        name="fraud",
        description="",
        tags={},
        owners=["acme/fraud"],
        latest_version=3,
        created_at=AT,
        created_by="bob",
        updated_at=AT,
        stages={name: held(v) for name, v in stages.items()},
        aliases={name: held(v) for name, v in aliases.items()},
    )


@pytest.mark.parametrize(
    ("run_url", "link"),
    [
        ("https://github.com/acme/fraud/actions/runs/7/attempts/1", "https://github.com/acme/fraud/actions/runs/7/attempts/1"),
        ("javascript:alert(1)", None),
        ("//evil.example/run", None),
        ("data:text/html,<script>alert(1)</script>", None),
        (None, None),
    ],
)  # fmt: skip
def test_a_run_becomes_a_link_only_when_it_is_a_web_address(run_url: str | None, link: str | None) -> None:
    move = move_of(_event("model.version.promoted", 2, 1, stage="production", run_url=run_url))

    assert move is not None
    assert move.run_link == link
    assert move.run_url == run_url  # still shown, as text


def test_approvers_and_sign_offs_are_read_whatever_shape_the_detail_has() -> None:
    approvers = [{"login": "alice", "comment": "ok"}, {"login": 7}, "mallory", {"comment": "no login"}, {"login": "bo"}]
    move = move_of(
        _event(
            "model.version.promoted",
            2,
            stage="production",
            approvers=approvers,
            sign_offs={"approved_by": ["rita", 3, ""]},
        )
    )

    assert move is not None
    assert [(a.login, a.comment) for a in move.approvers] == [("alice", "ok"), ("bo", "")]
    assert move.signed_off_by == ["rita"]
    malformed = move_of(_event("model.version.promoted", 2, stage="production", approvers="alice", sign_offs=[1]))
    assert malformed is not None and (malformed.approvers, malformed.signed_off_by) == ([], [])


def test_only_moves_of_pointers_are_moves() -> None:
    assert move_of(_event("model.version.registered", 3)) is None
    assert move_of(_event("model.promotion.denied", 3, stage="production")) is None
    rollback = move_of(
        _event("model.version.rolled_back", 1, 2, stage="production", comment="bad", authority="operate")
    )
    assert rollback is not None
    assert (rollback.is_rollback, rollback.comment, rollback.authority, rollback.previous) == (
        True,
        "bad",
        "operate",
        2,
    )


def test_every_stage_is_listed_last_first_then_aliases_with_their_moves_newest_first() -> None:
    model = _model({"production": 2}, {"champion": 3})
    events = [  # newest first, as the page reads them
        _event("model.alias.deleted", None, 1, alias="old"),
        _event("model.alias.set", 3, None, alias="champion"),
        _event("model.version.promoted", 2, 1, stage="production"),
        _event("model.version.created", 3),
        _event("model.version.promoted", 1, None, stage="production"),
        _event("model.alias.set", 1, None, alias="old"),
    ]

    shown = pointers(model, STAGES, events)

    assert [(p.kind, p.name) for p in shown] == [
        ("stage", "production"),
        ("stage", "staging"),
        ("stage", "development"),
        ("alias", "champion"),
        ("alias", "old"),  # removed since: listed while its moves are on the page
    ]
    production, staging, _, champion, old = shown
    assert [(m.verb, m.version) for m in production.moves] == [("promoted", 2), ("promoted", 1)]
    assert production.holder_link == "/ui/models/fraud/versions/2"
    assert (staging.holder, staging.moves) == (None, [])
    assert champion.label == "@champion"
    assert old.holder is None and [m.verb for m in old.moves] == ["removed", "set"]
    assert holders(model) == {"production": 2, "@champion": 3}
