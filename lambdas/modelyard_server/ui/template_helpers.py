"""The names templates use for the display helpers: filters for values, globals for the drawn parts.

The Jinja environment (ui/rendering.py) takes them whole, `env.filters.update(FILTERS)` and
`env.globals.update(GLOBALS)`, so a template writes `{{ version.model_card|markdown }}`,
`{{ value|metric_value }}`, `{{ version.size|size }}`, `{{ version.sha256|short_digest }}`, `{{ event.at|when }}`
(formatting.FILTERS: a missing value shows as a dash),
`{{ metric_chart(points, holders, name) }}` and `{{ lineage_graph(tree, lineage, link_for) }}`.
The drawn parts return Markup, which autoescaping leaves as it is; the filters return text it escapes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from modelyard_server.ui import formatting
from modelyard_server.ui.lineage_graph import lineage_graph
from modelyard_server.ui.markdown import render_markdown
from modelyard_server.ui.metric_chart import metric_chart

FILTERS: dict[str, Callable[..., Any]] = {**formatting.FILTERS, "markdown": render_markdown}
GLOBALS: dict[str, Callable[..., Any]] = {"metric_chart": metric_chart, "lineage_graph": lineage_graph}
