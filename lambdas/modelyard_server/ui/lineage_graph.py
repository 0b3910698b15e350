"""A version's lineage on its page: what it was made from, the version itself with its data, commit and
run, and what was made from it (a Jinja global).

Drawn as nested HTML lists rather than SVG: every version is an ordinary link, reached with Tab and read
by screen readers as a tree (a list inside a list item is a generation further), and the stylesheet can
draw the connectors. Ancestors come first in the document, then the version, then its descendants, so
the page reads from the oldest source to the newest use.

The trees are the domain's answer (`lineage_tree.lineage_of`: bounded, and already without the versions
the reader may not see). Rendering is bounded again on its own (MAX_NODES a tree, MAX_DEPTH
generations), so no input can make the page large or the recursion deep. Every URL from registry data
becomes a link only when it is a web page (`url_safety`); every name and value is escaped.

Classes, for ui/static/modelyard.css: `lineage`, `lineage-side` with `lineage-ancestors` or
`lineage-descendants`, `lineage-focus`, `lineage-tree` (each list level), `lineage-node` (a version),
`lineage-status` (a version that is not ready, or could not be read), `lineage-note` ("listed above"),
`lineage-sources` and `lineage-source` (data, commit, run), `lineage-truncated`, `lineage-empty`, and
`external` on links leaving the registry (as in model cards).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol, TypeVar
from urllib.parse import quote

from markupsafe import Markup

from modelyard_server.domain.bounds import MAX_DEPTH, MAX_NODES
from modelyard_server.ui.formatting import short_digest
from modelyard_server.ui.url_safety import EXTERNAL_LINK_CLASS, EXTERNAL_LINK_REL, is_web_url, link_kind

if TYPE_CHECKING:
    from modelyard_server.domain.lineage_tree import LineageTree
    from modelyard_server.domain.version_records import Lineage

LinkFor = Callable[[str, int], str]

_REPOSITORY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")
_COMMIT = re.compile(r"^[0-9a-f]{7,64}$")
_SHORT_COMMIT = 12


class _Node(Protocol):
    @property
    def model(self) -> str: ...
    @property
    def version(self) -> int: ...
    @property
    def status(self) -> str | None: ...
    @property
    def repeated(self) -> bool: ...


Node = TypeVar("Node", bound=_Node)
Relatives = Callable[[Node], Sequence[Node]]


class _Budget:
    """How many more versions one tree may still draw."""

    def __init__(self, nodes: int) -> None:
        self.left = nodes
        self.cut = False


def _version_link(href: str, text: str, current: bool = False) -> Markup:
    """A link to a version's page (`href` from link_for), or the text alone should it not be a safe link."""
    if link_kind(href) is None:
        return Markup("{}").format(text)
    if current:
        return Markup('<a href="{}" aria-current="page">{}</a>').format(href, text)
    return Markup('<a href="{}">{}</a>').format(href, text)


def _web_link(url: str, text: str | None = None) -> Markup:
    """A link leaving the registry, with rel and class like the model cards' external links."""
    shown = url if text is None else text
    if not is_web_url(url):
        return Markup("{}").format(shown)
    return Markup('<a class="{}" href="{}" rel="{}">{}</a>').format(EXTERNAL_LINK_CLASS, url, EXTERNAL_LINK_REL, shown)


def _node_label(node: _Node, link_for: LinkFor) -> Markup:
    label = _version_link(link_for(node.model, node.version), f"{node.model} v{node.version}")
    if node.status is None:
        label += Markup(' <span class="lineage-status">could not be read</span>')
    elif node.status != "ready":
        label += Markup(' <span class="lineage-status">{}</span>').format(node.status.replace("_", " "))
    if node.repeated:
        label += Markup(' <span class="lineage-note">(listed above)</span>')
    return label


def _tree(nodes: Sequence[Node], relatives: Relatives[Node], link_for: LinkFor, budget: _Budget, depth: int) -> Markup:
    items: list[Markup] = []
    for node in nodes:
        if budget.left <= 0:
            budget.cut = True
            break
        budget.left -= 1
        item = _node_label(node, link_for)
        further = relatives(node)
        if further and depth >= MAX_DEPTH:
            budget.cut = True
        elif further:
            item += _tree(further, relatives, link_for, budget, depth + 1)
        items.append(Markup('<li class="lineage-node">{}</li>').format(item))
    return Markup('<ul class="lineage-tree">{}</ul>').format(Markup("").join(items))


