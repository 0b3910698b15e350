"""Use case: compare the versions two model URIs name now (any two versions, of one model or two, a
stage or alias holder, `latest`), as `comparison.compare_versions` describes.

Storage reads: each URI's resolution (see `resolution`: one or two reads for a number, stage or alias),
and one read of the latest validation report of each validated version: six at most (and the namespace list,
once per request, when a parent is in a namespace the reader may not see).

Parents in a namespace hidden from the reader are left out of the lineage diff, as the lineage tree leaves them
out: registering refuses such a parent, but a namespace can turn private after versions named it.
"""

from __future__ import annotations

from modelyard_server.domain.comparison import VersionComparison, compare_versions
from modelyard_server.domain.gates import Check
from modelyard_server.domain.principal import Principal
from modelyard_server.domain.resolution import resolve_record
from modelyard_server.domain.validations import ValidationReport
from modelyard_server.domain.version_records import VersionRecord
from modelyard_server.domain.visibility import visible_parents
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


def compare_uris(base_uri: str, head_uri: str, reader: Principal) -> VersionComparison:
    base = resolve_record(base_uri)
    head = base if head_uri == base_uri else resolve_record(head_uri)
    base_checks = _latest_checks(base)
    head_checks = base_checks if head.uri == base.uri else _latest_checks(head)
    comparison = compare_versions(base, head, base_checks, head_checks)
    lineage = comparison.lineage
    lineage.parents_added = visible_parents(lineage.parents_added, reader)
    lineage.parents_removed = visible_parents(lineage.parents_removed, reader)
    return comparison
