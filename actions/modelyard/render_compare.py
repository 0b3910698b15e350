"""Plain-text views of a comparison of two versions and of a version's lineage tree."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from modelyard.comparison import comparison_rows
from modelyard.render import key_values, table


def comparison_view(comparison: Mapping[str, Any]) -> str:
    """Head (the candidate) against base: metrics, differing params, lineage, signature, latest validations."""
    rows = comparison_rows(comparison)
    parts = [key_values([("base", rows.base), ("head", rows.head)])]
    if rows.same_version:
        parts.append("the same version: nothing differs")
    parts += [
        table(["metric", "base", "head", "change", "relative"], rows.metrics, empty="(no metrics recorded)"),
        table(["param", "change", "base", "head"], rows.params, empty="(params: no differences)"),
        table(["lineage", "base", "head"], rows.lineage, empty="(lineage: no differences)"),
        table(["signature", "feature", "change", "base", "head"], rows.signature, empty="(signature: no differences)"),
        table(["validation", "base", "head"], [["latest", *rows.validations]]),
    ]
    return "\n\n".join(parts)


def _node_label(node: Mapping[str, Any]) -> str:
    uri = node.get("uri") or f"models:/{node.get('model')}/{node.get('version')}"
    status = node.get("status") or "unreadable"  # a parent the registry could not read
    repeated = "  (listed above)" if node.get("repeated") else ""
    return f"{uri}  {status}{repeated}"


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
    lines = [head, "ancestors:", *ancestors, "descendants:", *descendants]
    if answer.get("truncated"):
        lines.append("(some relatives were left out: the registry bounds each tree; ask with a smaller --depth)")
    return "\n".join(lines)
