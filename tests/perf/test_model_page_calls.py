"""DynamoDB round trips for a model's web page (/ui/models/<name>), for a model of 3 versions and one of 60
versions with hundreds of events: the page reads the model with its pointers, one page of versions and one
page of the latest events, so its cost does not grow with the model; and for its trail (/ui/models/<name>/events)
paged back newest first, each page one read of its events. The counts are printed (``pytest tests/perf -s``);
the tests assert only those promises.
"""

from __future__ import annotations

import functools
from collections import Counter
from urllib.parse import parse_qsl, urlsplit

import pytest

from modelyard_server.ui import links
from tests.integration.conftest import Registry, routed_function
from tests.perf.dynamo_counting import DynamoCalls, count_dynamodb_calls
from tests.perf.tables import format_table
from tests.support.api_events import ApiResponse, http_event, invoke
from tests.support.markup_inspection import parse_markup

SMALL, LARGE = 3, 60
STAGE_MOVES_LARGE = 20
SESSION_COOKIE = "__Host-modelyard-session"


@pytest.fixture
def person(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> str:
    """A person's session, signed with the stack's key as the template configures it."""
    from modelyard_server.handlers.auth import session_tokens
    from modelyard_server.handlers.wiring import forget_configuration
    from modelyard_server.ports.identity import GitHubIdentity

    monkeypatch.setenv("MODELYARD_SESSION_KEY_SECRET", registry.stack.resolver.refs["SessionSigningKey"])
    forget_configuration()
    tokens = session_tokens()
    assert tokens is not None
    return tokens.issue(GitHubIdentity(5151, "vic", (), ()))[0]


def _page(registry: Registry, person: str, path: str, query: list[tuple[str, str]]) -> ApiResponse:
    event = http_event("GET", path, query=query, headers={"content-type": ""})
    event["cookies"] = [f"{SESSION_COOKIE}={person}"]
    function, entry_point = routed_function("GET", path)
    with registry.principals.acting_as(function):
        return invoke(entry_point, event)


def _model(registry: Registry, name: str, versions: int, stage_moves: int) -> None:
    registry.create_model(name)
    for index in range(1, versions + 1):
        registry.register(name, f"{name} weights #{index}".encode(), metrics={"auc": index / 100, "loss": 1 / index})
    for move in range(stage_moves + 1):
        moved = registry.call(
            "POST", f"/v1/models/{name}/stages/staging/promote", body={"version": 1 + move % versions}
        )
        assert moved.status == 200, moved
    assert registry.call("PUT", f"/v1/models/{name}/aliases/champion", body={"version": versions}).status == 200


def _counted(registry: Registry, calls: DynamoCalls, person: str, name: str) -> dict[str, list[str]]:
    measured = {}
    first, actions = calls.during(lambda: _page(registry, person, links.model(name), [("metric", "auc")]))
    assert first.status == 200, first
    measured["first page, chart of auc"] = actions
    older = [a.attrs.get("href") or "" for a in parse_markup(first.raw).with_tag("a") if a.text == "Older versions"]
    if older:
        query = parse_qsl(urlsplit(older[0]).query)
        second, actions = calls.during(lambda: _page(registry, person, links.model(name), query))
        assert second.status == 200, second
        measured["older versions"] = actions
    return measured


def test_the_model_page_costs_the_same_round_trips_whatever_the_model_s_size(
    registry: Registry, person: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _model(registry, "page-small", SMALL, stage_moves=0)
    _model(registry, "page-large", LARGE, stage_moves=STAGE_MOVES_LARGE)
    events = sum(1 for item in registry.items("page-large") if item["SK"]["S"].startswith("E#"))
    calls = count_dynamodb_calls(monkeypatch)

    small = _counted(registry, calls, person, "page-small")
    large = _counted(registry, calls, person, "page-large")

    rows = [
        (
            label,
            len(small.get(label, [])),
            len(actions),
            ", ".join(f"{a} x{n}" if n > 1 else a for a, n in Counter(actions).items()),
        )
        for label, actions in large.items()
    ]
    title = f"DynamoDB round trips for /ui/models/<name> (large: {LARGE} versions, {events} events)"
    print(format_table(title, ["page", f"{SMALL} versions", f"{LARGE} versions", "actions (large)"], rows))
    assert events > 100  # more than the page reads: the timeline's read is bounded, not the whole trail
    assert len(large["first page, chart of auc"]) == len(small["first page, chart of auc"])
    assert len(large["older versions"]) <= len(large["first page, chart of auc"])


def test_paging_a_models_trail_back_costs_each_page_the_same_round_trips(
    registry: Registry, person: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The trail newest first (/ui/models/<name>/events), paged back: each page is one read of its events."""
    _model(registry, "trail", SMALL * 4, stage_moves=STAGE_MOVES_LARGE // 2)
    calls = count_dynamodb_calls(monkeypatch)
    measured: list[tuple[str, list[str]]] = []
    query = [("limit", "5")]
    while query and len(measured) < 4:
        answer, actions = calls.during(functools.partial(_page, registry, person, links.model_audit("trail"), query))
        assert answer.status == 200, answer
        measured.append((f"page {len(measured) + 1}", actions))
        older = [a.attrs.get("href") or "" for a in parse_markup(answer.raw).with_tag("a") if a.text == "Older changes"]
        query = parse_qsl(urlsplit(older[0]).query) if older else []

    rows = [(label, len(actions), ", ".join(sorted(set(actions)))) for label, actions in measured]
    title = "DynamoDB round trips for /ui/models/<name>/events, newest first, 5 a page"
    print(format_table(title, ["page", "calls", "actions"], rows))
    assert len(measured) == 4  # older changes were offered page after page
    assert all(len(actions) == len(measured[0][1]) for _, actions in measured)
