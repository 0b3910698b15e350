"""Finding versions and models: the search use cases and the answers they give.

Parameters are parsed by `search_params` (one place says what each accepts); the backend's
`SearchStore` answers the query, each backend by its stated plan.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from pydantic import Field

from modelyard_server.domain.catalog import require_model
from modelyard_server.domain.model_base import RegistryModel
from modelyard_server.domain.model_records import ModelPage
from modelyard_server.domain.names import parse_model_uri
from modelyard_server.domain.principal import Principal
from modelyard_server.domain.resolution import summarize
from modelyard_server.domain.search_params import (
    ModelFilters,
    ModelVersionFilters,
    VersionFilters,
    model_query,
    version_query,
)
from modelyard_server.domain.version_records import Lineage, VersionRecord, VersionSummary
from modelyard_server.domain.visibility import hidden_namespaces, is_hidden, with_visible_lineage
from modelyard_server.ports import backend
from modelyard_server.ports.records import Page
from modelyard_server.ports.search import VersionMatch

HOLDERS = "Names of the {} that hold this version now"


class VersionHit(VersionSummary):
    """A version found by a search: its summary, what it was built from, and the pointers holding it now."""

    tags: dict[str, str] = Field(default_factory=dict, description="The version's tags as registered")
    created_at: datetime = Field(description="When the version was registered: the search's order")
    lineage: Lineage = Field(
        default_factory=Lineage, description="What it was built from: data, commit, workflow, parent versions"
    )
    stages: list[str] = Field(default_factory=list, description=HOLDERS.format("stages"))
    aliases: list[str] = Field(default_factory=list, description=HOLDERS.format("aliases"))


class VersionHitPage(RegistryModel):
    items: list[VersionHit]
    next_token: str | None = Field(
        default=None,
        description="Pass as next_token for more; null only when nothing is left. A page may hold fewer "
        "items than `limit` (even none) when a bounded read found fewer matches: keep paging",
    )


class ListedVersion(VersionRecord):
    """A version in its model's listing, with the pointers holding it now."""

    stages: list[str] = Field(default_factory=list, description=HOLDERS.format("stages"))
    aliases: list[str] = Field(default_factory=list, description=HOLDERS.format("aliases"))


class ListedVersionPage(RegistryModel):
    items: list[ListedVersion]
    next_token: str | None = Field(
        default=None,
        description="Pass as next_token for more; null only when nothing is left (a page may hold fewer "
        "items than `limit` when a bounded read found fewer matches)",
    )


# Both answers are built from field values, not dumps: nested records are taken as they are, not rebuilt.


def _hit(match: VersionMatch, reader: Principal) -> VersionHit:
    version = with_visible_lineage(match.version, reader)
    return VersionHit.model_validate(
        {
            **summarize(version).__dict__,
            "tags": version.tags,
            "created_at": version.created_at,
            "lineage": version.lineage,
            "stages": list(match.stages),
            "aliases": list(match.aliases),
        }
    )


def _listed(match: VersionMatch) -> ListedVersion:
    return ListedVersion.model_validate(
        {**match.version.__dict__, "stages": list(match.stages), "aliases": list(match.aliases)}
    )


def search_versions(
    filters: VersionFilters, limit: int, next_token: str | None, principal: Principal
) -> VersionHitPage:
    """Versions across the registry matching every filter, in the asked order (none the caller may not see)."""
    hidden = hidden_namespaces(principal)
    query = replace(version_query(filters), excluded_namespaces=hidden)
    parent = parse_model_uri(query.parent) if query.parent is not None else None
    if parent is not None and is_hidden(parent.model, hidden):
        return VersionHitPage(items=[], next_token=None)  # the children of a model that does not exist, for them
    page = backend().search.search_versions(query, limit, next_token)
    hits = [_hit(match, principal) for match in page.items]
    return VersionHitPage(items=hits, next_token=page.next_token)


def list_versions(
    name: str, filters: ModelVersionFilters, limit: int, next_token: str | None, reader: Principal
) -> ListedVersionPage:
    """A model's versions matching every filter (newest first unless asked otherwise), as `reader` may read them."""
    query = version_query(filters, model=name)
    page: Page[VersionMatch] = backend().search.search_versions(query, limit, next_token)
    if not page.items and next_token is None and page.next_token is None:
        require_model(name)  # an empty first page: is there a model at all?
    items = [with_visible_lineage(_listed(match), reader) for match in page.items]
    return ListedVersionPage(items=items, next_token=page.next_token)


def search_models(filters: ModelFilters, limit: int, next_token: str | None, principal: Principal) -> ModelPage:
    """Models by name matching every filter, each with its stages (and aliases) filled (none the caller may
    not see)."""
    query = replace(model_query(filters), excluded_namespaces=hidden_namespaces(principal))
    page = backend().search.search_models(query, limit, next_token)
    return ModelPage(items=[match.model for match in page.items], next_token=page.next_token)
