"""What the catalog shows of a model: its production and staging holders with their headline metric."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import ValidationError

from modelyard_server.domain.errors import DomainError
from modelyard_server.domain.model_records import ModelRecord, PointerState
from modelyard_server.domain.names import NAMESPACE_PATTERN
from modelyard_server.domain.search_params import InvalidFilter, ModelFilters
from modelyard_server.ui import links

HEADLINE_TAG = "headline_metric"  # a model tag naming the metric its catalog entry shows
SHOWN_STAGES = ("production", "staging")


@dataclass(frozen=True)
class StageCell:
    stage: str
    version: int
    link: str
    metric: str | None
    value: float | None


@dataclass(frozen=True)
class CatalogEntry:
    model: ModelRecord
    link: str
    stages: list[StageCell]


def headline_metric(model: ModelRecord, holder: PointerState) -> str | None:
    """The model's `headline_metric` tag when the holder has that metric, else the holder's first by name."""
    named = model.tags.get(HEADLINE_TAG)
    if named and named in holder.metrics:
        return named
    return min(holder.metrics) if holder.metrics else None


def entry(model: ModelRecord) -> CatalogEntry:
    cells = []
    for stage in SHOWN_STAGES:
        holder = model.stages.get(stage)
        if holder is None:
            continue
        metric = headline_metric(model, holder)
        value = holder.metrics.get(metric) if metric else None
        cells.append(StageCell(stage, holder.version, links.version(model.name, holder.version), metric, value))
    return CatalogEntry(model, links.model(model.name), cells)


class InvalidNamespace(DomainError):
    status, slug, title = 400, "invalid-filter", "Invalid search parameter"


def chosen_filters(name_prefix: str, namespace: str, tags: list[str] | None, owner: str, stage: str) -> ModelFilters:
    """The catalog form's choices as the API's model filters; an empty field is no filter."""
    if namespace and re.fullmatch(NAMESPACE_PATTERN, namespace) is None:
        raise InvalidNamespace(f"namespace: '{namespace[:100]}' is not a namespace name (e.g. marketing)")
    chosen = [tag for tag in tags or [] if tag]
    try:
        return ModelFilters(
            name_prefix=name_prefix or None, tag=chosen or None, owner=owner or None, stage=stage or None
        )
    except ValidationError as error:  # a value the query's own limits let through (each tag's length)
        first = error.errors()[0]
        raise InvalidFilter(f"{first['loc'][0]}: {first['msg']}") from None


def with_namespace(filters: ModelFilters, namespace: str | None) -> ModelFilters:
    """The filters with a namespace choice folded into the name prefix (`marketing/` + what was typed)."""
    if not namespace:
        return filters
    return filters.model_copy(update={"name_prefix": f"{namespace}/{filters.name_prefix or ''}"})


def next_page(filters: ModelFilters, namespace: str | None, next_token: str | None) -> str | None:
    if next_token is None:
        return None
    chosen: dict[str, str | list[str]] = {
        key: value for key, value in filters.model_dump(exclude_none=True).items() if value not in ("", [])
    }
    if namespace:
        chosen["namespace"] = namespace
    chosen["next_token"] = next_token
    return links.catalog(**chosen)
