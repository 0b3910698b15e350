"""Search parameters as the API receives them (strings), and their parsing into the search port's values.

The formats each parameter accepts are stated once, here: the route declarations take their
descriptions from `FORMATS` (so the OpenAPI document says what is accepted), and a value that does
not parse is an :class:`InvalidFilter` (400) naming every bad parameter and what it accepts.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Annotated, cast, get_args

from pydantic import Field, StringConstraints

from modelyard_server.domain.errors import DomainError
from modelyard_server.domain.model_base import RegistryModel
from modelyard_server.domain.names import (
    MODEL_NAME_PATTERN,
    POINTER_NAME_PATTERN,
    REPOSITORY_PATTERN,
    is_model_name,
    parse_model_uri,
)
from modelyard_server.domain.schemas import ArtifactFormat, VersionStatus
from modelyard_server.ports.search import Comparison, MetricCondition, ModelQuery, VersionOrder, VersionQuery

MAX_TAGS = 10
MAX_METRICS = 10
_TAG_KEY = re.compile(r"[A-Za-z0-9_.:/=+@-]{1,128}")
_METRIC = re.compile(r"(?P<name>[^<>=!]{1,128})(?P<op><=|>=|!=|=|<|>)(?P<value>[^<>=!]+)")
_MODEL_PREFIX = re.compile(r"[a-z0-9][a-z0-9._-]{0,127}")
_POINTER = re.compile(POINTER_NAME_PATTERN)
_REPOSITORY = re.compile(REPOSITORY_PATTERN)
_COMMIT = re.compile(r"[0-9a-f]{7,64}")
_WORKFLOW = re.compile(r"[A-Za-z0-9-]{1,39}/[A-Za-z0-9._-]{1,100}/\.github/workflows/[^@\s]{1,200}")
# RFC 3339: a date, a time and an offset (Z or ±hh:mm); fractions of a second are allowed.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})")
_ORDER_BY = re.compile(r"created|metric:(?P<metric>[^<>=!]{1,128})")
_FORMATS = get_args(ArtifactFormat)
_STATUSES = get_args(VersionStatus)

FORMATS: dict[str, str] = {
    "model": f"An exact model name ({MODEL_NAME_PATTERN})",
    "model_prefix": "Models whose name starts with this, e.g. `finance-` (lower-case letters, digits, `._-`)",
    "tag": f"`key=value`; repeat for more (every one must match, at most {MAX_TAGS})",
    "metric": "`name<op>number` with op one of `< <= = >= > !=`, e.g. `accuracy>=0.9`; the version must "
    f"have the metric and the comparison must hold; repeat for more (all must hold, at most {MAX_METRICS})",
    "framework": "The framework as registered, e.g. `sklearn` (exact)",
    "format": "The artifact format: " + ", ".join(_FORMATS),
    "status": "The version's status: " + ", ".join(_STATUSES),
    "stage": "Versions holding this stage now, e.g. `production`",
    "alias": "Versions holding this alias now, e.g. `champion`",
    "data_uri": "Trained from this data URI (lineage.data_uri, exact)",
    "data_version": "Trained from this data version (lineage.data_version, exact)",
    "data_digest": "Trained from data with this digest (lineage.data_digest, exact)",
    "commit": "Built from this commit: the full SHA or a prefix of at least 7 hex digits",
    "workflow": "Built by this workflow, any ref: `owner/repo/.github/workflows/file.yml`",
    "parent": "Descendants: versions naming this version as a parent, `models:/name/7`",
    "created_after": "Created at or after this instant: RFC 3339 with an offset, e.g. `2026-11-01T00:00:00Z`",
    "created_before": "Created before this instant: RFC 3339 with an offset, e.g. `2026-12-01T00:00:00+01:00`",
    "order_by": "`created` (the default) or `metric:<name>` (versions without the metric are left out; "
    "needs an exact model: `model=` or the model's own listing)",
    "order": "`desc` (the default: newest or highest first) or `asc`",
    "name_prefix": "Models whose name starts with this",
    "owner": "Models owned by this repository, `org/repo`",
    "holds_stage": "Only models with a version in this stage; the answer's `stages` names it",
}
Text = Annotated[str, StringConstraints(max_length=1024)]


class ModelVersionFilters(RegistryModel):
    """The filters of a model's version listing (every parameter is a string, parsed by the domain)."""

    tag: list[Text] | None = Field(default=None, description=FORMATS["tag"])
    metric: list[Text] | None = Field(default=None, description=FORMATS["metric"])
    framework: Text | None = Field(default=None, description=FORMATS["framework"])
    format: Text | None = Field(default=None, description=FORMATS["format"])
    status: Text | None = Field(default=None, description=FORMATS["status"])
    stage: Text | None = Field(default=None, description=FORMATS["stage"])
    alias: Text | None = Field(default=None, description=FORMATS["alias"])
    data_uri: Text | None = Field(default=None, description=FORMATS["data_uri"])
    data_version: Text | None = Field(default=None, description=FORMATS["data_version"])
    data_digest: Text | None = Field(default=None, description=FORMATS["data_digest"])
    commit: Text | None = Field(default=None, description=FORMATS["commit"])
    workflow: Text | None = Field(default=None, description=FORMATS["workflow"])
    parent: Text | None = Field(default=None, description=FORMATS["parent"])
    created_after: Text | None = Field(default=None, description=FORMATS["created_after"])
    created_before: Text | None = Field(default=None, description=FORMATS["created_before"])
    order_by: Text | None = Field(default=None, description=FORMATS["order_by"])
    order: Text | None = Field(default=None, description=FORMATS["order"])


