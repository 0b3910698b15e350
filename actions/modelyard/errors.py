"""The two kinds of failure the client reports.

* :class:`RegistryError` — the registry answered with an error (RFC 9457 problem JSON).
* :class:`ClientError` — something is wrong on this side (a missing file, bad input, the
  registry cannot be reached). Its message says what to fix.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


class ModelyardError(Exception):
    """Base class of every error this package raises on purpose."""


class ClientError(ModelyardError):
    """A local problem: the message tells the user what to change."""


class RegistryUnreachable(ClientError):
    """The registry (or a storage URL) could not be reached after all retries."""

    def __init__(self, url: str, attempts: int, reason: str) -> None:
        self.url = url
        self.attempts = attempts
        self.reason = reason
        plural = "attempt" if attempts == 1 else "attempts"
        super().__init__(f"registry unreachable at {url} after {attempts} {plural}: {reason}")


class DigestMismatch(ClientError):
    """Downloaded or uploaded bytes do not match the digest the registry declared."""


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class RegistryError(ModelyardError):
    """An error answer from the registry, built from its problem JSON."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        errors: list[FieldError] | None = None,
        type: str = "about:blank",
        instance: str | None = None,
        extra: dict[str, Any] | None = None,
        hint: str = "",
    ) -> None:
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = list(errors or [])
        self.type = type
        self.instance = instance
        #: the problem's other members (e.g. ``violations`` of a loosened policy)
        self.extra = dict(extra or {})
        #: what to do about it, when this side knows better than the registry (e.g. how to get a new token)
        self.hint = hint
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """``title: detail`` (or just the title when there is no detail)."""
        return f"{self.title}: {self.detail}" if self.detail else self.title

    @property
    def violations(self) -> list[str]:
        """What a refused policy document would have loosened (empty for other problems)."""
        found = self.extra.get("violations")
        return [str(item) for item in found] if isinstance(found, list) else []

    @property
    def problem(self) -> dict[str, Any]:
        """The RFC 9457 problem as the registry sent it (plus ``hint`` when this side added one)."""
        body: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if self.instance:
            body["instance"] = self.instance
        if self.errors:
            body["errors"] = [{"field": err.field, "message": err.message} for err in self.errors]
        body.update(self.extra)
        if self.hint:
            body["hint"] = self.hint
        return body

    def __str__(self) -> str:
        lines = [f"{self.message} (HTTP {self.status})"]
        lines.extend(f"  - {err}" for err in self.errors)
        lines.extend(f"  - {item}" for item in self.violations)
        if self.hint:
            lines.append(f"  {self.hint}")
        return "\n".join(lines)

    @classmethod
    def from_response(cls, status: int, body: bytes, reason: str = "") -> RegistryError:
        """Build the error from an HTTP answer; tolerate answers that are not problem JSON."""
        try:
            problem: Any = json.loads(body.decode("utf-8")) if body else None
        except (UnicodeDecodeError, ValueError):
            problem = None
        if not isinstance(problem, dict):
            text = body.decode("utf-8", "replace").strip()[:500] if body else ""
            return cls(status, reason or _default_title(status), text)
        raw_errors = problem.get("errors")
        field_errors: list[FieldError] = []
        if isinstance(raw_errors, list):
            for item in raw_errors:
                if isinstance(item, dict):
                    field = item.get("field", item.get("loc", ""))
                    if isinstance(field, list):
                        field = ".".join(str(part) for part in field)
                    field_errors.append(FieldError(str(field or ""), str(item.get("message", item.get("msg", "")))))
                else:
                    field_errors.append(FieldError("", str(item)))
        raw_status = problem.get("status")
        return cls(
            status=raw_status if isinstance(raw_status, int) else status,
            title=str(problem.get("title") or reason or _default_title(status)),
            detail=str(problem.get("detail") or ""),
            errors=field_errors,
            type=str(problem.get("type") or "about:blank"),
            instance=problem.get("instance") if isinstance(problem.get("instance"), str) else None,
            extra={k: v for k, v in problem.items() if k not in _PROBLEM_MEMBERS},
        )


_PROBLEM_MEMBERS = frozenset({"type", "title", "status", "detail", "instance", "errors"})


def _default_title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"
