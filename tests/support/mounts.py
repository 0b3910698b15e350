"""Real file-system faults for tests: a small disk that fills up, a directory mounted read-only.

Root ignores permission bits, so a chmod'ed directory proves nothing when the tests run as root; a
read-only mount and a full tmpfs refuse root too. Both need mount(2) (root, or CAP_SYS_ADMIN): where
it is not permitted the test is skipped with the reason.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

FILL_CHUNK = 64 * 1024


def _mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here ({done.stderr.strip() or done.returncode}); needs root or CAP_SYS_ADMIN")


def _unmount(path: Path) -> None:
    # lazy: a file a failed test left open must not keep the mount (and the next test's directory) busy
    subprocess.run(["umount", "--lazy", str(path)], capture_output=True, check=False)


@contextmanager
def small_disk(path: Path, size: str = "4m") -> Iterator[Path]:
    """A tmpfs of `size` mounted on `path` (created): a disk that really runs out of space."""
    path.mkdir(parents=True, exist_ok=True)
    _mount("-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path))
    try:
        yield path
    finally:
        _unmount(path)


@contextmanager
def read_only(path: Path) -> Iterator[Path]:
    """`path` (a directory) bind-mounted read-only onto itself: writes fail with EROFS, for root too."""
    _mount("--bind", "-o", "ro", str(path), str(path))
    try:
        if os.access(path, os.W_OK):  # an old mount(8) ignores `-o ro` on a bind: remount to apply it
            _mount("-o", "remount,ro,bind", str(path))
        yield path
    finally:
        _unmount(path)


def fill(disk: Path, name: str = "filler") -> Path:
    """Fill the file system holding `disk` to the last byte (a file `name` holds it all); that file."""
    filler = disk / name
    with filler.open("ab", buffering=0) as handle:
        chunk = FILL_CHUNK
        while chunk:
            try:
                handle.write(b"\0" * chunk)
            except OSError as error:
                if error.errno not in (errno.ENOSPC, errno.EFBIG):
                    raise
                chunk //= 2
    return filler