class VersionFilters(ModelVersionFilters):
    """The filters of the cross-registry version search: a model's, plus which models."""

    model: Text | None = Field(default=None, description=FORMATS["model"])
    model_prefix: Text | None = Field(default=None, description=FORMATS["model_prefix"])


class ModelFilters(RegistryModel):
    name_prefix: Text | None = Field(default=None, description=FORMATS["name_prefix"])
    tag: list[Text] | None = Field(default=None, description=FORMATS["tag"])
    owner: Text | None = Field(default=None, description=FORMATS["owner"])
    stage: Text | None = Field(default=None, description=FORMATS["holds_stage"])


class InvalidFilter(DomainError):
    status, slug, title = 400, "invalid-filter", "Invalid search parameter"


class _Problems:
    """Collects every malformed parameter, so one answer names them all."""

    def __init__(self) -> None:
        self.errors: list[dict[str, str]] = []

    def add(self, field: str, given: str, accepted: str) -> None:
        self.errors.append({"field": field, "message": f"'{given[:100]}' is not accepted: expected {accepted}"})

    def raise_any(self) -> None:
        if self.errors:
            summary = "; ".join(f"{e['field']}: {e['message']}" for e in self.errors[:5])
            raise InvalidFilter(summary, errors=self.errors)


def _tags(values: list[str] | None, problems: _Problems) -> tuple[tuple[str, str], ...]:
    values = values or []
    if len(values) > MAX_TAGS:
        problems.add("tag", f"{len(values)} tags", f"at most {MAX_TAGS}")
    pairs: list[tuple[str, str]] = []
    for value in values:
        key, equals, tag_value = value.partition("=")
        if not equals or not _TAG_KEY.fullmatch(key) or len(tag_value) > 256:
            problems.add("tag", value, FORMATS["tag"])
        else:
            pairs.append((key, tag_value))
    return tuple(pairs)


def _metrics(values: list[str] | None, problems: _Problems) -> tuple[MetricCondition, ...]:
    values = values or []
    if len(values) > MAX_METRICS:
        problems.add("metric", f"{len(values)} conditions", f"at most {MAX_METRICS}")
    conditions: list[MetricCondition] = []
    for value in values:
        match = _METRIC.fullmatch(value)
        number = _number(match["value"]) if match else None
        if match is None or number is None:
            problems.add("metric", value, FORMATS["metric"])
            continue
        conditions.append(MetricCondition(match["name"], cast(Comparison, match["op"]), number))
    return tuple(conditions)


