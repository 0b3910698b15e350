"""Plain-text tables for the figures the benchmarks print (Markdown-compatible, so they paste)."""

from __future__ import annotations

from collections.abc import Sequence


def format_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """`title` then a pipe table; numbers are right-aligned, text left-aligned."""
    cells = [[str(value) for value in row] for row in rows]
    widths = [max(len(headers[i]), *(len(row[i]) for row in cells)) for i in range(len(headers))]
    numeric = [all(_is_number(row[i]) or row[i] == "-" for row in rows) for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        padded = [
            value.rjust(width) if right else value.ljust(width)
            for value, width, right in zip(values, widths, numeric, strict=True)
        ]
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join(
            ("-" * (w + 1) + ":") if right else ("-" * (w + 2)) for w, right in zip(widths, numeric, strict=True)
        )
        + "|"
    )
    return "\n".join(["", title, "", line(list(headers)), rule, *(line(row) for row in cells), ""])


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
