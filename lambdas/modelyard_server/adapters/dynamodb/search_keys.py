"""A version's search keys: the ``FIND#`` items written with it, and the partitions a query reads.

Every key a version has gets one item in partition ``FIND#<key>``, sorted newest first by
``<created_at>#<model>#<version>``, projecting the immutable facts filters compare (tags, metrics,
framework, format, lineage), so a search reads one partition and filters there. At most
1 + 1 + 50 tags + 7 + 20 parents = 79 items, which with the registration's own five keeps its
transaction under DynamoDB's 100.
"""

from __future__ import annotations

from datetime import UTC, datetime

from modelyard_server.adapters.dynamodb.items import SearchKeyItem, version_sk
from modelyard_server.domain.version_records import VersionRecord

FIND = "FIND#"
ALL = "ALL"
BULKY_FACTS_BUDGET = 8_000  # characters of tags and metrics copied onto each key: 79 x 8 kB stays far below 4 MB
COMMIT_KEY_LENGTH = 7  # the shortest commit prefix a query may give, and the shortest stored commit


def created_key(at: datetime) -> str:
    """Fixed-width UTC ISO 8601 (microseconds, ``Z``): string order is time order.

    The year is padded here: strftime's ``%Y`` gives ``999`` for the year 999 on glibc, which sorts after
    ``2026`` and would make a bound of ``created_after=0999-...`` exclude everything."""
    utc = at.astimezone(UTC)
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S.%f}Z"


def search_sk(created_at: datetime, model: str, version: int) -> str:
    return f"{created_key(created_at)}#{model}#{version_sk(version)[2:]}"


def find_pk(key: str) -> str:
    return f"{FIND}{key}"


def workflow_path(workflow_ref: str) -> str:
    """``owner/repo/.github/workflows/x.yml@refs/heads/main`` -> the workflow, whatever its ref."""
    return workflow_ref.split("@", 1)[0]


def model_key(name: str) -> str:
    return f"MODEL#{name}"


def tag_key(key: str, value: str) -> str:
    return f"TAG#{key}={value}"


def commit_key(commit: str) -> str:
    return f"COMMIT#{commit[:COMMIT_KEY_LENGTH]}"


def version_keys(version: VersionRecord) -> list[str]:
    """Every search key of `version` (without the ``FIND#`` prefix)."""
    lineage = version.lineage
    keys = [ALL, model_key(version.model)]
    keys += [tag_key(k, v) for k, v in sorted(version.tags.items())]
    optional = {
        "FRAMEWORK#": version.framework,
        "FORMAT#": version.artifact.format,
        "DATA_URI#": lineage.data_uri,
        "DATA_VERSION#": lineage.data_version,
        "DATA_DIGEST#": lineage.data_digest,
        "WORKFLOW#": workflow_path(lineage.workflow_ref) if lineage.workflow_ref else None,
    }
    keys += [prefix + value for prefix, value in optional.items() if value]
    if lineage.commit:
        keys.append(commit_key(lineage.commit))
    keys += [f"PARENT#{parent}" for parent in sorted(set(lineage.parents))]
    return keys


def _bulky_facts_fit(version: VersionRecord) -> bool:
    """Whether tags and metrics are small enough to copy onto every search key.

    Up to 50 tags and 500 metrics could make 79 copies larger than a transaction may be (4 MB); past
    the budget, or with a metric DynamoDB cannot hold as a number, the keys carry neither (``partial``)
    and those filters are checked on the versions read.
    """
    size = sum(len(k) + len(v) for k, v in version.tags.items()) + sum(len(k) + 24 for k in version.metrics)
    return size <= BULKY_FACTS_BUDGET and all(is_dynamodb_number(value) for value in version.metrics.values())


def is_dynamodb_number(value: float) -> bool:
    """Whether DynamoDB can hold `value` as a number: zero, or a magnitude from 1E-130 to under 1E+126.

    A finite float may lie outside (1e200, 1e-200): the registration's transaction would be refused, so a
    version with such a metric keeps its metrics off its keys (``partial``), and a search comparing with
    such a value compares on the versions read."""
    return value == 0 or 1e-130 <= abs(value) < 1e126


def search_key_items(version: VersionRecord) -> list[SearchKeyItem]:
    lineage = version.lineage
    sk = search_sk(version.created_at, version.model, version.version)
    fits = _bulky_facts_fit(version)
    return [
        SearchKeyItem(
            find_pk(key),
            sk,
            model=version.model,
            version=version.version,
            created_at=created_key(version.created_at),
            tags=dict(version.tags) if fits else {},
            metrics=dict(version.metrics) if fits else {},
            partial=None if fits else True,
            framework=version.framework,
            format=version.artifact.format,
            commit=lineage.commit,
            workflow=workflow_path(lineage.workflow_ref) if lineage.workflow_ref else None,
            data_uri=lineage.data_uri,
            data_version=lineage.data_version,
            data_digest=lineage.data_digest,
            parents=set(lineage.parents) or None,
        )
        for key in version_keys(version)
    ]
