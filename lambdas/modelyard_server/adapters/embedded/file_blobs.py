"""Artifact blobs as content-addressed files: the embedded registry's :class:`BlobStore`.

Clients move bytes through URLs this store signs (see ``blob_urls``), served by the local server
(``modelyard_local.blob_transfers``), which hands each request to :meth:`FileBlobStore.receive` or
:meth:`FileBlobStore.open_download`: the checks live here, the HTTP layer only moves chunks.

Every file under ``sha256/`` was verified on arrival against the SHA-256 it is named for (a whole
PUT against its signed size and digest, a multipart upload when its parts are assembled), so
``head_blob`` vouches for it. Files are not versioned: ``version_id`` is always None.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from modelyard_server.adapters.embedded.blob_files import (
    AtomicFile,
    BlobFiles,
    hex_of_key,
    part_name,
    parts_numbered,
)
from modelyard_server.adapters.embedded.blob_transfers import (
    Download,
    IncomingBytes,
    StagedPart,
    WholeBlob,
    open_range,
)
from modelyard_server.adapters.embedded.blob_urls import PREFIX, TransferRefused, UrlSigner
from modelyard_server.adapters.embedded.disk_space import disk_writes
from modelyard_server.ports.records import BlobFacts, PresignedPart, PresignedPut

HASH_CHUNK = 8 * 1024 * 1024
MAX_PART_NUMBER = 10_000
MAX_PART_BYTES = 5 * 1024**3  # S3's limit for one part (and one PUT)


class FileBlobStore:
    """Blobs under `root`, moved through URLs under `base_url` signed with `signing_key`."""

    def __init__(self, root: Path, signing_key: bytes, base_url: str, clock: Callable[[], float] = time.time) -> None:
        self.files = BlobFiles(root)
        self.urls = UrlSigner(signing_key, base_url, clock)

    # --- the BlobStore port ---------------------------------------------------------------------

    def presign_put(self, key: str, size: int, media_type: str, sha256_hex: str, ttl: int) -> PresignedPut:
        hex_of_key(key)
        terms = {"size": str(size), "sha256": sha256_hex.lower()}
        return PresignedPut(self.urls.sign("PUT", "put", key, terms, ttl), {"Content-Type": media_type})

    def start_multipart(self, key: str, media_type: str) -> str:
        with disk_writes(self.files.root):
            return self.files.new_upload(key)

    def presign_parts(
        self, key: str, upload_id: str, numbers: range, ttl: int, *, part_size: int
    ) -> list[PresignedPart]:
        hex_of_key(key)
        if not 0 < part_size <= MAX_PART_BYTES:
            raise ValueError(f"a part holds 1 to {MAX_PART_BYTES} bytes, not {part_size}")
        # the signed `max` bounds what one URL can put on the disk
        terms = {"upload_id": upload_id, "max": str(part_size)}
        return [PresignedPart(n, self.urls.sign("PUT", "part", key, {**terms, "part": str(n)}, ttl)) for n in numbers]

    def complete_multipart(self, key: str, upload_id: str, parts: list[tuple[int, str]]) -> bool:
        staging = self.files.staging(key, upload_id)
        if staging is None:
            return False
        pieces = _chosen_parts(staging, parts)
        expected = hex_of_key(key)
        with disk_writes(self.files.root):
            self._assemble(pieces, expected, AtomicFile(self.files.blob_path(key)))
        self.files.remove_upload(staging)
        return True

    @staticmethod
    def _assemble(pieces: list[Path], expected: str, assembled: AtomicFile) -> None:
        digest = hashlib.sha256()
        try:
            for piece in pieces:
                with piece.open("rb") as handle:
                    while chunk := handle.read(HASH_CHUNK):
                        digest.update(chunk)
                        assembled.write(chunk)
            if digest.hexdigest() != expected:
                raise ValueError(
                    f"the parts assemble into bytes with sha256 {digest.hexdigest()}, not {expected}; upload again"
                )
            assembled.commit()
        except BaseException:
            assembled.discard()
            raise

    def abort_multipart(self, key: str, upload_id: str) -> None:
        staging = self.files.staging(key, upload_id)
        if staging is not None:
            self.files.remove_upload(staging)

    def head_blob(self, key: str) -> BlobFacts | None:
        try:
            size = self.files.blob_path(key).stat().st_size
        except FileNotFoundError:
            return None
        # every file was hashed as it arrived, and kept only under the digest it hashed to
        return BlobFacts(size=size, checksum_sha256=hex_of_key(key), version_id=None, checksum_verified=True)

    def hash_blob(self, key: str, version_id: str | None) -> str:
        digest = hashlib.sha256()
        with self.files.blob_path(key).open("rb") as handle:
            while chunk := handle.read(HASH_CHUNK):
                digest.update(chunk)
        return digest.hexdigest()

    def delete_blob(self, key: str) -> None:
        self.files.blob_path(key).unlink(missing_ok=True)

    def presign_get(self, key: str, version_id: str | None, filename: str, ttl: int) -> str:
        hex_of_key(key)
        return self.urls.sign("GET", "get", key, {"filename": filename}, ttl)

    # --- the server side of the signed URLs -----------------------------------------------------

    def receive(self, method: str, path: str, query: str, headers: Mapping[str, str]) -> IncomingBytes:
        """Where the body of a signed upload request goes (TransferRefused before any byte is read).

        `headers` are lowercase names; `content-length`, when sent, is held to what the URL allows.
        """
        op, key = _op_and_key(path)
        if method != "PUT" or op not in {"put", "part"}:
            raise TransferRefused(405, "Method not allowed", f"{method} is not a transfer this URL allows")
        terms = self.urls.verify(method, path, query)
        declared = _content_length(headers)
        if op == "put":
            size = int(terms["size"])
            if declared is not None and declared != size:
                raise TransferRefused(
                    400, "Size mismatch", f"this URL accepts exactly {size} bytes; the request declares {declared}"
                )
            return WholeBlob(self.files.blob_path(key), size, terms["sha256"])
        staging = self.files.staging(key, terms["upload_id"])
        if staging is None:
            raise TransferRefused(404, "No such upload", "the multipart upload was completed or aborted")
        number = int(terms["part"])
        if not 1 <= number <= MAX_PART_NUMBER:
            raise TransferRefused(400, "Bad part number", f"part numbers run from 1 to {MAX_PART_NUMBER}")
        most = int(terms["max"])
        if declared is not None and declared > most:
            raise TransferRefused(400, "Part too large", f"a part of this upload holds at most {most} bytes")
        return StagedPart(staging, number, most)

    def open_download(self, method: str, path: str, query: str, headers: Mapping[str, str]) -> Download:
        """The file a signed download URL names, opened (a later delete does not cut the answer short)."""
        op, key = _op_and_key(path)
        if method != "GET" or op != "get":
            raise TransferRefused(405, "Method not allowed", f"{method} is not a transfer this URL allows")
        terms = self.urls.verify(method, path, query)
        try:
            handle = self.files.blob_path(key).open("rb")
        except FileNotFoundError:
            raise TransferRefused(404, "No such blob", "these bytes are no longer stored") from None
        return open_range(handle, terms["filename"], headers.get("range"))


def _op_and_key(path: str) -> tuple[str, str]:
    op, _, key = path.removeprefix(PREFIX).partition("/")
    if not path.startswith(PREFIX) or not op:
        raise TransferRefused(404, "Not found", "not a transfer URL")
    try:
        hex_of_key(key)
    except ValueError:
        raise TransferRefused(404, "Not found", "not a transfer URL") from None
    return op, key


def _content_length(headers: Mapping[str, str]) -> int | None:
    text = headers.get("content-length")
    if text is None:
        return None
    if not text.isdigit():
        raise TransferRefused(400, "Bad Content-Length", "Content-Length must be a number of bytes")
    return int(text)


def _chosen_parts(staging: Path, parts: list[tuple[int, str]]) -> list[Path]:
    """The staged files the completion names, in part order (ValueError unless they are 1..n, each there)."""
    numbers = sorted(n for n, _ in parts)
    if not parts or numbers != list(range(1, len(parts) + 1)):
        raise ValueError(f"parts must be numbered 1 to {len(parts)} without gaps or repeats; got {numbers[:20]}")
    chosen: list[Path] = []
    for number, etag in sorted(parts):
        wanted = staging / part_name(number, etag.strip('"').lower())
        if wanted not in parts_numbered(staging, number):
            raise ValueError(f"part {number} with ETag {etag} was not uploaded (or was replaced by a later upload)")
        chosen.append(wanted)
    return chosen
