"""The composite actions' step summaries (Markdown for ``$GITHUB_STEP_SUMMARY``), one per command result."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modelyard import page_links
from modelyard.commands.pointers import PointerMove, StageHolder
from modelyard.commands.versions import Registration, Validation
from modelyard.comparison import comparison_rows, with_candidate_metrics
from modelyard.github import code, link, md, table
from modelyard.lineage import run_url
from modelyard.render import scalar


def metrics_table(
    candidate: Mapping[str, Any] | None,
    candidate_label: str,
    holder: Mapping[str, Any] | None,
    holder_label: str,
) -> str:
    """Candidate next to the stage's current holder, with the difference."""
    ours = dict(candidate or {})
    theirs = dict(holder or {})
    names = sorted(set(ours) | set(theirs))
    if not names:
        return "_No metrics recorded._"
    rows = []
    for metric in names:
        mine, other = ours.get(metric), theirs.get(metric)
        change = "-"
        if isinstance(mine, int | float) and isinstance(other, int | float):
            delta = float(mine) - float(other)
            change = "0" if delta == 0 else f"{delta:+.4g}"
        rows.append([code(metric), md(mine), md(other), change])
    return table(["metric", md(candidate_label), md(holder_label), "change"], rows)


def _against(
    number: Any,
    candidate: Mapping[str, Any] | None,
    role: str,
    holder: StageHolder | None,
    label: str,
    comparison: Mapping[str, Any] | None = None,
) -> list[str]:
    """The "Metrics: vN against <holder>" heading and its table: the registry's comparison when it gave one
    (relative changes, and what else differs), else the metrics side by side."""
    heading = f"#### Metrics: v{number} against {md(label)}"
    if comparison is not None:
        return [heading, *comparison_parts(comparison, f"v{number} ({role})", label)]
    metrics = holder.metrics if holder is not None else None
    return [heading, metrics_table(candidate, f"v{number} ({role})", metrics, label)]


def _cell(value: Any) -> str:
    return md(scalar(value))


def comparison_parts(comparison: Mapping[str, Any], candidate_label: str, holder_label: str) -> list[str]:
    """The registry's comparison (head: the candidate, base: the holder) as Markdown, candidate first."""
    rows = comparison_rows(comparison)
    ours, theirs = md(candidate_label), md(holder_label)
    metrics = [[code(n), _cell(head), _cell(base), change, rel] for n, base, head, change, rel in rows.metrics]
    parts = [table(["metric", ours, theirs, "change", "relative"], metrics) if metrics else "_No metrics recorded._"]
    if rows.params:
        params = [[code(n), md(change), _cell(head), _cell(base)] for n, change, base, head in rows.params]
        parts.append(table(["param", "change", ours, theirs], params))
    if rows.lineage:
        lineage = [[md(f), _cell(head), _cell(base)] for f, base, head in rows.lineage]
        parts.append(table(["lineage", ours, theirs], lineage))
    if rows.signature:
        features = [[md(side), code(n), md(ch), md(head), md(base)] for side, n, ch, base, head in rows.signature]
        parts.append(table(["signature", "feature", "change", ours, theirs], features))
    base_verdict, head_verdict = rows.validations
    parts.append(table(["", ours, theirs], [["latest validation", md(head_verdict), md(base_verdict)]]))
    return parts


def _lineage_rows(version: Mapping[str, Any], env: Mapping[str, str]) -> list[list[str]]:
    lineage = version.get("lineage") or {}
    server = (env.get("GITHUB_SERVER_URL") or "https://github.com").rstrip("/")
    repo = lineage.get("repository")
    commit = lineage.get("commit")
    rows: list[list[str]] = []
    if repo:
        rows.append(["repository", link(repo, f"{server}/{repo}")])
    if commit:
        target = f"{server}/{repo}/commit/{commit}" if repo else None
        rows.append(["commit", link(str(commit)[:12], target)])
    if lineage.get("ref"):
        rows.append(["ref", code(lineage["ref"])])
    if lineage.get("run_url"):
        rows.append(["workflow run", link("run", lineage["run_url"])])
    if lineage.get("data_uri"):
        rows.append(["training data", code(lineage["data_uri"])])
    if lineage.get("data_version"):
        rows.append(["data version", md(lineage["data_version"])])
    return rows


def page_rows(model: str, number: Any, registry_url: str | None, *, previous: Any = None) -> list[list[str]]:
    """Links to the version's page on the registry and, after a move, to its comparison with the holder before."""
    page = page_links.absolute(registry_url, page_links.version(model, number)) if isinstance(number, int) else None
    if page is None:
        return []
    rows = [["registry page", link(f"v{number}", page)]]
    if isinstance(previous, int) and previous != number:
        path = page_links.compare(page_links.version_uri(model, previous), page_links.version_uri(model, number))
        rows.append(["compared", link(f"v{previous} → v{number}", page_links.absolute(registry_url, path))])
    return rows


def _size(value: Any) -> str:
    if not isinstance(value, int):
        return "-"
    from modelyard.progress import human_bytes

    return f"{human_bytes(value)} ({value:,} bytes)"


