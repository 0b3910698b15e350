"""A version query as DynamoDB reads it: the partition it starts from, its key and filter conditions.

The same query is also checked in memory (:func:`matches`) where a plan has read whole records
(the holders of a stage or alias) and for what search keys cannot hold (status, pointers held).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pynamodb.expressions.condition import Condition

from modelyard_server.adapters.dynamodb.items import RegistryItem, SearchKeyItem
from modelyard_server.adapters.dynamodb.search_keys import (
    ALL,
    COMMIT_KEY_LENGTH,
    commit_key,
    created_key,
    is_dynamodb_number,
    model_key,
    tag_key,
    workflow_path,
)
from modelyard_server.domain.names import namespace_of
from modelyard_server.domain.version_records import VersionRecord
from modelyard_server.ports.search import MetricCondition, VersionQuery

_BRACKETS = {"[", "]"}


@dataclass(frozen=True)
class KeyChoice:
    """The search-key partition a query reads, and the filter that partition already satisfies."""

    key: str
    served: str | None  # name of the VersionQuery field the key serves exactly (no filter needed)


def choose_key(query: VersionQuery) -> KeyChoice:
    """The most selective search key the query names: few versions share a parent, a data digest or a
    commit; a model's versions are its own; tags, frameworks and formats are shared widely."""
    exact: list[tuple[str, str | None, str]] = [
        ("parent", query.parent, "PARENT#"),
        ("data_digest", query.data_digest, "DATA_DIGEST#"),
        ("model", query.model, ""),
        ("data_version", query.data_version, "DATA_VERSION#"),
        ("data_uri", query.data_uri, "DATA_URI#"),
        ("workflow", query.workflow, "WORKFLOW#"),
    ]
    for field_name, value, prefix in exact:
        if value:
            key = model_key(value) if field_name == "model" else prefix + value
            return KeyChoice(key, field_name)
    if query.commit and len(query.commit) >= COMMIT_KEY_LENGTH:
        return KeyChoice(commit_key(query.commit), None)  # the key is the first 7: the rest is filtered
    if query.tags:
        return KeyChoice(tag_key(*query.tags[0]), None)  # "a=b=c" keys two tags alike: filtered too
    if query.framework:
        return KeyChoice(f"FRAMEWORK#{query.framework}", "framework")
    if query.format:
        return KeyChoice(f"FORMAT#{query.format}", "format")
    return KeyChoice(ALL, None)


def created_range(query: VersionQuery) -> Condition | None:
    """created_after (inclusive) and created_before (exclusive) on the ``<created_at>#…`` sort key."""
    after = created_key(query.created_after) if query.created_after else None
    before = created_key(query.created_before) if query.created_before else None
    condition: Condition | None = None
    if after and before:
        condition = RegistryItem.sk.between(after, before)  # an item created at `before` sorts after it
    elif after:
        condition = RegistryItem.sk >= after
    elif before:
        condition = RegistryItem.sk < before
    return condition


def _metric_condition(metric: MetricCondition) -> Condition:
    path = SearchKeyItem.metrics[metric.metric]
    compared: Condition
    if metric.op == "<":
        compared = path < metric.value
    elif metric.op == "<=":
        compared = path <= metric.value
    elif metric.op == "=":
        compared = path == metric.value
    elif metric.op == ">=":
        compared = path >= metric.value
    elif metric.op == ">":
        compared = path > metric.value
    else:
        compared = path.exists() & (path != metric.value)  # a version without the metric does not match
    return compared


def key_filter(query: VersionQuery, choice: KeyChoice) -> Condition | None:
    """What the search-key items can check themselves, less what the partition already guarantees."""
    item = SearchKeyItem
    parts: list[Condition] = []
    equal: dict[str, tuple[Any, str | None]] = {
        "model": (item.model, query.model),
        "framework": (item.framework, query.framework),
        "format": (item.format, query.format),
        "data_uri": (item.data_uri, query.data_uri),
        "data_version": (item.data_version, query.data_version),
        "data_digest": (item.data_digest, query.data_digest),
        "workflow": (item.workflow, query.workflow),
    }
    for field_name, (attribute, value) in equal.items():
        if value and field_name != choice.served:
            parts.append(attribute == value)
    if query.model_prefix:
        parts.append(item.model.startswith(query.model_prefix))
    parts += [~item.model.startswith(namespace + "/") for namespace in query.excluded_namespaces]
    if query.commit:
        parts.append(item.commit.startswith(query.commit))
    if query.parent and choice.served != "parent":
        parts.append(item.parents.contains(query.parent))
    bulky = [item.tags[key] == value for key, value in query.tags]
    # pynamodb reads "[n]" in a map key as a list index (and refuses other brackets): such a metric
    # is compared only on the records read (`matches`), which every plan applies to its page anyway.
    # So is a comparison with a value DynamoDB cannot hold as a number (it would refuse the whole Query).
    bulky += [
        _metric_condition(metric)
        for metric in query.metrics
        if not _BRACKETS & set(metric.metric) and is_dynamodb_number(metric.value)
    ]
    if bulky:  # a key without its tags and metrics (too large to copy) is let through, and checked later
        parts.append(item.partial.exists() | _all(bulky))
    return _all(parts) if parts else None


def _all(parts: list[Condition]) -> Condition:
    condition = parts[0]
    for part in parts[1:]:
        condition = condition & part
    return condition


def _compares(value: float, metric: MetricCondition) -> bool:
    target = metric.value
    return {
        "<": value < target,
        "<=": value <= target,
        "=": value == target,
        ">=": value >= target,
        ">": value > target,
        "!=": value != target,
    }[metric.op]


def matches(version: VersionRecord, holds: set[str], query: VersionQuery) -> bool:
    """Every filter of `query`, on a whole record and the pointers it holds (``stage:x``, ``alias:y``)."""
    lineage = version.lineage
    checks = [
        query.model is None or version.model == query.model,
        query.model_prefix is None or version.model.startswith(query.model_prefix),
        namespace_of(version.model) not in query.excluded_namespaces,
        all(version.tags.get(key) == value for key, value in query.tags),
        all(m.metric in version.metrics and _compares(version.metrics[m.metric], m) for m in query.metrics),
        query.framework is None or version.framework == query.framework,
        query.format is None or version.artifact.format == query.format,
        query.status is None or version.status == query.status,
        query.stage is None or f"stage:{query.stage}" in holds,
        query.alias is None or f"alias:{query.alias}" in holds,
        query.data_uri is None or lineage.data_uri == query.data_uri,
        query.data_version is None or lineage.data_version == query.data_version,
        query.data_digest is None or lineage.data_digest == query.data_digest,
        query.commit is None or (lineage.commit or "").startswith(query.commit),
        query.workflow is None or workflow_path(lineage.workflow_ref or "") == query.workflow,
        query.parent is None or query.parent in lineage.parents,
        query.created_after is None or version.created_at >= query.created_after,
        query.created_before is None or version.created_at < query.created_before,
    ]
    return all(checks)
