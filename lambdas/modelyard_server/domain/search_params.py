"""Search parameters as the API receives them (strings), and their parsing into the search port's values.

The formats each parameter accepts are stated once, here: the route declarations take their
descriptions from `FORMATS` (so the OpenAPI document says what is accepted), and a value that does
not parse is an :class:`InvalidFilter` (400) naming every bad parameter and what it accepts.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Annotated, Any, cast, get_args

from pydantic import Field, StringConstraints

from modelyard_server.domain.errors import DomainError
from modelyard_server.domain.model_base import RegistryModel
from modelyard_server.domain.names import (
    MODEL_NAME_PATTERN,
    POINTER_NAME_PATTERN,
    REPOSITORY_PATTERN,
    is_model_name,
)
from modelyard_server.domain.record_fields import ArtifactFormat, VersionStatus
from modelyard_server.ports.search import Comparison, MetricCondition, ModelQuery, VersionOrder, VersionQuery

MAX_TAGS = 10
MAX_METRICS = 10
_NUMBER = r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?"
_METRIC_NAME = r"[^<>=!,]{1,128}"
_NAME_PREFIX = r"^[a-z0-9][a-z0-9._-]{0,127}(/[a-z0-9._-]{0,127})?$"  # a namespace's models: `marketing/`
# The one statement of each parameter's form: the parser matches these and the OpenAPI document shows them.
PATTERNS: dict[str, str] = {
    "model": MODEL_NAME_PATTERN,
    "model_prefix": _NAME_PREFIX,
    "name_prefix": _NAME_PREFIX,
    "tag": r"^[A-Za-z0-9_.:/+@-]{1,128}=[^,]{0,256}$",
    "metric": rf"^{_METRIC_NAME}(<=|>=|!=|=|<|>){_NUMBER}$",
    "stage": POINTER_NAME_PATTERN,
    "alias": POINTER_NAME_PATTERN,
    "commit": r"^[0-9a-f]{7,64}$",
    "workflow": r"^[A-Za-z0-9-]{1,39}/[A-Za-z0-9._-]{1,100}/\.github/workflows/[^@\s]{1,200}$",
    "parent": rf"^models:/{MODEL_NAME_PATTERN[1:-1]}/[1-9][0-9]{{0,8}}$",
    # RFC 3339: a date, a time and an offset (Z or ±hh:mm); fractions of a second are allowed.
    "created_after": r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$",
    "created_before": r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$",
    "order_by": rf"^(created|metric:{_METRIC_NAME})$",
    "owner": REPOSITORY_PATTERN,
    # exact values as registered: any text, but never empty (an unset workflow input is no filter to apply)
    "framework": r"^.{1,256}$",
    "data_uri": r"^.{1,1024}$",
    "data_version": r"^.{1,256}$",
    "data_digest": r"^.{1,256}$",
}
ENUMS: dict[str, tuple[str, ...]] = {
    "format": get_args(ArtifactFormat),
    "status": get_args(VersionStatus),
    "order": ("desc", "asc"),
}
_COMPILED = {name: re.compile(pattern) for name, pattern in PATTERNS.items()}
_OPERATOR = re.compile(r"<=|>=|!=|=|<|>")

FORMATS: dict[str, str] = {
    "model": f"An exact model name ({MODEL_NAME_PATTERN})",
    "model_prefix": "Models whose name starts with this, e.g. `finance-`, or `marketing/` for a namespace's models "
    "(lower-case letters, digits, `._-`, one `/`)",
    "tag": f"`key=value`; repeat for more (every one must match, at most {MAX_TAGS}). A comma separates two "
    "values, as API Gateway joins a repeated parameter's values with commas",
    "metric": "`name<op>number` with op one of `< <= = >= > !=`, e.g. `accuracy>=0.9`; the version must "
    f"have the metric and the comparison must hold; repeat for more (all must hold, at most {MAX_METRICS}); a "
    "comma separates two, as for `tag`",
    "framework": "The framework as registered, e.g. `sklearn` (exact)",
    "format": "The artifact format: " + ", ".join(ENUMS["format"]),
    "status": "The version's status: " + ", ".join(ENUMS["status"]),
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
    "name_prefix": "Models whose name starts with this, e.g. `fraud`, or `marketing/` for a namespace's models",
    "owner": "Models owned by this repository, `org/repo`",
    "holds_stage": "Only models with a version in this stage; the answer's `stages` names it",
}
Text = Annotated[str, StringConstraints(max_length=1024)]


def _param(name: str, format_of: str | None = None) -> Any:
    """A parameter's declaration: its description, and its pattern or values for the OpenAPI document."""
    shown: dict[str, Any] = {}
    if name in PATTERNS:
        shown["pattern"] = PATTERNS[name]
    if name in ENUMS:
        shown["enum"] = list(ENUMS[name])
    return Field(default=None, description=FORMATS[format_of or name], json_schema_extra=shown or None)


class ModelVersionFilters(RegistryModel):
    """The filters of a model's version listing (every parameter is a string, parsed by the domain)."""

    tag: list[Text] | None = _param("tag")
    metric: list[Text] | None = _param("metric")
    framework: Text | None = _param("framework")
    format: Text | None = _param("format")
    status: Text | None = _param("status")
    stage: Text | None = _param("stage")
    alias: Text | None = _param("alias")
    data_uri: Text | None = _param("data_uri")
    data_version: Text | None = _param("data_version")
    data_digest: Text | None = _param("data_digest")
    commit: Text | None = _param("commit")
    workflow: Text | None = _param("workflow")
    parent: Text | None = _param("parent")
    created_after: Text | None = _param("created_after")
    created_before: Text | None = _param("created_before")
    order_by: Text | None = _param("order_by")
    order: Text | None = _param("order")


