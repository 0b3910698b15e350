"""The file blob store: signed URLs that only do what they were signed for, and files that are whole or absent."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from modelyard_server.adapters.embedded.blob_transfers import IncomingBytes
from modelyard_server.adapters.embedded.blob_urls import TransferRefused
from modelyard_server.adapters.embedded.file_blobs import FileBlobStore
from modelyard_server.ports.records import blob_key

KEY = b"k" * 32
BASE = "http://127.0.0.1:9/"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> FileBlobStore:
    return FileBlobStore(tmp_path / "blobs", KEY, BASE, clock=clock)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def etag(data: bytes) -> str:
    return sha(data)[:32]


def split(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.path, parts.query


def tampered(url: str, **changes: str) -> tuple[str, str]:
    path, query = split(url)
    terms = dict(parse_qsl(query))
    terms.update(changes)
    return path, urlencode(terms)


def send(incoming: IncomingBytes, data: bytes, chunk: int = 7) -> dict[str, str]:
    for start in range(0, len(data), chunk):
        incoming.write(data[start : start + chunk])
    return incoming.finish()


def put(store: FileBlobStore, data: bytes, **changes: str) -> dict[str, str]:
    url = store.presign_put(blob_key(sha(data)), len(data), "application/octet-stream", sha(data), 60).url
    path, query = tampered(url, **changes)
    return send(store.receive("PUT", path, query, {"content-length": str(len(data))}), data)


def leftovers(root: Path) -> list[str]:
    """Every file under the store's root, the hidden temp files included."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def refusal(action: Callable[[], object]) -> TransferRefused:
    with pytest.raises(TransferRefused) as caught:
        action()
    return caught.value


# --- whole PUT ----------------------------------------------------------------------------------


def test_a_put_stores_the_bytes_under_their_digest_and_vouches_for_them(store: FileBlobStore) -> None:
    data = os.urandom(100_000)
    presigned = store.presign_put(blob_key(sha(data)), len(data), "application/x-onnx", sha(data), 60)
    assert presigned.headers == {"Content-Type": "application/x-onnx"}
    path, query = split(presigned.url)
    assert presigned.url.startswith("http://127.0.0.1:9/_blobs/put/blobs/sha256/")

    send(store.receive("PUT", path, query, {"content-length": str(len(data))}), data)

    facts = store.head_blob(blob_key(sha(data)))
    assert facts is not None
    assert (facts.size, facts.checksum_sha256, facts.version_id) == (len(data), sha(data), None)
    assert store.hash_blob(blob_key(sha(data)), None) == sha(data)
    assert (store.files.root / "sha256" / sha(data)).read_bytes() == data


@pytest.mark.parametrize(
    ("wrong", "title"),
    [
        (lambda data: data[:-1] + bytes([data[-1] ^ 1]), "Bad digest"),
        (lambda data: data[:-1], "Size mismatch"),
        (lambda data: data + b"!", "Too many bytes"),
    ],
    ids=["one-bit-flipped", "one-byte-short", "one-byte-long"],
)
def test_bytes_that_are_not_the_declared_ones_are_refused_and_leave_nothing(
    store: FileBlobStore, wrong: Callable[[bytes], bytes], title: str
) -> None:
    data = os.urandom(5000)
    url = store.presign_put(blob_key(sha(data)), len(data), "application/octet-stream", sha(data), 60).url
    incoming = store.receive("PUT", *split(url), {})  # no Content-Length: only the bytes can tell

    refused = refusal(lambda: send(incoming, wrong(data)))

    assert (refused.status, refused.title) == (400, title)
    assert store.head_blob(blob_key(sha(data))) is None
    assert leftovers(store.files.root) == []


def test_a_declared_length_other_than_the_signed_size_is_refused_before_any_byte(store: FileBlobStore) -> None:
    data = b"hello"
    url = store.presign_put(blob_key(sha(data)), len(data), "text/plain", sha(data), 60).url
    refused = refusal(lambda: store.receive("PUT", *split(url), {"content-length": "6"}))
    assert refused.status == 400
    assert leftovers(store.files.root) == []


