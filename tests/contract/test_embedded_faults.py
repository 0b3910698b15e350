"""The embedded backend under faults of its machine: a full disk, a database held by another process.

A fault is a precise error (StorageFull, StorageBusy) and never a half-written change: what was
acknowledged before stays readable, the refused change is absent, and once the fault is gone the
backend works again. The disks here are real (a small tmpfs, filled to the last byte).
"""

from __future__ import annotations

import hashlib
import sqlite3
import urllib.parse
from pathlib import Path

import pytest

from modelyard_server.adapters.embedded.backend import open_embedded
from modelyard_server.adapters.embedded.database import DATABASE_FILE
from modelyard_server.adapters.embedded.file_blobs import FileBlobStore
from modelyard_server.ports.records import StorageBusy, StorageFull, blob_key
from tests.contract.conftest import Clock
from tests.contract.registry_driver import Driver
from tests.support.mounts import fill, small_disk


def _register_until_refused(registry: Driver, acknowledged: list[int]) -> StorageFull:
    """Register versions until the disk says no (the WAL may still have room for a few); the refusal."""
    for _ in range(500):
        try:
            acknowledged.append(registry.register("fraud", tags={"k": "v" * 256}).version)
        except StorageFull as refused:
            return refused
    raise AssertionError("the disk never filled up")


def test_a_write_that_finds_the_disk_full_changes_nothing_and_works_again_once_space_is_freed(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk") as disk:
        clock = Clock()
        backend = open_embedded(disk / "data", now=clock.now)
        try:
            registry = Driver(backend, clock.now)
            registry.create_model("fraud")
            acknowledged = [registry.ready_version("fraud").version for _ in range(3)]
            filler = fill(disk)
            refused = _register_until_refused(registry, acknowledged)
            assert "out of space" in str(refused)
            assert str(disk / "data") in str(refused)
            model = backend.models.get_model("fraud")
            assert model is not None
            assert model.latest_version == acknowledged[-1]  # the refused registration claimed no number
            for number in acknowledged:
                assert backend.versions.get_version("fraud", number) is not None
            assert backend.versions.get_version("fraud", acknowledged[-1] + 1) is None

            filler.unlink()
            assert registry.ready_version("fraud").version == acknowledged[-1] + 1
        finally:
            backend.close()


def test_a_blob_upload_that_finds_the_disk_full_leaves_no_file(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk") as disk:
        backend = open_embedded(disk / "data")
        try:
            data = b"weights" * 100_000
            key = blob_key(hashlib.sha256(data).hexdigest())
            put = backend.blobs.presign_put(key, len(data), "application/octet-stream", key.rsplit("/", 1)[1], 600)
            url = urllib.parse.urlsplit(put.url)
            store = backend.blobs
            assert isinstance(store, FileBlobStore)
            filler = fill(disk)
            incoming = store.receive("PUT", url.path, url.query, {"content-length": str(len(data))})
            with pytest.raises(StorageFull, match="out of space"):
                incoming.write(data)  # 512 kB into a full disk: the write itself finds no room
            incoming.discard()
            assert backend.blobs.head_blob(key) is None
            assert list((disk / "data" / "blobs" / "sha256").iterdir()) == []
            filler.unlink()
        finally:
            backend.close()


def test_opening_a_data_directory_on_a_full_disk_says_so_and_harms_nothing(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk") as disk:
        data = disk / "data"
        clock = Clock()
        backend = open_embedded(data, now=clock.now)
        Driver(backend, clock.now).create_model("fraud")
        Driver(backend, clock.now).ready_version("fraud", semver="1.0.0")
        backend.close()
        filler = fill(disk)
        with pytest.raises(StorageFull, match="out of space") as refused:
            open_embedded(data, now=clock.now)
        assert str(data) in str(refused.value)
        filler.unlink()
        reopened = open_embedded(data, now=clock.now)
        try:
            assert reopened.versions.get_semver_claim("fraud", "1.0.0") == 1
        finally:
            reopened.close()


def test_a_write_while_another_process_holds_the_database_is_busy_and_changes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    clock = Clock()
    backend = open_embedded(data, now=clock.now, busy_timeout_ms=100)
    try:
        registry = Driver(backend, clock.now)
        registry.create_model("fraud")
        intruder = sqlite3.connect(data / DATABASE_FILE, isolation_level=None)
        intruder.execute("BEGIN EXCLUSIVE")  # a sqlite3 shell, a backup tool
        try:
            with pytest.raises(StorageBusy, match="locked by another process") as busy:
                registry.register("fraud")
            assert busy.value.retry_after > 0
            assert backend.models.get_model("fraud") is not None  # readers are never blocked (WAL)
        finally:
            intruder.execute("ROLLBACK")
            intruder.close()
        assert registry.register("fraud").version == 1
    finally:
        backend.close()
