"""Checks of user-given values both front ends share; each raises ValueError saying what is wrong.

The front end adds where the value came from (a CLI option, an action input) to the message.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

JSON = dict[str, Any]


def is_ascii_number(text: str) -> bool:
    """Digits 0-9 only: str.isdigit() also holds for superscripts (which int() refuses) and for other scripts'
    digits (which int() reads), and neither is what a server, a tag or a person meant by a number here."""
    return text.isascii() and text.isdigit()


def parse_json_object(text: str, what: str) -> JSON:
    """``text`` as a JSON object; ``what`` names it in the error (e.g. "the params file p.json")."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"{what} is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{what} must be a JSON object ({{...}}), got {type(data).__name__}")
    return data


def checked_metrics(raw: Mapping[str, Any]) -> dict[str, float]:
    """Metric values as numbers: every one finite (JSON has no NaN, and a gate cannot compare one)."""
    checked: dict[str, float] = {}
    for key, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"metric {key!r} must be a finite number, got {value!r}")
        checked[key] = value
    return checked


def number_or_text(text: str) -> float | str:
    """A metric typed on a command line: its number when it reads as one (checked later), else the text."""
    try:
        return float(text)
    except ValueError:
        return text


def param_value(text: str) -> Any:
    """Training parameters typed as text: JSON scalars when they parse (1, 0.5, true, null), else strings."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, int | float | bool | str) or value is None else text


def parse_pairs(text: str) -> dict[str, str]:
    """``{"k": "v"}`` JSON, or ``k=v`` items separated by newlines or commas."""
    if text.startswith("{"):
        parsed = parse_json_object(text, "the value")
        if not all(isinstance(v, str) for v in parsed.values()):
            raise ValueError("every value must be a string")
        return {str(k): str(v) for k, v in parsed.items()}
    found: dict[str, str] = {}
    for item in text.replace(",", "\n").splitlines():
        if not item.strip():
            continue
        key, sep, val = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"expected key=value items (or a JSON object), got {item.strip()!r}")
        found[key.strip()] = val.strip()
    return found


def version_value(text: str) -> int | str:
    """What the client accepts for a version: a number, or the label/URI string."""
    return int(text) if is_ascii_number(text) else text
