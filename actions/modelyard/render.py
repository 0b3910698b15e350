"""Plain-text views of registry objects: aligned key/value lines and small tables."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from modelyard.progress import human_bytes

EMPTY = "-"


def scalar(value: Any) -> str:
    """One value on one line."""
    if value in (None, "", {}, []):
        return EMPTY
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={scalar(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(scalar(item) for item in value)
    text = str(value)
    return text.replace("\r", " ").replace("\n", " ")


def key_values(pairs: Iterable[tuple[str, Any]]) -> str:
    """``key   value`` lines with the values aligned; empty values are skipped."""
    kept = [(key, scalar(value)) for key, value in pairs]
    kept = [(key, text) for key, text in kept if text != EMPTY]
    if not kept:
        return ""
    width = max(len(key) for key, _ in kept)
    return "\n".join(f"{key.ljust(width)}  {text}" for key, text in kept)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, empty: str = "(none)") -> str:
    """A left-aligned table with upper-case headers."""
    body = [[scalar(cell) for cell in row] for row in rows]
    if not body:
        return empty
    heads = [h.upper() for h in headers]
    widths = [max(len(heads[i]), *(len(row[i]) for row in body)) for i in range(len(heads))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(cells)).rstrip()

    return "\n".join([line(heads), *(line(row) for row in body)])


def _when_by(at: Any, by: Any) -> str:
    if at and by:
        return f"{at} by {scalar(by)}"
    return scalar(at or by)


def model_view(model: Mapping[str, Any]) -> str:
    head = key_values(
        [
            ("name", model.get("name")),
            ("description", model.get("description")),
            ("owners", model.get("owners")),
            ("latest version", model.get("latest_version")),
            ("tags", model.get("tags")),
            ("created", _when_by(model.get("created_at"), model.get("created_by"))),
            ("updated", model.get("updated_at")),
        ]
    )
    parts = [head]
    for kind in ("stages", "aliases"):
        pointers = model.get(kind)
        if isinstance(pointers, Mapping) and pointers:
            rows = [
                [name, p.get("version"), p.get("updated_at"), p.get("updated_by")]
                for name, p in sorted(pointers.items())
                if isinstance(p, Mapping)
            ]
            parts.append(table([kind[:-1] if kind == "stages" else "alias", "version", "updated", "by"], rows))
    return "\n\n".join(part for part in parts if part)


def _without_empty(value: Any) -> Any:
    """A mapping without its empty entries (the registry answers every lineage field, most null)."""
    if not isinstance(value, Mapping):
        return value
    return {key: item for key, item in value.items() if item not in (None, "", {}, [])}


def version_view(version: Mapping[str, Any]) -> str:
    artifact = version.get("artifact") or {}
    size = artifact.get("size")
    status = version.get("status")
    if version.get("status_reason"):
        status = f"{status} ({version['status_reason']})"
    text = key_values(
        [
            ("uri", version.get("uri")),
            ("model", version.get("model")),
            ("version", version.get("version")),
            ("semver", version.get("semver")),
            ("status", status),
            ("description", version.get("description")),
            ("framework", version.get("framework")),
            ("format", artifact.get("format")),
            ("file", artifact.get("filename")),
            ("size", f"{human_bytes(size)} ({size} bytes)" if isinstance(size, int) else None),
            ("sha256", artifact.get("sha256")),
            ("metrics", version.get("metrics")),
            ("params", version.get("params")),
            ("tags", version.get("tags")),
            ("lineage", _without_empty(version.get("lineage"))),
            ("created", _when_by(version.get("created_at"), version.get("created_by"))),
            ("ready", version.get("ready_at")),
        ]
    )
    card = version.get("model_card")
    if isinstance(card, str) and card.strip():
        text += "\n\nmodel card:\n" + "\n".join(f"  {line}" for line in card.strip().splitlines())
    return text


def pointer_view(pointer: Mapping[str, Any], *, history: bool = True) -> str:
    kind = pointer.get("kind") or "pointer"
    text = key_values(
        [
            (
                str(kind),
                f"{pointer.get('model')}/{pointer.get('name')}" if pointer.get("model") else pointer.get("name"),
            ),
            ("version", pointer.get("version") if pointer.get("version") is not None else "(none)"),
            ("previous", pointer.get("previous_version")),
            ("updated", _when_by(pointer.get("updated_at"), pointer.get("updated_by"))),
        ]
    )
    if pointer.get("already_held"):
        text += f"\nunchanged: already held version {pointer.get('version')}; nothing changed, no event written"
    entries = pointer.get("history")
    if history and isinstance(entries, list) and entries:
        rows = [
            [
                h.get("at"),
                h.get("action"),
                h.get("version"),
                h.get("previous_version"),
                h.get("by"),
                h.get("run_url"),
                h.get("comment"),
            ]
            for h in entries
            if isinstance(h, Mapping)
        ]
        text += "\n\n" + table(["at", "action", "version", "previous", "by", "run", "comment"], rows)
    return text


def _held(version: Mapping[str, Any], kind: str) -> Any:
    """The stages or aliases a version holds (a list of names, or a name -> pointer map)."""
    held = version.get(kind)
    if isinstance(held, Mapping):
        return sorted(held)
    return held


def versions_table(versions: Iterable[Mapping[str, Any]]) -> str:
    """One model's versions; STAGES and ALIASES columns when the registry reports what each holds."""
    listed = list(versions)
    holds = any("stages" in v or "aliases" in v for v in listed)
    rows = []
    for v in listed:
        artifact = v.get("artifact") or {}
        digest = str(artifact.get("sha256") or v.get("sha256") or "")[:12]
        held = [_held(v, "stages"), _held(v, "aliases")] if holds else []
        rows.append(
            [v.get("version"), v.get("semver"), v.get("status"), *held, v.get("created_at"), digest, v.get("metrics")]
        )
    headers = ["version", "semver", "status", *(["stages", "aliases"] if holds else []), "created", "sha256", "metrics"]
    return table(headers, rows, empty="(no versions)")


