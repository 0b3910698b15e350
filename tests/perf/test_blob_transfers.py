"""Throughput of artifact transfers through the embedded registry's /_blobs/ endpoint, with the project's client.

The client (``modelyard.upload.execute_plan``, ``modelyard.download.download_file``) runs as a child
process; the file blob store and uvicorn run in this process. Size: ``MODELYARD_BENCH_BYTES``
(default 256 MiB). Uploads run both ways the registry plans them: one PUT, and 8 MiB parts with 4
workers (what it plans above its 64 MiB multipart threshold) followed by the assembly at completion.
*Server peak growth* is how far this process's resident memory peak rose during the transfer (the
peak is reset before each one): it shows whether the server holds the artifact in memory. Figures
are printed; the test asserts only that the bytes arrived intact.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from modelyard.artifacts import hash_file
from modelyard_local.blob_transfers import with_blob_transfers
from modelyard_server import ports
from modelyard_server.adapters.embedded.file_blobs import FileBlobStore
from modelyard_server.ports.records import blob_key
from tests.integration.test_blob_transfers import install_blobs, stand_in_api
from tests.perf.child import MIB, ChildRun, parse_size, run_measured
from tests.perf.tables import format_table
from tests.support.asgi_server import serving

SIZE = parse_size(os.environ.get("MODELYARD_BENCH_BYTES", "") or "256MiB")
PART_SIZE = 8 * MIB

UPLOAD = """
import json, sys
from pathlib import Path
from modelyard.transport import RetryPolicy
from modelyard.upload import execute_plan
path, size, plan = Path(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
parts = execute_plan(path, size, plan, workers=4, policy=RetryPolicy(attempts=1, timeout=600))
print(json.dumps(parts))
"""
DOWNLOAD = """
import sys
from modelyard.download import download_file
from modelyard.transport import RetryPolicy
download_file(sys.argv[1], sys.argv[2], sha256=sys.argv[3], size=int(sys.argv[4]),
              policy=RetryPolicy(attempts=1, timeout=600))
"""


def peak_rss_reset() -> bool:
    """Reset this process's peak RSS (Linux: `5` to clear_refs); False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


class ServerMemory:
    """How far this process's memory peak rises during a block (None where it cannot be measured)."""

    def __enter__(self) -> ServerMemory:
        self.growth_mib: float | None = None
        self._measured = peak_rss_reset()
        self._start = rss_kib("VmRSS") if self._measured else 0
        return self

    def __exit__(self, *exc: object) -> None:
        if self._measured:
            self.growth_mib = (rss_kib("VmHWM") - self._start) / 1024


@pytest.fixture
def served(tmp_path: Path) -> Iterator[FileBlobStore]:
    stores: list[FileBlobStore] = []

    def app(base_url: str) -> Any:
        stores.append(FileBlobStore(tmp_path / "blobs", os.urandom(32), base_url))
        install_blobs(stores[0])
        return with_blob_transfers(stand_in_api)

    try:
        with serving(app):
            yield stores[0]
    finally:
        ports.set_builder(None)


def client_env() -> dict[str, str]:
    return {name: os.environ[name] for name in ("PATH", "HOME", "TMPDIR", "LANG") if name in os.environ}


def upload(path: Path, plan: dict[str, Any]) -> tuple[ChildRun, float | None]:
    with ServerMemory() as memory:
        run = run_measured([sys.executable, "-c", UPLOAD, str(path), str(SIZE), json.dumps(plan)], client_env())
    assert run.returncode == 0, run.stderr
    return run, memory.growth_mib


def row(what: str, seconds: float, client: ChildRun | None, server_mib: float | None, notes: str) -> tuple[Any, ...]:
    return (
        what,
        round(SIZE / 1e6 / seconds, 1),
        round(seconds, 2),
        round(client.peak_rss_mib, 1) if client else "-",
        round(server_mib, 1) if server_mib is not None else "-",
        notes,
    )


def test_upload_and_download_throughput_through_the_local_server(served: FileBlobStore, tmp_path: Path) -> None:
    store = served
    artifact = tmp_path / "big.safetensors"
    with artifact.open("wb") as handle:
        handle.truncate(SIZE)  # sparse: reads as zeros, costs no disk
    sha256 = hash_file(artifact).sha256
    key = blob_key(sha256)

    presigned = store.presign_put(key, SIZE, "application/octet-stream", sha256, 600)
    single, single_server = upload(artifact, {"method": "put", "url": presigned.url, "headers": presigned.headers})
    assert store.hash_blob(key, None) == sha256
    store.delete_blob(key)

    count = -(-SIZE // PART_SIZE)
    upload_id = store.start_multipart(key, "application/octet-stream")
    parts = store.presign_parts(key, upload_id, range(1, count + 1), 600, part_size=PART_SIZE)
    plan = {
        "method": "multipart",
        "upload_id": upload_id,
        "part_size": PART_SIZE,
        "part_count": count,
        "parts": [{"part_number": p.part_number, "url": p.url} for p in parts],
        "next_part": None,
    }
    multipart, multipart_server = upload(artifact, plan)
    etags = [(p["part_number"], p["etag"]) for p in json.loads(multipart.stdout)]
    with ServerMemory() as assembly_memory:
        started = time.perf_counter()
        assert store.complete_multipart(key, upload_id, etags)
        assembly = time.perf_counter() - started
    assert store.hash_blob(key, None) == sha256

    link = store.presign_get(key, None, "big.safetensors", 600)
    target = tmp_path / "downloaded.safetensors"
    with ServerMemory() as download_memory:
        downloaded = run_measured([sys.executable, "-c", DOWNLOAD, link, str(target), sha256, str(SIZE)], client_env())
    assert downloaded.returncode == 0, downloaded.stderr
    assert target.stat().st_size == SIZE

    rows = [
        row("upload, one PUT", single.seconds, single, single_server, "client streams; server hashes, fsyncs, renames"),
        row(
            f"upload, {count} parts x 4 workers",
            multipart.seconds,
            multipart,
            multipart_server,
            "each part hashed (its ETag), not fsynced",
        ),
        row(
            "  complete: assemble the parts",
            assembly,
            None,
            assembly_memory.growth_mib,
            "concatenate + SHA-256 + fsync",
        ),
        row("download", downloaded.seconds, downloaded, download_memory.growth_mib, "client hashes and verifies"),
    ]
    title = (
        f"A {SIZE / MIB:.0f} MiB artifact through /_blobs/ on 127.0.0.1 with modelyard's client "
        f"({os.cpu_count()} CPUs; client wall time includes its interpreter start)"
    )
    headers = ("what", "MB/s", "wall (s)", "client peak RSS (MiB)", "server peak growth (MiB)", "notes")
    print(format_table(title, headers, rows))