class VersionFilters(ModelVersionFilters):
    """The filters of the cross-registry version search: a model's, plus which models."""

    model: Text | None = _param("model")
    model_prefix: Text | None = _param("model_prefix")


class ModelFilters(RegistryModel):
    name_prefix: Text | None = _param("name_prefix")
    tag: list[Text] | None = _param("tag")
    owner: Text | None = _param("owner")
    stage: Text | None = _param("stage", format_of="holds_stage")


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


def _listed(values: list[str] | None) -> list[str]:
    """Each value of a list parameter; a comma separates two, as API Gateway joins a repeated parameter's values
    with commas before the function sees them (so the local server reads `tag=a=1,b=2` as Lambda does)."""
    return [part for value in values or [] for part in value.split(",")]


def _tags(values: list[str] | None, problems: _Problems) -> tuple[tuple[str, str], ...]:
    values = _listed(values)
    if len(values) > MAX_TAGS:
        problems.add("tag", f"{len(values)} tags", f"at most {MAX_TAGS}")
    pairs: list[tuple[str, str]] = []
    for value in values:
        if _COMPILED["tag"].fullmatch(value) is None:
            problems.add("tag", value, FORMATS["tag"])
        else:
            key, _, tag_value = value.partition("=")
            pairs.append((key, tag_value))
    return tuple(pairs)


def _metrics(values: list[str] | None, problems: _Problems) -> tuple[MetricCondition, ...]:
    values = _listed(values)
    if len(values) > MAX_METRICS:
        problems.add("metric", f"{len(values)} conditions", f"at most {MAX_METRICS}")
    conditions: list[MetricCondition] = []
    for value in values:
        operator = _OPERATOR.search(value) if _COMPILED["metric"].fullmatch(value) else None
        number = math.inf if operator is None else float(value[operator.end() :])
        if operator is None or not math.isfinite(number):
            problems.add("metric", value, FORMATS["metric"])
            continue
        op = cast(Comparison, operator[0])
        conditions.append(MetricCondition(value[: operator.start()], op, number))
    return tuple(conditions)


def _matching(field: str, value: str | None, problems: _Problems, format_of: str | None = None) -> str | None:
    """`value` if it has the parameter's form (PATTERNS or ENUMS), else None and a problem saying what fits."""
    fits = value in ENUMS[field] if field in ENUMS else _COMPILED[field].fullmatch(value or "") is not None
    if value is not None and not fits:
        problems.add(field, value, FORMATS[format_of or field])
        return None
    return value


def _instant(field: str, value: str | None, problems: _Problems) -> datetime | None:
    text = _matching(field, value, problems)
    if text is None:
        return None
    try:
        instant = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
        instant.astimezone(UTC)  # an instant is compared in UTC: it must have a UTC date (years 1 to 9999)
    except ValueError:  # the form fits but not the calendar, e.g. a 13th month
        problems.add(field, text, FORMATS[field])
        return None
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00, which is in the year 0 in UTC
        problems.add(field, text, "an instant from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z")
        return None
    return instant


def _parent(value: str | None, problems: _Problems) -> str | None:
    text = _matching("parent", value, problems)
    if text is not None and not is_model_name(text.removeprefix("models:/").rsplit("/", 1)[0]):
        problems.add("parent", text, FORMATS["parent"])
        return None
    return text  # already as lineage.parents stores it: models:/name/N


def _order(filters: ModelVersionFilters, model: str | None, problems: _Problems) -> VersionOrder:
    descending = _matching("order", filters.order, problems) != "asc"
    order_by = _matching("order_by", filters.order_by, problems) or "created"
    if order_by == "created":
        return VersionOrder(descending=descending)
    if model is None:
        # Ordering by a metric across the registry has no bounded plan on every backend: refused on all.
        problems.add("order_by", order_by, "`created` here: ordering by a metric needs an exact `model`")
    return VersionOrder(by="metric", metric=order_by.removeprefix("metric:"), descending=descending)


def version_query(filters: ModelVersionFilters, model: str | None = None) -> VersionQuery:
    """The port's query for these parameters; `model` is the listing's model (its route), if any."""
    problems = _Problems()
    model_prefix: str | None = None
    if isinstance(filters, VersionFilters):
        model = _matching("model", filters.model, problems)
        if model is not None and not is_model_name(model):
            problems.add("model", model, FORMATS["model"])
        model_prefix = _matching("model_prefix", filters.model_prefix, problems)
    query = VersionQuery(
        model=model,
        model_prefix=model_prefix,
        tags=_tags(filters.tag, problems),
        metrics=_metrics(filters.metric, problems),
        framework=_matching("framework", filters.framework, problems),
        format=_matching("format", filters.format, problems),
        status=_matching("status", filters.status, problems),
        stage=_matching("stage", filters.stage, problems),
        alias=_matching("alias", filters.alias, problems),
        data_uri=_matching("data_uri", filters.data_uri, problems),
        data_version=_matching("data_version", filters.data_version, problems),
        data_digest=_matching("data_digest", filters.data_digest, problems),
        commit=_matching("commit", filters.commit, problems),
        workflow=_matching("workflow", filters.workflow, problems),
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
        name_prefix=_matching("name_prefix", filters.name_prefix, problems),
        tags=_tags(filters.tag, problems),
        owner=_matching("owner", filters.owner, problems),
        holds_stage=_matching("stage", filters.stage, problems, format_of="holds_stage"),
    )
    problems.raise_any()
    return query