def version_hits_table(hits: Iterable[Mapping[str, Any]]) -> str:
    """Versions found across the registry: where they are, what they hold, how they scored."""
    rows = [
        [
            h.get("uri") or f"models:/{h.get('model')}/{h.get('version')}",
            h.get("semver"),
            h.get("status"),
            _held(h, "stages"),
            _held(h, "aliases"),
            h.get("framework"),
            h.get("created_at"),
            h.get("metrics"),
        ]
        for h in hits
    ]
    headers = ["uri", "semver", "status", "stages", "aliases", "framework", "created", "metrics"]
    return table(headers, rows, empty="(no versions match)")


def _stage_versions(stages: Any) -> str | None:
    """``production=7, staging=8`` from a model's stages map (name -> pointer, or name -> version)."""
    if not isinstance(stages, Mapping):
        return None
    shown = []
    for name, held in sorted(stages.items()):
        number = held.get("version") if isinstance(held, Mapping) else held
        if number is not None:
            shown.append(f"{name}={number}")
    return ", ".join(shown) or None


def model_hits_table(models: Iterable[Mapping[str, Any]]) -> str:
    rows = [
        [
            m.get("name"),
            m.get("latest_version"),
            _stage_versions(m.get("stages")),
            m.get("owners"),
            m.get("description"),
        ]
        for m in models
    ]
    return table(["name", "latest", "stages", "owners", "description"], rows, empty="(no models match)")


def models_table(models: Iterable[Mapping[str, Any]]) -> str:
    rows = [[m.get("name"), m.get("latest_version"), m.get("owners"), m.get("description")] for m in models]
    return table(["name", "latest", "owners", "description"], rows, empty="(no models)")


GITHUB_ISSUERS = re.compile(
    r"https://token\.actions\.githubusercontent\.com(/[^/]+)?"  # github.com (and its enterprise slugs)
    r"|https://token\.actions\.[^/]+\.ghe\.com"  # data residency
    r"|https://[^/]+/_services/token"  # GitHub Enterprise Server
)


def _detail(event: Mapping[str, Any]) -> Mapping[str, Any]:
    detail = event.get("detail")
    return detail if isinstance(detail, Mapping) else {}


def _run(event: Mapping[str, Any]) -> str | None:
    """The event's workflow run: its URL for a GitHub Actions token, or "local run N" (no GitHub page)."""
    detail = _detail(event)
    issuer = str(detail.get("issuer") or "")
    if event.get("run_id") and issuer and not GITHUB_ISSUERS.fullmatch(issuer.rstrip("/")):
        return f"local run {event['run_id']}"
    url = event.get("run_url")
    return str(url) if url else None


def _note(event: Mapping[str, Any]) -> str | None:
    """Why: a refusal's reason, an archive's reason, a promotion's comment."""
    detail = _detail(event)
    notes = [str(detail[key]) for key in ("reason", "comment") if detail.get(key)]
    return "; ".join(notes) or None


def events_table(events: Iterable[Mapping[str, Any]]) -> str:
    rows = []
    for e in events:
        change = ""
        if e.get("before") is not None or e.get("after") is not None:
            change = f"{scalar(e.get('before'))} -> {scalar(e.get('after'))}"
        rows.append(
            [
                e.get("at"),
                e.get("type"),
                e.get("version"),
                e.get("actor"),
                e.get("repository"),
                change,
                _run(e),
                _note(e),
            ]
        )
    headers = ["at", "type", "version", "actor", "repository", "change", "run", "note"]
    return table(headers, rows, empty="(no events)")


def validation_view(report: Mapping[str, Any]) -> str:
    """The verdict, then one line per gate."""
    checks = [c for c in report.get("checks") or [] if isinstance(c, Mapping)]
    failed = sum(not c.get("passed") for c in checks)
    verdict = "passed" if report.get("passed") else f"FAILED ({failed} of {len(checks)} checks)"
    head = key_values(
        [
            ("model", report.get("model")),
            ("version", report.get("version")),
            ("verdict", verdict),
            ("stage", report.get("stage")),
            ("report", report.get("id")),
            ("policy", report.get("policy_digest")),
        ]
    )
    rows = [
        ["ok" if c.get("passed") else "FAIL", c.get("name"), c.get("expected"), c.get("actual"), c.get("detail")]
        for c in checks
    ]
    return head + "\n\n" + table(["", "check", "expected", "actual", "detail"], rows, empty="(no gates apply)")


def as_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)
