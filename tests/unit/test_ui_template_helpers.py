"""In a template with autoescaping on (as every page is), the renderers' HTML is placed once, not escaped
again, while every plain value around it is still escaped."""

from __future__ import annotations

from datetime import UTC, datetime

import jinja2

from modelyard_server.ui.template_helpers import FILTERS, GLOBALS


def _render(source: str, **context: object) -> str:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters.update(FILTERS)
    env.globals.update(GLOBALS)
    return env.from_string(source).render(**context)


def test_a_card_is_placed_as_html_and_its_raw_html_stays_text() -> None:
    page = _render("{{ card|markdown }}<h1>{{ name }}</h1>", card="<b>x</b> **y**", name="<i>fraud</i>")
    assert page == "<p>&lt;b&gt;x&lt;/b&gt; <strong>y</strong></p>\n<h1>&lt;i&gt;fraud&lt;/i&gt;</h1>"


def test_values_are_formatted_and_escaped() -> None:
    page = _render(
        "{{ value|metric_value }} {{ size|size }} {{ sha|short_digest }} {{ at|when }} {{ none|metric_value }}",
        value=0.93412, size=5 * 1024**2, sha="ab12cd34" + "0" * 56, at=datetime(2026, 11, 30, 3, 37, tzinfo=UTC),
        none=None,
    )  # fmt: skip
    assert page == "0.9341 5.0 MiB sha256:ab12cd34… 2026-11-30T03:37Z \u2013"


def test_a_chart_is_placed_as_svg() -> None:
    page = _render('{{ metric_chart(points, {"production": 2}, "auc") }}', points=[(1, 0.9), (2, 0.95)])
    assert page.startswith("<svg ")
    assert "&lt;" not in page
