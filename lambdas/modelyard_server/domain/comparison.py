"""What differs between two versions: metrics side by side, params, lineage, signature, latest validation.

`compare_versions` is a pure function of two records and their latest validation reports, so every
reader of a comparison (the API, a notification, the client's step summaries through the API's JSON)
gets the same shape. Its rules:

* metrics: every name either version has, sorted by name; `change` is head - base and
  `relative_change` is change / |base| (so a rise is positive whatever the sign of base); each is
  null when a side lacks the metric, when base is 0 (relative), or when the result would not be a
  finite number (two values near the float limits): the answer never holds NaN or infinity;
* params: only those that differ, compared by their JSON value (so `1`, `1.0`, `true` and `"1"` are
  four different values), sorted by name;
* lineage: the fields in `LINEAGE_FIELDS` whose values differ, and the parents one side has and the
  other has not;
* signature: features matched by name within inputs and within outputs (a version without a
  signature has no features): added, removed, type_changed, or shape_changed (same type);
* validation: the latest validation of each side, with the names of its failed checks when the
  report read is the one the summary names.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from modelyard_server.domain.gates import Check
from modelyard_server.domain.model_base import RegistryModel
from modelyard_server.domain.record_fields import VersionStatus
from modelyard_server.domain.version_records import Feature, Signature, VersionRecord

LINEAGE_FIELDS = ("data_uri", "data_version", "data_digest", "commit", "repository")


class ComparedVersion(RegistryModel):
    uri: str
    model: str
    version: int
    semver: str | None = None
    status: VersionStatus
    created_at: datetime


class MetricComparison(RegistryModel):
    name: str
    base: float | None = Field(description="null: the base version has no such metric")
    head: float | None = Field(description="null: the head version has no such metric")
    change: float | None = Field(description="head - base; null when a side lacks the metric")
    relative_change: float | None = Field(
        description="(head - base) / |base|; null when a side lacks the metric or base is 0"
    )


class ParamChange(RegistryModel):
    name: str
    change: Literal["added", "removed", "changed"]
    base: Any = Field(default=None, description="The base version's value (absent: null)")
    head: Any = Field(default=None, description="The head version's value (absent: null)")


class LineageFieldChange(RegistryModel):
    field: str
    base: str | None
    head: str | None


class LineageComparison(RegistryModel):
    changed: list[LineageFieldChange] = Field(
        default_factory=list, description="data_uri, data_version, data_digest, commit, repository: those that differ"
    )
    parents_added: list[str] = Field(default_factory=list, description="Parents of head that base does not name")
    parents_removed: list[str] = Field(default_factory=list, description="Parents of base that head does not name")


class FeatureChange(RegistryModel):
    name: str
    change: Literal["added", "removed", "type_changed", "shape_changed"]
    base: Feature | None = None
    head: Feature | None = None


class SignatureComparison(RegistryModel):
    inputs: list[FeatureChange] = Field(default_factory=list)
    outputs: list[FeatureChange] = Field(default_factory=list)


class ValidationOutcome(RegistryModel):
    status: Literal["passed", "failed"]
    report_id: str
    at: datetime
    failed_checks: int
    failed: list[str] = Field(
        default_factory=list, description="Names of the failed checks (empty when the report could not be read)"
    )


class VersionComparison(RegistryModel):
    base: ComparedVersion
    head: ComparedVersion
    same_version: bool = Field(description="Both URIs name the same version: nothing differs")
    metrics: list[MetricComparison] = Field(description="Every metric either version has, by name")
    params: list[ParamChange] = Field(description="Params that differ, by name")
    lineage: LineageComparison
    signature: SignatureComparison
    base_validation: ValidationOutcome | None = Field(description="The base version's latest validation, if any")
    head_validation: ValidationOutcome | None = Field(description="The head version's latest validation, if any")


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def compare_metric(name: str, base: float | None, head: float | None) -> MetricComparison:
    change = relative = None
    if base is not None and head is not None:
        change = _finite_or_none(head - base)
        if change is not None and base != 0:
            relative = _finite_or_none(change / abs(base))
    return MetricComparison(name=name, base=base, head=head, change=change, relative_change=relative)


def _json_value(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def compare_params(base: dict[str, Any], head: dict[str, Any]) -> list[ParamChange]:
    changes = []
    for name in sorted(base.keys() | head.keys()):
        if name not in head:
            changes.append(ParamChange(name=name, change="removed", base=base[name]))
        elif name not in base:
            changes.append(ParamChange(name=name, change="added", head=head[name]))
        elif _json_value(base[name]) != _json_value(head[name]):
            changes.append(ParamChange(name=name, change="changed", base=base[name], head=head[name]))
    return changes


def compare_lineage(base: VersionRecord, head: VersionRecord) -> LineageComparison:
    changed = [
        LineageFieldChange(field=field, base=getattr(base.lineage, field), head=getattr(head.lineage, field))
        for field in LINEAGE_FIELDS
        if getattr(base.lineage, field) != getattr(head.lineage, field)
    ]
    base_parents, head_parents = base.lineage.parents, head.lineage.parents
    return LineageComparison(
        changed=changed,
        parents_added=[parent for parent in head_parents if parent not in base_parents],
        parents_removed=[parent for parent in base_parents if parent not in head_parents],
    )


def _by_name(features: Sequence[Feature]) -> dict[str, Feature]:
    named: dict[str, Feature] = {}
    for feature in features:
        named.setdefault(feature.name, feature)  # a name given twice: its first declaration counts
    return named


def compare_features(base: Sequence[Feature], head: Sequence[Feature]) -> list[FeatureChange]:
    """Changes in base's order, then the features only head has, in head's order."""
    base_named, head_named = _by_name(base), _by_name(head)
    changes = []
    for name, old in base_named.items():
        new = head_named.get(name)
        if new is None:
            changes.append(FeatureChange(name=name, change="removed", base=old))
        elif old.type != new.type:
            changes.append(FeatureChange(name=name, change="type_changed", base=old, head=new))
        elif old.shape != new.shape:
            changes.append(FeatureChange(name=name, change="shape_changed", base=old, head=new))
    changes.extend(
        FeatureChange(name=name, change="added", head=new) for name, new in head_named.items() if name not in base_named
    )
    return changes


def compare_signatures(base: Signature | None, head: Signature | None) -> SignatureComparison:
    empty = Signature()
    base, head = base or empty, head or empty
    return SignatureComparison(
        inputs=compare_features(base.inputs, head.inputs), outputs=compare_features(base.outputs, head.outputs)
    )


def validation_outcome(version: VersionRecord, report_checks: Sequence[Check] | None) -> ValidationOutcome | None:
    """The version's latest validation; `report_checks` are the checks of the report its summary names."""
    summary = version.validation
    if summary is None:
        return None
    return ValidationOutcome(
        status=summary.status,
        report_id=summary.report_id,
        at=summary.at,
        failed_checks=summary.failed_checks,
        failed=[check.name for check in report_checks or () if not check.passed],
    )


def _compared(version: VersionRecord) -> ComparedVersion:
    return ComparedVersion(
        uri=version.uri,
        model=version.model,
        version=version.version,
        semver=version.semver,
        status=version.status,
        created_at=version.created_at,
    )


def compare_versions(
    base: VersionRecord,
    head: VersionRecord,
    base_checks: Sequence[Check] | None = None,
    head_checks: Sequence[Check] | None = None,
) -> VersionComparison:
    """How `head` differs from `base`, given the checks of each one's latest validation report (if read)."""
    metric_names = sorted(base.metrics.keys() | head.metrics.keys())
    return VersionComparison(
        base=_compared(base),
        head=_compared(head),
        same_version=base.uri == head.uri,
        metrics=[compare_metric(name, base.metrics.get(name), head.metrics.get(name)) for name in metric_names],
        params=compare_params(base.params, head.params),
        lineage=compare_lineage(base, head),
        signature=compare_signatures(base.signature, head.signature),
        base_validation=validation_outcome(base, base_checks),
        head_validation=validation_outcome(head, head_checks),
    )
