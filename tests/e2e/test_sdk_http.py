"""The SDK over real HTTP: multipart uploads into moto's S3, and concurrent writers."""

from __future__ import annotations

import hashlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from modelyard.errors import RegistryError
from modelyard_local.stack import LocalStack
from modelyard_server import ports
from tests.e2e.conftest import MIB, MULTIPART_THRESHOLD, PART_SIZE, deployer_token, sdk, write_bytes


def _stored(key: str) -> tuple[int, str]:
    """Size and SHA-256 of the bytes the stack's blob store holds at `key` (the stack runs in this process)."""
    blobs = ports.backend().blobs
    facts = blobs.head_blob(key)
    assert facts is not None, key
    return facts.size, blobs.hash_blob(key, facts.version_id)


def test_large_file_goes_through_multipart_and_downloads_intact(
    client: Any, stack: LocalStack, model_name: str, tmp_path: Path
) -> None:
    data = os.urandom(13 * MIB + 12345)
    path = write_bytes(tmp_path / "big.safetensors", data)
    digest = hashlib.sha256(data).hexdigest()
    client.create_model(model_name)

    # what the registry plans for a file this size: three parts, their URLs one page at a time
    plan = client._request(
        "POST",
        f"/v1/models/{model_name}/versions",
        body={"artifact": {"sha256": digest, "size": len(data), "format": "safetensors"}},
        headers={"Idempotency-Key": "plan-probe"},
    )["upload"]
    assert plan["method"] == "multipart"
    assert plan["part_size"] == PART_SIZE
    assert plan["part_count"] == 3
    assert [p["part_number"] for p in plan["parts"]] == [1]
    assert plan["next_part"] == 2
    assert plan["upload_id"]

    # the SDK's own registration of the same bytes (a fresh version) asks for the other pages, uploads, seals
    version = client.register(model_name, path, create_model=True)
    assert version["status"] == "ready"
    assert version["artifact"]["sha256"] == digest
    assert version["artifact"]["size"] == len(data)

    assert _stored(version["artifact"]["key"]) == (len(data), digest)

    out = client.download(f"models:/{model_name}/{version['version']}", dest=tmp_path / "back.safetensors")
    assert out.read_bytes() == data


def test_file_under_the_threshold_is_one_put(client: Any, stack: LocalStack, model_name: str, tmp_path: Path) -> None:
    data = os.urandom(MULTIPART_THRESHOLD - 1)
    version = client.register(model_name, write_bytes(tmp_path / "small.onnx", data), create_model=True)
    assert version["status"] == "ready"
    assert _stored(version["artifact"]["key"]) == (len(data), hashlib.sha256(data).hexdigest())


def test_32_concurrent_registrations_get_distinct_consecutive_numbers(
    client: Any, model_name: str, tmp_path: Path
) -> None:
    client.create_model(model_name)
    paths = [write_bytes(tmp_path / f"m{i}.joblib", f"model {i} ".encode() * 50) for i in range(32)]
    start = threading.Barrier(32)

    def register(path: Path) -> dict[str, Any]:
        start.wait(timeout=30)
        result: dict[str, Any] = client.register(model_name, path, create_model=True)
        return result

    with ThreadPoolExecutor(max_workers=32) as pool:
        versions = list(pool.map(register, paths))

    numbers = sorted(v["version"] for v in versions)
    assert numbers == list(range(1, 33))
    assert all(v["status"] == "ready" for v in versions)
    # every number carries the bytes its registrant sent
    by_digest = {v["artifact"]["sha256"]: v["version"] for v in versions}
    assert len(by_digest) == 32
    for path in paths:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert client.get_version(model_name, by_digest[digest])["artifact"]["sha256"] == digest
    assert client.get_model(model_name)["latest_version"] == 32


def test_racing_conditional_promotions_one_wins_the_rest_conflict(
    client: Any, stack: LocalStack, model_name: str, tmp_path: Path
) -> None:
    for i in range(1, 10):
        client.register(model_name, write_bytes(tmp_path / f"m{i}.onnx", f"v{i}".encode() * 10), create_model=True)
    client = sdk(stack, deployer_token(stack, "staging"))
    client.promote(model_name, 1, stage="staging")
    racers = list(range(2, 10))
    start = threading.Barrier(len(racers))

    def promote(version: int) -> int | RegistryError:
        start.wait(timeout=30)
        try:
            pointer = client.promote(model_name, version, stage="staging", expected_version=1)
        except RegistryError as exc:
            return exc
        return int(pointer["version"])

    with ThreadPoolExecutor(max_workers=len(racers)) as pool:
        outcomes = list(pool.map(promote, racers))

    winners = [o for o in outcomes if isinstance(o, int)]
    losers = [o for o in outcomes if isinstance(o, RegistryError)]
    assert len(winners) == 1, outcomes
    assert [e.status for e in losers] == [409] * (len(racers) - 1)
    stage = client.get_stage(model_name, "staging")
    assert stage["version"] == winners[0]
    assert stage["previous_version"] == 1
    # and the loser's retry with the old expectation still conflicts: nothing moved behind its back
    with pytest.raises(RegistryError) as again:
        client.promote(model_name, 9 if winners[0] != 9 else 8, stage="staging", expected_version=1)
    assert again.value.status == 409
    assert client.get_stage(model_name, "staging")["version"] == winners[0]
