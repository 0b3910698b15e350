"""MLflow's URI habits in the client: `models:/fraud/Production` and `models:/fraud/latest` reach the
registry in their canonical form, and are resolved there (the client cannot know what they name)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from conftest import Answer, Loopback, Seen
from modelyard import Client
from modelyard.errors import ClientError
from modelyard.transport import RetryPolicy

SUMMARY = {"model": "fraud", "version": 3, "uri": "models:/fraud/3", "status": "ready"}


@pytest.fixture
def asked(loopback: Callable[[Any], Loopback], clean_env: None) -> tuple[list[Seen], Client]:
    seen: list[Seen] = []

    def answer(request: Seen) -> Answer:
        seen.append(request)
        if request.path == "/v1/resolve":
            return Answer(200, SUMMARY)
        return Answer(200, {**SUMMARY, "artifact": {}})

    server = loopback(answer)
    return seen, Client(server.url, "test-token", retry=RetryPolicy(attempts=1, base_delay=0.001), progress=False)


@pytest.mark.parametrize(
    ("written", "sent"),
    [
        ("models:/fraud/Production", "models:/fraud/stage/production"),
        ("models:/fraud/staging", "models:/fraud/stage/staging"),
        ("models:/fraud/latest", "models:/fraud/latest"),
        ("models:/fraud/LATEST", "models:/fraud/latest"),
    ],
)
def test_resolve_sends_the_canonical_uri(asked: tuple[list[Seen], Client], written: str, sent: str) -> None:
    seen, client = asked
    assert client.resolve(written)["version"] == 3
    assert seen[-1].query["uri"] == [sent]


def test_a_version_named_by_latest_is_resolved_by_the_registry(asked: tuple[list[Seen], Client]) -> None:
    seen, client = asked
    assert client.version_ref("fraud", "models:/fraud/latest") == 3
    assert [request.path for request in seen] == ["/v1/resolve"]


def test_a_word_that_is_no_stage_name_is_refused_before_any_request(asked: tuple[list[Seen], Client]) -> None:
    seen, client = asked
    with pytest.raises(ClientError, match="invalid model URI"):
        client.resolve("models:/fraud/Prod.1")
    assert seen == []
