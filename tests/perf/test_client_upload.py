"""Peak memory and throughput of the client moving a large file, next to boto3's upload_file and download_file.

All run as child processes against the same moto server of a ``LocalStack``; the file is
sparse (reads as zeros, costs no disk). Size: ``MODELYARD_BENCH_BYTES`` (default 256 MiB; ``make
bench`` uses 1 GiB). The registry switches to a multipart plan above
``MODELYARD_MULTIPART_THRESHOLD`` (64 MiB here, the server's default), so the client streams
8 MiB parts from their offsets with 10 workers. boto3's ``upload_file`` sends the same size into the
same bucket (versioned and encrypted as the template makes it, so moto's assembly costs both sides
alike), after a warm-up upload, in two rounds ordered modelyard, boto3, boto3, modelyard: each side's
faster round is reported, so neither pays for going first. Then ``modelyard download`` fetches the
version back and boto3's ``download_file`` fetches the same object. Figures are printed; the test
asserts only that every transfer succeeded with the file's size.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.s3.models import S3Backend

from modelyard_local.stack import LocalStack
from modelyard_server.adapters.s3_blobs import S3BlobStore
from tests.perf.child import MIB, ChildRun, parse_size, run_measured
from tests.perf.tables import format_table

SIZE = parse_size(os.environ.get("MODELYARD_BENCH_BYTES", "") or "256MiB")
THRESHOLD = parse_size(os.environ.get("MODELYARD_MULTIPART_THRESHOLD", "") or "64MiB")
BOTO3_KEY = "bench/boto3-{round}.safetensors"  # in the registry's own bucket, outside its blobs/
ROUNDS = 2

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


@pytest.fixture
def parts_stored(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[float]]:
    """When moto stored each part, per multipart upload id: what both clients' part phases look like to the server.

    moto serves from a thread of this process, so its backend can be watched here; the span from the first part
    stored to the last is the part phase of either client, with neither one's own reports trusted."""
    stored: dict[str, list[float]] = {}
    original = S3Backend.upload_part

    def upload_part(self: S3Backend, bucket_name: str, multipart_id: str, part_id: int, value: bytes) -> Any:
        answer = original(self, bucket_name, multipart_id, part_id, value)
        stored.setdefault(multipart_id, []).append(time.perf_counter())
        return answer

    monkeypatch.setattr(S3Backend, "upload_part", upload_part)
    return stored


def _part_phase(stored: dict[str, list[float]], index: int) -> float:
    """First part stored to last, for the `index`-th multipart upload (in the order their first parts arrived)."""
    spans = sorted((min(times), max(times)) for times in stored.values())
    first, last = spans[index]
    return last - first


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


def _sparse_file(path: Path, marker: int) -> Path:
    """SIZE bytes of zeros but for the first one (each round registers new bytes: nothing is deduplicated)."""
    with path.open("wb") as handle:
        handle.truncate(SIZE)
        handle.write(bytes([marker]))
    return path


