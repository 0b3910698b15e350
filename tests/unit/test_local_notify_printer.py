"""What the local stack prints for a notification (`modelyard dev`, `make demo`): the same facts a Slack or
Teams message gives, the rollback's reason among them, and no approval line where no approval was asked."""

from __future__ import annotations

from datetime import UTC, datetime

from modelyard_local.pipeline import describe
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.notices import build_notice

ROLLED_BACK = EventRecord(
    id="01JROLLBACK",
    type="model.version.rolled_back",
    model="fraud",
    version=2,
    at=datetime(2026, 11, 30, tzinfo=UTC),
    actor="dave",
    before={"version": 3},
    after={"version": 2},
    detail={"stage": "production", "comment": "v3 misroutes EU traffic"},
)


def test_a_rollback_printed_locally_says_why_and_claims_no_approval() -> None:
    printed = describe(None, build_notice(ROLLED_BACK))

    assert "    comment: v3 misroutes EU traffic" in printed.splitlines()
    assert "Approved by" not in printed


def test_a_promotion_still_names_who_approved_it_or_that_none_was_required() -> None:
    promoted = ROLLED_BACK.model_copy(update={"type": "model.version.promoted", "detail": {"stage": "staging"}})

    assert "    Approved by: no approval required" in describe(None, build_notice(promoted)).splitlines()
