"""How the embedded tables store values: records as compact JSON text, instants as epoch seconds."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel


def to_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def record_json(model: BaseModel, *, drop: tuple[str, ...] = ()) -> str:
    """A record as stored: its JSON form, without the fields other columns hold."""
    data = model.model_dump(mode="json")
    for name in drop:
        data.pop(name, None)
    return to_json(data)


def from_json(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def epoch(instant: datetime) -> int:
    return int(instant.timestamp())
