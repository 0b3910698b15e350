"""The metric chart on a model's page: what it shows, and that it stays inert and small."""

from __future__ import annotations

import math

import pytest
from tests.support.markup_inspection import Element, ParsedMarkup, parse_markup

from modelyard_server.ui.formatting import metric_value
from modelyard_server.ui.metric_chart import MAX_POINTS, metric_chart

SVG_ELEMENTS = {"svg", "title", "g", "line", "polyline", "circle", "text"}
SVG_ATTRIBUTES = {
    "xmlns", "class", "role", "aria-labelledby", "viewbox", "width", "height", "id", "x", "y", "x1", "y1", "x2",
    "y2", "cx", "cy", "r", "points", "fill", "stroke", "stroke-width", "stroke-dasharray", "text-anchor",
}  # fmt: skip


def _chart(points: list[tuple[int, float]], holders: dict[str, int] | None = None, metric: str = "acc") -> ParsedMarkup:
    """The chart as a browser parses it, checked inert: only drawing elements, no style, handler or link."""
    parsed = parse_markup(metric_chart(points, holders or {}, metric))
    assert parsed.tags() <= SVG_ELEMENTS, parsed.tags()
    for element in parsed.elements:
        assert set(element.attrs) <= SVG_ATTRIBUTES, element
    return parsed


def _points(parsed: ParsedMarkup) -> list[Element]:
    return parsed.with_class("chart-point")


def _at(element: Element) -> tuple[float, float]:
    return float(element.attrs["cx"] or ""), float(element.attrs["cy"] or "")


def test_the_chart_is_a_labelled_image_with_a_point_and_tooltip_per_version() -> None:
    parsed = _chart([(1, 0.91), (2, 0.925), (3, 0.934)], metric="accuracy")
    (svg,) = parsed.with_tag("svg")
    assert svg.attrs["role"] == "img"
    (title,) = [element for element in parsed.with_tag("title") if "id" in element.attrs]
    assert svg.attrs["aria-labelledby"] == title.attrs["id"]
    assert title.text == "accuracy across versions 1-3"
    assert len(parsed.with_class("chart-line")) == 1
    assert [point.text for point in _points(parsed)] == ["v1: 0.91", "v2: 0.925", "v3: 0.934"]


def test_the_axes_are_labelled_with_the_extreme_values_and_versions() -> None:
    parsed = _chart([(3, -2.5), (4, 10.0), (9, 4.0)])
    assert [label.text for label in parsed.with_class("chart-label")] == ["10", "-2.5", "v3", "v9"]
    highest, lowest = _at(_points(parsed)[1]), _at(_points(parsed)[0])
    assert highest[1] < lowest[1]  # up is higher


def test_stage_and_alias_holders_are_marked_on_their_points() -> None:
    parsed = _chart([(1, 0.9), (2, 0.95), (3, 0.93)], {"production": 2, "champion": 2, "staging": 3})
    holders = parsed.with_class("chart-holder")
    assert [holder.text for holder in holders] == ["champion, production", "staging"]
    rings = [ring for ring in parsed.with_class("chart-holder-mark") if ring.tag == "circle"]
    assert [_at(ring) for ring in rings] == [_at(point) for point in _points(parsed)[1:]]


def test_a_holder_without_a_charted_value_is_not_marked() -> None:
    parsed = _chart([(1, 0.9), (2, math.nan)], {"production": 2, "staging": 7})
    assert parsed.with_class("chart-holder") == []


def test_no_finite_points_draws_nothing() -> None:
    assert metric_chart([], {"production": 1}, "accuracy") == ""
    assert metric_chart([(1, math.nan), (2, math.inf), (3, -math.inf)], {}, "accuracy") == ""


def test_one_point_is_drawn_inside_the_chart() -> None:
    parsed = _chart([(4, 0.5)], metric="accuracy")
    (point,) = _points(parsed)
    assert "accuracy of version 4" in parsed.text
    x, y = _at(point)
    assert 0 < x < float(parsed.with_tag("svg")[0].attrs["width"] or "")
    assert 0 < y < float(parsed.with_tag("svg")[0].attrs["height"] or "")


def test_equal_values_draw_a_flat_line() -> None:
    parsed = _chart([(1, 0.8), (2, 0.8), (3, 0.8)])
    assert len({_at(point)[1] for point in _points(parsed)}) == 1
    assert len({_at(point)[0] for point in _points(parsed)}) == 3


def test_nan_and_infinite_values_are_skipped() -> None:
    parsed = _chart([(1, 0.9), (2, math.nan), (3, math.inf), (4, 0.92)])
    assert [point.text for point in _points(parsed)] == ["v1: 0.9", "v4: 0.92"]
    assert "nan" not in str(metric_chart([(1, 0.9), (2, math.nan)], {}, "m")).lower()


def test_versions_are_placed_by_number_so_gaps_stay_gaps() -> None:
    xs = [_at(point)[0] for point in _points(_chart([(1, 0.1), (2, 0.2), (10, 0.3)]))]
    assert xs[2] - xs[1] == pytest.approx(8 * (xs[1] - xs[0]), abs=1)


def test_a_hostile_metric_or_holder_name_stays_text() -> None:
    name = '</title><script>alert(1)</script><title x="'
    parsed = _chart([(1, 0.1), (2, 0.2)], {'"><script>': 2}, metric=name)
    assert name in parsed.text
    assert [holder.text for holder in parsed.with_class("chart-holder")] == ['"><script>']


def test_a_thousand_versions_draw_a_bounded_sample_with_a_note() -> None:
    points = [(version, math.sin(version / 40)) for version in range(1, 1001)]
    points[500] = (501, 5.0)  # a spike the sample must not lose
    markup = metric_chart(points, {"production": 777}, "loss")
    parsed = _chart(points, {"production": 777}, "loss")
    drawn = [point.text for point in _points(parsed)]
    assert len(drawn) <= MAX_POINTS + 3
    assert len(markup) < 40_000
    kept = {f"v{version}: {metric_value(value)}" for version, value in points if version in (1, 501, 777, 1000)}
    assert kept <= set(drawn)  # the ends, the spike and the production version
    assert [note.text for note in parsed.with_class("chart-note")] == [f"{len(drawn)} of 1000 versions drawn"]
    assert [holder.text for holder in parsed.with_class("chart-holder")] == ["production"]


@pytest.mark.parametrize("count", [1, 2, MAX_POINTS])
def test_small_histories_draw_every_version_without_a_note(count: int) -> None:
    parsed = _chart([(version, version / 10) for version in range(1, count + 1)])
    assert len(_points(parsed)) == count
    assert parsed.with_class("chart-note") == []


def test_two_metrics_get_different_ids_and_a_chosen_id_is_used() -> None:
    first = parse_markup(metric_chart([(1, 0.1)], {}, "accuracy")).with_tag("svg")[0]
    second = parse_markup(metric_chart([(1, 0.1)], {}, "loss")).with_tag("svg")[0]
    assert first.attrs["aria-labelledby"] != second.attrs["aria-labelledby"]
    chosen = parse_markup(metric_chart([(1, 0.1)], {}, "loss", chart_id="compare-loss")).with_tag("svg")[0]
    assert chosen.attrs["aria-labelledby"] == "compare-loss-title"
