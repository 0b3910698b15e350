"""Advisory file locks (``fcntl.flock``) that several processes sharing one cache agree on.

Two kinds per cached digest:

* ``<digest>.lock``, exclusive while one process downloads, repairs or evicts the entry (every other
  process wanting it waits, then finds the work done); shared while processes check its bytes, so
  several processes starting on one model hash it side by side.
* ``<digest>.pin``, shared: held by every process that was handed the entry's path, for as long
  as it lives, so the cache's eviction (which needs it exclusively) never deletes a model a
  running process is using.

Eviction deletes a lock file while holding it. A process that opened the same name just before
then locks a file no longer in the directory, so :func:`exclusive` checks after locking that the
name still leads to the file it locked, and starts again when not.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path


def _open(path: Path) -> int:
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)


def _still_named(fd: int, path: Path) -> bool:
    """Whether ``path`` is still the file ``fd`` has open (not unlinked or replaced meanwhile)."""
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


def _lock_current(path: Path, operation: int) -> int | None:
    """An fd of ``path`` locked with ``operation``; None when non-blocking and someone else holds it."""
    while True:
        fd = _open(path)
        try:
            fcntl.flock(fd, operation)
        except BlockingIOError:
            os.close(fd)
            return None
        except BaseException:
            os.close(fd)
            raise
        if _still_named(fd, path):
            return fd
        os.close(fd)  # deleted by an eviction while we waited: lock the file that has the name now


@contextlib.contextmanager
def exclusive(path: Path, *, shared: bool = False) -> Iterator[None]:
    """Hold ``path`` exclusively (or, ``shared``, alongside other shared holders) for the ``with`` block."""
    fd = _lock_current(path, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
    assert fd is not None  # a blocking lock either succeeds or raises
    try:
        yield
    finally:
        os.close(fd)  # closing the only descriptor releases the lock


def try_exclusive(path: Path) -> int | None:
    """``path`` locked exclusively without waiting (the fd; close it to release), or None when held."""
    if not path.exists():
        return None
    return _lock_current(path, fcntl.LOCK_EX | fcntl.LOCK_NB)


class Pins:
    """This process's shared locks on the entries it handed out, kept until the process ends."""

    def __init__(self) -> None:
        self._held: dict[Path, int] = {}
        self._guard = threading.Lock()

    def pin(self, path: Path) -> None:
        """Hold ``path`` shared; call it under the entry's exclusive lock (eviction cannot run then)."""
        with self._guard:
            if path in self._held and _still_named(self._held[path], path):
                return
            fd = _lock_current(path, fcntl.LOCK_SH)
            assert fd is not None  # a blocking lock either succeeds or raises
            stale = self._held.pop(path, None)
            if stale is not None:
                os.close(stale)
            self._held[path] = fd

    def holds(self, path: Path) -> bool:
        with self._guard:
            return path in self._held


#: one per process: pins are about processes, whichever cache object or thread made them
PINS = Pins()
