"""The names templates use for the display helpers: filters for values, globals for the drawn parts.

The Jinja environment (ui/rendering.py) takes them whole, `env.filters.update(FILTERS)` and
`env.globals.update(GLOBALS)`, so a template writes `{{ version.model_card|markdown }}`,
`{{ value|metric }}`, `{{ version.size|bytes }}`, `{{ version.sha256|digest }}`, `{{ event.at|utc }}`,
`{{ metric_chart(points, holders, name) }}` and `{{ lineage_graph(tree, lineage, link_for) }}`.
The drawn parts return Markup, which autoescaping leaves as it is; the filters return text it escapes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from modelyard_server.ui.formatting import byte_size, metric_value, short_digest, utc_minute
from modelyard_server.ui.lineage_graph import lineage_graph
from modelyard_server.ui.markdown import render_markdown
from modelyard_server.ui.metric_chart import metric_chart

FILTERS: dict[str, Callable[..., Any]] = {
    "markdown": render_markdown,
    "metric": metric_value,
    "bytes": byte_size,
    "digest": short_digest,
    "utc": utc_minute,
}
GLOBALS: dict[str, Callable[..., Any]] = {"metric_chart": metric_chart, "lineage_graph": lineage_graph}
