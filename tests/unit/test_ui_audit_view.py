"""What an audit page shows of an event: a run link only when it is a web address, the pointer moved, who."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from modelyard_server.domain.event_record import EventRecord
from modelyard_server.ui.audit_view import entry
from modelyard_server.ui.url_safety import web_link as run_link


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "data:text/html,hi", "//evil.example/run", "https://x.example/ run", "", None],
)
def test_a_run_url_that_is_no_web_address_is_no_link(url: str | None) -> None:
    assert run_link(url) is None


def test_a_web_run_url_is_a_link() -> None:
    assert run_link("https://github.com/acme/fraud/actions/runs/7") == "https://github.com/acme/fraud/actions/runs/7"


def test_a_persons_rollback_shows_their_login_id_the_move_and_the_comment() -> None:
    event = EventRecord(
        id="01J",
        type="model.version.rolled_back",
        model="marketing/churn",
        version=2,
        at=datetime(2026, 11, 30, tzinfo=UTC),
        actor="pat (GitHub)",
        run_url="javascript:alert(1)",
        before={"version": 3},
        after={"version": 2},
        detail={"actor_kind": "person", "user_id": "4242", "login": "pat", "stage": "production", "comment": "bad"},
    )
    shown = entry(event)
    assert (shown.who, shown.who_detail, shown.run_link) == ("pat", "GitHub user 4242", None)
    assert (shown.action, shown.versions, shown.reason) == ("model.version.rolled_back (production)", "v3 → v2", "bad")
    assert shown.version_link == "/ui/models/marketing/churn/versions/2"
    assert shown.change is None
