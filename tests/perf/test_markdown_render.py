"""How long a model card takes to render, and how large it comes out, for the worst inputs known.

Model cards are written by anyone who may register a version, so the page must stay fast and small
whatever they hold: each input is as long as the renderer accepts (MAX_SOURCE_CHARS, the API's own
limit on a card) and built from the patterns markdown-it works hardest on. Printed: milliseconds, output
size and the ratio output / input. Asserted: only that each renders and stays within ten times its
input (the link budget is what holds repeated reference links to that).
"""

from __future__ import annotations

import time

from modelyard_server.ui.markdown import MAX_SOURCE_CHARS, render_markdown
from tests.perf.tables import format_table

N = MAX_SOURCE_CHARS
WORST_INPUTS = {
    "open images `![`": "![" * (N // 2),
    "lazy quote lines": "> " * 10 + "x\n" * (N // 2),
    "open brackets `[`": "[" * N,
    "emphasis `*a`": "*a" * (N // 2),
    "mixed delimiters `*_`": "*_" * (N // 2),
    "list items": "- a\n" * (N // 4),
    "table rows": "|a|b|\n|-|-|\n" + "|x|y|\n" * (N // 6),
    "one reference used everywhere": "[a]: https://x.example/\n" + "[a] " * (N // 4),
    "quotes 10,000 deep": ">" * 10_000 + " x",
}


def test_worst_markdown_inputs_render_bounded() -> None:
    rows = []
    for name, source in WORST_INPUTS.items():
        started = time.perf_counter()
        html = render_markdown(source)
        elapsed = time.perf_counter() - started
        rows.append((name, len(source), round(elapsed * 1000), len(html), round(len(html) / len(source), 1)))
        assert len(html) < 10 * len(source) + 1000, name
    print(format_table("Model card rendering, worst inputs", ["input", "chars", "ms", "output", "ratio"], rows))
