"""Text from outside (a dead letter's fields, an error about them) made safe to print on an operator's terminal.

Whoever may send to a dead-letter queue chooses what its letters hold; printed as it is, an escape sequence
could retitle the window, clear the screen or hide lines. Control and other unprintable characters are shown
as their escapes instead (`\\x1b`), so the operator sees them and nothing acts on them.
"""

from __future__ import annotations


def printable(text: str) -> str:
    return "".join(char if char.isprintable() else ascii(char)[1:-1] for char in text)
