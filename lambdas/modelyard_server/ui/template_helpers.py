"""The names templates use for the display helpers: filters for values, globals for the drawn parts.

The Jinja environment (ui/rendering.py) takes them whole, `env.filters.update(FILTERS)` and
`env.globals.update(GLOBALS)`, so a template writes `{{ version.model_card|markdown }}`,
`{{ value|metric_value }}`, `{{ version.size|size }}`, `{{ version.sha256|short_digest }}`, `{{ event.at|when }}`
(formatting.FILTERS: a missing value shows as a dash),
`{{ metric_chart(points, holders, name) }}` and `{{ lineage_graph(tree, lineage, link_for) }}`.
The drawn parts return Markup, which autoescaping leaves as it is; the filters return text it escapes.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from modelyard_server.ui import formatting


def _on_first_use(module: str, name: str) -> Callable[..., Any]:
    """`module.name`, imported when a template first calls it: the markdown parser, the chart and the lineage
    drawing load with the first page that draws one, not with every page (a sign-in or error page draws none)."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call


FILTERS: dict[str, Callable[..., Any]] = {
    **formatting.FILTERS,
    "markdown": _on_first_use("modelyard_server.ui.markdown", "render_markdown"),
}
GLOBALS: dict[str, Callable[..., Any]] = {
    "metric_chart": _on_first_use("modelyard_server.ui.metric_chart", "metric_chart"),
    "lineage_graph": _on_first_use("modelyard_server.ui.lineage_graph", "lineage_graph"),
}
