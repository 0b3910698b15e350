"""A comparison of two versions (``GET /v1/compare``) read into the rows every view shows.

The CLI prints them as text (:mod:`modelyard.render_compare`), the actions' step summaries as
Markdown (:mod:`modelyard.action_summary`): both show the same figures. Changes are the
registry's (``change`` = head - base, ``relative_change`` = change / |base|); a value the registry
left out (a side lacks the metric, base is 0) is shown as missing, never guessed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MISSING = "-"


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def signed(value: Any) -> str:
    """``+0.03``, ``-5``, ``0``; ``-`` when there is no number."""
    number = _number(value)
    if number is None:
        return MISSING
    return "0" if number == 0 else f"{number:+.4g}"


def percent(value: Any) -> str:
    """A relative change (a fraction) as ``+3.33%``; ``-`` when there is none."""
    number = _number(value)
    if number is None:
        return MISSING
    return "0%" if number == 0 else f"{number:+.2%}"


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def side_label(version: Any) -> str:
    """``models:/fraud/7 (v7, 1.4.0, ready)``."""
    if not isinstance(version, Mapping):
        return MISSING
    uri = version.get("uri") or f"models:/{version.get('model')}/{version.get('version')}"
    details = [f"v{version.get('version')}", version.get("semver"), version.get("status")]
    return f"{uri} ({', '.join(str(d) for d in details if d)})"


def verdict(outcome: Any) -> str:
    """A latest validation: ``passed, <when>`` or ``FAILED (2: auc, latency), <when>``."""
    if not isinstance(outcome, Mapping):
        return "never validated"
    when = outcome.get("at")
    if outcome.get("status") == "passed":
        text = "passed"
    else:
        names = ", ".join(str(name) for name in outcome.get("failed") or [])
        text = f"FAILED ({outcome.get('failed_checks', '?')}{': ' + names if names else ''})"
    return f"{text}, {when}" if when else text


def _feature(feature: Any) -> str:
    if not isinstance(feature, Mapping):
        return MISSING
    shape = feature.get("shape")
    return f"{feature.get('type', 'any')}{list(shape) if isinstance(shape, list) else ''}"


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def metric_change(base: Any, head: Any) -> tuple[float | None, float | None]:
    """The registry's rule: change = head - base, relative = change / |base|; None where it does not apply."""
    old, new = _number(base), _number(head)
    if old is None or new is None:
        return None, None
    change = _finite(new - old)
    return change, (_finite(change / abs(old)) if change is not None and old != 0 else None)


def with_candidate_metrics(answer: Mapping[str, Any], metrics: Mapping[str, Any] | None) -> dict[str, Any]:
    """The comparison with head's metrics replaced by ``metrics`` (a validation's evaluated ones, which
    overlay the registered metrics the registry compared), changes recomputed by the registry's rule."""
    base = {m.get("name"): m.get("base") for m in _list(answer.get("metrics"))}
    head = {m.get("name"): m.get("head") for m in _list(answer.get("metrics"))}
    head.update(metrics or {})
    rows = []
    for name in sorted(set(base) | set(head), key=str):
        change, relative = metric_change(base.get(name), head.get(name))
        rows.append(
            {
                "name": name,
                "base": base.get(name),
                "head": head.get(name),
                "change": change,
                "relative_change": relative,
            }
        )
    return {**answer, "metrics": rows}


@dataclass(frozen=True)
class ComparisonRows:
    """What a view prints; each list holds rows of plain values (views format and escape them)."""

    base: str
    head: str
    same_version: bool
    metrics: list[list[Any]] = field(default_factory=list)  # name, base, head, change, relative
    params: list[list[Any]] = field(default_factory=list)  # name, change, base, head
    lineage: list[list[Any]] = field(default_factory=list)  # field, base, head
    signature: list[list[Any]] = field(default_factory=list)  # side, feature, change, base, head
    validations: tuple[str, str] = ("never validated", "never validated")


def comparison_rows(answer: Mapping[str, Any]) -> ComparisonRows:
    metrics = [
        [m.get("name"), m.get("base"), m.get("head"), signed(m.get("change")), percent(m.get("relative_change"))]
        for m in _list(answer.get("metrics"))
    ]
    params = [[p.get("name"), p.get("change"), p.get("base"), p.get("head")] for p in _list(answer.get("params"))]
    lineage_answer = _mapping(answer.get("lineage"))
    lineage = [[c.get("field"), c.get("base"), c.get("head")] for c in _list(lineage_answer.get("changed"))]
    removed, added = lineage_answer.get("parents_removed") or [], lineage_answer.get("parents_added") or []
    if removed or added:  # the parents only one side names, each under its side
        lineage.append(["parents", removed, added])
    signature_answer = _mapping(answer.get("signature"))
    signature = [
        [side[:-1], f.get("name"), f.get("change"), _feature(f.get("base")), _feature(f.get("head"))]
        for side in ("inputs", "outputs")
        for f in _list(signature_answer.get(side))
    ]
    return ComparisonRows(
        base=side_label(answer.get("base")),
        head=side_label(answer.get("head")),
        same_version=bool(answer.get("same_version")),
        metrics=metrics,
        params=params,
        lineage=lineage,
        signature=signature,
        validations=(verdict(answer.get("base_validation")), verdict(answer.get("head_validation"))),
    )
