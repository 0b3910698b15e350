"""DynamoDB round trips per API operation, counted where moto receives them.

Every operation is sent through the Lambda handler (in-process, moto behind boto3 and pynamodb)
for a model with 3 versions and again for one with 60 versions and hundreds of events. The
table of counts is printed (``pytest tests/perf -s``); the test asserts only the design's
promise: each call costs a small, fixed number of round trips whatever the number of versions,
and resolving an alias (answered 200, or 304 to a poller holding its ETag) or reading a model
(with its stages and aliases) is exactly one.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest

from modelyard_local.github_people import GitHubPeople
from tests.integration import conftest as integration_harness
from tests.integration import test_sessions
from tests.integration.conftest import Registry
from tests.integration.test_sessions import _session
from tests.perf.dynamo_counting import DynamoCalls, count_dynamodb_calls
from tests.perf.tables import format_table
from tests.support.api_events import ApiResponse

SMALL, LARGE = 3, 60
STAGE_MOVES_LARGE = 10  # extra promotions on the large model: its stage history and events pile up


@pytest.fixture
def dynamo_calls(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> DynamoCalls:
    """Counted once the registry's moto is up."""
    return count_dynamodb_calls(monkeypatch)


def _artifact(index: int) -> bytes:
    return f"model weights #{index}".encode() * 8


def _register(registry: Registry, model: str, index: int, **fields: Any) -> int:
    return int(registry.register(model, _artifact(index), **fields)["version"])


@dataclass
class Measured:
    calls: dict[str, list[str]] = field(default_factory=dict)

    def record(self, operation: str, answer: ApiResponse, actions: list[str], status: int = 200) -> None:
        assert answer.status == status, (operation, answer)
        self.calls[operation] = actions


def _measure(registry: Registry, calls: DynamoCalls, model: str, versions: int, stage_moves: int) -> Measured:
    """Build a model with `versions` versions (the last one registered under measurement) and
    count the DynamoDB actions of each operation."""
    out = Measured()
    answer, actions = calls.during(lambda: registry.call("POST", "/v1/models", body={"name": model}))
    out.record("create model", answer, actions, 201)

    for index in range(1, versions):
        _register(registry, model, index, tags={"batch": "rare" if index == 1 else "common"})
    registry.call("POST", f"/v1/models/{model}/stages/staging/promote", body={"version": 1})
    for move in range(stage_moves):
        target = 2 + move % (versions - 2)
        promoted = registry.call("POST", f"/v1/models/{model}/stages/staging/promote", body={"version": target})
        assert promoted.status == 200, promoted
    registry.call("POST", f"/v1/models/{model}/stages/staging/promote", body={"version": 1})

    data = _artifact(versions)
    body = {"artifact": {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "format": "joblib"}}
    answer, actions = calls.during(lambda: registry.call("POST", f"/v1/models/{model}/versions", body=body))
    out.record("register version (phase 1)", answer, actions, 201)
    number = answer.body["version"]["version"]
    assert number == versions
    registry.put_bytes(answer.body["version"]["artifact"]["key"], data)
    base = f"/v1/models/{model}"
    steps: list[tuple[str, str, str, dict[str, Any]]] = [
        ("complete", "POST", f"{base}/versions/{number}/complete", {"body": {}}),
        ("set alias", "PUT", f"{base}/aliases/champion", {"body": {"version": number}}),
        ("promote", "POST", f"{base}/stages/staging/promote", {"body": {"version": number}}),
        ("get model (stages + aliases)", "GET", base, {}),
        ("get version", "GET", f"{base}/versions/{number}", {}),
        ("resolve alias", "GET", "/v1/resolve", {"query": {"uri": f"models:/{model}@champion"}}),
        ("resolve stage", "GET", "/v1/resolve", {"query": {"uri": f"models:/{model}/stage/staging"}}),
        ("resolve latest", "GET", "/v1/resolve", {"query": {"uri": f"models:/{model}/latest"}}),
        (
            "compare stage with alias",
            "GET",
            "/v1/compare",
            {"query": {"base": f"models:/{model}/Staging", "head": f"models:/{model}@champion"}},
        ),
        ("rollback", "POST", f"{base}/stages/staging/rollback", {"body": {}}),
        ("list versions", "GET", f"{base}/versions", {}),
        ("list events", "GET", f"{base}/events", {}),
    ]
    for operation, method, path, kwargs in steps:
        answer, actions = calls.during(lambda m=method, p=path, k=kwargs: registry.call(m, p, **k))
        out.record(operation, answer, actions)
        if operation == "resolve alias":  # polling with the answer's ETag: a 304, for no more reads
            again = {"query": kwargs["query"], "headers": {"If-None-Match": answer.headers["ETag"]}}
            answer, actions = calls.during(lambda k=again: registry.call("GET", "/v1/resolve", **k))
            out.record("resolve alias, If-None-Match (304)", answer, actions, 304)

    model_view = registry.call("GET", base).body
    assert model_view["latest_version"] == versions
    assert model_view["aliases"]["champion"]["version"] == number
    assert model_view["stages"]["staging"]["version"] == 1  # the rollback undid the promotion

    # Not part of the fixed-cost promise (reported, not asserted): a stage read with its history,
    # and a listing filtered by a tag only the oldest version carries (one page per call: at 60
    # versions its first page matches nothing, so the model is checked to exist, +1 GetItem).
    extras: list[tuple[str, str, dict[str, Any]]] = [
        ("(extra) get stage + history", f"{base}/stages/staging", {}),
        ("(extra) list versions ?tag=batch=rare", f"{base}/versions", {"query": {"tag": "batch=rare"}}),
    ]
    for operation, path, kwargs in extras:
        answer, actions = calls.during(lambda p=path, k=kwargs: registry.call("GET", p, **k))
        out.record(operation, answer, actions)
    return out


