"""Unpacking a directory artifact (the register action's ``.tar.gz``) without trusting its names.

The archive's digest was verified, but verified only means "what was registered": whoever
registered it may be hostile. So only regular files and directories are accepted, with
relative names that stay inside the target (no absolute path, no ``..``, no drive letters);
links of either kind, devices and FIFOs refuse the whole archive (the register action follows
symbolic links when it packs, so a genuine artifact never holds one). Modes are reduced to
0644/0755; owners and times are not restored.

While unpacking, each file's sha256 is computed into a manifest, so the cache can later check
an unpacked tree against the verified archive without keeping the archive.
"""

from __future__ import annotations

import hashlib
import os
import tarfile
from pathlib import Path, PurePosixPath

from modelyard.errors import ClientError

CHUNK_SIZE = 1024 * 1024
Manifest = dict[str, list[int | str]]  # relative name -> [size, sha256]; directories -> [-1, ""]


class UnsafeArchive(ClientError):
    """The archive holds an entry that could write outside its directory, or is not plain files."""


def _safe_name(member: tarfile.TarInfo) -> str:
    raw = member.name
    if "\x00" in raw or "\\" in raw:
        raise UnsafeArchive(f"archive entry {raw!r} has a name this cache will not write")
    name = PurePosixPath(raw)
    if name.is_absolute() or raw.startswith("/"):
        raise UnsafeArchive(f"archive entry {raw!r} is an absolute path")
    parts = [part for part in name.parts if part not in ("", ".")]
    if any(part == ".." for part in parts):
        raise UnsafeArchive(f"archive entry {raw!r} climbs out of its directory ('..')")
    if parts and ":" in parts[0]:
        raise UnsafeArchive(f"archive entry {raw!r} names a drive")
    return "/".join(parts)


def _kind(member: tarfile.TarInfo) -> str:
    if member.isreg():
        return "file"
    if member.isdir():
        return "dir"
    what = "a link" if member.issym() or member.islnk() else "not a file or directory"
    raise UnsafeArchive(f"archive entry {member.name!r} is {what}; a model directory holds files only")


def unpack_tarball(archive: Path, target: Path, max_bytes: int | None = None) -> Manifest:
    """Unpack ``archive`` (tar, gzip or not) into the new directory ``target``; return its manifest.

    ``max_bytes`` bounds the unpacked size (a small archive can hold a great deal of zeros).
    """
    target.mkdir()
    manifest: Manifest = {}
    unpacked = 0
    try:
        tar = tarfile.open(archive, mode="r:*")  # noqa: SIM115 - closed below
    except tarfile.TarError as exc:
        raise UnsafeArchive(f"the directory artifact is not a readable tar archive: {exc}") from None
    with tar:
        try:
            for member in tar:
                kind = _kind(member)
                name = _safe_name(member)
                if not name:
                    continue  # the archive's root "."
                path = target.joinpath(*name.split("/"))
                if name in manifest and (kind == "file" or manifest[name] != [-1, ""]):
                    raise UnsafeArchive(f"archive entry {name!r} appears twice")
                _refuse_escape(path, target)
                if kind == "dir":
                    path.mkdir(parents=True, exist_ok=True)
                    manifest[name] = [-1, ""]
                    continue
                unpacked += member.size
                if max_bytes is not None and unpacked > max_bytes:
                    raise UnsafeArchive(
                        f"the directory artifact unpacks to more than {max_bytes} bytes, the cache's bound; "
                        "raise MODELYARD_CACHE_MAX_BYTES (or pass max_bytes=) to fetch it"
                    )
                path.parent.mkdir(parents=True, exist_ok=True)
                _note_parents(manifest, name)
                manifest[name] = _write_member(tar, member, path)
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise UnsafeArchive(f"the directory artifact could not be unpacked: {exc}") from None
    return manifest


def _note_parents(manifest: Manifest, name: str) -> None:
    """Record the directories a file's name implies (an archive need not list them)."""
    parts = name.split("/")[:-1]
    for depth in range(1, len(parts) + 1):
        parent = "/".join(parts[:depth])
        if manifest.setdefault(parent, [-1, ""]) != [-1, ""]:
            raise UnsafeArchive(f"archive entry {name!r} is inside {parent!r}, which is a file")


def _refuse_escape(path: Path, target: Path) -> None:
    # Belt and braces: names are already clean and no links are ever written, so nothing resolves outside.
    if not os.path.realpath(path).startswith(os.path.realpath(target) + os.sep):
        raise UnsafeArchive(f"archive entry {path.name!r} would be written outside its directory")


def _write_member(tar: tarfile.TarFile, member: tarfile.TarInfo, path: Path) -> list[int | str]:
    source = tar.extractfile(member)
    if source is None:  # pragma: no cover - regular members always have a body
        raise UnsafeArchive(f"archive entry {member.name!r} has no content")
    digest = hashlib.sha256()
    size = 0
    mode = 0o755 if member.mode & 0o111 else 0o644
    with source, os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode), "wb") as out:
        while chunk := source.read(CHUNK_SIZE):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
    return [size, digest.hexdigest()]


def tree_matches(root: Path, manifest: Manifest) -> bool:
    """Whether ``root`` holds exactly the manifest's files and directories, with their bytes."""
    found: set[str] = set()
    for current, dirnames, filenames in os.walk(root):
        here = Path(current)
        for name in dirnames + filenames:
            full = here / name
            relative = full.relative_to(root).as_posix()
            expected = manifest.get(relative)
            if expected is None or full.is_symlink():
                return False
            if (expected[0] == -1) != full.is_dir():
                return False
            found.add(relative)
    if found != set(manifest):
        return False
    return all(size == -1 or _file_matches(root / name, int(size), str(sha)) for name, (size, sha) in manifest.items())


def _file_matches(path: Path, size: int, sha256: str) -> bool:
    from modelyard.artifacts import hash_file

    try:
        facts = hash_file(path)
    except OSError:
        return False
    return facts.size == size and facts.sha256 == sha256
