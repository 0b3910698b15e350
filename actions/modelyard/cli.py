"""``modelyard`` — the command line. Every command prints a readable result, or JSON with ``--json``.

Exit codes: 0 success, 1 the operation failed, 2 the command line was wrong. The grammar is in
:mod:`modelyard.cli_parser`, the commands in :mod:`modelyard.cli_commands`; this module runs one
and reports how it went.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from modelyard.cli_args import UsageError
from modelyard.cli_commands import cmd_dev
from modelyard.cli_parser import build_parser
from modelyard.commands.dev import DEFAULT_DEV_ISSUER
from modelyard.errors import ModelyardError, RegistryError

__all__ = ["DEFAULT_DEV_ISSUER", "build_parser", "main"]


def _report(command: str, lines: list[str], problem: dict[str, Any] | None = None) -> None:
    """``error: ...`` on stderr (with ``--json``: the ``problem`` JSON); in GitHub Actions also an annotation."""
    if problem is not None:
        print(json.dumps(problem, indent=2, ensure_ascii=False), file=sys.stderr)
    else:
        for line in lines:
            print(line, file=sys.stderr)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        from modelyard.github import Runner

        message = "\n".join(line.removeprefix("error: ") for line in lines)
        Runner(out=sys.stdout).error(message, title=f"modelyard {command}".strip())


def _error_lines(exc: BaseException) -> list[str]:
    if isinstance(exc, RegistryError):
        hint = [f"hint: {exc.hint}"] if exc.hint else []
        return [f"error: {exc.message}", *(f"  {err}" for err in exc.errors), *hint]
    return [f"error: {exc}"]


def _problem(exc: BaseException, title: str = "Client error", **extra: Any) -> dict[str, Any]:
    """What ``--json`` prints for an error: the registry's problem JSON, or one in its shape for ours."""
    if isinstance(exc, RegistryError):
        return exc.problem
    return {"type": "about:blank", "title": title, "detail": str(exc), **extra}


def _command_name(argv: Sequence[str]) -> str:
    """The command words for annotations, found without trusting the parse."""
    words = [a for a in argv if not a.startswith("-")]
    if not words:
        return ""
    if words[0] == "alias" and len(words) > 1:
        return f"alias {words[1]}"
    return words[0]


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the exit status (0 ok, 1 failed, 2 bad command line)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args, passed_on = parser.parse_known_args(arguments)
        if passed_on and args.handler is not cmd_dev:
            parser.error(f"unrecognized arguments: {' '.join(passed_on)}")
        args.dev_args = passed_on
    except UsageError as exc:
        if "--json" in arguments:
            _report(_command_name(arguments), [f"error: {exc}"], _problem(exc, "Usage error", usage=exc.usage))
            return 2
        sys.stderr.write(exc.usage)
        _report(_command_name(arguments), [f"error: {exc}"])
        return 2
    except SystemExit as exc:  # --help / --version
        return exc.code if isinstance(exc.code, int) else 0
    command = args.command + (f" {args.alias_command}" if getattr(args, "alias_command", None) else "")
    try:
        data, text = args.handler(args)
    except (ModelyardError, ValueError) as exc:
        _report(command, _error_lines(exc), _problem(exc) if args.json else None)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    try:
        if args.json:
            from modelyard.render import as_json

            print(as_json(data))
        elif text:
            print(text)
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. `modelyard list | head -1`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    status: int = getattr(args, "exit_status", 0)
    return status
