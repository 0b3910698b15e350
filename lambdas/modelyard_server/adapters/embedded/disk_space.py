"""A full disk, told apart from other write failures, as :class:`StorageFull` naming where it happened.

The kernel says ENOSPC (no space), EDQUOT (the user's quota) or EFBIG (a file size limit, such as
``ulimit -f``); SQLite turns ENOSPC into SQLITE_FULL but reports other failures to grow a file (its
shared-memory index, say) as a generic I/O error, so for those the free space itself is looked at.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from modelyard_server.ports.records import StorageFull

OUT_OF_SPACE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
# Below this, an I/O error writing the database is taken for a full disk (SQLite's index alone needs 32 KiB).
NEARLY_FULL_BYTES = 1024 * 1024


def out_of_space(where: Path, cause: str) -> StorageFull:
    return StorageFull(
        f"the disk holding {where} is out of space ({cause}); nothing was written. Free space on it "
        "(or move the data directory to a larger disk) and try again"
    )


def is_out_of_space(error: OSError) -> bool:
    return error.errno in OUT_OF_SPACE_ERRNOS


def nearly_full(where: Path) -> bool:
    try:
        facts = os.statvfs(where)
    except OSError:
        return False
    return facts.f_bavail * facts.f_frsize < NEARLY_FULL_BYTES


@contextmanager
def disk_writes(where: Path) -> Iterator[None]:
    """Writes under `where`: running out of space raises StorageFull naming `where`; other errors pass."""
    try:
        yield
    except OSError as error:
        if not is_out_of_space(error):
            raise
        raise out_of_space(where, f"{error.strerror} writing {error.filename or where}") from error