def test_an_interrupted_upload_leaves_nothing_and_an_earlier_blob_untouched(store: FileBlobStore) -> None:
    data = os.urandom(4096)
    put(store, data)
    url = store.presign_put(blob_key(sha(data)), len(data), "application/octet-stream", sha(data), 60).url
    incoming = store.receive("PUT", *split(url), {})
    incoming.write(b"\0" * 1000)  # a second upload of the same key, cut off: the visible file never changes
    assert (store.files.root / "sha256" / sha(data)).read_bytes() == data
    incoming.discard()
    assert leftovers(store.files.root) == [f"sha256/{sha(data)}"]


# --- signatures ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [{"size": "4"}, {"sha256": "0" * 64}, {"signature": "0" * 64}, {"expires": "9999999999"}, {"extra": "1"}],
    ids=["size", "sha256", "signature", "expires", "added-parameter"],
)
def test_a_tampered_url_is_refused(store: FileBlobStore, changes: dict[str, str]) -> None:
    data = b"hello"
    url = store.presign_put(blob_key(sha(data)), len(data), "text/plain", sha(data), 60).url
    refused = refusal(lambda: store.receive("PUT", *tampered(url, **changes), {}))
    assert (refused.status, refused.title) == (403, "Bad signature")
    assert leftovers(store.files.root) == []


def test_a_url_for_one_blob_does_not_open_another(store: FileBlobStore) -> None:
    data, other = b"hello", b"other"
    url = store.presign_put(blob_key(sha(data)), len(data), "text/plain", sha(data), 60).url
    path, query = split(url)
    moved = path.replace(sha(data), sha(other))
    assert refusal(lambda: store.receive("PUT", moved, query, {})).status == 403
    get = store.presign_get(blob_key(sha(data)), None, "a.bin", 60)
    assert refusal(lambda: store.receive("PUT", *split(get), {})).status == 405
    put_as_get = split(url)[0].replace("/put/", "/get/"), query
    assert refusal(lambda: store.open_download("GET", *put_as_get, {})).status == 403


def test_a_url_signed_with_another_key_is_refused(store: FileBlobStore, tmp_path: Path, clock: Clock) -> None:
    forger = FileBlobStore(tmp_path / "elsewhere", b"f" * 32, BASE, clock=clock)
    data = b"hello"
    url = forger.presign_put(blob_key(sha(data)), len(data), "text/plain", sha(data), 60).url
    assert refusal(lambda: store.receive("PUT", *split(url), {})).status == 403


def test_an_expired_url_is_refused(store: FileBlobStore, clock: Clock) -> None:
    data = b"hello"
    url = store.presign_put(blob_key(sha(data)), len(data), "text/plain", sha(data), 60).url
    clock.now += 61
    refused = refusal(lambda: store.receive("PUT", *split(url), {}))
    assert (refused.status, refused.title) == (403, "URL expired")


@pytest.mark.parametrize(
    "key",
    [
        "blobs/sha256/../../etc/passwd",
        "blobs/sha256/" + "A" * 64,
        "blobs/sha256/" + "a" * 63,
        "blobs/sha256/" + "a" * 64 + "/x",
        "/etc/passwd",
        "blobs/sha1/" + "a" * 40,
        "blobs/sha256/" + "a" * 63 + "\0",
    ],
)
def test_keys_that_are_not_content_addresses_name_no_file(store: FileBlobStore, key: str) -> None:
    with pytest.raises(ValueError, match="not a blob key"):
        store.presign_put(key, 1, "text/plain", "a" * 64, 60)
    with pytest.raises(ValueError, match="not a blob key"):
        store.head_blob(key)
    with pytest.raises(ValueError, match="not a blob key"):
        store.delete_blob(key)