def _side(
    css_class: str,
    heading: str,
    empty: str,
    nodes: Sequence[Node],
    relatives: Relatives[Node],
    link_for: LinkFor,
    heading_level: int,
) -> tuple[Markup, bool]:
    """One side of the graph, and whether its own bounds cut it."""
    title = Markup("<h{level}>{}</h{level}>").format(heading, level=heading_level)
    if not nodes:
        body = Markup('<p class="lineage-empty">{}</p>').format(empty)
        return Markup('<section class="lineage-side {}">{}{}</section>').format(css_class, title, body), False
    budget = _Budget(MAX_NODES)
    body = _tree(nodes, relatives, link_for, budget, depth=1)
    return Markup('<section class="lineage-side {}">{}{}</section>').format(css_class, title, body), budget.cut


def _commit_link(lineage: Lineage, github_url: str) -> Markup | None:
    commit, repository = lineage.commit, lineage.repository
    if commit is None:
        return None
    shown = f"{repository}@{commit[:_SHORT_COMMIT]}" if repository else commit[:_SHORT_COMMIT]
    if repository and _REPOSITORY.match(repository) and _COMMIT.match(commit):
        url = f"{github_url.rstrip('/')}/{quote(repository)}/commit/{commit}"
        return _web_link(url, shown)
    return Markup("{}").format(shown)


def _sources(lineage: Lineage, github_url: str) -> Markup:
    """The data, commit and run the version was made from, each a link when it is a web page."""
    items: list[Markup] = []
    if lineage.data_uri or lineage.data_version or lineage.data_digest:
        parts = [_web_link(lineage.data_uri)] if lineage.data_uri else []
        if lineage.data_version:
            parts.append(Markup("version {}").format(lineage.data_version))
        if lineage.data_digest:
            parts.append(Markup("digest <code>{}</code>").format(short_digest(lineage.data_digest)))
        items.append(Markup("Data: {}").format(Markup(", ").join(parts)))
    commit = _commit_link(lineage, github_url)
    if commit is not None:
        ref = Markup(" ({})").format(lineage.ref) if lineage.ref else Markup("")
        items.append(Markup("Commit: {}{}").format(commit, ref))
    if lineage.run_url:
        workflow = Markup(" ({})").format(lineage.workflow_ref) if lineage.workflow_ref else Markup("")
        items.append(Markup("Run: {}{}").format(_web_link(lineage.run_url), workflow))
    if not items:
        return Markup("")
    listed = Markup("").join(Markup('<li class="lineage-source">{}</li>').format(item) for item in items)
    return Markup('<ul class="lineage-sources">{}</ul>').format(listed)


def lineage_graph(
    tree: LineageTree,
    lineage: Lineage,
    link_for: LinkFor,
    github_url: str = "https://github.com",
    heading_level: int = 3,
) -> Markup:
    """The lineage of `tree.version` as nested lists: ancestors, the version with its `lineage` sources,
    descendants. `link_for(model, version)` gives each version's page (ui/links.py); `github_url` is the
    GitHub host commits link to (settings.github_url); the sections' headings are h`heading_level`."""
    focus = tree.version
    ancestors, cut_up = _side(
        "lineage-ancestors",
        "Made from",
        "No parent versions recorded.",
        tree.ancestors,
        lambda node: node.parents,
        link_for,
        heading_level,
    )
    descendants, cut_down = _side(
        "lineage-descendants",
        "Made into",
        "No version names this one as a parent.",
        tree.descendants,
        lambda node: node.children,
        link_for,
        heading_level,
    )
    focus_node = _version_link(link_for(focus.model, focus.version), f"{focus.model} v{focus.version}", current=True)
    middle = Markup('<section class="lineage-focus"><p class="lineage-node">{}</p>{}</section>').format(
        focus_node, _sources(lineage, github_url)
    )
    parts = [ancestors, middle, descendants]
    if tree.truncated or cut_up or cut_down:
        parts.append(
            Markup('<p class="lineage-truncated">{}</p>').format(
                f"Some relatives are not shown: each side lists at most {MAX_NODES} versions, "
                f"{MAX_DEPTH} generations deep. Open a relative to see its own lineage."
            )
        )
    return Markup('<div class="lineage">{}</div>').format(Markup("").join(parts))
