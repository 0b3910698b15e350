"""Counting the DynamoDB requests moto serves: pynamodb and boto3 clients alike end up in one place."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
from moto.dynamodb.responses import DynamoHandler

T = TypeVar("T")


@dataclass
class DynamoCalls:
    """Every DynamoDB action moto served, in order."""

    actions: list[str] = field(default_factory=list)

    def during(self, call: Callable[[], T]) -> tuple[T, list[str]]:
        start = len(self.actions)
        answer = call()
        return answer, self.actions[start:]


def count_dynamodb_calls(monkeypatch: pytest.MonkeyPatch) -> DynamoCalls:
    """From now until the test ends, every action moto's DynamoDB serves is appended to the answer."""
    seen = DynamoCalls()
    served = DynamoHandler.call_action  # already wrapped by the harness's atomic lock

    @functools.wraps(served)
    def counting(self: DynamoHandler) -> Any:
        seen.actions.append(self._get_action())
        return served(self)

    monkeypatch.setattr(DynamoHandler, "call_action", counting)
    return seen