def test_client_transfers_memory_and_throughput_next_to_boto3(
    stack: LocalStack, server_completion: dict[str, list[float]], parts_stored: dict[str, list[float]], tmp_path: Path
) -> None:
    client_env = {
        **_base_env(),
        "MODELYARD_URL": stack.api_url,
        "MODELYARD_TOKEN": stack.mint(repository="acme/bench"),
    }
    aws_env = {**_base_env(), **stack.environment()}
    s3 = boto3.client("s3", endpoint_url=stack.moto_url)
    warm_up = tmp_path / "warm-up.bin"  # moto's first multipart upload loads its code: neither side pays for it
    warm_up.write_bytes(bytes(16 * MIB))
    boto3_up = [sys.executable, "-c", BOTO3_UPLOAD]
    assert run_measured([*boto3_up, str(warm_up), stack.bucket_name, "bench/warm-up"], aws_env).returncode == 0

    registrations: list[ChildRun] = []
    uploads: list[ChildRun] = []
    version: dict[str, Any] = {}

    def register(round_: int) -> None:
        nonlocal version
        artifact = _sparse_file(tmp_path / f"big-{round_}.safetensors", round_ + 1)
        command = [sys.executable, "-m", "modelyard", "--json", "register", "big", str(artifact), "--create-model"]
        run = run_measured(command, client_env)
        assert run.returncode == 0, run.stderr
        version = json.loads(run.stdout)
        assert version["status"] == "ready" and version["artifact"]["size"] == SIZE, version
        registrations.append(run)

    def upload(round_: int) -> None:
        artifact = _sparse_file(tmp_path / f"boto3-{round_}.safetensors", round_ + 1)
        key = BOTO3_KEY.format(round=round_)
        run = run_measured([*boto3_up, str(artifact), stack.bucket_name, key], aws_env)
        assert run.returncode == 0, run.stderr
        assert s3.head_object(Bucket=stack.bucket_name, Key=key)["ContentLength"] == SIZE
        uploads.append(run)

    order: list[str] = []  # which client made each multipart upload, in turn
    for round_ in range(ROUNDS):  # ABBA: modelyard, boto3, boto3, modelyard
        steps = (register, upload) if round_ % 2 == 0 else (upload, register)
        for step in steps:
            step(round_)
            order.append(step.__name__)
    registered = min(registrations, key=lambda run: run.seconds)
    uploaded = min(uploads, key=lambda run: run.seconds)
    fastest = registrations.index(registered)
    key = version["artifact"]["key"]
    assert s3.head_object(Bucket=stack.bucket_name, Key=key)["ContentLength"] == SIZE

    fetched_path = tmp_path / "fetched.safetensors"
    fetched = run_measured(
        [
            sys.executable,
            "-m",
            "modelyard",
            "--json",
            "download",
            f"models:/big/{version['version']}",
            "-o",
            str(fetched_path),
        ],
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

    hashed = run_measured([sys.executable, "-c", HASH_ONLY, str(tmp_path / "big-0.safetensors")], _base_env())
    assert hashed.returncode == 0, hashed.stderr
    bare = run_measured([sys.executable, "-c", "pass"], _base_env())
    boto3_only = run_measured([sys.executable, "-c", "import boto3; boto3.client('s3')"], aws_env)

    assemble = server_completion["complete_multipart"][fastest] if SIZE > THRESHOLD else 0.0
    verify = server_completion["hash_blob"][fastest]
    parts = -(-SIZE // (8 * MIB)) if SIZE > THRESHOLD else 1
    # What boto3 does too: the same transfer and assembly, without the client's hash pass and the registry's check.
    transfer = dataclasses.replace(registered, seconds=registered.seconds - hashed.seconds - verify)
    if SIZE > THRESHOLD:
        turns = [(name, _part_phase(parts_stored, 1 + index)) for index, name in enumerate(order)]  # 0: warm-up
        ours = min(seconds for name, seconds in turns if name == "register")
        theirs = min(seconds for name, seconds in turns if name == "upload")
        part_phases = f"first to last part stored in moto: modelyard {ours:.2f} s, boto3 {theirs:.2f} s"
    else:
        part_phases = "one PUT: no parts"
    rows = [
        _row(
            "modelyard register (client)",
            registered,
            f"hash + {parts} part(s) + complete (moto assembles {assemble:.2f} s, registry re-hashes {verify:.2f} s)",
            uploaded,
        ),
        _row(
            "  less the two SHA-256 passes",
            transfer,
            f"register less the client's hash pass and the registry's re-hash; {part_phases}",
            uploaded,
        ),
        _row("  of which: client's SHA-256 pass", hashed, "modelyard.artifacts.hash_file alone, 1 MiB reads"),
        _row(
            "boto3 upload_file",
            uploaded,
            "default TransferConfig (8 MiB parts, 10 threads), no hashing; same bucket, other key",
        ),
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
        f"{os.cpu_count()} CPUs; uploads: the faster of {ROUNDS} rounds each, "
        f"modelyard {' / '.join(f'{run.seconds:.2f}' for run in registrations)} s, "
        f"boto3 {' / '.join(f'{run.seconds:.2f}' for run in uploads)} s)"
    )
    print(format_table(title, ("what", "peak RSS (MiB)", "wall (s)", "MB/s", "x boto3", "notes"), rows))
