"""Lineage both ways: the versions a version was derived from (ancestors) and those derived from it
(descendants), as trees `depth` generations deep.

Parents are stored as concrete `models:/name/N` URIs (see `lineage`) and may name versions of other
models. Both walks go breadth first, so when a bound cuts a tree it cuts the farthest generations:

* each version is expanded once; met again (two paths to a shared ancestor, or a cycle in imported
  data) it is listed with `repeated: true` and no relatives of its own;
* each tree holds at most `MAX_NODES` nodes; `truncated: true` says some relatives were left out.

Storage calls, per tree and bounded: ancestors take one version read per distinct version listed
(at most MAX_NODES); descendants take at most `SEARCH_PAGES_PER_NODE` search calls per expanded
version (at most MAX_NODES of them), each asking for no more children than the tree has room for.
Resolving the URI asked about costs what `resolution` says.
"""

from __future__ import annotations

from collections import deque

from pydantic import Field

from modelyard_server.domain.bounds import DEFAULT_DEPTH, MAX_NODES
from modelyard_server.domain.errors import DomainError
from modelyard_server.domain.model_base import RegistryModel
from modelyard_server.domain.names import parse_model_uri
from modelyard_server.domain.principal import Principal
from modelyard_server.domain.record_fields import VersionStatus
from modelyard_server.domain.resolution import resolve_record, summarize
from modelyard_server.domain.version_records import VersionRecord, VersionSummary
from modelyard_server.domain.visibility import hidden_namespaces, is_hidden
from modelyard_server.ports import backend
from modelyard_server.ports.search import VersionQuery

SEARCH_PAGE = 100
SEARCH_PAGES_PER_NODE = 3


class LineageNode(RegistryModel):
    uri: str
    model: str
    version: int
    status: VersionStatus | None = Field(description="null: the version named as a parent could not be read")
    repeated: bool = Field(
        default=False, description="Already listed in this tree (its relatives are shown there, not again)"
    )


class AncestorNode(LineageNode):
    parents: list[AncestorNode] = Field(default_factory=list)


class DescendantNode(LineageNode):
    children: list[DescendantNode] = Field(default_factory=list)


class LineageTree(RegistryModel):
    version: VersionSummary
    depth: int = Field(description="How many generations each tree goes up or down")
    ancestors: list[AncestorNode] = Field(description="The version's parents, each with its own parents")
    descendants: list[DescendantNode] = Field(description="Versions naming it as a parent, each with its own")
    truncated: bool = Field(
        description=f"A tree reached {MAX_NODES} versions, so relatives beyond those listed may be left out: ask "
        "from a relative, or with less depth"
    )


def _parent_node(uri: str, expanded: dict[str, VersionRecord | None]) -> tuple[AncestorNode | None, bool]:
    """The node for a stored parent URI (read unless this tree already did), and whether it is new here.

    A parent that cannot be read any more is still listed, as the URI it was stored as, with no status.
    """
    repeated = uri in expanded
    if not repeated:
        try:
            expanded[uri] = resolve_record(uri)
        except DomainError:
            expanded[uri] = None
    record = expanded[uri]
    if record is not None:
        node = AncestorNode(
            uri=record.uri, model=record.model, version=record.version, status=record.status, repeated=repeated
        )
        return node, not repeated
    named = parse_model_uri(uri)
    if named is None or named.version is None or named.version.number is None:
        return None, False  # not a concrete version URI: nothing to list it as
    node = AncestorNode(uri=uri, model=named.model, version=named.version.number, status=None, repeated=repeated)
    return node, not repeated


def ancestors(root: VersionRecord, depth: int, hidden: tuple[str, ...] = ()) -> tuple[list[AncestorNode], bool]:
    """The root's parents, `depth` generations up; True when MAX_NODES cut the tree. Versions of models in
    `hidden` namespaces are left out (never read), with whatever lies beyond them."""
    listed = 0
    expanded: dict[str, VersionRecord | None] = {root.uri: root}
    top: list[AncestorNode] = []
    queue: deque[tuple[list[str], list[AncestorNode], int]] = deque([(root.lineage.parents, top, 1)])
    while queue:
        parent_uris, into, generation = queue.popleft()
        for uri in parent_uris:
            if listed >= MAX_NODES:
                return top, True
            named = parse_model_uri(uri)
            if named is not None and is_hidden(named.model, hidden):
                continue
            node, new = _parent_node(uri, expanded)
            if node is None:
                continue
            into.append(node)
            listed += 1
            record = expanded[uri]
            if new and record is not None and generation < depth and record.lineage.parents:
                queue.append((record.lineage.parents, node.parents, generation + 1))
    return top, False


def _children(version: VersionRecord, wanted: int, hidden: tuple[str, ...]) -> tuple[list[VersionRecord], bool]:
    """Up to `wanted` versions naming `version` as a parent; True when more were left unread."""
    found: list[VersionRecord] = []
    token: str | None = None
    for _ in range(SEARCH_PAGES_PER_NODE):
        page = backend().search.search_versions(
            VersionQuery(parent=version.uri, excluded_namespaces=hidden), min(wanted - len(found), SEARCH_PAGE), token
        )
        found.extend(match.version for match in page.items)
        token = page.next_token
        if token is None or len(found) >= wanted:
            break
    return found[:wanted], token is not None


def descendants(root: VersionRecord, depth: int, hidden: tuple[str, ...] = ()) -> tuple[list[DescendantNode], bool]:
    """The versions naming the root as a parent, `depth` generations down; True when MAX_NODES cut the tree.
    Versions of models in `hidden` namespaces are left out by the search, with whatever lies beyond them."""
    listed, truncated = 0, False
    expanded = {root.uri}
    top: list[DescendantNode] = []
    queue: deque[tuple[VersionRecord, list[DescendantNode], int]] = deque([(root, top, 1)])
    while queue:
        version, into, generation = queue.popleft()
        if listed >= MAX_NODES:
            return top, True  # the versions still queued were not asked for their children
        children, more = _children(version, MAX_NODES - listed, hidden)
        truncated = truncated or more
        for child in children:
            repeated = child.uri in expanded
            node = DescendantNode(
                uri=child.uri, model=child.model, version=child.version, status=child.status, repeated=repeated
            )
            into.append(node)
            listed += 1
            if not repeated:
                expanded.add(child.uri)
                if generation < depth:
                    queue.append((child, node.children, generation + 1))
    return top, truncated


def lineage_of(uri: str, principal: Principal, depth: int = DEFAULT_DEPTH) -> LineageTree:
    """Both trees of the version `uri` names now (a stage, alias or `latest` names its holder's lineage),
    without the versions the caller may not see (private namespaces': one more storage read)."""
    root = resolve_record(uri)
    hidden = hidden_namespaces(principal)
    up, cut_up = ancestors(root, depth, hidden)
    down, cut_down = descendants(root, depth, hidden)
    return LineageTree(
        version=summarize(root), depth=depth, ancestors=up, descendants=down, truncated=cut_up or cut_down
    )
