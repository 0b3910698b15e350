"""A small, strict evaluator of GitHub Actions ``${{ }}`` expressions, for running workflows in tests.

It understands what modelyard's workflows use and refuses everything else, so a workflow cannot
lean on something the test harness does not model:

* literals (``'string'`` with ``''`` escapes, numbers, ``true``, ``false``, ``null``);
* property paths into the contexts it is given (``inputs.model``, ``needs.register.outputs.version``,
  ``steps.validate.outputs.report-id``); a name a context does not have is an error, except an
  output a step did not set, which is the empty string as on GitHub (see :class:`Outputs`);
* ``==`` and ``!=`` (strings compare case-insensitively, as GitHub does; other mixed types are refused),
  ``!``, ``&&`` and ``||`` (which return an operand, as GitHub's do), parentheses;
* the function ``format()``.

Truthiness and string conversion follow GitHub's documentation: ``false``, ``0``, ``''`` and
``null`` are falsy; ``null`` renders as ``''`` and booleans as ``true``/``false``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_TEMPLATE = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?)|(?P<op>==|!=|&&|\|\||[!().,])"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))"
)


class ExpressionError(ValueError):
    """The expression uses something this evaluator does not understand, or names a missing value."""


class Outputs(dict[str, str]):
    """A step's outputs: an output the step did not set reads as ``''``, as on GitHub."""


def _tokens(source: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    position = 0
    source = source.rstrip()
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None or match.end() == position:
            raise ExpressionError(f"cannot read {source[position:]!r} in {source!r}")
        kind = match.lastgroup or ""
        found.append((kind, match.group(kind)))
        position = match.end()
    return found


def truthy(value: Any) -> bool:
    return value not in (False, 0, "", None)


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise ExpressionError(f"cannot render {type(value).__name__} as text")


def _format(template: Any, *args: Any) -> str:
    if not isinstance(template, str):
        raise ExpressionError("format() takes a string first")

    def replace(match: re.Match[str]) -> str:
        if match.group(0) in ("{{", "}}"):
            return match.group(0)[0]
        index = int(match.group(1))
        if index >= len(args):
            raise ExpressionError(f"format() has no argument {index} for {template!r}")
        return as_text(args[index])

    return re.sub(r"\{\{|\}\}|\{(\d+)\}", replace, template)


class _Parser:
    def __init__(self, source: str, contexts: Mapping[str, Any]) -> None:
        self.source = source
        self.tokens = _tokens(source)
        self.index = 0
        self.contexts = contexts

    def parse(self) -> Any:
        value = self._or()
        if self.index != len(self.tokens):
            raise ExpressionError(f"unexpected {self.tokens[self.index][1]!r} in {self.source!r}")
        return value

    def _peek(self) -> str | None:
        return self.tokens[self.index][1] if self.index < len(self.tokens) else None

    def _take(self, expected: str | None = None) -> tuple[str, str]:
        if self.index >= len(self.tokens):
            raise ExpressionError(f"{self.source!r} ends too early")
        token = self.tokens[self.index]
        if expected is not None and token[1] != expected:
            raise ExpressionError(f"expected {expected!r}, found {token[1]!r} in {self.source!r}")
        self.index += 1
        return token

    def _or(self) -> Any:
        value = self._and()
        while self._peek() == "||":
            self._take()
            right = self._and()
            value = value if truthy(value) else right
        return value

    def _and(self) -> Any:
        value = self._not()
        while self._peek() == "&&":
            self._take()
            right = self._not()
            value = right if truthy(value) else value
        return value

    def _not(self) -> Any:
        if self._peek() == "!":
            self._take()
            return not truthy(self._not())
        return self._comparison()

    def _comparison(self) -> Any:
        left = self._primary()
        if self._peek() in ("==", "!="):
            operator = self._take()[1]
            right = self._primary()
            equal = _equal(left, right, self.source)
            return equal if operator == "==" else not equal
        return left

    def _primary(self) -> Any:
        kind, text = self._take()
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if kind == "number":
            return float(text) if "." in text else int(text)
        if text == "(":
            value = self._or()
            self._take(")")
            return value
        if kind != "name":
            raise ExpressionError(f"unexpected {text!r} in {self.source!r}")
        if text in ("true", "false"):
            return text == "true"
        if text == "null":
            return None
        if self._peek() == "(":
            return self._call(text)
        return self._path(text)

    def _call(self, function: str) -> Any:
        if function != "format":
            raise ExpressionError(f"function {function}() is not supported by the test harness: {self.source!r}")
        self._take("(")
        args = [self._or()]
        while self._peek() == ",":
            self._take()
            args.append(self._or())
        self._take(")")
        return _format(*args)

    def _path(self, head: str) -> Any:
        if head not in self.contexts:
            raise ExpressionError(f"context {head!r} is not available here: {self.source!r}")
        node: Any = self.contexts[head]
        walked = head
        while self._peek() == ".":
            self._take()
            kind, name = self._take()
            if kind != "name":
                raise ExpressionError(f"expected a property name after {walked!r} in {self.source!r}")
            if not isinstance(node, Mapping):
                raise ExpressionError(f"{walked} has no properties ({self.source!r})")
            if name in node:
                node = node[name]
            elif isinstance(node, Outputs):
                node = ""
            else:
                raise ExpressionError(f"{walked} has no {name!r} (it has {sorted(node)}): {self.source!r}")
            walked += "." + name
        return node


def _equal(left: Any, right: Any, source: str) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()
    if type(left) is type(right) or left is None or right is None:
        return bool(left == right)
    raise ExpressionError(f"comparing {type(left).__name__} with {type(right).__name__} is not supported: {source!r}")


def evaluate(source: str, contexts: Mapping[str, Any]) -> Any:
    """The value of one expression (the text inside ``${{ }}``)."""
    return _Parser(source, contexts).parse()


def render(template: str, contexts: Mapping[str, Any]) -> str:
    """A string with every ``${{ }}`` in it replaced by its value's text."""
    return _TEMPLATE.sub(lambda match: as_text(evaluate(match.group(1), contexts)), template)


def condition(source: str, contexts: Mapping[str, Any]) -> bool:
    """An ``if:`` (with or without ``${{ }}``); status functions like ``success()`` are refused."""
    whole = _TEMPLATE.fullmatch(source.strip())
    return truthy(evaluate(whole.group(1) if whole else source, contexts))
