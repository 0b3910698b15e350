"""The local model cache: verified artifacts by sha256, shared by every process of the user.

Layout under the cache directory (``$MODELYARD_CACHE_DIR``, else ``$XDG_CACHE_HOME/modelyard``,
else ``~/.cache/modelyard``)::

    entries/<sha256>/entry.json     what the entry is (format, kind, bytes on disk, manifest of a tree)
    entries/<sha256>/<file name>    a file artifact, under its registered name
    entries/<sha256>/<dir name>/    a directory artifact, unpacked
    locks/<sha256>.lock  .pin       see modelyard.file_locks
    resolutions/<hash>.json         a (registry, URI)'s last answer from the registry (for offline use)
    tmp/                            entries being built; renamed into entries/ when complete

An entry appears only complete (built in ``tmp/`` and renamed), and every fetch checks its bytes
against its digest before handing out its path. The cache is kept under a size bound by deleting
the least recently used entries that no process has pinned.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelyard.errors import ClientError
from modelyard.file_locks import PINS, exclusive, try_exclusive

DEFAULT_MAX_BYTES = 10 * 1024**3
ENTRY_FILE = "entry.json"
BUILDING = ".building"  # lock file of an entry under construction
SHA256_HEX = frozenset("0123456789abcdef")
RACY_NS = 2_000_000_000  # see _settled


def default_cache_dir(env: Mapping[str, str]) -> Path:
    explicit = env.get("MODELYARD_CACHE_DIR", "").strip()
    if explicit:
        return Path(explicit).expanduser()
    xdg = env.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "modelyard"


def max_bytes_from(env: Mapping[str, str]) -> int:
    """``MODELYARD_CACHE_MAX_BYTES`` (bytes, or with a K/M/G/T suffix, powers of 1024), default 10 GiB."""
    raw = env.get("MODELYARD_CACHE_MAX_BYTES", "").strip()
    if not raw:
        return DEFAULT_MAX_BYTES
    units = {"K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
    text = raw.upper().removesuffix("IB").removesuffix("B")
    factor = units.get(text[-1:], 1)
    number = text[:-1] if text[-1:] in units else text
    try:
        value = int(float(number) * factor)
    except ValueError:
        raise ClientError(f"MODELYARD_CACHE_MAX_BYTES={raw!r} is not a size (e.g. 10G, 500M, 1073741824)") from None
    if value <= 0:
        raise ClientError(f"MODELYARD_CACHE_MAX_BYTES={raw!r} must be positive")
    return value


def check_digest(sha256: str) -> str:
    """The lowercase hex digest; refuses anything else (it becomes a path)."""
    hexdigest = str(sha256).lower().removeprefix("sha256:")
    if len(hexdigest) != 64 or not set(hexdigest) <= SHA256_HEX:
        raise ClientError(f"the registry answered an artifact digest that is not a sha256: {sha256!r}")
    return hexdigest


@dataclass(frozen=True)
class Resolution:
    """What the registry last said a URI points at."""

    uri: str
    model: str
    version: int
    sha256: str
    size: int
    format: str
    resolved_at: str
    etag: str | None = None

    def summary(self) -> dict[str, Any]:
        return {"model": self.model, "version": self.version, "sha256": self.sha256, "size": self.size}


@dataclass(frozen=True)
class Entry:
    """A complete cache entry: ``path`` is the file or unpacked directory handed to callers."""

    sha256: str
    path: Path
    kind: str  # "file" | "tree"
    format: str
    bytes_on_disk: int
    manifest: dict[str, list[int | str]] | None


class ModelCache:
    def __init__(self, root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes
        for sub in ("entries", "locks", "resolutions", "tmp"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)

    # -- locks --------------------------------------------------------------------------

    def _lock_path(self, sha256: str) -> Path:
        return self.root / "locks" / f"{sha256}.lock"

    def _pin_path(self, sha256: str) -> Path:
        return self.root / "locks" / f"{sha256}.pin"

    @contextlib.contextmanager
    def locked(self, sha256: str, *, shared: bool = False) -> Iterator[None]:
        """The digest's lock: exclusive to build, repair or evict the entry; ``shared`` to check and use it."""
        with exclusive(self._lock_path(check_digest(sha256)), shared=shared):
            yield

    def pin(self, sha256: str) -> None:
        """Keep the entry from eviction while this process lives (call it under :meth:`locked`, either kind)."""
        PINS.pin(self._pin_path(sha256))

    # -- entries ------------------------------------------------------------------------

    def _entry_dir(self, sha256: str) -> Path:
        return self.root / "entries" / sha256

    def entry(self, sha256: str) -> Entry | None:
        """The entry recorded for ``sha256`` (not yet checked against its bytes), or None."""
        folder = self._entry_dir(check_digest(sha256))
        try:
            facts = json.loads((folder / ENTRY_FILE).read_text("utf-8"))
            name = Path(str(facts["name"])).name
            return Entry(
                sha256=sha256,
                path=folder / name,
                kind=str(facts["kind"]),
                format=str(facts.get("format") or "other"),
                bytes_on_disk=int(facts["bytes_on_disk"]),
                manifest=facts.get("manifest"),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def intact(self, entry: Entry) -> bool:
        """Whether the entry's bytes are still the verified ones.

        The first check in a process hashes every byte; later ones in the same process hash again only
        when a file's identity, size, mtime or ctime changed since (any write changes the ctime, which
        no one can set back), so a process polling a large model does not re-read it on every fetch.
        """
        key = (self.root, entry.sha256)
        signature = _signature(entry.path)
        if signature is not None and _VERIFIED_IN_THIS_PROCESS.get(key) == signature:
            return True
        _VERIFIED_IN_THIS_PROCESS.pop(key, None)
        started = time.time_ns()
        if not self._hashes_match(entry):
            return False
        if signature is not None and _signature(entry.path) == signature and _settled(signature, started):
            _VERIFIED_IN_THIS_PROCESS[key] = signature
        return True

    @staticmethod
    def _hashes_match(entry: Entry) -> bool:
        if entry.kind == "tree":
            from modelyard.unpack import tree_matches

            return entry.manifest is not None and entry.path.is_dir() and tree_matches(entry.path, entry.manifest)
        from modelyard.artifacts import hash_file

        if entry.path.is_symlink() or not entry.path.is_file():
            return False
        try:
            return hash_file(entry.path).sha256 == entry.sha256
        except OSError:
            return False

    def touch(self, entry: Entry) -> None:
        """Mark the entry used now (its ``entry.json`` mtime orders eviction)."""
        with contextlib.suppress(OSError):
            os.utime(self._entry_dir(entry.sha256) / ENTRY_FILE)

    @contextlib.contextmanager
    def building(self) -> Iterator[Path]:
        """A fresh directory in ``tmp/`` for an entry under construction; removed unless installed.

        It holds a lock file while in use, so a process that was killed mid-download leaves a folder
        that :meth:`sweep_abandoned` recognises (its lock is free) and removes.
        """
        folder = self.root / "tmp" / f"{secrets.token_hex(8)}.{os.getpid()}"
        folder.mkdir()
        try:
            with exclusive(folder / BUILDING):
                yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def sweep_abandoned(self) -> list[str]:
        """Remove what killed processes left in ``tmp/`` (half-downloaded entries, undeleted trash)."""
        swept = []
        for folder in (self.root / "tmp").iterdir():
            if folder.name.startswith("trash-"):
                shutil.rmtree(folder, ignore_errors=True)
                swept.append(folder.name)
                continue
            held = try_exclusive(folder / BUILDING)
            if held is None:
                continue  # being built (or so new it has no lock file yet)
            try:
                shutil.rmtree(folder, ignore_errors=True)
                swept.append(folder.name)
            finally:
                os.close(held)
        return swept

    def install(
        self, sha256: str, built: Path, name: str, kind: str, fmt: str, manifest: dict[str, list[int | str]] | None
    ) -> Entry:
        """Move a built entry (``built/name``) into place, replacing a damaged one; call under :meth:`locked`."""
        bytes_on_disk = _bytes_under(built / name)
        facts = {"name": name, "kind": kind, "format": fmt, "bytes_on_disk": bytes_on_disk, "manifest": manifest}
        (built / ENTRY_FILE).write_text(json.dumps(facts), "utf-8")
        (built / BUILDING).unlink()  # still held until building() ends; the entry does not need it
        final = self._entry_dir(sha256)
        self._discard(final)
        os.rename(built, final)
        return Entry(sha256, final / name, kind, fmt, bytes_on_disk, manifest)

    def _discard(self, folder: Path) -> None:
        """Remove an entry folder: renamed away first, so no one sees it half deleted."""
        if not folder.exists():
            return
        trash = self.root / "tmp" / f"trash-{secrets.token_hex(8)}"
        os.rename(folder, trash)
        shutil.rmtree(trash, ignore_errors=True)

    # -- the size bound -------------------------------------------------------------------

    def usage(self) -> int:
        """Bytes held by complete entries."""
        return sum(entry.bytes_on_disk for _, entry in self._entries_by_age())

    def _entries_by_age(self) -> list[tuple[float, Entry]]:
        found: list[tuple[float, Entry]] = []
        for folder in (self.root / "entries").iterdir():
            if folder.name.startswith(".") or len(folder.name) != 64:
                continue
            entry = self.entry(folder.name)
            if entry is None:
                continue
            with contextlib.suppress(OSError):
                found.append(((folder / ENTRY_FILE).stat().st_mtime, entry))
        found.sort(key=lambda item: item[0])
        return found

    def make_room(self, incoming: int, keep: str | None = None) -> list[str]:
        """Evict least recently used entries until ``incoming`` more bytes fit the bound; the digests evicted.

        Never evicts ``keep``, an entry another process is working on, or one any process has pinned;
        when those alone exceed the bound, the cache stays over it rather than break a running process.
        """
        self.sweep_abandoned()
        entries = self._entries_by_age()
        total = sum(entry.bytes_on_disk for _, entry in entries)
        evicted: list[str] = []
        for _, entry in entries:
            if total + incoming <= self.max_bytes:
                break
            if entry.sha256 != keep and self._evict(entry):
                total -= entry.bytes_on_disk
                evicted.append(entry.sha256)
        return evicted

    def _evict(self, entry: Entry) -> bool:
        lock = try_exclusive(self._lock_path(entry.sha256))
        if lock is None:
            return False
        try:
            pin_path = self._pin_path(entry.sha256)
            pin = try_exclusive(pin_path) if pin_path.exists() else None
            if pin_path.exists() and pin is None:
                return False  # a running process uses it
            try:
                self._discard(self._entry_dir(entry.sha256))
                with contextlib.suppress(FileNotFoundError):
                    pin_path.unlink()
                with contextlib.suppress(FileNotFoundError):
                    self._lock_path(entry.sha256).unlink()
            finally:
                if pin is not None:
                    os.close(pin)
            return True
        finally:
            os.close(lock)

    # -- resolutions (for working offline) -------------------------------------------------

    def _resolution_path(self, registry: str, uri: str) -> Path:
        # per registry: the same URI on another registry may name other bytes
        key = hashlib.sha256(f"{registry}\n{uri}".encode()).hexdigest()
        return self.root / "resolutions" / f"{key}.json"

    def remember(self, registry: str, resolution: Resolution) -> None:
        """Record what ``resolution.uri`` pointed at (atomically: a reader sees the old or the new record)."""
        target = self._resolution_path(registry, resolution.uri)
        temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}")
        temp.write_text(json.dumps({"registry": registry, **resolution.__dict__}), "utf-8")
        os.replace(temp, target)

    def recall(self, registry: str, uri: str) -> Resolution | None:
        try:
            facts = json.loads(self._resolution_path(registry, uri).read_text("utf-8"))
            facts.pop("registry", None)
            return Resolution(**facts)
        except (OSError, ValueError, TypeError):
            return None


Signature = tuple[tuple[str, int, int, int, int, int, int], ...]
_VERIFIED_IN_THIS_PROCESS: dict[tuple[Path, str], Signature] = {}


def _signature(path: Path) -> Signature | None:
    """Identity, size and times of every file and directory of an entry; None when unreadable."""
    try:
        paths = [path]
        if path.is_dir() and not path.is_symlink():
            paths += sorted(Path(here) / name for here, dirs, files in os.walk(path) for name in dirs + files)
        facts = []
        for item in paths:
            st = item.lstat()
            facts.append((str(item), st.st_mode, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
        return tuple(facts)
    except OSError:
        return None


def _settled(signature: Signature, hashed_at_ns: int) -> bool:
    """Whether every change time is well before the hash began: file times tick coarsely (a few ms), so a
    write just after a change could leave them equal; such "racily clean" files are hashed again (git's rule)."""
    return max(facts[6] for facts in signature) < hashed_at_ns - RACY_NS


def _bytes_under(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum((Path(current) / name).stat().st_size for current, _, names in os.walk(path) for name in names)


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
