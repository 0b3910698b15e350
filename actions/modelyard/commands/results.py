"""The result every command without anything to add answers: the registry's JSON as it came."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")
JSON = dict[str, Any]


@dataclass(frozen=True)
class Answer(Generic[T]):
    """A model, version, pointer or listing as the registry answered it; ``data`` is what ``--json`` prints."""

    data: T
