"""The search port: finding versions and models across the registry by what they hold.

A query is a plain value the domain builds from validated request parameters; every backend
answers it with the same results in the same order (``tests/contract`` holds them to it) and
states, in its module docstring, what each filter reads and what a page costs.

Filters combine with AND. Pages are ordered by the query's order, ties broken by (model, version)
so paging is stable; a page may hold fewer items than asked when a bounded read found fewer
matches, and ``next_token`` is ``None`` only when nothing is left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:  # annotations only: importing the port defines no pydantic model
    from modelyard_server.domain.model_records import ModelRecord
    from modelyard_server.domain.version_records import VersionRecord
    from modelyard_server.ports.records import Page

Comparison = Literal["<", "<=", "=", ">=", ">", "!="]


@dataclass(frozen=True)
class MetricCondition:
    """``accuracy>=0.9``: the version has this metric and its value compares true."""

    metric: str
    op: Comparison
    value: float


@dataclass(frozen=True)
class VersionOrder:
    """Newest first by default; ``metric`` orders by that metric (versions without it are left out)."""

    by: Literal["created", "metric"] = "created"
    metric: str | None = None
    descending: bool = True


@dataclass(frozen=True)
class VersionQuery:
    model: str | None = None  # exact name
    model_prefix: str | None = None  # e.g. "finance/"
    tags: tuple[tuple[str, str], ...] = ()  # every k=v must match
    metrics: tuple[MetricCondition, ...] = ()  # every condition must hold
    framework: str | None = None
    format: str | None = None
    status: str | None = None
    stage: str | None = None  # the version currently holds this stage
    alias: str | None = None  # the version currently holds this alias
    data_uri: str | None = None
    data_version: str | None = None
    data_digest: str | None = None
    commit: str | None = None  # full sha or a prefix of at least 7
    workflow: str | None = None  # a workflow path "owner/repo/.github/workflows/x.yml" (any ref)
    parent: str | None = None  # "models:/name/7": versions that name it as a parent (descendants)
    created_after: datetime | None = None  # inclusive
    created_before: datetime | None = None  # exclusive
    order: VersionOrder = field(default_factory=VersionOrder)
    # Private namespaces the caller may not see: their models (`ns/...`) are left out as the store reads.
    # Who asks, not what is asked: out of the repr that page tokens fingerprint, so a token stays good
    # when the caller's memberships change between pages.
    excluded_namespaces: tuple[str, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class VersionMatch:
    """A found version with the stages and aliases it holds now."""

    version: VersionRecord
    stages: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModelQuery:
    name_prefix: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    owner: str | None = None  # an owner repository "org/repo"
    holds_stage: str | None = None  # only models with a version in this stage
    # Private namespaces the caller may not see: their models (`ns/...`) are left out as the store reads.
    # Who asks, not what is asked: out of the repr that page tokens fingerprint, so a token stays good
    # when the caller's memberships change between pages.
    excluded_namespaces: tuple[str, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class ModelMatch:
    """A found model with the version holding each of its stages (stage -> version number)."""

    model: ModelRecord
    stage_versions: Sequence[tuple[str, int]] = ()


class SearchStore(Protocol):
    def search_versions(self, query: VersionQuery, limit: int, token: str | None) -> Page[VersionMatch]:
        """Matches in the query's order; a fixed number of storage calls per page (see the backend)."""

    def search_models(self, query: ModelQuery, limit: int, token: str | None) -> Page[ModelMatch]:
        """Matches by name; a fixed number of storage calls per page (see the backend)."""