def _summary(actions: list[str]) -> str:
    counts = Counter(actions)
    return ", ".join(f"{name} x{n}" if n > 1 else name for name, n in counts.items()) or "-"


def test_dynamodb_round_trips_per_operation_do_not_grow_with_versions(
    registry: Registry, dynamo_calls: DynamoCalls
) -> None:
    small = _measure(registry, dynamo_calls, "bench-small", SMALL, stage_moves=0)
    large = _measure(registry, dynamo_calls, "bench-large", LARGE, stage_moves=STAGE_MOVES_LARGE)
    events = registry.items("bench-large")
    event_count = sum(1 for item in events if item["SK"]["S"].startswith("E#"))

    title = (
        f"DynamoDB round trips per API call (large model: {LARGE} versions, {event_count} events, "
        f"{len(events)} items in its partition)"
    )
    rows = [
        (operation, len(actions), len(large.calls[operation]), _summary(large.calls[operation]))
        for operation, actions in small.calls.items()
    ]
    print(format_table(title, ("operation", f"calls @{SMALL}", f"calls @{LARGE}", f"DynamoDB actions @{LARGE}"), rows))

    fixed_cost = [op for op in small.calls if not op.startswith("(extra)")]
    grew = {op: (len(small.calls[op]), len(large.calls[op])) for op in fixed_cost}
    grew = {op: counts for op, counts in grew.items() if counts[1] > counts[0]}
    assert not grew, f"DynamoDB calls grew with the number of versions: {grew}"
    assert large.calls["resolve alias"] == ["GetItem"]
    assert large.calls["resolve alias, If-None-Match (304)"] == ["GetItem"]
    assert large.calls["get model (stages + aliases)"] == ["Query"]
    assert small.calls["resolve alias"] == ["GetItem"]
    assert small.calls["get model (stages + aliases)"] == ["Query"]


