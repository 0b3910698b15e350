"""Peak memory and throughput of the client registering a large file, next to boto3's upload_file.

Both run as child processes against the same moto server of a ``LocalStack``; the file is
sparse (reads as zeros, costs no disk). Size: ``MODELYARD_BENCH_BYTES`` (default 256 MiB; ``make
bench`` uses 1 GiB). The registry switches to a multipart plan above
``MODELYARD_MULTIPART_THRESHOLD`` (64 MiB here, the server's default), so the client streams
8 MiB parts from their offsets with 4 workers. Figures are printed; the test asserts only that
the registration succeeded and the stored object has the file's size.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from modelyard_local.stack import LocalStack
from modelyard_server.adapters.s3_blobs import S3BlobStore
from tests.perf.child import MIB, ChildRun, parse_size, run_measured
from tests.perf.tables import format_table

SIZE = parse_size(os.environ.get("MODELYARD_BENCH_BYTES", "") or "256MiB")
THRESHOLD = parse_size(os.environ.get("MODELYARD_MULTIPART_THRESHOLD", "") or "64MiB")
BOTO3_BUCKET = "bench-boto3"

HASH_ONLY = "import sys; from modelyard.artifacts import hash_file; hash_file(sys.argv[1])"
BOTO3_UPLOAD = """
import sys
import boto3
boto3.client("s3").upload_file(sys.argv[1], sys.argv[2], sys.argv[3])
"""


@pytest.fixture
def stack() -> Iterator[LocalStack]:
    extra = {"MODELYARD_MULTIPART_THRESHOLD": str(THRESHOLD)}
    with LocalStack(port=0, issuer_port=0, moto_port=0, backend="moto", extra_env=extra) as running:
        yield running


@pytest.fixture
def server_hashing(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Seconds the registry spent re-hashing stored bytes at completion (it runs in this process)."""
    spent: list[float] = []
    hash_blob = S3BlobStore.hash_blob

    def timed(store: S3BlobStore, key: str, version_id: str | None) -> str:
        started = time.perf_counter()
        try:
            return hash_blob(store, key, version_id)
        finally:
            spent.append(time.perf_counter() - started)

    monkeypatch.setattr(S3BlobStore, "hash_blob", timed)
    return spent


def _base_env() -> dict[str, str]:
    """What any child needs, and nothing from a surrounding CI job (GITHUB_ACTIONS and friends)."""
    return {name: os.environ[name] for name in ("PATH", "HOME", "TMPDIR", "LANG") if name in os.environ}


def _throughput(run: ChildRun) -> float:
    return SIZE / 1e6 / run.seconds


def test_client_register_memory_and_throughput_next_to_boto3(
    stack: LocalStack, server_hashing: list[float], tmp_path: Path
) -> None:
    artifact = tmp_path / "big.safetensors"
    with artifact.open("wb") as handle:
        handle.truncate(SIZE)

    client_env = {
        **_base_env(),
        "MODELYARD_URL": stack.api_url,
        "MODELYARD_TOKEN": stack.mint(repository="acme/bench"),
    }
    registered = run_measured(
        [sys.executable, "-m", "modelyard", "--json", "register", "big", str(artifact), "--create-model"],
        client_env,
    )
    assert registered.returncode == 0, registered.stderr
    version: dict[str, Any] = json.loads(registered.stdout)
    assert version["status"] == "ready", version
    assert version["artifact"]["size"] == SIZE

    s3 = boto3.client("s3", endpoint_url=stack.moto_url)
    stored = s3.head_object(Bucket=stack.bucket_name, Key=version["artifact"]["key"])
    assert stored["ContentLength"] == SIZE

    s3.create_bucket(Bucket=BOTO3_BUCKET)
    aws_env = {**_base_env(), **stack.environment()}
    uploaded = run_measured(
        [sys.executable, "-c", BOTO3_UPLOAD, str(artifact), BOTO3_BUCKET, "big.safetensors"], aws_env
    )
    assert uploaded.returncode == 0, uploaded.stderr
    assert s3.head_object(Bucket=BOTO3_BUCKET, Key="big.safetensors")["ContentLength"] == SIZE

    hashed = run_measured(
        [sys.executable, "-c", HASH_ONLY, str(artifact)],
        _base_env(),
    )
    assert hashed.returncode == 0, hashed.stderr
    bare = run_measured([sys.executable, "-c", "pass"], _base_env())
    boto3_only = run_measured([sys.executable, "-c", "import boto3; boto3.client('s3')"], aws_env)

    verify = sum(server_hashing)
    parts = -(-SIZE // (8 * MIB)) if SIZE > THRESHOLD else 1
    rows = [
        (
            "modelyard register (client)",
            round(registered.peak_rss_mib, 1),
            round(registered.seconds, 2),
            round(_throughput(registered), 1),
            f"hash + {parts} part(s) + complete; server re-hash {verify:.2f} s of it",
        ),
        (
            "  of which: client's SHA-256 pass",
            round(hashed.peak_rss_mib, 1),
            round(hashed.seconds, 2),
            round(_throughput(hashed), 1),
            "modelyard.artifacts.hash_file alone, 1 MiB reads",
        ),
        (
            "boto3 upload_file",
            round(uploaded.peak_rss_mib, 1),
            round(uploaded.seconds, 2),
            round(_throughput(uploaded), 1),
            "default TransferConfig (8 MiB parts, 10 threads), no hashing",
        ),
        ("python -c pass", round(bare.peak_rss_mib, 1), round(bare.seconds, 2), "-", "interpreter floor"),
        (
            "python -c 'import boto3; client'",
            round(boto3_only.peak_rss_mib, 1),
            round(boto3_only.seconds, 2),
            "-",
            "boto3's floor before any bytes move",
        ),
    ]
    title = (
        f"Registering a {SIZE / MIB:.0f} MiB file against moto (multipart above {THRESHOLD / MIB:.0f} MiB; "
        f"{os.cpu_count()} CPUs)"
    )
    print(format_table(title, ("what", "peak RSS (MiB)", "wall (s)", "MB/s", "notes"), rows))