def _number(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _instant(field: str, value: str | None, problems: _Problems) -> datetime | None:
    if value is None:
        return None
    if _RFC3339.fullmatch(value):
        try:
            return datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
        except ValueError:
            pass  # e.g. a 13th month: reported below
    problems.add(field, value, FORMATS[field])
    return None


def _matching(
    field: str, value: str | None, pattern: re.Pattern[str], problems: _Problems, format_of: str | None = None
) -> str | None:
    if value is not None and not pattern.fullmatch(value):
        problems.add(field, value, FORMATS[format_of or field])
        return None
    return value


def _one_of(field: str, value: str | None, allowed: tuple[str, ...], problems: _Problems) -> str | None:
    if value is not None and value not in allowed:
        problems.add(field, value, FORMATS[field])
        return None
    return value


def _parent(value: str | None, problems: _Problems) -> str | None:
    if value is None:
        return None
    uri = parse_model_uri(value)
    if uri is None or uri.kind != "version" or uri.version is None or uri.version.number is None:
        problems.add("parent", value, FORMATS["parent"])
        return None
    return f"models:/{uri.model}/{uri.version.number}"  # as lineage.parents stores it


def _order(filters: ModelVersionFilters, model: str | None, problems: _Problems) -> VersionOrder:
    direction = _one_of("order", filters.order, ("desc", "asc"), problems)
    descending = direction != "asc"
    order_by = filters.order_by or "created"
    match = _ORDER_BY.fullmatch(order_by)
    if match is None:
        problems.add("order_by", order_by, FORMATS["order_by"])
        return VersionOrder(descending=descending)
    if match["metric"] is None:
        return VersionOrder(descending=descending)
    if model is None:
        # Ordering by a metric across the registry has no bounded plan on every backend: refused on all.
        problems.add("order_by", order_by, "`created` here: ordering by a metric needs an exact `model`")
    return VersionOrder(by="metric", metric=match["metric"], descending=descending)


def version_query(filters: ModelVersionFilters, model: str | None = None) -> VersionQuery:
    """The port's query for these parameters; `model` is the listing's model (its route), if any."""
    problems = _Problems()
    model_prefix: str | None = None
    if isinstance(filters, VersionFilters):
        if filters.model is not None and not is_model_name(filters.model):
            problems.add("model", filters.model, FORMATS["model"])
        model = filters.model
        model_prefix = _matching("model_prefix", filters.model_prefix, _MODEL_PREFIX, problems)
    query = VersionQuery(
        model=model,
        model_prefix=model_prefix,
        tags=_tags(filters.tag, problems),
        metrics=_metrics(filters.metric, problems),
        framework=filters.framework,
        format=_one_of("format", filters.format, _FORMATS, problems),
        status=_one_of("status", filters.status, _STATUSES, problems),
        stage=_matching("stage", filters.stage, _POINTER, problems),
        alias=_matching("alias", filters.alias, _POINTER, problems),
        data_uri=filters.data_uri,
        data_version=filters.data_version,
        data_digest=filters.data_digest,
        commit=_matching("commit", filters.commit, _COMMIT, problems),
        workflow=_matching("workflow", filters.workflow, _WORKFLOW, problems),
        parent=_parent(filters.parent, problems),
        created_after=_instant("created_after", filters.created_after, problems),
        created_before=_instant("created_before", filters.created_before, problems),
        order=_order(filters, model, problems),
    )
    problems.raise_any()
    return query


def model_query(filters: ModelFilters) -> ModelQuery:
    problems = _Problems()
    query = ModelQuery(
        name_prefix=_matching("name_prefix", filters.name_prefix, _MODEL_PREFIX, problems),
        tags=_tags(filters.tag, problems),
        owner=_matching("owner", filters.owner, _REPOSITORY, problems),
        holds_stage=_matching("stage", filters.stage, _POINTER, problems, format_of="holds_stage"),
    )
    problems.raise_any()
    return query
