"""Turning a model file or directory into bytes with a digest.

* A file is hashed in one streaming pass (1 MiB chunks): memory stays flat for any size.
* A directory is packed into a **reproducible** ``.tar.gz``: entries sorted, every mtime 0,
  uid/gid 0, no user/group names, modes normalised to 0644/0755, and a gzip header with
  mtime 0 and no file name. The same tree therefore always gives the same sha256 (with
  the same zlib), whatever its timestamps, owners or directory listing order. Symbolic
  links are followed, so a Hugging Face style snapshot of links packs its real bytes.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import stat
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from modelyard.errors import ClientError

CHUNK_SIZE = 1024 * 1024

FORMATS_BY_SUFFIX = {
    ".onnx": "onnx",
    ".safetensors": "safetensors",
    ".joblib": "joblib",
    ".pkl": "pickle",
    ".pickle": "pickle",
}
TARBALL_MEDIA_TYPE = "application/gzip"
DEFAULT_MEDIA_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class FileDigest:
    sha256: str
    size: int


@dataclass(frozen=True)
class Artifact:
    """Bytes ready to upload: ``path`` is the file itself or a packed temporary tarball."""

    path: Path
    sha256: str
    size: int
    format: str
    filename: str
    media_type: str

    def as_payload(self) -> dict[str, object]:
        return {
            "sha256": self.sha256,
            "size": self.size,
            "format": self.format,
            "filename": self.filename,
            "media_type": self.media_type,
        }


def hash_file(path: str | os.PathLike[str]) -> FileDigest:
    """sha256 and size of a file, read once in 1 MiB chunks."""
    digest = hashlib.sha256()
    size = 0
    buffer = bytearray(CHUNK_SIZE)
    view = memoryview(buffer)
    with open(path, "rb") as stream:
        while True:
            count = stream.readinto(buffer)
            if not count:
                break
            digest.update(view[:count])
            size += count
    return FileDigest(digest.hexdigest(), size)


def guess_format(path: str | os.PathLike[str]) -> str:
    """onnx, safetensors, joblib, pickle, tarball (a directory or .tar.gz) or other."""
    p = Path(path)
    if p.is_dir():
        return "tarball"
    name = p.name.lower()
    if name.endswith((".tar.gz", ".tgz")):
        return "tarball"
    return FORMATS_BY_SUFFIX.get(p.suffix.lower(), "other")


class _HashingWriter:
    """A write-only file object that hashes and counts what passes through it."""

    def __init__(self, target: IO[bytes]) -> None:
        self._target = target
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self._target.write(data)

    def flush(self) -> None:
        self._target.flush()


def _tree_entries(root: Path) -> list[tuple[str, Path, bool]]:
    """(archive name, real path, is_dir) for everything under ``root``, sorted by name."""
    entries: list[tuple[str, Path, bool]] = []
    seen_dirs = {os.path.realpath(root)}
    for current, dirnames, filenames in os.walk(root, followlinks=True):
        here = Path(current)
        kept = []
        for dirname in dirnames:
            real = os.path.realpath(here / dirname)
            if real in seen_dirs:
                raise ClientError(f"{here / dirname} links back into the tree it is in; remove the loop")
            seen_dirs.add(real)
            kept.append(dirname)
            entries.append(((here / dirname).relative_to(root).as_posix(), here / dirname, True))
        dirnames[:] = sorted(kept)
        for filename in filenames:
            full = here / filename
            try:
                st = full.stat()
            except FileNotFoundError:
                raise ClientError(f"{full} is a broken symbolic link; fix or remove it before registering") from None
            if not stat.S_ISREG(st.st_mode):
                raise ClientError(f"{full} is not a regular file (socket, FIFO or device); remove it")
            entries.append((full.relative_to(root).as_posix(), full, False))
    entries.sort(key=lambda entry: entry[0].encode("utf-8", "surrogateescape"))
    return entries


def _tar_info(name: str, path: Path, is_dir: bool) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if is_dir:
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
        info.size = 0
    else:
        st = path.stat()
        info.type = tarfile.REGTYPE
        info.mode = 0o755 if st.st_mode & 0o111 else 0o644
        info.size = st.st_size
    return info


def pack_directory(root: str | os.PathLike[str], target: IO[bytes]) -> FileDigest:
    """Write ``root``'s tree as a reproducible tar.gz into ``target``; return its digest."""
    base = Path(root)
    if not base.is_dir():
        raise ClientError(f"{base} is not a directory")
    writer = _HashingWriter(target)
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=writer, compresslevel=6, mtime=0) as zipped,
        tarfile.open(fileobj=zipped, mode="w|", format=tarfile.PAX_FORMAT) as tar,
    ):
        for name, path, is_dir in _tree_entries(base):
            info = _tar_info(name, path, is_dir)
            if is_dir:
                tar.addfile(info)
                continue
            with open(path, "rb") as stream:
                tar.addfile(info, stream)
    writer.flush()
    return FileDigest(writer.digest.hexdigest(), writer.size)


@contextlib.contextmanager
def prepared_artifact(path: str | os.PathLike[str], format: str | None = None) -> Iterator[Artifact]:
    """The artifact for ``path``: the file as is, or the directory packed into a temp tarball.

    The temporary tarball is deleted when the ``with`` block ends.
    """
    source = Path(path)
    if not source.exists():
        raise ClientError(f"artifact not found: {source} (pass the path of a model file or directory)")
    if source.is_dir():
        handle = tempfile.NamedTemporaryFile(prefix="modelyard-", suffix=".tar.gz", delete=False)  # noqa: SIM115
        packed = Path(handle.name)
        try:
            with handle:
                digest = pack_directory(source, handle)
            name = source.resolve().name or "model"
            yield Artifact(
                packed, digest.sha256, digest.size, format or "tarball", f"{name}.tar.gz", TARBALL_MEDIA_TYPE
            )
        finally:
            with contextlib.suppress(FileNotFoundError):
                packed.unlink()
        return
    if not source.is_file():
        raise ClientError(f"{source} is neither a file nor a directory")
    digest = hash_file(source)
    if digest.size == 0:
        raise ClientError(f"{source} is empty; a model artifact needs at least one byte")
    fmt = format or guess_format(source)
    media = TARBALL_MEDIA_TYPE if fmt == "tarball" else DEFAULT_MEDIA_TYPE
    yield Artifact(source, digest.sha256, digest.size, fmt, source.name, media)
