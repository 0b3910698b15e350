"""The GitHub Actions runner's side channels: outputs, step summary, annotations, masking.

Everything here writes to the files and the workflow-command syntax the runner documents:

* outputs are appended to ``$GITHUB_OUTPUT`` (``name=value``, or ``name<<DELIMITER`` …
  ``DELIMITER`` for values with line breaks, with a random delimiter the value cannot contain);
* the step summary is Markdown appended to ``$GITHUB_STEP_SUMMARY``;
* annotations are ``::error title=…::message`` lines on stdout, escaped so a value can neither
  end the command early nor smuggle in a second one;
* ``::add-mask::value`` hides a value in the rest of the job's log.

Outside Actions (no ``$GITHUB_OUTPUT``) outputs are printed as ``name=value`` lines instead, so
the same code can be tried from a terminal.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

#: the runner refuses summaries above 1 MiB per step; stay well below
MAX_SUMMARY_BYTES = 512 * 1024


def escape_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF escaped (in that order)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: like :func:`escape_data`, plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


class Runner:
    """One step's view of the runner. ``env`` defaults to ``os.environ``, ``out`` to stdout."""

    def __init__(self, env: Mapping[str, str] | None = None, out: TextIO | None = None) -> None:
        self.env = os.environ if env is None else env
        self.out = out if out is not None else sys.stdout

    @property
    def in_actions(self) -> bool:
        return self.env.get("GITHUB_ACTIONS") == "true"

    # -- workflow commands ----------------------------------------------------------------

    def command(self, name: str, message: str, **properties: str | int | None) -> None:
        props = ",".join(
            f"{key}={escape_property(str(value))}" for key, value in properties.items() if value not in (None, "")
        )
        self.out.write(f"::{name}{' ' + props if props else ''}::{escape_data(message)}\n")
        self.out.flush()

    def error(
        self, message: str, *, title: str | None = None, file: str | None = None, line: int | None = None
    ) -> None:
        self.command("error", message, title=title, file=file, line=line)

    def warning(self, message: str, *, title: str | None = None) -> None:
        self.command("warning", message, title=title)

    def notice(self, message: str, *, title: str | None = None) -> None:
        self.command("notice", message, title=title)

    def mask(self, value: str) -> None:
        """Hide ``value`` in the job log from now on (each line of a multi-line value)."""
        for line in value.splitlines() or [value]:
            if line.strip():
                self.out.write(f"::add-mask::{escape_data(line)}\n")
        self.out.flush()

    def group(self, title: str) -> None:
        self.out.write(f"::group::{escape_data(title)}\n")
        self.out.flush()

    def end_group(self) -> None:
        self.out.write("::endgroup::\n")
        self.out.flush()

    # -- environment files ----------------------------------------------------------------

    def set_output(self, name: str, value: object) -> None:
        """Append one output; multi-line values use a random heredoc delimiter."""
        self._append_keyed("GITHUB_OUTPUT", name, "" if value is None else str(value))

    def set_outputs(self, values: Mapping[str, object]) -> None:
        for name, value in values.items():
            self.set_output(name, value)

    def export_env(self, name: str, value: str) -> None:
        """Set a variable for the job's later steps (``$GITHUB_ENV``)."""
        self._append_keyed("GITHUB_ENV", name, value)

    def _append_keyed(self, file_var: str, name: str, value: str) -> None:
        if not name or any(ch in name for ch in "=\r\n<"):
            raise ValueError(f"invalid name {name!r} for {file_var}")
        path = self.env.get(file_var)
        if "\n" in value or "\r" in value:
            delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
            while delimiter in value:  # pragma: no cover - 128 random bits
                delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
            record = f"{name}<<{delimiter}\n{value}\n{delimiter}\n"
        else:
            record = f"{name}={value}\n"
        if not path:
            self.out.write(record)
            self.out.flush()
            return
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(record)

    def summary(self, markdown: str) -> None:
        """Append Markdown to the step summary (trimmed to stay under the runner's limit)."""
        path = self.env.get("GITHUB_STEP_SUMMARY")
        if not path:
            return
        data = markdown if markdown.endswith("\n") else markdown + "\n"
        encoded = data.encode("utf-8")
        if len(encoded) > MAX_SUMMARY_BYTES:
            data = encoded[:MAX_SUMMARY_BYTES].decode("utf-8", "ignore") + "\n\n_(summary truncated)_\n"
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(data)


# -- Markdown ----------------------------------------------------------------------------


def md(value: Any) -> str:
    """A value as inline Markdown text: one line, table pipes and HTML neutralised."""
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.6g}"
    text = str(value).replace("\r", " ").replace("\n", " ")
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "\\|"), ("`", "'")):
        text = text.replace(char, entity)
    return text


def code(value: Any) -> str:
    """A value in inline code (backticks inside are replaced)."""
    text = str(value).replace("`", "'").replace("\r", " ").replace("\n", " ").replace("|", "\\|")
    return f"`{text}`"


def link(text: str, url: str | None) -> str:
    """``[text](url)`` for http(s) URLs; plain text otherwise (never a javascript: link)."""
    if url and url.startswith(("https://", "http://")):
        safe = url.replace(")", "%29").replace(" ", "%20")
        return f"[{md(text)}]({safe})"
    return md(text)


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table; cells must already be Markdown-safe."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines)
