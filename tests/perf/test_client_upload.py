"""Peak memory and throughput of the client moving a large file, next to boto3's upload_file and download_file.

All run as child processes against the same moto server of a ``LocalStack``; the file is
sparse (reads as zeros, costs no disk). Size: ``MODELYARD_BENCH_BYTES`` (default 256 MiB; ``make
bench`` uses 1 GiB). The registry switches to a multipart plan above
``MODELYARD_MULTIPART_THRESHOLD`` (64 MiB here, the server's default), so the client streams
8 MiB parts from their offsets with 4 workers. Then ``modelyard download`` fetches the version
back and boto3's ``download_file`` fetches the same object. Figures are printed; the test asserts
only that every transfer succeeded with the file's size.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
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
BOTO3_DOWNLOAD = """
import sys
import boto3
boto3.client("s3").download_file(sys.argv[1], sys.argv[2], sys.argv[3])
"""


@pytest.fixture
def stack() -> Iterator[LocalStack]:
    extra = {"MODELYARD_MULTIPART_THRESHOLD": str(THRESHOLD)}
    with LocalStack(port=0, issuer_port=0, moto_port=0, backend="moto", extra_env=extra) as running:
        yield running


@pytest.fixture
def server_completion(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[float]]:
    """Seconds the registry spent completing: moto assembling the parts, then re-hashing the stored bytes.

    The registry runs in this process, so its blob store's calls can be timed here.
    """
    spent: dict[str, list[float]] = {"complete_multipart": [], "hash_blob": []}
    for name, times in spent.items():
        monkeypatch.setattr(S3BlobStore, name, _timed(getattr(S3BlobStore, name), times))
    return spent


def _timed(method: Callable[..., Any], times: list[float]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            times.append(time.perf_counter() - started)

    return timed


def _base_env() -> dict[str, str]:
    """What any child needs, and nothing from a surrounding CI job (GITHUB_ACTIONS and friends)."""
    return {name: os.environ[name] for name in ("PATH", "HOME", "TMPDIR", "LANG") if name in os.environ}


def _throughput(run: ChildRun) -> float:
    return SIZE / 1e6 / run.seconds


def _row(what: str, run: ChildRun, notes: str, versus: ChildRun | None = None) -> tuple[object, ...]:
    ratio = f"{versus.seconds / run.seconds:.2f}" if versus is not None else "-"
    return (what, round(run.peak_rss_mib, 1), round(run.seconds, 2), round(_throughput(run), 1), ratio, notes)


def test_client_transfers_memory_and_throughput_next_to_boto3(
    stack: LocalStack, server_completion: dict[str, list[float]], tmp_path: Path
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
    key = version["artifact"]["key"]

    s3 = boto3.client("s3", endpoint_url=stack.moto_url)
    stored = s3.head_object(Bucket=stack.bucket_name, Key=key)
    assert stored["ContentLength"] == SIZE

    s3.create_bucket(Bucket=BOTO3_BUCKET)
    aws_env = {**_base_env(), **stack.environment()}
    uploaded = run_measured(
        [sys.executable, "-c", BOTO3_UPLOAD, str(artifact), BOTO3_BUCKET, "big.safetensors"], aws_env
    )
    assert uploaded.returncode == 0, uploaded.stderr
    assert s3.head_object(Bucket=BOTO3_BUCKET, Key="big.safetensors")["ContentLength"] == SIZE

    fetched_path = tmp_path / "fetched.safetensors"
    fetched = run_measured(
        [sys.executable, "-m", "modelyard", "--json", "download", "models:/big/1", "-o", str(fetched_path)],
        client_env,
    )
    assert fetched.returncode == 0, fetched.stderr
    assert fetched_path.stat().st_size == SIZE
    fetched_path.unlink()  # the page cache and the disk hold one copy at a time

    boto3_path = tmp_path / "boto3.safetensors"
    downloaded = run_measured([sys.executable, "-c", BOTO3_DOWNLOAD, stack.bucket_name, key, str(boto3_path)], aws_env)
    assert downloaded.returncode == 0, downloaded.stderr
    assert boto3_path.stat().st_size == SIZE
    boto3_path.unlink()

    hashed = run_measured(
        [sys.executable, "-c", HASH_ONLY, str(artifact)],
        _base_env(),
    )
    assert hashed.returncode == 0, hashed.stderr
    bare = run_measured([sys.executable, "-c", "pass"], _base_env())
    boto3_only = run_measured([sys.executable, "-c", "import boto3; boto3.client('s3')"], aws_env)

    assemble = sum(server_completion["complete_multipart"])
    verify = sum(server_completion["hash_blob"])
    parts = -(-SIZE // (8 * MIB)) if SIZE > THRESHOLD else 1
    rows = [
        _row(
            "modelyard register (client)",
            registered,
            f"hash + {parts} part(s) + complete (moto assembles {assemble:.2f} s, registry re-hashes {verify:.2f} s)",
            uploaded,
        ),
        _row("  of which: client's SHA-256 pass", hashed, "modelyard.artifacts.hash_file alone, 1 MiB reads"),
        _row("boto3 upload_file", uploaded, "default TransferConfig (8 MiB parts, 10 threads), no hashing"),
        _row(
            "modelyard download (client)", fetched, "one GET, hashed as it arrives, renamed when it matches", downloaded
        ),
        _row("boto3 download_file", downloaded, "default TransferConfig (8 MiB ranges, 10 threads), no hashing"),
        ("python -c pass", round(bare.peak_rss_mib, 1), round(bare.seconds, 2), "-", "-", "interpreter floor"),
        (
            "python -c 'import boto3; client'",
            round(boto3_only.peak_rss_mib, 1),
            round(boto3_only.seconds, 2),
            "-",
            "-",
            "boto3's floor before any bytes move",
        ),
    ]
    title = (
        f"Moving a {SIZE / MIB:.0f} MiB file through moto (multipart above {THRESHOLD / MIB:.0f} MiB; "
        f"{os.cpu_count()} CPUs)"
    )
    print(format_table(title, ("what", "peak RSS (MiB)", "wall (s)", "MB/s", "x boto3", "notes"), rows))
