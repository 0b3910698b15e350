"""What a model's page shows of a page of its versions: the metric columns chosen, the chart's points, the
choices of the compare form, and the links that keep the viewer's choices from page to page."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from modelyard_server.domain.model_records import ModelRecord
from modelyard_server.domain.search import ListedVersion
from modelyard_server.ui import links
from modelyard_server.ui.catalog_view import HEADLINE_TAG

DEFAULT_COLUMNS = 3
MAX_COLUMNS = 10  # a wider table is unreadable; the query parameter accepts no more either


@dataclass(frozen=True)
class VersionRow:
    version: ListedVersion
    link: str
    uri: str
    values: list[float | None]  # one per shown metric column


@dataclass(frozen=True)
class Columns:
    offered: list[str]  # every metric seen on the page, and any chosen that is not
    shown: list[str]


@dataclass(frozen=True)
class ChartPoint:
    version: int
    value: float
    held_by: list[str]

    @property
    def as_pair(self) -> tuple[int, float]:
        """(version, value): what the chart draws."""
        return self.version, self.value


@dataclass(frozen=True)
class CompareChoices:
    options: list[tuple[str, str]]  # (models:/name/N, label)
    base: str
    head: str


def metrics_seen(versions: Sequence[ListedVersion]) -> list[str]:
    return sorted({metric for version in versions for metric in version.metrics})


def metric_columns(model: ModelRecord, versions: Sequence[ListedVersion], chosen: Sequence[str]) -> Columns:
    """The columns the viewer ticked, or by default the model's headline metric and the first others by name."""
    seen = metrics_seen(versions)
    picked = list(dict.fromkeys(metric for metric in chosen if metric))[:MAX_COLUMNS]
    if not picked:
        headline = model.tags.get(HEADLINE_TAG)
        first = [headline] if headline in seen else []
        picked = (first + [metric for metric in seen if metric not in first])[:DEFAULT_COLUMNS]
    return Columns(offered=seen + [metric for metric in picked if metric not in seen], shown=picked)


def rows(name: str, versions: Sequence[ListedVersion], shown: Sequence[str]) -> list[VersionRow]:
    return [
        VersionRow(
            version=version,
            link=links.version(name, version.version),
            uri=links.version_uri(name, version.version),
            values=[version.metrics.get(metric) for metric in shown],
        )
        for version in versions
    ]


def chart_metric(chosen: str, columns: Columns) -> str | None:
    """The metric the chart draws: the one chosen, else the first column shown."""
    return chosen or (columns.shown[0] if columns.shown else None)


def chart_points(versions: Sequence[ListedVersion], metric: str, held: dict[str, int]) -> list[ChartPoint]:
    """The page's versions holding a finite value of `metric`, oldest first, each with what holds it."""
    holders_of: dict[int, list[str]] = {}
    for holder, number in sorted(held.items()):
        holders_of.setdefault(number, []).append(holder)
    points = [
        ChartPoint(version.version, value, holders_of.get(version.version, []))
        for version in versions
        if (value := version.metrics.get(metric)) is not None and math.isfinite(value)
    ]
    return sorted(points, key=lambda point: point.version)


def compare_choices(name: str, versions: Sequence[ListedVersion]) -> CompareChoices | None:
    """The versions of the page to pick two from: by default the newest (head) against the one before it."""
    if len(versions) < 2:
        return None
    options = [(links.version_uri(name, v.version), f"v{v.version} ({v.status})") for v in versions]
    return CompareChoices(options=options, base=options[1][0], head=options[0][0])


def page_link(name: str, columns: Sequence[str], metric: str, next_token: str | None) -> str:
    """This model's page with the viewer's choices kept (the next page of versions when `next_token`)."""
    choices: dict[str, str | list[str]] = {"column": list(columns), "metric": metric}
    if next_token:
        choices["next_token"] = next_token
    return links.model(name, **choices)
