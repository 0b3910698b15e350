"""How the demo prints: numbered steps, the SDK calls it makes, what came back, and notes."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

CALL_INDENT = "    "
OUTPUT_INDENT = "      "


def say(text: str = "") -> None:
    print(text, flush=True)


def indented(text: str, prefix: str = OUTPUT_INDENT) -> str:
    return "\n".join(f"{prefix}{line}".rstrip() for line in text.rstrip().splitlines())


def show(text: str) -> None:
    """An answer, a table or a file, under the call that produced it."""
    if text.strip():
        say(indented(text))


def note(text: str) -> None:
    say(indented(text, CALL_INDENT + "-> "))


def say_call(code: str) -> None:
    """Python source the way the REPL shows it: ``>>>`` on the first line, ``...`` on the others."""
    first, *rest = code.splitlines()
    say("\n".join([f"{CALL_INDENT}>>> {first}", *(f"{CALL_INDENT}... {line}" for line in rest)]))


def python_call(who: str, method: str, args: Sequence[Any], kwargs: Mapping[str, Any], width: int = 100) -> str:
    """``who.method(args, kw=value)`` the way a reader would type it; one argument a line when long."""
    words = [_shown(arg) for arg in args] + [f"{key}={_shown(value)}" for key, value in kwargs.items()]
    line = f"{who}.{method}({', '.join(words)})"
    if len(line) <= width:
        return line
    return f"{who}.{method}(\n" + "".join(f"    {word},\n" for word in words) + ")"


def _shown(value: Any) -> str:
    """A value short enough to read: a file by its name, a long text or mapping abridged."""
    if isinstance(value, Path):
        return repr(value.name)
    text = repr(value)
    if len(text) <= 70:
        return text
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{key!r}: ..." for key in value) + "}"
    return text[:40] + "..." + text[-1]


def compact_json(value: Any, indent: str = "", width: int = 90) -> str:
    """``value`` as JSON, each object broken over lines only where it would not fit in ``width``."""
    flat = json.dumps(value)
    if not isinstance(value, dict) or not value or len(indent) + len(flat) <= width:
        return flat
    inner = indent + "  "
    entries = ",\n".join(f"{inner}{json.dumps(k)}: {compact_json(v, inner, width)}" for k, v in value.items())
    return f"{{\n{entries}\n{indent}}}"


class Steps:
    """Numbered step titles; the number and title of the current one name where a failure happened."""

    def __init__(self) -> None:
        self.number = 0
        self.title = ""

    def __call__(self, title: str) -> None:
        self.number += 1
        self.title = title
        say()
        say(f"{self.number:>2}. {title}")
