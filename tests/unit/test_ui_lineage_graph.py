"""The lineage on a version's page: sources first, the version, then what was made from it; every version
a link to its page, registry data inert, and the page bounded whatever the trees hold."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from tests.support.markup_inspection import Element, ParsedMarkup, parse_markup, scheme_of

from modelyard_server.domain.bounds import MAX_DEPTH, MAX_NODES
from modelyard_server.domain.lineage_tree import AncestorNode, DescendantNode, LineageTree
from modelyard_server.domain.record_fields import VersionStatus
from modelyard_server.domain.version_records import Lineage, VersionSummary
from modelyard_server.ui.lineage_graph import lineage_graph

ELEMENTS = {"div", "section", "h2", "h3", "h4", "p", "ul", "li", "a", "span", "code"}
ATTRIBUTES = {"class", "href", "rel", "aria-current"}
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def link_for(model: str, version: int) -> str:
    return f"/ui/models/{quote(model)}/versions/{version}"


def _summary(model: str = "fraud", version: int = 7) -> VersionSummary:
    return VersionSummary(
        model=model, version=version, uri=f"models:/{model}/{version}", status="ready", sha256="0" * 64, size=1,
        format="onnx",
    )  # fmt: skip


def _parent(model: str, version: int, *parents: AncestorNode, status: VersionStatus | None = "ready") -> AncestorNode:
    return AncestorNode(
        uri=f"models:/{model}/{version}", model=model, version=version, status=status, parents=list(parents)
    )


def _child(model: str, version: int, *children: DescendantNode, repeated: bool = False) -> DescendantNode:
    return DescendantNode(
        uri=f"models:/{model}/{version}", model=model, version=version, status="ready", repeated=repeated,
        children=list(children),
    )  # fmt: skip


def _tree(
    ancestors: list[AncestorNode], descendants: list[DescendantNode], truncated: bool = False, focus: str = "fraud"
) -> LineageTree:
    return LineageTree(
        version=_summary(focus), depth=3, ancestors=ancestors, descendants=descendants, truncated=truncated
    )


def _graph(tree: LineageTree, lineage: Lineage | None = None, github_url: str = "https://github.com") -> ParsedMarkup:
    """The graph as a browser parses it, checked inert."""
    parsed = parse_markup(lineage_graph(tree, lineage or Lineage(), link_for, github_url=github_url))
    assert parsed.tags() <= ELEMENTS, parsed.tags()
    for element in parsed.elements:
        assert set(element.attrs) <= ATTRIBUTES, element
    for href in parsed.hrefs():
        assert scheme_of(href) in (None, "http", "https"), href
    return parsed


def _sections(parsed: ParsedMarkup) -> list[str]:
    names = ("lineage-ancestors", "lineage-focus", "lineage-descendants")
    return [name for element in parsed.with_tag("section") for name in names if name in element.classes()]


def test_parents_come_before_the_version_and_children_after() -> None:
    tree = _tree(
        [_parent("features", 2, _parent("raw", 1)), _parent("fraud", 6)],
        [_child("fraud", 8, _child("fraud", 9)), _child("fraud-lite", 1)],
    )
    parsed = _graph(tree)
    assert _sections(parsed) == ["lineage-ancestors", "lineage-focus", "lineage-descendants"]
    assert parsed.hrefs() == [
        link_for("features", 2), link_for("raw", 1), link_for("fraud", 6), link_for("fraud", 7),
        link_for("fraud", 8), link_for("fraud", 9), link_for("fraud-lite", 1),
    ]  # fmt: skip


def _node(parsed: ParsedMarkup, label: str) -> Element:
    (node,) = [item for item in parsed.with_tag("li") if item.text.startswith(label)]
    return node


def test_each_generation_is_a_list_inside_its_relative() -> None:
    parsed = _graph(_tree([_parent("features", 2, _parent("raw", 1))], [_child("fraud", 8, _child("fraud", 9))]))
    assert "raw v1" in _node(parsed, "features v2").text
    assert _node(parsed, "raw v1").depth > _node(parsed, "features v2").depth
    assert "fraud v9" in _node(parsed, "fraud v8").text
    assert _node(parsed, "fraud v9").depth > _node(parsed, "fraud v8").depth


def test_the_version_itself_is_marked_current() -> None:
    (focus,) = [a for a in _graph(_tree([], [])).with_tag("a") if "aria-current" in a.attrs]
    assert focus.attrs == {"href": link_for("fraud", 7), "aria-current": "page"}
    assert focus.text == "fraud v7"


def test_namespaced_models_link_through_the_callable() -> None:
    parsed = _graph(_tree([_parent("marketing/churn", 4)], [], focus="marketing/churn-v2"))
    assert link_for("marketing/churn", 4) in parsed.hrefs()
    assert "marketing/churn v4" in parsed.text


def test_no_relatives_say_so() -> None:
    parsed = _graph(_tree([], []))
    assert [empty.text for empty in parsed.with_class("lineage-empty")] == [
        "No parent versions recorded.", "No version names this one as a parent.",
    ]  # fmt: skip
    assert parsed.with_class("lineage-truncated") == []


def test_status_unreadable_and_repeated_versions_are_noted() -> None:
    tree = _tree(
        [_parent("old", 1, status="archived"), _parent("gone", 3, status=None)],
        [_child("fraud", 8, _child("fraud", 9)), _child("fraud", 9, repeated=True)],
    )
    parsed = _graph(tree)
    assert [status.text for status in parsed.with_class("lineage-status")] == ["archived", "could not be read"]
    assert [note.text for note in parsed.with_class("lineage-note")] == ["(listed above)"]
    assert link_for("gone", 3) in parsed.hrefs()  # its page says what became of it


def test_sources_link_to_the_commit_run_and_web_data() -> None:
    lineage = Lineage(
        repository="acme/fraud", commit=COMMIT, ref="refs/heads/main", run_url="https://github.com/acme/fraud/actions/runs/42",
        workflow_ref="acme/fraud/.github/workflows/train.yml@refs/heads/main", data_uri="https://data.example/fraud.parquet",
        data_version="2026-11", data_digest="sha256:" + "ab" * 32,
    )  # fmt: skip
    parsed = _graph(_tree([], []), lineage)
    assert parsed.hrefs() == [
        link_for("fraud", 7),
        "https://data.example/fraud.parquet",
        f"https://github.com/acme/fraud/commit/{COMMIT}",
        "https://github.com/acme/fraud/actions/runs/42",
    ]
    sources = [source.text for source in parsed.with_class("lineage-source")]
    assert sources == [
        "Data: https://data.example/fraud.parquet, version 2026-11, digest sha256:abababab…",
        f"Commit: acme/fraud@{COMMIT[:12]} (refs/heads/main)",
        "Run: https://github.com/acme/fraud/actions/runs/42 (acme/fraud/.github/workflows/train.yml@refs/heads/main)",
    ]
    external = [a for a in parsed.with_tag("a") if "external" in a.classes()]
    assert all(set((a.attrs["rel"] or "").split()) == {"nofollow", "noopener", "noreferrer"} for a in external)


def test_commits_link_to_the_configured_github_host() -> None:
    lineage = Lineage(repository="acme/fraud", commit=COMMIT)
    parsed = _graph(_tree([], []), lineage, github_url="https://github.acme.example/")
    assert f"https://github.acme.example/acme/fraud/commit/{COMMIT}" in parsed.hrefs()


def test_a_commit_without_its_repository_is_text() -> None:
    parsed = _graph(_tree([], []), Lineage(commit=COMMIT[:7]))
    assert parsed.hrefs() == [link_for("fraud", 7)]
    assert f"Commit: {COMMIT[:7]}" in parsed.text


@pytest.mark.parametrize(
    "url",
    ["javascript://%0Aalert(1)", "data://text/html,<script>alert(1)</script>", "s3://bucket/data.parquet",
     "file:///etc/passwd", "vbscript://x"],
)  # fmt: skip
def test_urls_that_are_no_web_pages_stay_text(url: str) -> None:
    parsed = _graph(_tree([], []), Lineage(run_url=url, data_uri=url))
    assert parsed.hrefs() == [link_for("fraud", 7)]
    assert parsed.text.count(url) == 2


def test_hostile_names_and_values_stay_text() -> None:
    name = '"><script>alert(1)</script><a href="javascript:alert(1)">'
    tree = _tree([_parent(name, 1)], [_child(name, 2)], focus=name)
    lineage = Lineage.model_construct(
        repository='acme/x"><script>', commit="abc'><script>", ref="<script>alert(1)</script>",
        workflow_ref="<img src=x onerror=alert(1)>", data_version="<b>", data_digest="<i>",
        run_url="https://ok.example/\"><script>alert(1)</script>",
    )  # fmt: skip
    parsed = _graph(tree, lineage)
    assert f"{name} v1" in parsed.text
    assert "<script>alert(1)</script>" in parsed.text
    assert "<img src=x onerror=alert(1)>" in parsed.text


def test_a_link_builder_answer_that_is_no_safe_link_is_not_followed() -> None:
    parsed = parse_markup(lineage_graph(_tree([_parent("a", 1)], []), Lineage(), lambda m, v: "javascript:alert(1)"))
    assert parsed.hrefs() == []
    assert "a v1" in parsed.text


def test_full_trees_of_200_versions_each_draw_every_version_in_bounded_size() -> None:
    ancestors = [_parent("features", n) for n in range(1, MAX_NODES + 1)]
    descendants = [_child("fraud", 100 + n) for n in range(1, MAX_NODES + 1)]
    markup = lineage_graph(_tree(ancestors, descendants), Lineage(), link_for)
    parsed = _graph(_tree(ancestors, descendants))
    assert len(parsed.hrefs()) == 2 * MAX_NODES + 1
    assert len(markup) < 250 * (2 * MAX_NODES + 1)


def test_more_than_a_tree_may_hold_is_cut_with_a_note() -> None:
    ancestors = [_parent("features", n) for n in range(1, 3 * MAX_NODES)]
    parsed = _graph(_tree(ancestors, []))
    assert len(parsed.hrefs()) == MAX_NODES + 1
    assert len(parsed.with_class("lineage-truncated")) == 1


def test_a_chain_deeper_than_the_api_allows_is_cut_with_a_note() -> None:
    chain = _parent("m", 1)
    for version in range(2, 300):  # the API stops at MAX_DEPTH: the page must not rely on it
        chain = _parent("m", version, chain)
    parsed = _graph(_tree([chain], []))
    assert len(parsed.hrefs()) == MAX_DEPTH + 1
    assert len(parsed.with_class("lineage-truncated")) == 1


def test_a_tree_the_domain_cut_says_so() -> None:
    parsed = _graph(_tree([_parent("a", 1)], [], truncated=True))
    assert len(parsed.with_class("lineage-truncated")) == 1
