"""The embedded search's own guarantees: a page reads a bounded stretch of its index (short pages, never
lost matches), and a database written before search existed is searchable once opened."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.contract.conftest import Clock
from tests.contract.registry_driver import Driver

from modelyard_server.adapters.embedded import search as embedded_search
from modelyard_server.adapters.embedded.backend import EmbeddedBackend, open_embedded
from modelyard_server.adapters.embedded.database import DATABASE_FILE
from modelyard_server.adapters.embedded.schema import SCHEMA_VERSION, VERSION_2_INDEXES
from modelyard_server.domain.version_records import Lineage
from modelyard_server.ports.search import ModelQuery, VersionQuery


@pytest.fixture
def opened(tmp_path: Path) -> Iterator[tuple[EmbeddedBackend, Driver]]:
    clock = Clock()
    backend = open_embedded(tmp_path / "data", now=clock.now)
    try:
        yield backend, Driver(backend, clock.now)
    finally:
        backend.close()


def test_rare_matches_come_in_short_pages_that_miss_none(
    opened: tuple[EmbeddedBackend, Driver], monkeypatch: pytest.MonkeyPatch
) -> None:
    backend, registry = opened
    monkeypatch.setattr(embedded_search, "SCAN_BUDGET", 5)
    registry.create_model("fraud")
    registry.create_model("models")
    for i in range(1, 31):
        registry.register("fraud" if i % 2 else "models", tags={"rare": "yes"} if i % 7 == 0 else {})
    pages = []
    token: str | None = None
    while True:
        page = backend.search.search_versions(VersionQuery(model_prefix="mod", tags=()), 10, token)
        pages.append([(m.version.model, m.version.version) for m in page.items])
        token = page.next_token
        if token is None:
            break
    # 30 entries, 5 read per page (a last, empty page when the budget ended exactly at the end): short pages
    assert len(pages) in (6, 7) and all(len(page) <= 3 for page in pages)
    assert [key for page in pages for key in page] == [("models", n) for n in range(15, 0, -1)]
    rare = backend.search.search_versions(VersionQuery(metrics=(), tags=(("rare", "yes"),)), 10, None)
    assert [(m.version.model, m.version.version) for m in rare.items] == [
        ("models", 14),
        ("fraud", 11),
        ("models", 7),
        ("fraud", 4),
    ]
    models = backend.search.search_models(ModelQuery(tags=(("nobody", "x"),)), 10, None)
    assert models.items == [] and models.next_token is None  # two models: within one page's budget


def test_a_database_from_before_search_is_searchable_after_opening(tmp_path: Path) -> None:
    clock = Clock()
    backend = open_embedded(tmp_path / "data", now=clock.now)
    registry = Driver(backend, clock.now)
    registry.create_model("fraud")
    first = registry.ready_version("fraud", tags={"team": "risk"}, metrics={"auc": 0.9})
    registry.ready_version("fraud", lineage=Lineage(data_version="2026-11", parents=[first.uri]))
    backend.close()
    _downgrade_to_schema_1(tmp_path / "data" / DATABASE_FILE)

    reopened = open_embedded(tmp_path / "data", now=clock.now)
    try:

        def found(query: VersionQuery) -> list[int]:
            return [m.version.version for m in reopened.search.search_versions(query, 10, None).items]

        assert found(VersionQuery()) == [2, 1]
        assert found(VersionQuery(tags=(("team", "risk"),))) == [1]
        assert found(VersionQuery(data_version="2026-11")) == [2]
        assert found(VersionQuery(parent=first.uri)) == [2]
        assert found(VersionQuery(framework="sklearn", format="onnx")) == [2, 1]
    finally:
        reopened.close()


def _downgrade_to_schema_1(path: Path) -> None:
    """What a registry written before search holds: no search columns, tables or indexes."""
    raw = sqlite3.connect(path)
    try:
        raw.execute("DROP TABLE revoked_sessions")  # schema 8 (signed-out sessions) came after search
        raw.execute("DROP INDEX dead_letters_by_age")  # schema 7 (dead letters expire) came after search
        raw.execute("ALTER TABLE dead_letters DROP COLUMN sent_at")
        raw.execute("DROP TABLE role_grants")  # schema 5 (roles) came after search
        raw.execute("DROP TABLE governance_events")  # schema 4 (the governance trail) came after search
        raw.execute("DROP TABLE namespace_policies")  # and schema 6 (namespaces and their policy layers)
        raw.execute("DROP TABLE namespaces")
        for line in VERSION_2_INDEXES.split(";"):
            if "CREATE INDEX" in line:
                raw.execute(f"DROP INDEX {line.split('CREATE INDEX')[1].split()[0]}")
        raw.execute("DROP TABLE version_metrics")
        raw.execute("DROP TABLE version_parents")
        for column in ("created_us", "framework", "format", "data_uri", "data_version", "data_digest"):
            raw.execute(f"ALTER TABLE versions DROP COLUMN {column}")
        raw.execute("ALTER TABLE versions DROP COLUMN commit_sha")
        raw.execute("ALTER TABLE versions DROP COLUMN workflow")
        raw.execute("ALTER TABLE version_tags DROP COLUMN created_us")
        raw.execute("DROP TABLE reviews")  # schema 3 (review sign-off) comes after search
        raw.execute("PRAGMA user_version = 1")
        raw.commit()
        assert SCHEMA_VERSION == 8
    finally:
        raw.close()


@pytest.mark.parametrize(
    "position", ['[99999999999999999999999, "fraud", 1]', '[1, ["fraud"], 1]', '[1, "fraud"]', "{}"]
)
def test_a_forged_position_in_a_token_is_refused(opened: tuple[EmbeddedBackend, Driver], position: str) -> None:
    from modelyard_server.adapters.embedded.paging import encode_token
    from modelyard_server.ports.records import BadPageToken

    backend, _ = opened
    query = VersionQuery()
    forged = encode_token(embedded_search._listing(query), position)
    with pytest.raises(BadPageToken):
        backend.search.search_versions(query, 10, forged)
