"""Search filters → the query parameters of ``GET /v1/versions``, ``/v1/models/{name}/versions`` and ``/v1/models``.

Pure functions, checked here before anything is sent: a malformed filter is a ValueError that
says what the accepted form is (the registry answers 400 for the same mistakes, but later).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from modelyard.uris import check_name, check_pointer, parse_uri

_METRIC_RE = re.compile(r"\s*([^<>=!\s]+)\s*(<=|>=|!=|<|>|=)\s*(\S+)\s*")
_ORDER_RE = re.compile(r"created|metric:[^\s]+")
# every artifact format the server takes, and every status it records and searches by
# (tests/unit/test_search_choices_agree.py holds both to the server's)
ARTIFACT_FORMATS = ("onnx", "safetensors", "joblib", "pickle", "tarball", "pytorch", "other")
STATUSES = ("pending_upload", "verifying", "ready", "rejected", "archived", "deprecated", "abandoned")

Tags = Mapping[str, str] | Iterable[str] | Iterable[tuple[str, str]]


def metric_condition(text: str) -> str:
    """``accuracy >= 0.9`` → ``accuracy>=0.9`` (ops ``< <= = >= > !=``; the value a finite number)."""
    found = _METRIC_RE.fullmatch(text)
    if found is None:
        raise ValueError(
            f"invalid metric condition {text!r}: use NAME OP NUMBER, e.g. accuracy>=0.9 (OP: < <= = >= > !=)"
        )
    name, op, value = found.groups()
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"invalid metric condition {text!r}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"invalid metric condition {text!r}: the value must be a finite number")
    return f"{name}{op}{value}"


def tag_items(tags: Tags | None) -> list[str]:
    """Tags as ``k=v`` strings: from a mapping, ``(k, v)`` pairs or ``k=v`` strings (all must match)."""
    if not tags:
        return []
    items = tags.items() if isinstance(tags, Mapping) else tags
    found: list[str] = []
    for item in items:
        if isinstance(item, str):
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise ValueError(f"invalid tag filter {item!r}: use KEY=VALUE")
        else:
            key, value = item
        found.append(f"{str(key).strip()}={value}")
    return found


def timestamp(value: str | datetime | date, what: str) -> str:
    """RFC 3339; a bare date means its midnight UTC; a time without a zone is refused (it would be a guess)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return f"{value.isoformat()}T00:00:00Z"
    else:
        text = value.strip()
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                return f"{date.fromisoformat(text).isoformat()}T00:00:00Z"
            moment = datetime.fromisoformat(text)
        except ValueError as exc:
            advice = "use RFC 3339, e.g. 2026-11-01T12:00:00Z or 2026-11-01"
            raise ValueError(f"invalid {what} {value!r} ({exc}): {advice}") from None
    if moment.tzinfo is None:
        raise ValueError(f"invalid {what} {value!s}: give a time zone, e.g. 2026-11-01T12:00:00Z")
    return moment.isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class VersionFilters:
    """What ``GET /v1/versions`` filters on (all combine with AND); ``model``/``model_prefix`` only there."""

    model: str | None = None
    model_prefix: str | None = None
    tags: Tags | None = None
    metrics: Iterable[str] | None = None
    framework: str | None = None
    format: str | None = None
    status: str | None = None
    stage: str | None = None
    alias: str | None = None
    data_uri: str | None = None
    data_version: str | None = None
    data_digest: str | None = None
    commit: str | None = None
    workflow: str | None = None
    parent: str | None = None
    created_after: str | datetime | date | None = None
    created_before: str | datetime | date | None = None
    order_by: str | None = None
    ascending: bool = False

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def query(self) -> dict[str, Any]:
        """The query parameters, unset filters left out (a list value repeats the parameter)."""
        query: dict[str, Any] = {
            "model": check_name(self.model) if self.model else None,
            "model_prefix": self.model_prefix or None,
            "tag": tag_items(self.tags) or None,
            "metric": [metric_condition(m) for m in self.metrics or ()] or None,
            "framework": self.framework or None,
            "format": self.format or None,
            "status": _status(self.status),
            # MLflow habit: stage names in any case ("Production")
            "stage": check_pointer(self.stage.lower(), "stage") if self.stage else None,
            "alias": check_pointer(self.alias, "alias") if self.alias else None,
            "data_uri": self.data_uri or None,
            "data_version": self.data_version or None,
            "data_digest": self.data_digest or None,
            "commit": self.commit or None,
            "workflow": self.workflow or None,
            "parent": str(parse_uri(self.parent)) if self.parent else None,
            "created_after": timestamp(self.created_after, "created_after") if self.created_after else None,
            "created_before": timestamp(self.created_before, "created_before") if self.created_before else None,
            "order_by": _order_by(self.order_by),
            "order": "asc" if self.ascending else None,
        }
        return {key: value for key, value in query.items() if value is not None}


def _status(value: str | None) -> str | None:
    if value and value not in STATUSES:
        raise ValueError(f"invalid status {value!r}: one of {', '.join(STATUSES)}")
    return value or None


def _order_by(value: str | None) -> str | None:
    if value and not _ORDER_RE.fullmatch(value):
        raise ValueError(f"invalid order {value!r}: 'created' or 'metric:NAME' (e.g. metric:accuracy)")
    return value or None


@dataclass(frozen=True)
class ModelFilters:
    """What ``GET /v1/models`` filters on: ``stage`` keeps models with a version in that stage."""

    name_prefix: str | None = None
    tags: Tags | None = None
    owner: str | None = None
    stage: str | None = None

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def query(self) -> dict[str, Any]:
        if self.owner and not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", self.owner):
            raise ValueError(f"invalid owner {self.owner!r}: an owner is a repository, OWNER/REPO")
        query: dict[str, Any] = {
            "name_prefix": self.name_prefix or None,
            "tag": tag_items(self.tags) or None,
            "owner": self.owner or None,
            "stage": check_pointer(self.stage.lower(), "stage") if self.stage else None,
        }
        return {key: value for key, value in query.items() if value is not None}


def filters_of(kind: type[VersionFilters] | type[ModelFilters], given: Mapping[str, Any]) -> Any:
    """``kind(**given)``, refusing an unknown filter by listing the accepted ones (not a bare TypeError)."""
    unknown = sorted(set(given) - set(kind.names()))
    if unknown:
        raise ValueError(f"unknown filter {', '.join(unknown)}: accepted are {', '.join(kind.names())}")
    return kind(**given)
