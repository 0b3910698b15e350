"""The embedded registry when its machine misbehaves: a full disk, a read-only data directory, a database
another process holds. At start each is a clear error and exit 1; while running each is a precise problem
(507, 503 with Retry-After), never a 500; and never a half-written change.

The disks are real: a small tmpfs filled to the last byte, a read-only bind mount (tests/support/mounts).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from modelyard_local.stack import LocalStack
from modelyard_server.adapters.embedded.database import DATABASE_FILE
from tests.e2e.conftest import OWNER, HttpAnswer, base_env, http
from tests.support.mounts import fill, read_only, small_disk
from tests.support.terminal import Terminal

PROBLEM = "application/problem+json"


def _problem(answer: HttpAnswer, status: int, slug: str) -> dict[str, Any]:
    assert answer.status == status, (answer.status, answer.body[:500])
    assert answer.headers.get("content-type", "").startswith(PROBLEM), answer.headers
    problem: dict[str, Any] = answer.json()
    assert problem["status"] == status
    assert problem["type"].endswith("/" + slug)
    return problem


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    with small_disk(tmp_path / "disk", "8m") as mounted:
        yield mounted


@pytest.fixture
def stack_on_disk(disk: Path) -> Iterator[LocalStack]:
    with LocalStack(port=0, issuer_port=0, data_dir=disk / "data") as running:
        yield running


def _post(stack: LocalStack, path: str, body: dict[str, Any], token: str) -> HttpAnswer:
    data = json.dumps(body).encode()
    return http("POST", stack.api_url + path, token=token, body=data, headers={"Content-Type": "application/json"})


def _create(stack: LocalStack, name: str, token: str) -> HttpAnswer:
    return _post(stack, "/v1/models", {"name": name, "description": "d" * 2000}, token)


def _server(data_dir: Path) -> Terminal:
    command = [sys.executable, "-m", "modelyard_local", "--data-dir", str(data_dir), "--port", "0"]
    return Terminal([*command, "--issuer-port", "0"], base_env())


def test_a_request_that_finds_the_disk_full_is_507_and_keeps_nothing_until_space_is_freed(
    stack_on_disk: LocalStack, disk: Path
) -> None:
    stack, token = stack_on_disk, stack_on_disk.mint(repository=OWNER)
    assert _create(stack, "before", token).status == 201
    filler = fill(disk)
    created, refused = ["before"], None
    for n in range(500):  # the database's log may still have room for a few: write until the disk says no
        answer = _create(stack, f"model-{n}", token)
        if answer.status != 201:
            refused = (f"model-{n}", answer)
            break
        created.append(f"model-{n}")
    assert refused is not None, "the disk never filled up"
    name, answer = refused
    problem = _problem(answer, 507, "storage-full")
    assert "free space" in problem["detail"]
    assert str(disk) not in problem["detail"]  # where the server keeps its files is for its log, not callers
    for kept in created:
        assert http("GET", f"{stack.api_url}/v1/models/{kept}", token=token).status == 200
    assert http("GET", f"{stack.api_url}/v1/models/{name}", token=token).status == 404

    filler.unlink()
    assert _create(stack, name, token).status == 201


def test_an_upload_that_finds_the_disk_full_is_507_and_can_be_sent_again(stack_on_disk: LocalStack, disk: Path) -> None:
    stack, token = stack_on_disk, stack_on_disk.mint(repository=OWNER)
    data = b"weights!" * 65536
    assert _create(stack, "fraud", token).status == 201
    artifact = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "format": "other"}
    registered = _post(stack, "/v1/models/fraud/versions", {"artifact": artifact}, token)
    assert registered.status == 201, registered.body
    plan = registered.json()["upload"]
    assert plan["method"] == "put"
    filler = fill(disk)
    refused = http("PUT", plan["url"], body=data, headers=plan.get("headers") or {})
    problem = _problem(refused, 507, "storage-full")
    assert "free space" in problem["detail"]

    filler.unlink()
    assert http("PUT", plan["url"], body=data, headers=plan.get("headers") or {}).status == 200
    number = registered.json()["version"]["version"]
    done = _post(stack, f"/v1/models/fraud/versions/{number}/complete", {}, token)
    assert done.status == 200, done.body


def test_a_server_started_on_a_full_disk_says_so_and_harms_nothing(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", "8m") as disk:
        data_dir = disk / "data"
        with LocalStack(port=0, issuer_port=0, data_dir=data_dir) as stack:
            token = stack.mint(repository=OWNER)
            assert _create(stack, "fraud", token).status == 201
        filler = fill(disk)
        with _server(data_dir) as server:
            assert server.process.wait(timeout=30) == 1, server.text
            assert "could not start the local stack" in server.text
            assert f"{data_dir} is out of space" in server.text, server.text
        filler.unlink()
        with LocalStack(port=0, issuer_port=0, data_dir=data_dir) as stack:
            token = stack.mint(repository=OWNER)
            assert http("GET", f"{stack.api_url}/v1/models/fraud", token=token).status == 200


def test_a_read_only_data_directory_is_a_clear_error_at_start(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    LocalStack(port=0, issuer_port=0, data_dir=data_dir).start().stop()
    before = sorted(p.name for p in data_dir.iterdir())
    with read_only(data_dir), _server(data_dir) as server:
        assert server.process.wait(timeout=30) == 1, server.text
        assert f"the data directory {data_dir} is read-only" in server.text, server.text
    assert sorted(p.name for p in data_dir.iterdir()) == before


def test_a_database_held_by_another_process_is_a_clear_error_at_start(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    LocalStack(port=0, issuer_port=0, data_dir=data_dir).start().stop()
    holder = sqlite3.connect(data_dir / DATABASE_FILE, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # a sqlite3 shell, a backup tool
    try:
        with _server(data_dir) as server:
            assert server.process.wait(timeout=60) == 1, server.text
            assert f"{data_dir / DATABASE_FILE} is locked by another process" in server.text, server.text
            assert "close that process" in server.text
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_write_while_another_process_holds_the_database_is_503_with_retry_after(tmp_path: Path) -> None:
    with LocalStack(port=0, issuer_port=0, data_dir=tmp_path / "data") as stack:
        token = stack.mint(repository=OWNER)
        assert _create(stack, "before", token).status == 201
        holder = sqlite3.connect(stack.data_dir / DATABASE_FILE, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            busy = _create(stack, "during", token)  # waits out the busy timeout (5 s)
            _problem(busy, 503, "storage-busy")
            assert int(busy.headers["retry-after"]) > 0
            assert http("GET", f"{stack.api_url}/v1/models/before", token=token).status == 200  # reads go on
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert http("GET", f"{stack.api_url}/v1/models/during", token=token).status == 404
        assert _create(stack, "during", token).status == 201