def test_a_governance_trail_page_is_one_query_however_long_the_trail(
    registry: Registry, dynamo_calls: DynamoCalls, monkeypatch: pytest.MonkeyPatch
) -> None:
    from modelyard_server.handlers.wiring import forget_configuration

    monkeypatch.setenv("MODELYARD_ADMIN_REPOSITORIES", "acme/platform")
    forget_configuration()
    admin = registry.token(repository="acme/platform")
    reads = {
        "audit, newest first": {},
        "audit ?kind=notifications.set (none match)": {"kind": "notifications.set"},
        "audit ?order=oldest&after=...": {"order": "oldest", "after": "2000-01-01T00:00:00Z"},
    }
    rows = []
    for changes in (3, 40):
        while (revision := registry.call("GET", "/v1/policy").body["revision"]) < changes:
            body = {"document": {}, "expected_revision": revision}
            answer, writes = dynamo_calls.during(lambda b=body: registry.call("PUT", "/v1/policy", body=b, token=admin))
            assert answer.status == 200, answer
        rows.append((f"set policy (trail of {changes})", _summary(writes)))
        for name, query in reads.items():
            answer, actions = dynamo_calls.during(
                lambda q=query: registry.call("GET", "/v1/audit", query={**q, "limit": "10"}, token=admin)
            )
            assert answer.status == 200, answer
            assert actions == ["Query"], (name, actions)
            rows.append((f"{name} (trail of {changes})", _summary(actions)))
        answer, actions = dynamo_calls.during(lambda: registry.call("GET", "/v1/policy/history", query={"limit": "10"}))
        assert (answer.status, actions) == (200, ["Query"])
        rows.append((f"policy history page (trail of {changes})", _summary(actions)))
    print(format_table("DynamoDB round trips per governance call", ("operation", "DynamoDB actions"), rows))


people = test_sessions.people  # sign-in configured as the template configures it (a fixture)
github = integration_harness.github  # the GitHub stand-in the sign-in asks (a fixture)


def test_a_session_token_costs_one_read_more_than_a_workflow_token(
    registry: Registry, dynamo_calls: DynamoCalls, people: GitHubPeople
) -> None:
    """The sign-out check (domain/sign_out.py): one GetItem per request made with a person's session, none for a
    workflow's OIDC token; a forged session token is refused before any read."""
    registry.create_model("bench-person")
    _register(registry, "bench-person", 1)
    registry.call("PUT", "/v1/models/bench-person/aliases/champion", body={"version": 1})
    session = _session(registry, people)["token"]
    forged = session[:-4] + ("AAAA" if not session.endswith("AAAA") else "BBBB")
    reads = [
        ("whoami", "/v1/whoami", {}),
        ("get model", "/v1/models/bench-person", {}),
        ("resolve alias", "/v1/resolve", {"query": {"uri": "models:/bench-person@champion"}}),
        ("list versions", "/v1/models/bench-person/versions", {}),
    ]
    rows = []
    for operation, path, kwargs in reads:
        counted: dict[str, list[str]] = {}
        for caller, token in (("workflow", registry.token()), ("person", session)):
            answer, actions = dynamo_calls.during(
                lambda p=path, t=token, k=kwargs: registry.call("GET", p, token=t, **k)
            )
            assert answer.status == 200, (operation, caller, answer)
            counted[caller] = actions
        rows.append((operation, _summary(counted["workflow"]), _summary(counted["person"])))
        assert Counter(counted["person"]) - Counter(counted["workflow"]) == Counter({"GetItem": 1}), operation
        assert not Counter(counted["workflow"]) - Counter(counted["person"]), operation
    answer, actions = dynamo_calls.during(lambda: registry.call("GET", "/v1/whoami", token=forged))
    assert (answer.status, actions) == (401, [])
    rows.append(("whoami, forged session token (401)", "n/a", _summary(actions)))
    print(format_table("DynamoDB round trips by kind of token", ("operation", "workflow token", "session token"), rows))