@pytest.mark.parametrize(
    "path",
    ["/_blobs/get/blobs/sha256/../../../secret", "/_blobs/get/blobs/sha256/%2e%2e", "/_blobs/get/", "/_blobs/"],
)
def test_transfer_paths_outside_the_store_are_not_found(store: FileBlobStore, path: str) -> None:
    assert refusal(lambda: store.open_download("GET", path, "", {})).status == 404


# --- multipart ----------------------------------------------------------------------------------


@pytest.fixture
def three_parts() -> list[bytes]:
    return [os.urandom(3000), os.urandom(3000), os.urandom(1234)]


def upload_parts(store: FileBlobStore, key: str, upload_id: str, parts: list[bytes]) -> list[tuple[int, str]]:
    urls = store.presign_parts(key, upload_id, range(1, len(parts) + 1), 60, part_size=max(map(len, parts)))
    etags = []
    for presigned, data in zip(urls, parts, strict=True):
        answer = send(store.receive("PUT", *split(presigned.url), {}), data)
        etags.append((presigned.part_number, answer["ETag"]))
    return etags


def test_parts_uploaded_out_of_order_assemble_in_part_order(store: FileBlobStore, three_parts: list[bytes]) -> None:
    whole = b"".join(three_parts)
    key = blob_key(sha(whole))
    upload_id = store.start_multipart(key, "application/octet-stream")
    urls = store.presign_parts(key, upload_id, range(1, 4), 60, part_size=3000)
    etags = {}
    for index in (2, 0, 1):
        answer = send(store.receive("PUT", *split(urls[index].url), {}), three_parts[index])
        etags[index + 1] = answer["ETag"]
        assert answer["ETag"] == f'"{etag(three_parts[index])}"'  # 32 hex digits, quoted, as S3's

    assert store.complete_multipart(key, upload_id, [(n, etags[n]) for n in (3, 1, 2)])

    assert store.hash_blob(key, None) == sha(whole)
    assert leftovers(store.files.root) == [f"sha256/{sha(whole)}"]  # the staging directory is gone
    assert not store.complete_multipart(key, upload_id, [(n, etags[n]) for n in (1, 2, 3)])  # already done


def test_a_retried_part_replaces_the_earlier_attempt(store: FileBlobStore, three_parts: list[bytes]) -> None:
    whole = b"".join(three_parts)
    key = blob_key(sha(whole))
    upload_id = store.start_multipart(key, "application/octet-stream")
    upload_parts(store, key, upload_id, [b"garbage", *three_parts[1:]])
    etags = upload_parts(store, key, upload_id, three_parts[:1])
    stale = [(1, f'"{etag(b"garbage")}"')]

    with pytest.raises(ValueError, match="part 1 with ETag"):
        store.complete_multipart(key, upload_id, [*stale, (2, etag(three_parts[1])), (3, etag(three_parts[2]))])
    assert store.complete_multipart(key, upload_id, [*etags, (2, etag(three_parts[1])), (3, etag(three_parts[2]))])
    assert store.hash_blob(key, None) == sha(whole)


@pytest.mark.parametrize(
    "parts",
    [
        lambda etags: etags[:2],
        lambda etags: [etags[0], etags[2]],
        lambda etags: [*etags, etags[2]],
        lambda etags: [(1, etags[0][1]), (2, etags[0][1]), etags[2]],
        lambda etags: [*etags[:2], (3, "0" * 32)],
        lambda etags: [*etags[:2], (3, "../" * 10 + "x")],
        lambda etags: [],
    ],
    ids=["missing-last", "gap", "repeated", "wrong-etag", "unknown-etag", "hostile-etag", "none"],
)
def test_a_completion_naming_the_wrong_parts_is_refused_and_can_be_retried(
    store: FileBlobStore,
    three_parts: list[bytes],
    parts: Callable[[list[tuple[int, str]]], list[tuple[int, str]]],
) -> None:
    whole = b"".join(three_parts)
    key = blob_key(sha(whole))
    upload_id = store.start_multipart(key, "application/octet-stream")
    etags = upload_parts(store, key, upload_id, three_parts)

    with pytest.raises(ValueError, match="part"):
        store.complete_multipart(key, upload_id, parts(etags))

    assert store.head_blob(key) is None
    assert store.complete_multipart(key, upload_id, etags)  # the upload is still there to complete right
    assert store.hash_blob(key, None) == sha(whole)


