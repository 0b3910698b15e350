"""What the compare page shows of a comparison: metric changes with their sign, params and features as text.

Which direction of a metric is better is not known in general (a loss falls, an accuracy rises), so a change
is shown as a rise or a fall, never as good or bad.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from modelyard_server.domain.comparison import FeatureChange, MetricComparison
from modelyard_server.domain.errors import DomainError
from modelyard_server.domain.names import MODEL_URI_PATTERN, parse_model_uri
from modelyard_server.ui.formatting import NOTHING, metric_value

_MODEL_URI = re.compile(MODEL_URI_PATTERN)
URI_EXAMPLE = "models:/fraud/7, models:/fraud@champion or models:/fraud/stage/production"


class InvalidModelUri(DomainError):
    status, slug, title = 400, "invalid-model-uri", "Not a model URI"


@dataclass(frozen=True)
class MetricRow:
    name: str
    base: str
    head: str
    change: str
    relative: str
    direction: Literal["rise", "fall", "same", "none"]


def chosen_uris(base: str, head: str) -> tuple[str, str] | None:
    """The two URIs to compare, or None while the form is not filled in; a malformed one is a 400 page."""
    if not base and not head:
        return None
    for side, uri in (("base", base), ("head", head)):
        if _MODEL_URI.fullmatch(uri) is None:
            shown = uri[:100] or "nothing"
            raise InvalidModelUri(f"{side}: '{shown}' is not a model URI (e.g. {URI_EXAMPLE})")
    return base, head


def models_of(uris: tuple[str, str]) -> list[str]:
    """The models two chosen URIs name (for the visibility check: the page trims what the form sent, so the
    request's own `base=`/`head=`, which authentication judged, may not be the URIs compared)."""
    return [parsed.model for parsed in map(parse_model_uri, uris) if parsed is not None]


def metric_row(metric: MetricComparison) -> MetricRow:
    direction: Literal["rise", "fall", "same", "none"] = "none"
    change = relative = NOTHING
    if metric.change is not None:
        direction = "rise" if metric.change > 0 else "fall" if metric.change < 0 else "same"
        change = ("+" if metric.change > 0 else "") + metric_value(metric.change)
    if metric.relative_change is not None:
        relative = f"{metric.relative_change * 100:+.2f} %"
    return MetricRow(metric.name, metric_value(metric.base), metric_value(metric.head), change, relative, direction)


def param_text(value: Any) -> str:
    """A param's value as JSON, so `1`, `1.0`, `true` and `"1"` read differently as they compare differently."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def feature_text(change: FeatureChange, side: Literal["base", "head"]) -> str:
    feature = change.base if side == "base" else change.head
    if feature is None:
        return NOTHING
    shape = "" if feature.shape is None else " [" + ", ".join("?" if n is None else str(n) for n in feature.shape) + "]"
    return f"{feature.type}{shape}"
