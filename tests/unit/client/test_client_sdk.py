"""The Client against a fake registry that speaks the contract (docs/api.md)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from client_fakes import FakeRegistry

from modelyard import Client
from modelyard.errors import ClientError, DigestMismatch, RegistryError
from modelyard.transport import RetryPolicy

ACTIONS_ENV = {
    "GITHUB_REPOSITORY": "acme/fraud",
    "GITHUB_SHA": "a" * 40,
    "GITHUB_REF": "refs/heads/main",
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_RUN_ID": "42",
    "GITHUB_RUN_ATTEMPT": "2",
}


@pytest.fixture
def registry(loopback, clean_env) -> Iterator[tuple[FakeRegistry, Client]]:
    fake = FakeRegistry()
    server = loopback(fake)
    fake.base_url = server.url
    client = Client(server.url, "test-token", retry=RetryPolicy(attempts=2, base_delay=0.001), progress=False)
    return fake, client


def _file(tmp_path: Path, name: str, size: int) -> Path:
    path = tmp_path / name
    path.write_bytes(os.urandom(size))
    return path


def test_register_small_file_with_single_put(registry, tmp_path: Path) -> None:
    fake, client = registry
    client.create_model("fraud", description="fraud scorer", tags={"team": "risk"})
    path = _file(tmp_path, "model.onnx", 10_000)
    version = client.register(
        "fraud", path, framework="sklearn", semver="1.4.0", metrics={"auc": 0.91}, params={"C": 1.0}
    )
    assert version["status"] == "ready"
    assert version["version"] == 1
    assert version["artifact"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert version["artifact"]["format"] == "onnx"
    assert fake.blobs[version["artifact"]["key"]] == path.read_bytes()
    assert client.get_version("fraud", "1.4.0")["version"] == 1
    assert client.get_version("fraud", "models:/fraud/1")["semver"] == "1.4.0"


def test_register_large_file_with_multipart(registry, tmp_path: Path) -> None:
    fake, client = registry
    client.create_model("fraud")
    path = _file(tmp_path, "weights.safetensors", 200_000)
    version = client.register("fraud", path)
    assert version["status"] == "ready"
    assert version["artifact"]["format"] == "safetensors"
    assert fake.blobs[version["artifact"]["key"]] == path.read_bytes()
    assert len(fake.parts[version["artifact"]["key"]]) == 7


def test_register_directory_and_same_bytes_twice(registry, tmp_path: Path) -> None:
    fake, client = registry
    client.create_model("fraud")
    model_dir = tmp_path / "fraud-model"
    model_dir.mkdir()
    (model_dir / "model.joblib").write_bytes(b"joblib bytes")
    (model_dir / "meta.json").write_bytes(b"{}")
    first = client.register("fraud", model_dir)
    puts_before = len(fake.blobs)
    second = client.register("fraud", model_dir)
    assert first["artifact"]["format"] == second["artifact"]["format"] == "tarball"
    assert first["artifact"]["filename"] == "fraud-model.tar.gz"
    assert first["artifact"]["sha256"] == second["artifact"]["sha256"]
    assert (first["version"], second["version"]) == (1, 2)
    assert len(fake.blobs) == puts_before, "the registry already held the bytes: no upload"


def test_register_creates_a_missing_model_when_asked(registry, tmp_path: Path) -> None:
    fake, client = registry
    version = client.register("brand-new", _file(tmp_path, "m.pkl", 100), create_model=True)
    assert version["status"] == "ready"
    assert "brand-new" in fake.models


def test_lineage_from_github_env_and_explicit_values_win(registry, tmp_path: Path, monkeypatch) -> None:
    _fake, client = registry
    client = Client(client.url, "test-token", env={**ACTIONS_ENV}, progress=False)
    version = client.register(
        "fraud",
        _file(tmp_path, "m.onnx", 100),
        create_model=True,
        lineage={"ref": "refs/tags/v1.4.0", "data_uri": "s3://data/fraud", "parents": ["models:/fraud/3"]},
    )
    assert version["lineage"] == {
        "repository": "acme/fraud",
        "commit": "a" * 40,
        "ref": "refs/tags/v1.4.0",
        "run_url": "https://github.com/acme/fraud/actions/runs/42/attempts/2",
        "data_uri": "s3://data/fraud",
        "parents": ["models:/fraud/3"],
    }


def test_idempotency_key_returns_the_same_version(registry, tmp_path: Path) -> None:
    fake, client = registry
    path = _file(tmp_path, "m.onnx", 100)
    first = client.register("fraud", path, idempotency_key="run-42-attempt-1", create_model=True)
    again = client.register("fraud", path, idempotency_key="run-42-attempt-1")
    assert again["version"] == first["version"] == 1
    assert fake.models["fraud"]["latest_version"] == 1


def test_register_validates_locally_first(registry, tmp_path: Path) -> None:
    _, client = registry
    with pytest.raises(ClientError, match="invalid model name"):
        client.register("Fraud Model", _file(tmp_path, "m.onnx", 10))
    with pytest.raises(ClientError, match="semver"):
        client.register("fraud", _file(tmp_path, "m.onnx", 10), semver="v1")
    with pytest.raises(ClientError, match="artifact not found"):
        client.register("fraud", tmp_path / "missing.onnx")


def test_download_by_uri_alias_and_stage(registry, tmp_path: Path) -> None:
    fake, client = registry
    path = _file(tmp_path, "model.onnx", 5000)
    client.register("fraud", path, create_model=True)
    client.register("fraud", _file(tmp_path, "model2.onnx", 5000))
    client.set_alias("fraud", "champion", 1)
    client.promote("fraud", "models:/fraud@champion", stage="production")
    out = tmp_path / "out"
    out.mkdir()
    for uri in ("models:/fraud/1", "models:/fraud@champion", "models:/fraud/stage/production"):
        target = client.download(uri, out, overwrite=True)
        assert target == out / "model.onnx"
        assert target.read_bytes() == path.read_bytes()
    fake.corrupt_downloads = True
    with pytest.raises(DigestMismatch):
        client.download("fraud", tmp_path / "bad.onnx", version=1)
    assert not (tmp_path / "bad.onnx").exists()


def test_pointers_promote_rollback_and_conditions(registry, tmp_path: Path) -> None:
    _fake, client = registry
    for n in range(3):
        client.register("fraud", _file(tmp_path, f"m{n}.onnx", 100), create_model=n == 0)
    assert client.promote("fraud", 1, stage="production", expected_version=None)["version"] == 1
    assert client.promote("fraud", 2, stage="production", comment="better auc")["version"] == 2
    with pytest.raises(RegistryError) as info:
        client.promote("fraud", 3, stage="production", expected_version=1)
    assert info.value.status == 409
    assert client.rollback("fraud", stage="production")["version"] == 1
    assert client.rollback("fraud", stage="production", to_version="models:/fraud/3")["version"] == 3
    stage = client.get_stage("fraud", "production")
    assert [h["version"] for h in stage["history"]] == [1, 2, 1, 3]
    client.set_alias("fraud", "champion", 2)
    assert client.get_alias("fraud", "champion")["version"] == 2
    assert client.delete_alias("fraud", "champion")["version"] is None
    model = client.get_model("fraud")
    assert model["stages"]["production"]["version"] == 3
    assert client.resolve("models:/fraud/stage/production")["version"] == 3
    with pytest.raises(ClientError, match="not of 'fraud'"):
        client.promote("fraud", "models:/other/1", stage="production")


def test_listing_follows_pages(registry, tmp_path: Path) -> None:
    _fake, client = registry
    for name in ("a", "b", "c", "d", "e"):
        client.create_model(name)
    assert [m["name"] for m in client.list_models()] == ["a", "b", "c", "d", "e"]
    for n in range(3):
        client.register("a", _file(tmp_path, f"m{n}.onnx", 100), tags={"n": str(n)})
    assert [v["version"] for v in client.list_versions("a")] == [3, 2, 1]
    assert [v["version"] for v in client.list_versions("a", tags={"n": "1"})] == [2]
    client.archive_version("a", 1, "leaked test data")
    assert [v["version"] for v in client.list_versions("a", status="archived")] == [1]
    assert [e["type"] for e in client.events("a")][:2] == ["model.created", "model.version.registered"]


def test_missing_url_and_token_are_explained(clean_env) -> None:
    with pytest.raises(ClientError, match="MODELYARD_URL"):
        Client()
    client = Client("http://127.0.0.1:9")
    with pytest.raises(ClientError, match="MODELYARD_TOKEN"):
        client.get_model("fraud")
