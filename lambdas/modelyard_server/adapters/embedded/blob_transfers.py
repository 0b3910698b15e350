"""One transfer request's bytes: an upload checked as it arrives, a download (or a range of it) read out.

The HTTP layer feeds an :class:`IncomingBytes` the request body chunk by chunk and then calls
``finish``; it reads a :class:`Download` block by block. Neither ever holds a whole artifact.
A disk that fills up mid-upload is :class:`StorageFull`, and the partial file is gone at once.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import quote

from modelyard_server.adapters.embedded.blob_files import AtomicFile, PartDigest, part_name, parts_numbered
from modelyard_server.adapters.embedded.blob_urls import TransferRefused
from modelyard_server.adapters.embedded.disk_space import disk_writes
from modelyard_server.ports.records import StorageFull


class Digest(Protocol):
    def update(self, data: bytes, /) -> None: ...

    def hexdigest(self) -> str: ...


class IncomingBytes:
    """An upload on its way to disk: a hidden temp file (hashed as it fills) until `finish` has checked it."""

    def __init__(self, target: Path, limit: int, digest: Digest, *, durable: bool = True) -> None:
        self._where = target.parent
        with disk_writes(self._where):
            self._file = AtomicFile(target, durable=durable)
        self._limit = limit
        self._digest = digest
        self.received = 0

    def write(self, chunk: bytes) -> None:
        self.received += len(chunk)
        if self.received > self._limit:
            self.discard()
            raise TransferRefused(
                400, "Too many bytes", f"this URL accepts at most {self._limit} bytes; more were sent"
            )
        self._digest.update(chunk)
        try:
            with disk_writes(self._where):
                self._file.write(chunk)
        except StorageFull:
            self.discard()  # give the space back now, not when the client gives up
            raise

    def _keep(self, target: Path | None = None) -> Path:
        """Flush and rename the file into place (StorageFull, and no file, when the flush finds no room)."""
        with disk_writes(self._where):
            return self._file.commit(target)

    def finish(self) -> dict[str, str]:
        """Check and keep the bytes; the answer's headers. TransferRefused leaves nothing behind."""
        raise NotImplementedError

    def discard(self) -> None:
        self._file.discard()


class WholeBlob(IncomingBytes):
    """A whole blob: exactly `size` bytes hashing to `sha256`, or nothing at all."""

    def __init__(self, target: Path, size: int, sha256: str) -> None:
        super().__init__(target, size, hashlib.sha256())
        self._expected = sha256

    def finish(self) -> dict[str, str]:
        if self.received != self._limit:
            self.discard()
            raise TransferRefused(
                400, "Size mismatch", f"this URL accepts exactly {self._limit} bytes; {self.received} arrived"
            )
        actual = self._digest.hexdigest()
        if actual != self._expected:
            self.discard()
            raise TransferRefused(
                400, "Bad digest", f"the bytes hash to sha256 {actual}, not the declared {self._expected}"
            )
        self._keep()
        return {}


class StagedPart(IncomingBytes):
    """Part `number` of a multipart upload, kept in its staging directory under a name holding its ETag."""

    def __init__(self, staging: Path, number: int, limit: int) -> None:
        try:
            # not fsynced: a part lost in a crash fails the assembly's SHA-256 check, and is uploaded again
            super().__init__(staging / f"{number:05d}.part", limit, PartDigest(), durable=False)
        except FileNotFoundError:  # aborted since the URL was checked
            raise TransferRefused(404, "No such upload", "the multipart upload was completed or aborted") from None
        self._staging = staging
        self._number = number

    def finish(self) -> dict[str, str]:
        etag = self._digest.hexdigest()
        try:
            if not (self._staging / "target").exists():
                raise FileNotFoundError(self._staging)
            kept = self._keep(self._staging / part_name(self._number, etag))
        except FileNotFoundError:
            self.discard()
            raise TransferRefused(
                404, "No such upload", "the multipart upload was completed or aborted meanwhile"
            ) from None
        for older in parts_numbered(self._staging, self._number):
            if older != kept:  # a retried part replaces the earlier attempt
                older.unlink(missing_ok=True)
        return {"ETag": f'"{etag}"'}


@dataclass
class Download:
    """An open blob file and the answer to send: status, headers, and the byte range to read."""

    handle: BinaryIO
    status: int
    headers: dict[str, str]
    start: int
    length: int
    _left: int = field(init=False)

    def __post_init__(self) -> None:
        self.handle.seek(self.start)
        self._left = self.length

    def read(self, block: int) -> bytes:
        """The next block of the answer (empty when it is all sent)."""
        data = self.handle.read(min(block, self._left)) if self._left > 0 else b""
        self._left -= len(data)
        return data

    def close(self) -> None:
        self.handle.close()


RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def content_disposition(filename: str) -> str:
    """`attachment` with the filename: a plain-ASCII fallback and the exact name in RFC 5987 form."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in filename) or "artifact"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def open_range(handle: BinaryIO, filename: str, range_header: str | None) -> Download:
    """The whole file (200), or the single range asked for (206); 416 for a range beyond the file."""
    size = handle.seek(0, 2)
    headers = {
        "Content-Type": "application/octet-stream",
        "Content-Disposition": content_disposition(filename),
        "Accept-Ranges": "bytes",
        # served on the web pages' origin: whatever the bytes are, no browser may render or run them there
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox; default-src 'none'",
    }
    match = RANGE.fullmatch(range_header.strip()) if range_header else None
    if match is None or match.groups() == ("", ""):  # no range, or one we do not serve: the whole file
        return Download(handle, 200, {**headers, "Content-Length": str(size)}, 0, size)
    first, last = match.groups()
    if first:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    else:
        start, end = max(0, size - int(last)), size - 1
    if start >= size or end < start:
        handle.close()
        raise TransferRefused(416, "Range not satisfiable", f"the blob is {size} bytes; that range lies outside it")
    length = end - start + 1
    ranged = {**headers, "Content-Length": str(length), "Content-Range": f"bytes {start}-{end}/{size}"}
    return Download(handle, 206, ranged, start, length)