def registration_summary(
    model: str, result: Registration, env: Mapping[str, str], *, registry_url: str | None = None
) -> str:
    version, number = result.data, result.number
    holder = result.compared_with
    record = version.get("artifact") or {}
    facts = [
        ["model URI", code(result.uri)],
        ["version", md(number) + (f" ({md(version.get('semver'))})" if version.get("semver") else "")],
        ["status", md(version.get("status"))],
        ["digest", code(result.digest)],
        ["artifact", f"{code(record.get('filename', ''))}, {md(record.get('format'))}, {_size(record.get('size'))}"],
        ["framework", md(version.get("framework"))],
        *_lineage_rows(version, env),
        *page_rows(model, number, registry_url),
    ]
    label = holder.label() if holder is not None else ""
    parts = [
        f"### modelyard: registered {code(model)} v{number}",
        table(["", ""], facts),
        *_against(number, version.get("metrics"), "candidate", holder, label),
    ]
    if version.get("description"):
        parts.insert(1, f"> {md(version['description'])}")
    return "\n\n".join(parts) + "\n"


def validation_summary(
    model: str, result: Validation, *, stage: str | None, policy_applied: bool, registry_url: str | None = None
) -> str:
    report, number, checks = result.data, result.number, result.checks
    verdict = "passed" if result.passed else f"failed ({len(result.failed)} of {len(checks)} checks)"
    rows = [
        [
            "pass" if c.get("passed") else "**FAIL**",
            md(c.get("name")),
            md(c.get("expected")),
            md(c.get("actual")),
            md(c.get("detail")),
        ]
        for c in checks
    ]
    holder = result.compared_with
    label = holder.label() if holder is not None else ""
    # the gates judged the evaluated metrics: those, not the registered ones, are the candidate's here
    evaluated = with_candidate_metrics(result.comparison, report.get("metrics")) if result.comparison else None
    parts = [
        f"### modelyard: validation of {code(model)} v{number} {'passed' if result.passed else 'FAILED'}",
        table(
            ["", ""],
            [
                ["verdict", md(verdict)],
                ["stage", md(stage or "(none)")],
                ["report", code(report.get("id", ""))],
                ["policy", code(report.get("policy_digest", ""))],
                ["repository policy", md("applied" if policy_applied else "none")],
                *page_rows(model, number, registry_url),
            ],
        ),
        table(["", "check", "expected", "actual", "detail"], rows) if rows else "_No gates apply to this model._",
        *_against(number, report.get("metrics"), "candidate", holder, label, evaluated),
    ]
    return "\n\n".join(parts) + "\n"


def _move_summary(
    heading: str, model: str, moved: PointerMove, env: Mapping[str, str], *, was: str, role: str, **rows: Any
) -> str:
    """A stage move: what it holds now, held before, who moved it (plus ``rows``), and the metrics of both.

    ``rows`` may hold ``model_uri`` (shown first), ``comment``, ``tail`` (a closing line) and ``registry_url``
    (links to the pages of the version and of its comparison with the holder before).
    """
    previous = moved.previous_version
    facts = [
        *([["model URI", code(rows["model_uri"])]] if rows.get("model_uri") else []),
        ["now", md(f"v{moved.version}")],
        [was, md(f"v{previous}" if previous is not None else "(empty)")],
        ["digest", code(f"sha256:{moved.target.get('sha256', '')}")],
        ["by", md(moved.data.get("updated_by"))],
        *([["comment", md(rows.get("comment"))]] if "comment" in rows else []),
        ["workflow run", link("run", run_url(env))],
        *page_rows(model, moved.version, rows.get("registry_url"), previous=previous),
    ]
    prefix = was.removesuffix(" from")
    label = moved.before.label(prefix) if moved.before is not None else f"{prefix}: (empty)"
    parts = [
        heading,
        table(["", ""], facts),
        *_against(moved.version, moved.target.get("metrics"), role, moved.before, label, moved.comparison),
        *([rows["tail"]] if rows.get("tail") else []),
    ]
    return "\n\n".join(parts) + "\n"


def promotion_summary(
    model: str, stage: str, moved: PointerMove, env: Mapping[str, str], *, registry_url: str | None = None
) -> str:
    return _move_summary(
        f"### modelyard: promoted {code(model)} v{moved.version} to {code(stage)}",
        model,
        moved,
        env,
        was="previous",
        role="promoted",
        model_uri=f"models:/{model}/stage/{stage}",
        tail=f"Roll back with `actions/rollback` (stage `{stage}`) to return to the previous holder.",
        registry_url=registry_url,
    )


def already_held_summary(model: str, stage: str, moved: PointerMove) -> str:
    return f"### modelyard: {code(stage)} of {code(model)} already holds v{moved.version}; nothing changed\n"


def rollback_summary(
    model: str,
    stage: str,
    moved: PointerMove,
    comment: str | None,
    env: Mapping[str, str],
    *,
    registry_url: str | None = None,
) -> str:
    return _move_summary(
        f"### modelyard: rolled {code(stage)} of {code(model)} back to v{moved.version}",
        model,
        moved,
        env,
        was="rolled back from",
        role="restored",
        comment=comment,
        registry_url=registry_url,
    )
