"""Where blob bytes live on disk, and how they get there without a torn file ever being visible.

Layout under the store's root::

    sha256/<hex>                  a blob, named for its SHA-256 (key ``blobs/sha256/<hex>``)
    uploads/<upload id>/target    the hex a multipart upload assembles into
    uploads/<upload id>/<n>.<etag>  part n, named for its ETag

Only keys of exactly that shape map to a path: nothing a client sends can name another file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import shutil
from pathlib import Path
from typing import BinaryIO

KEY_PATTERN = re.compile(r"blobs/sha256/([0-9a-f]{64})")
UPLOAD_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{32}")


def hex_of_key(key: str) -> str:
    """The SHA-256 a content-addressed key names; ValueError for anything that is not such a key."""
    match = KEY_PATTERN.fullmatch(key)
    if match is None:
        raise ValueError(f"not a blob key: {key[:100]!r} (expected blobs/sha256/<64 lowercase hex digits>)")
    return match.group(1)


def fsync_directory(directory: Path) -> None:
    """Make a rename or unlink in `directory` durable (the file's own fsync does not cover its name)."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class AtomicFile:
    """Bytes streamed into a hidden temp file beside `target`, then fsynced and renamed into place.

    Until `commit`, the target is untouched; `discard` (or a crash) leaves at most a `.tmp` file
    that the store never reads. `durable=False` skips the fsyncs, for files whose loss is caught
    later anyway (multipart parts: their assembly is checked against the declared SHA-256).
    """

    def __init__(self, target: Path, *, durable: bool = True) -> None:
        self.target = target
        self.durable = durable
        self.temp = target.parent / f".{target.name}.{secrets.token_hex(8)}.tmp"
        self._handle: BinaryIO | None = open(self.temp, "xb")  # noqa: SIM115 - closed by commit/discard

    def write(self, chunk: bytes) -> None:
        assert self._handle is not None, "write after commit or discard"
        self._handle.write(chunk)

    def commit(self, target: Path | None = None) -> Path:
        """Flush, fsync, rename onto `target` (default: the one given at the start), fsync the directory."""
        assert self._handle is not None, "commit after commit or discard"
        final = target or self.target
        handle, self._handle = self._handle, None
        try:
            handle.flush()
            if self.durable:
                os.fsync(handle.fileno())
            handle.close()
            os.replace(self.temp, final)
        except BaseException:
            handle.close()
            self.temp.unlink(missing_ok=True)
            raise
        if self.durable:
            fsync_directory(final.parent)
        return final

    def discard(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        self.temp.unlink(missing_ok=True)


class BlobFiles:
    """The store's directory tree: blob paths, multipart staging directories."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.blobs = root / "sha256"
        self.uploads = root / "uploads"
        self.blobs.mkdir(parents=True, exist_ok=True)
        self.uploads.mkdir(parents=True, exist_ok=True)

    def blob_path(self, key: str) -> Path:
        return self.blobs / hex_of_key(key)

    def new_upload(self, key: str) -> str:
        """A fresh staging directory for a multipart upload into `key`; its id."""
        hex_digest = hex_of_key(key)
        upload_id = secrets.token_urlsafe(24)
        staging = self.uploads / upload_id
        staging.mkdir()
        target = AtomicFile(staging / "target")
        target.write(hex_digest.encode())
        target.commit()
        fsync_directory(self.uploads)
        return upload_id

    def staging(self, key: str, upload_id: str) -> Path | None:
        """The staging directory of upload `upload_id` into `key`, or None if there is no such upload."""
        hex_digest = hex_of_key(key)
        if UPLOAD_ID_PATTERN.fullmatch(upload_id) is None:
            return None
        staging = self.uploads / upload_id
        try:
            return staging if (staging / "target").read_text() == hex_digest else None
        except (FileNotFoundError, NotADirectoryError):
            return None

    def remove_upload(self, staging: Path) -> None:
        shutil.rmtree(staging, ignore_errors=True)
        with contextlib.suppress(FileNotFoundError):
            fsync_directory(self.uploads)

    def sweep_uploads(self, untouched_since: float, limit: int) -> int:
        """Remove up to `limit` multipart uploads with no file changed since `untouched_since` (epoch s)."""
        removed = 0
        for staging in self.uploads.iterdir():
            if removed >= limit:
                break
            if staging.is_dir() and _last_touched(staging) < untouched_since:
                self.remove_upload(staging)
                removed += 1
        return removed

    def sweep_temp_files(self, untouched_since: float, limit: int) -> int:
        """Remove up to `limit` temp files (see AtomicFile) a crash left beside the blobs, untouched since then."""
        removed = 0
        for temp in self.blobs.glob(".*.tmp"):
            if removed >= limit:
                break
            with contextlib.suppress(FileNotFoundError):
                if temp.stat().st_mtime < untouched_since:
                    temp.unlink()
                    removed += 1
        return removed


def _last_touched(directory: Path) -> float:
    """The latest change to the directory or any file in it (0 if it vanished meanwhile)."""
    try:
        return max([directory.stat().st_mtime, *(entry.stat().st_mtime for entry in directory.iterdir())])
    except FileNotFoundError:
        return 0.0


def part_name(number: int, etag: str) -> str:
    return f"{number:05d}.{etag}"


def parts_numbered(staging: Path, number: int) -> list[Path]:
    return sorted(staging.glob(f"{number:05d}.*"))


class PartDigest:
    """A part's ETag: the first 128 bits of its SHA-256, in the 32 hex digits an S3 ETag (an MD5) has.

    SHA-256 rather than MD5 because CPUs hash it in hardware: twice MD5's speed on the machines measured.
    """

    def __init__(self) -> None:
        self._sha256 = hashlib.sha256()

    def update(self, chunk: bytes) -> None:
        self._sha256.update(chunk)

    def hexdigest(self) -> str:
        return self._sha256.hexdigest()[:32]
