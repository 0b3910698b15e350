"""Use case: compare the versions two model URIs name now (any two versions, of one model or two, a
stage or alias holder, `latest`), as `comparison.compare_versions` describes.

Storage reads: each URI's resolution (see `resolution`: one or two reads for a number, stage or alias),
and one read of the latest validation report of each validated version: six at most.
"""

from __future__ import annotations

from modelyard_server.domain.comparison import VersionComparison, compare_versions
from modelyard_server.domain.gates import Check
from modelyard_server.domain.resolution import resolve_record
from modelyard_server.domain.schemas import VersionRecord
from modelyard_server.domain.validations import ValidationReport
from modelyard_server.ports import backend


def _latest_checks(version: VersionRecord) -> list[Check] | None:
    """The checks of the report the version's validation summary names (None: not validated, or gone)."""
    summary = version.validation
    if summary is None:
        return None
    stored = backend().governance.latest_report(version.model, version.version)
    if stored is None:
        return None
    report = ValidationReport.model_validate(stored)
    return report.checks if report.id == summary.report_id else None  # a validation landed between the reads


def compare_uris(base_uri: str, head_uri: str) -> VersionComparison:
    base = resolve_record(base_uri)
    head = base if head_uri == base_uri else resolve_record(head_uri)
    base_checks = _latest_checks(base)
    head_checks = base_checks if head.uri == base.uri else _latest_checks(head)
    return compare_versions(base, head, base_checks, head_checks)