def test_parts_that_assemble_into_other_bytes_are_refused_and_leave_no_blob(
    store: FileBlobStore, three_parts: list[bytes]
) -> None:
    key = blob_key(sha(b"what was declared"))
    upload_id = store.start_multipart(key, "application/octet-stream")
    etags = upload_parts(store, key, upload_id, three_parts)

    with pytest.raises(ValueError, match="sha256"):
        store.complete_multipart(key, upload_id, etags)

    assert store.head_blob(key) is None
    assert not [name for name in leftovers(store.files.root) if name.startswith("sha256/")]


def test_an_aborted_upload_is_gone_with_its_parts(store: FileBlobStore, three_parts: list[bytes]) -> None:
    whole = b"".join(three_parts)
    key = blob_key(sha(whole))
    upload_id = store.start_multipart(key, "application/octet-stream")
    etags = upload_parts(store, key, upload_id, three_parts[:2])
    late = store.presign_parts(key, upload_id, range(3, 4), 60, part_size=3000)[0]

    store.abort_multipart(key, upload_id)
    store.abort_multipart(key, upload_id)  # twice is fine

    assert leftovers(store.files.root) == []
    assert refusal(lambda: store.receive("PUT", *split(late.url), {})).status == 404
    assert not store.complete_multipart(key, upload_id, etags)


def test_a_part_arriving_after_the_abort_is_dropped(store: FileBlobStore, three_parts: list[bytes]) -> None:
    key = blob_key(sha(b"".join(three_parts)))
    upload_id = store.start_multipart(key, "application/octet-stream")
    url = store.presign_parts(key, upload_id, range(1, 2), 60, part_size=3000)[0].url
    incoming = store.receive("PUT", *split(url), {})
    incoming.write(three_parts[0])
    store.abort_multipart(key, upload_id)
    assert refusal(incoming.finish).status == 404
    assert leftovers(store.files.root) == []


@pytest.mark.parametrize(
    "upload_id", ["../uploads", "x" * 32 + "/..", "", "a" * 31, "a" * 32, "A" * 1024], ids=lambda s: s[:12]
)
def test_upload_ids_it_never_issued_are_unknown(store: FileBlobStore, three_parts: list[bytes], upload_id: str) -> None:
    key = blob_key(sha(b"x"))
    store.start_multipart(key, "application/octet-stream")
    assert not store.complete_multipart(key, upload_id, [(1, etag(b"x"))])
    store.abort_multipart(key, upload_id)  # a no-op
    url = store.presign_parts(key, upload_id, range(1, 2), 60, part_size=3000)[0].url
    assert refusal(lambda: store.receive("PUT", *split(url), {})).status == 404


def test_an_upload_id_is_bound_to_its_key(store: FileBlobStore, three_parts: list[bytes]) -> None:
    whole = b"".join(three_parts)
    key, other = blob_key(sha(whole)), blob_key(sha(b"other"))
    upload_id = store.start_multipart(key, "application/octet-stream")
    etags = upload_parts(store, key, upload_id, three_parts)
    assert not store.complete_multipart(other, upload_id, etags)
    store.abort_multipart(other, upload_id)
    assert store.complete_multipart(key, upload_id, etags)


# --- downloads ----------------------------------------------------------------------------------


@pytest.fixture
def stored(store: FileBlobStore) -> bytes:
    data = os.urandom(10_000)
    put(store, data)
    return data


