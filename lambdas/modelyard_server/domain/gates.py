"""Validation gates, evaluated on the server: thresholds, no regression, required metadata, artifact rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from modelyard_server.domain.model_base import RegistryModel
from modelyard_server.domain.policy import EffectivePolicy, Gates, NoRegression, Threshold
from modelyard_server.domain.version_records import VersionRecord, VersionSummary

CheckKind = Literal["threshold", "no_regression", "required_metadata", "artifact_size", "artifact_format"]


class Check(RegistryModel):
    name: str
    kind: CheckKind
    expected: str
    actual: str
    passed: bool
    detail: str | None = None


def _number(value: float | None) -> str:
    return "missing" if value is None else f"{value:g}"


def _threshold(rule: Threshold, metrics: Mapping[str, float]) -> Check:
    actual = metrics.get(rule.metric)
    bounds = [f">= {rule.min:g}"] if rule.min is not None else []
    bounds += [f"<= {rule.max:g}"] if rule.max is not None else []
    expected = " and ".join(bounds)
    if actual is None:
        return Check(
            name=f"{rule.metric} {expected}",
            kind="threshold",
            expected=expected,
            actual="missing",
            passed=False,
            detail=f"metric '{rule.metric}' was not reported",
        )
    passed = (rule.min is None or actual >= rule.min) and (rule.max is None or actual <= rule.max)
    return Check(
        name=f"{rule.metric} {expected}",
        kind="threshold",
        expected=expected,
        actual=_number(actual),
        passed=passed,
    )


def _no_regression(
    rule: NoRegression, version: VersionRecord, metrics: Mapping[str, float], holder: VersionSummary | None
) -> Check:
    name = f"{rule.metric} no worse than {rule.against.replace(':', ' ')}"
    actual = metrics.get(rule.metric)

    def nothing_to_compare(reason: str) -> Check:
        return Check(
            name=name, kind="no_regression", expected="n/a", actual=_number(actual), passed=True, detail=reason
        )

    if holder is None or holder.version == version.version:
        return nothing_to_compare(f"{rule.against} holds no other version to compare with")
    baseline = holder.metrics.get(rule.metric)
    if baseline is None:
        return nothing_to_compare(f"version {holder.version} ({rule.against}) has no '{rule.metric}' to compare with")
    if rule.higher_is_better:
        floor = baseline - rule.tolerance
        expected = f">= {floor:g} (v{holder.version}: {baseline:g} - {rule.tolerance:g})"
        passed = actual is not None and actual >= floor
    else:
        ceiling = baseline + rule.tolerance
        expected = f"<= {ceiling:g} (v{holder.version}: {baseline:g} + {rule.tolerance:g})"
        passed = actual is not None and actual <= ceiling
    detail = None if actual is not None else f"metric '{rule.metric}' was not reported"
    return Check(
        name=name,
        kind="no_regression",
        expected=expected,
        actual=_number(actual),
        passed=passed,
        detail=detail,
    )


def _metadata_value(version: VersionRecord, field: str) -> object:
    if field in {"model_card", "signature", "semver", "framework"}:
        return getattr(version, field)
    return getattr(version.lineage, field)


def _layer_checks(
    gates: Gates,
    version: VersionRecord,
    metrics: Mapping[str, float],
    holders: Mapping[str, VersionSummary | None],
) -> list[Check]:
    checks = [_threshold(rule, metrics) for rule in gates.thresholds]
    checks += [_no_regression(rule, version, metrics, holders.get(rule.against)) for rule in gates.no_regression]
    for field in gates.required_metadata:
        present = bool(_metadata_value(version, field))
        checks.append(
            Check(
                name=f"{field} recorded",
                kind="required_metadata",
                expected="present",
                actual="present" if present else "missing",
                passed=present,
            )
        )
    if gates.max_artifact_bytes is not None:
        size = version.artifact.size
        checks.append(
            Check(
                name="artifact size",
                kind="artifact_size",
                expected=f"<= {gates.max_artifact_bytes}",
                actual=str(size),
                passed=size <= gates.max_artifact_bytes,
            )
        )
    if gates.allowed_formats is not None:
        fmt = version.artifact.format
        checks.append(
            Check(
                name="artifact format",
                kind="artifact_format",
                expected=" | ".join(gates.allowed_formats),
                actual=fmt,
                passed=fmt in gates.allowed_formats,
            )
        )
    return checks


def evaluate_gates(
    policy: EffectivePolicy,
    version: VersionRecord,
    metrics: Mapping[str, float],
    holders: Mapping[str, VersionSummary | None],
) -> list[Check]:
    """Every gate of every policy layer, checked against `metrics` (the version's, overlaid by submitted ones).

    `holders` maps `stage:<name>` / `alias:<name>` to the version summary that pointer holds now.
    """
    return [check for gates in policy.gates for check in _layer_checks(gates, version, metrics, holders)]


def compared_holders(policy: EffectivePolicy, holders: Mapping[str, VersionSummary | None]) -> dict[str, int | None]:
    """The version each pointer a no-regression gate compares with holds (None: nothing), as a verdict keeps it."""
    compared = {rule.against for gates in policy.gates for rule in gates.no_regression}
    return {pointer: (held.version if (held := holders.get(pointer)) is not None else None) for pointer in compared}
