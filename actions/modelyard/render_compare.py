"""Plain-text views of a comparison of two versions and of a version's lineage tree."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from modelyard.render import EMPTY, key_values, scalar, table


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _signed(value: float) -> str:
    return "0" if value == 0 else f"{value:+.4g}"


def metric_changes(base: Any, head: Any, given: Mapping[str, Any] | None = None) -> tuple[str, str]:
    """Absolute and relative change from base to head, as shown (relative: against base's absolute value).

    Computed here when both values are numbers, so the table always agrees with its own columns;
    the registry's figures are the fallback when a value is missing from the answer.
    """
    old, new = _number(base), _number(head)
    given = given or {}
    if old is None or new is None:
        absolute = _number(given.get("change", given.get("absolute")))
        relative = _number(given.get("relative_change", given.get("relative")))
        return (
            _signed(absolute) if absolute is not None else EMPTY,
            f"{relative:+.2%}" if relative is not None else EMPTY,
        )
    delta = new - old
    relative_text = EMPTY if old == 0 else ("0%" if delta == 0 else f"{delta / abs(old):+.2%}")
    return _signed(delta), relative_text


def _rows(section: Any, key: str) -> list[Mapping[str, Any]]:
    """A section as rows: a list of ``{key, base, head, ...}`` or a ``name -> {base, head, ...}`` map."""
    if isinstance(section, Mapping):
        return [
            {key: name, **(value if isinstance(value, Mapping) else {"head": value})} for name, value in section.items()
        ]
    if isinstance(section, list):
        return [row for row in section if isinstance(row, Mapping)]
    return []


def _row_name(row: Mapping[str, Any], key: str) -> Any:
    return row.get(key, row.get("name", row.get("field")))


def _side(summary: Any, fallback: Any) -> str:
    if not isinstance(summary, Mapping):
        return scalar(fallback)
    uri = summary.get("uri") or f"models:/{summary.get('model')}/{summary.get('version')}"
    details = [f"v{summary.get('version')}", summary.get("semver"), summary.get("status")]
    return f"{uri} ({', '.join(str(d) for d in details if d)})"


def _signature_lines(signature: Any) -> list[str]:
    """``inputs added: a, b`` lines from ``{"inputs_added": [...], ...}`` or ``{"inputs": {"added": [...]}}``."""
    if not isinstance(signature, Mapping):
        return []
    lines: list[str] = []
    for key, value in signature.items():
        if isinstance(value, Mapping):
            lines.extend(f"{key} {sub}: {scalar(items)}" for sub, items in value.items() if items)
        elif isinstance(value, list) and value:
            lines.append(f"{key.replace('_', ' ')}: {scalar(value)}")
    return lines


def _verdict(report: Any) -> str:
    if not isinstance(report, Mapping):
        return "never validated"
    checks = [c for c in report.get("checks") or [] if isinstance(c, Mapping)]
    failed = sum(not c.get("passed") for c in checks)
    verdict = "passed" if report.get("passed") else f"FAILED ({failed} of {len(checks)} checks)"
    when = report.get("created_at") or report.get("at")
    return f"{verdict}, {when}" if when else verdict


def _validations(comparison: Mapping[str, Any]) -> tuple[Any, Any]:
    found = comparison.get("validations", comparison.get("validation"))
    if isinstance(found, Mapping):
        return found.get("base"), found.get("head")
    return comparison.get("base_validation"), comparison.get("head_validation")


def comparison_view(comparison: Mapping[str, Any], base_uri: str = "", head_uri: str = "") -> str:
    """Head (the candidate) against base: metrics, differing params, lineage, signature, validations."""
    parts = [
        key_values(
            [("base", _side(comparison.get("base"), base_uri)), ("head", _side(comparison.get("head"), head_uri))]
        )
    ]
    metric_rows = []
    for row in _rows(comparison.get("metrics"), "metric"):
        absolute, relative = metric_changes(row.get("base"), row.get("head"), row)
        metric_rows.append([_row_name(row, "metric"), row.get("base"), row.get("head"), absolute, relative])
    parts.append(table(["metric", "base", "head", "change", "relative"], metric_rows, empty="(no metrics recorded)"))
    params = [[_row_name(r, "param"), r.get("base"), r.get("head")] for r in _rows(comparison.get("params"), "param")]
    parts.append(table(["param", "base", "head"], params, empty="(params: no differences)"))
    lineage = [[_row_name(r, "field"), r.get("base"), r.get("head")] for r in _rows(comparison.get("lineage"), "field")]
    parts.append(table(["lineage", "base", "head"], lineage, empty="(lineage: no differences)"))
    signature = _signature_lines(comparison.get("signature"))
    parts.append("signature: " + ("; ".join(signature) if signature else "no differences"))
    base_report, head_report = _validations(comparison)
    parts.append(table(["validation", "base", "head"], [["latest", _verdict(base_report), _verdict(head_report)]]))
    return "\n\n".join(part for part in parts if part)


def _node_label(node: Mapping[str, Any]) -> str:
    uri = node.get("uri") or f"models:/{node.get('model')}/{node.get('version')}"
    return f"{uri}  {node['status']}" if node.get("status") else str(uri)


def _tree_lines(nodes: Iterable[Any], branch: str, prefix: str = "") -> list[str]:
    """``├──``/``└──`` lines for nodes and, indented under each, its ``branch`` ("parents" or "children")."""
    listed = [node for node in nodes if isinstance(node, Mapping)]
    lines: list[str] = []
    for index, node in enumerate(listed):
        last = index == len(listed) - 1
        lines.append(f"{prefix}{'└── ' if last else '├── '}{_node_label(node)}")
        lines.extend(_tree_lines(node.get(branch) or [], branch, prefix + ("    " if last else "│   ")))
    return lines


def lineage_view(answer: Mapping[str, Any], uri: str = "") -> str:
    """The version, its ancestors (parents of parents…) and its descendants (children of children…)."""
    version = answer.get("version")
    head = _node_label(version) if isinstance(version, Mapping) else uri
    ancestors = _tree_lines(answer.get("ancestors") or [], "parents") or ["(none)"]
    descendants = _tree_lines(answer.get("descendants") or [], "children") or ["(none)"]
    return "\n".join([head, "ancestors:", *ancestors, "descendants:", *descendants])
