"""modelyard.github: outputs, summaries and annotations in the runner's own formats."""

from __future__ import annotations

import io
from pathlib import Path

from tests.support.actions_runner import parse_annotations, parse_env_file

from modelyard.github import Runner, md


def test_outputs_single_and_multi_line(tmp_path: Path) -> None:
    output = tmp_path / "output"
    runner = Runner({"GITHUB_OUTPUT": str(output)}, io.StringIO())
    runner.set_output("version", 7)
    runner.set_output("notes", "line one\nline two\nversion=8")
    text = output.read_text()
    assert text.startswith("version=7\nnotes<<ghadelimiter_")
    assert parse_env_file(text) == {"version": "7", "notes": "line one\nline two\nversion=8"}


def test_annotation_values_cannot_end_the_command_or_add_properties() -> None:
    out = io.StringIO()
    Runner({}, out).error("100% sure\nsecond line\r::warning::x", title="a: b, c")
    line = out.getvalue()
    assert line.count("\n") == 1
    assert line == "::error title=a%3A b%2C c::100%25 sure%0Asecond line%0D::warning::x\n"
    [annotation] = parse_annotations(line)
    assert annotation.properties == {"title": "a: b, c"}
    assert annotation.message == "100% sure\nsecond line\r::warning::x"


def test_summary_appends_and_markdown_is_neutralised(tmp_path: Path) -> None:
    summary = tmp_path / "summary"
    runner = Runner({"GITHUB_STEP_SUMMARY": str(summary)}, io.StringIO())
    runner.summary("# one")
    runner.summary("two\n")
    assert summary.read_text() == "# one\ntwo\n"
    assert md("a|b <script>\nc") == "a\\|b &lt;script&gt; c"