def read_all(
    store: FileBlobStore, url: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    download = store.open_download("GET", *split(url), headers or {})
    try:
        body = b"".join(iter(lambda: download.read(999), b""))
    finally:
        download.close()
    return download.status, download.headers, body


def test_a_download_is_the_file_as_an_attachment(store: FileBlobStore, stored: bytes) -> None:
    data = stored
    url = store.presign_get(blob_key(sha(data)), None, 'model "v2".onnx', 60)
    status, headers, body = read_all(store, url)
    assert (status, body) == (200, data)
    assert headers["Content-Length"] == str(len(data))
    assert headers["Content-Disposition"] == (
        "attachment; filename=\"model _v2_.onnx\"; filename*=UTF-8''model%20%22v2%22.onnx"
    )


def test_a_hostile_filename_cannot_inject_headers(store: FileBlobStore, stored: bytes) -> None:
    data = stored
    url = store.presign_get(blob_key(sha(data)), None, "a\r\nSet-Cookie: x=1\u00e9.bin", 60)
    _, headers, _ = read_all(store, url)
    assert "\r" not in headers["Content-Disposition"]
    assert "\n" not in headers["Content-Disposition"]
    assert headers["Content-Disposition"].endswith("filename*=UTF-8''a%0D%0ASet-Cookie%3A%20x%3D1%C3%A9.bin")


@pytest.mark.parametrize(
    ("asked", "start", "end"),
    [("bytes=0-99", 0, 99), ("bytes=9990-", 9990, 9999), ("bytes=-10", 9990, 9999), ("bytes=9000-20000", 9000, 9999)],
)
def test_a_range_is_served_as_partial_content(
    store: FileBlobStore, stored: bytes, asked: str, start: int, end: int
) -> None:
    data = stored
    url = store.presign_get(blob_key(sha(data)), None, "a.bin", 60)
    status, headers, body = read_all(store, url, {"range": asked})
    assert (status, body) == (206, data[start : end + 1])
    assert headers["Content-Range"] == f"bytes {start}-{end}/{len(data)}"


def test_a_range_beyond_the_file_is_not_satisfiable(store: FileBlobStore, stored: bytes) -> None:
    data = stored
    url = store.presign_get(blob_key(sha(data)), None, "a.bin", 60)
    assert refusal(lambda: read_all(store, url, {"range": "bytes=10000-"})).status == 416


def test_a_download_url_cannot_be_redirected_or_outlive_its_expiry(
    store: FileBlobStore, stored: bytes, clock: Clock
) -> None:
    data = stored
    url = store.presign_get(blob_key(sha(data)), None, "a.bin", 60)
    assert refusal(lambda: store.open_download("GET", *tampered(url, filename="b.exe"), {})).status == 403
    clock.now += 61
    assert refusal(lambda: store.open_download("GET", *split(url), {})).status == 403


def test_a_deleted_blob_is_not_found(store: FileBlobStore, stored: bytes) -> None:
    data = stored
    url = store.presign_get(blob_key(sha(data)), None, "a.bin", 60)
    store.delete_blob(blob_key(sha(data)))
    store.delete_blob(blob_key(sha(data)))  # twice is fine
    assert store.head_blob(blob_key(sha(data))) is None
    assert refusal(lambda: store.open_download("GET", *split(url), {})).status == 404


def test_a_part_url_takes_at_most_the_part_size_it_was_signed_for(store: FileBlobStore) -> None:
    key = blob_key(sha(b"whatever"))
    upload_id = store.start_multipart(key, "application/octet-stream")
    [presigned] = store.presign_parts(key, upload_id, range(1, 2), 60, part_size=1000)
    declared = refusal(lambda: store.receive("PUT", *split(presigned.url), {"content-length": "1001"}))
    assert declared.status == 400
    with pytest.raises(TransferRefused):
        send(store.receive("PUT", *split(presigned.url), {}), os.urandom(1001))  # sent without a length
    assert send(store.receive("PUT", *split(presigned.url), {}), os.urandom(1000))["ETag"]
