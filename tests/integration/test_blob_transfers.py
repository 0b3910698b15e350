"""The local server's /_blobs/ endpoint, driven by the project's own client (upload plans, downloads).

The file blob store signs the URLs; uvicorn serves ``with_blob_transfers`` in front of a stand-in
API; ``modelyard.upload.execute_plan`` and ``modelyard.download.download_file`` move the bytes,
exactly as ``modelyard register`` and ``modelyard download`` do against S3.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, MutableMapping
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

from modelyard.download import download_file
from modelyard.errors import ClientError
from modelyard.transport import RetryPolicy
from modelyard.upload import execute_plan
from modelyard_local.blob_transfers import with_blob_transfers
from modelyard_server import ports
from modelyard_server.adapters.embedded.file_blobs import FileBlobStore
from modelyard_server.ports.records import blob_key
from tests.support.asgi_server import serving

SIGNING_KEY = b"s" * 32
POLICY = RetryPolicy(attempts=2, base_delay=0.01, timeout=10.0)


async def stand_in_api(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
    """What answers every path the blob endpoint does not take."""
    body = b'{"served_by": "api"}'
    await send({"type": "http.response.start", "status": 404, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


def install_blobs(blobs: object) -> None:
    unused = cast(Any, None)
    backend = ports.Backend(
        "test",
        *[unused] * 9,
        blobs=cast(Any, blobs),
        search=unused,
        parameters=unused,
        dead_letters=None,
        namespaces=unused,
        sessions=unused,
    )
    ports.set_builder(lambda: backend)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[FileBlobStore, str]]:
    stores: list[FileBlobStore] = []

    def app(base_url: str) -> Any:
        stores.append(FileBlobStore(tmp_path / "blobs", SIGNING_KEY, base_url))
        install_blobs(stores[0])
        return with_blob_transfers(stand_in_api)

    try:
        with serving(app) as base_url:
            yield stores[0], base_url
    finally:
        ports.set_builder(None)


@pytest.fixture
def artifact(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "model.onnx"
    path.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


def put_plan(store: FileBlobStore, size: int, sha256: str) -> dict[str, Any]:
    presigned = store.presign_put(blob_key(sha256), size, "application/octet-stream", sha256, 60)
    return {"method": "put", "url": presigned.url, "headers": presigned.headers}


def upload(store: FileBlobStore, path: Path, sha256: str) -> int:
    """Upload `path` with a put plan; its size."""
    size = path.stat().st_size
    execute_plan(path, size, put_plan(store, size, sha256), policy=POLICY)
    return size


def stored_files(store: FileBlobStore) -> list[str]:
    return sorted(str(p.relative_to(store.files.root)) for p in store.files.root.rglob("*") if p.is_file())


def test_a_put_plan_uploads_and_a_download_link_brings_the_same_bytes_back(
    served: tuple[FileBlobStore, str], artifact: tuple[Path, str], tmp_path: Path
) -> None:
    store, _ = served
    path, sha256 = artifact
    size = path.stat().st_size

    assert execute_plan(path, size, put_plan(store, size, sha256), policy=POLICY) is None

    assert store.hash_blob(blob_key(sha256), None) == sha256
    link = store.presign_get(blob_key(sha256), None, "model.onnx", 60)
    fetched = download_file(link, tmp_path / "out" / "model.onnx", sha256=sha256, size=size, policy=POLICY)
    assert fetched.read_bytes() == path.read_bytes()
    with urllib.request.urlopen(link, timeout=10) as answer:
        assert answer.headers["Content-Disposition"].startswith('attachment; filename="model.onnx"')
        assert answer.headers["Content-Length"] == str(size)


def test_a_multipart_plan_uploads_its_parts_in_pages_and_completes(
    served: tuple[FileBlobStore, str], artifact: tuple[Path, str], tmp_path: Path
) -> None:
    store, _ = served
    path, sha256 = artifact
    size, part_size = path.stat().st_size, 256 * 1024
    count = -(-size // part_size)
    key = blob_key(sha256)
    upload_id = store.start_multipart(key, "application/octet-stream")

    def page(first: int) -> dict[str, Any]:
        numbers = range(first, min(count, first + 4) + 1)
        parts = store.presign_parts(key, upload_id, numbers, 60, part_size=part_size)
        return {
            "parts": [{"part_number": p.part_number, "url": p.url} for p in parts],
            "next_part": numbers[-1] + 1 if numbers[-1] < count else None,
        }

    plan = {"method": "multipart", "upload_id": upload_id, "part_size": part_size, "part_count": count, **page(1)}
    parts = execute_plan(path, size, plan, policy=POLICY, workers=4, more_parts=page)

    assert parts is not None
    assert [p["part_number"] for p in parts] == list(range(1, count + 1))
    assert store.complete_multipart(key, upload_id, [(p["part_number"], p["etag"]) for p in parts])
    assert stored_files(store) == [f"sha256/{sha256}"]
    link = store.presign_get(key, None, "model.onnx", 60)
    fetched = download_file(link, tmp_path / "model.onnx.copy", sha256=sha256, size=size, policy=POLICY)
    assert fetched.read_bytes() == path.read_bytes()


def test_bytes_other_than_the_declared_ones_are_refused_with_the_reason_and_leave_nothing(
    served: tuple[FileBlobStore, str], artifact: tuple[Path, str]
) -> None:
    store, _ = served
    path, _ = artifact
    size = path.stat().st_size
    declared = hashlib.sha256(b"something else").hexdigest()

    with pytest.raises(ClientError, match=r"HTTP 400 Bad digest: the bytes hash to sha256 [0-9a-f]{64}, not the"):
        execute_plan(path, size, put_plan(store, size, declared), policy=POLICY)

    assert stored_files(store) == []


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=urlencode({**dict(parse_qsl(parts.query)), **changes})))


def test_a_tampered_upload_url_is_refused_before_the_body_and_the_client_says_why(
    served: tuple[FileBlobStore, str], artifact: tuple[Path, str]
) -> None:
    store, _ = served
    path, sha256 = artifact
    size = path.stat().st_size
    plan = put_plan(store, size, sha256)
    plan["url"] = with_query(plan["url"], expires="9999999999")

    with pytest.raises(ClientError, match="HTTP 403 Bad signature: this URL was not signed by this registry"):
        execute_plan(path, size, plan, policy=POLICY)

    assert stored_files(store) == []


def test_an_expired_download_link_is_refused(
    served: tuple[FileBlobStore, str], artifact: tuple[Path, str], tmp_path: Path
) -> None:
    store, _ = served
    path, sha256 = artifact
    size = upload(store, path, sha256)
    expired = store.presign_get(blob_key(sha256), None, "model.onnx", -1)

    with pytest.raises(ClientError, match=r"HTTP 403 \(the link may have expired"):
        download_file(expired, tmp_path / "got.onnx", sha256=sha256, size=size, policy=POLICY)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(expired, timeout=10)
    assert refused.value.headers["Content-Type"] == "application/problem+json"
    assert json.loads(refused.value.read())["title"] == "URL expired"
    assert not (tmp_path / "got.onnx").exists()


def test_a_range_request_gets_partial_content(served: tuple[FileBlobStore, str], artifact: tuple[Path, str]) -> None:
    store, _ = served
    path, sha256 = artifact
    size = upload(store, path, sha256)
    request = urllib.request.Request(store.presign_get(blob_key(sha256), None, "m", 60), headers={"Range": "bytes=-5"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 206
        assert answer.read() == path.read_bytes()[-5:]
        assert answer.headers["Content-Range"] == f"bytes {size - 5}-{size - 1}/{size}"


def test_a_client_that_hangs_up_mid_upload_leaves_nothing(
    served: tuple[FileBlobStore, str], artifact: tuple[Path, str]
) -> None:
    store, _ = served
    path, sha256 = artifact
    size = path.stat().st_size
    target = urlsplit(put_plan(store, size, sha256)["url"])
    with socket.create_connection((target.hostname, target.port), timeout=10) as conn:
        head = f"PUT {target.path}?{target.query} HTTP/1.1\r\nHost: x\r\nContent-Length: {size}\r\n\r\n"
        conn.sendall(head.encode() + path.read_bytes()[: size // 2])
        assert wait_for(lambda: stored_files(store) != [])  # the upload's temp file is there
    assert wait_for(lambda: stored_files(store) == [])  # the server noticed the hang-up and dropped it
    assert store.head_blob(blob_key(sha256)) is None


def wait_for(condition: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_other_paths_reach_the_api(served: tuple[FileBlobStore, str]) -> None:
    _, base_url = served
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(f"{base_url}/models", timeout=10)
    assert json.loads(answer.value.read()) == {"served_by": "api"}


def test_without_a_file_blob_store_the_api_answers_blob_paths(tmp_path: Path) -> None:
    install_blobs(object())  # an S3 backend's store, say: /_blobs/ means nothing there
    try:
        with serving(lambda _: with_blob_transfers(stand_in_api)) as base_url:
            with pytest.raises(urllib.error.HTTPError) as answer:
                urllib.request.urlopen(f"{base_url}/_blobs/get/blobs/sha256/{'0' * 64}", timeout=10)
            assert json.loads(answer.value.read()) == {"served_by": "api"}
    finally:
        ports.set_builder(None)
