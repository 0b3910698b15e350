"""One metric across a model's versions, as inline SVG drawn on the server (a Jinja global).

The page's CSP allows no script and no inline style, so the chart is plain SVG with presentation
attributes for a sensible default look and classes the stylesheet refines. Versions are placed by their
number (gaps stay gaps); the value axis spans the lowest to the highest value, labelled at both ends.
NaN and infinite values are left out. Beyond MAX_POINTS versions the line is drawn through an even
sample of them (always keeping the first, the last, the extremes and every stage or alias holder), and a
note says so: the page stays small whatever a model's history.

Classes, for ui/static/modelyard.css: `chart` (the svg), `chart-axis` (the two axis lines),
`chart-label` (axis labels), `chart-line` (the polyline), `chart-point` (a version's dot),
`chart-holder` (a stage/alias marker group), `chart-holder-mark` (its ring), `chart-holder-label` (its
text), `chart-note` (the sampling note).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from modelyard_server.ui.formatting import metric_value

MAX_POINTS = 200
WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 72, 24, 40, 36  # room for value labels, holder labels and version labels
_HOLDER_ROW = 14  # holder labels alternate between two rows so neighbours do not overprint


@dataclass(frozen=True)
class _Frame:
    """Maps (version, value) to SVG coordinates inside the plot area."""

    first: int
    last: int
    low: float
    high: float

    def x(self, version: int) -> float:
        span = self.last - self.first
        fraction = 0.5 if span == 0 else (version - self.first) / span
        return LEFT + fraction * (WIDTH - LEFT - RIGHT)

    def y(self, value: float) -> float:
        span = self.high - self.low
        fraction = 0.5 if span == 0 else (value - self.low) / span
        return HEIGHT - BOTTOM - fraction * (HEIGHT - TOP - BOTTOM)


def _sample(points: list[tuple[int, float]], keep_versions: set[int]) -> list[tuple[int, float]]:
    """At most about MAX_POINTS points, evenly spread, always with the ends, extremes and held versions."""
    if len(points) <= MAX_POINTS:
        return points
    step = (len(points) - 1) / (MAX_POINTS - 1)
    chosen = {round(index * step) for index in range(MAX_POINTS)}
    values = [value for _, value in points]
    chosen |= {values.index(min(values)), values.index(max(values))}
    chosen |= {index for index, (version, _) in enumerate(points) if version in keep_versions}
    return [points[index] for index in sorted(chosen)]


def _chart_id(metric: str) -> str:
    return "chart-" + hashlib.sha256(metric.encode()).hexdigest()[:12]


def _title(metric: str, points: list[tuple[int, float]]) -> str:
    versions = [version for version, _ in points]
    first, last = min(versions), max(versions)
    if first == last:
        return f"{metric} of version {first}"
    return f"{metric} across versions {first}-{last}"


def _axes(frame: _Frame) -> list[str]:
    bottom, right = HEIGHT - BOTTOM, WIDTH - RIGHT
    label = '<text class="chart-label" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{text}</text>'
    value_x = LEFT - 8
    parts = [
        f'<line class="chart-axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}" stroke="currentColor"/>',
        f'<line class="chart-axis" x1="{LEFT}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="currentColor"/>',
        label.format(x=value_x, y=frame.y(frame.high) + 4, anchor="end", text=escape(metric_value(frame.high))),
    ]
    if frame.low != frame.high:
        parts.append(
            label.format(x=value_x, y=frame.y(frame.low) + 4, anchor="end", text=escape(metric_value(frame.low)))
        )
    parts.append(label.format(x=frame.x(frame.first), y=bottom + 20, anchor="middle", text=f"v{frame.first}"))
    if frame.last != frame.first:
        parts.append(label.format(x=frame.x(frame.last), y=bottom + 20, anchor="middle", text=f"v{frame.last}"))
    return parts


def _holders(frame: _Frame, shown: list[tuple[int, float]], holders: Mapping[str, int]) -> list[str]:
    """A ring and a label on each point that a stage or alias holds (several names share one label)."""
    value_of = dict(shown)
    names_by_version: dict[int, list[str]] = {}
    for name, version in sorted(holders.items()):
        if version in value_of:  # a holder whose version has no charted value has no point to mark
            names_by_version.setdefault(version, []).append(name)
    parts = []
    for row, version in enumerate(sorted(names_by_version)):
        x, y = frame.x(version), frame.y(value_of[version])
        label_y = TOP - 8 - (row % 2) * _HOLDER_ROW
        names = escape(", ".join(names_by_version[version]))
        anchor = "end" if x > WIDTH * 0.75 else "start" if x < WIDTH * 0.25 else "middle"  # stay inside
        parts.append(
            f'<g class="chart-holder"><circle class="chart-holder-mark" cx="{x:.1f}" cy="{y:.1f}" r="7" '
            f'fill="none" stroke="currentColor"/>'
            f'<line class="chart-holder-mark" x1="{x:.1f}" y1="{label_y + 3}" x2="{x:.1f}" y2="{y - 7:.1f}" '
            f'stroke="currentColor" stroke-dasharray="2 2"/>'
            f'<text class="chart-holder-label" x="{x:.1f}" y="{label_y}" text-anchor="{anchor}">{names}</text></g>'
        )
    return parts


def metric_chart(
    points: Sequence[tuple[int, float]], holders: Mapping[str, int], metric: str, chart_id: str | None = None
) -> Markup:
    """An `<svg role="img">` of `metric` over `points` ((version, value) in version order), with the
    versions `holders` names (stage or alias -> version) marked; empty Markup when nothing is finite.

    `chart_id` prefixes the ids in the SVG; by default it is derived from the metric's name, so give one
    when a page draws the same metric twice.
    """
    finite = [(version, value) for version, value in points if math.isfinite(value)]
    if not finite:
        return Markup("")
    values = [value for _, value in finite]
    versions = [version for version, _ in finite]
    frame = _Frame(first=min(versions), last=max(versions), low=min(values), high=max(values))
    shown = _sample(finite, set(holders.values()))
    title_id = f"{chart_id or _chart_id(metric)}-title"
    coordinates = [(frame.x(version), frame.y(value)) for version, value in shown]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-labelledby="{escape(title_id)}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}">',
        f'<title id="{escape(title_id)}">{escape(_title(metric, finite))}</title>',
        *_axes(frame),
        '<polyline class="chart-line" fill="none" stroke="currentColor" stroke-width="2" points="'
        + " ".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)
        + '"/>',
    ]
    for (version, value), (x, y) in zip(shown, coordinates, strict=True):
        tooltip = escape(f"v{version}: {metric_value(value)}")
        parts.append(f'<circle class="chart-point" cx="{x:.1f}" cy="{y:.1f}" r="3"><title>{tooltip}</title></circle>')
    parts += _holders(frame, shown, holders)
    if len(shown) < len(finite):
        note = f"{len(shown)} of {len(finite)} versions drawn"
        parts.append(f'<text class="chart-note" x="{WIDTH - RIGHT}" y="14" text-anchor="end">{escape(note)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every value placed in it is a number or escaped above)
