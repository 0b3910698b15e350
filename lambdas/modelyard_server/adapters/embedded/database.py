"""The embedded registry's database: one SQLite file under the data directory, held by one server.

* ``<data_dir>/registry.sqlite3`` in WAL mode: readers never block the writer nor each other.
* ``synchronous=FULL`` by default: a commit is on disk before it is acknowledged, so nothing
  acknowledged is lost even on power loss (``NORMAL`` survives a killed process but not a power cut;
  see tests/perf/test_embedded_sqlite.py for what each costs).
* One connection per thread (requests run on many threads): reads run concurrently on their own
  snapshot; writes queue on one in-process lock, then take SQLite's write lock up front with
  ``BEGIN IMMEDIATE``, so a transaction never fails half-way on a lock upgrade. ``busy_timeout``
  only matters for other processes reading the file (a backup, the sqlite3 shell).
* ``<data_dir>/.lock`` (flock, exclusive, non-blocking) keeps a second server off the same data.
* Faults of the machine are precise errors, never a half-written change: a full disk is
  :class:`StorageFull`, another process holding the file past ``busy_timeout`` is
  :class:`DatabaseLocked` (a :class:`StorageBusy`); either way the transaction is rolled back.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from modelyard_server.adapters.embedded.disk_space import disk_writes, nearly_full, out_of_space
from modelyard_server.adapters.embedded.schema import SchemaTooNew, migrate
from modelyard_server.ports.records import StorageBusy, StorageFull

DATABASE_FILE = "registry.sqlite3"
LOCK_FILE = ".lock"
BUSY_TIMEOUT_MS = 5000

Synchronous = Literal["FULL", "NORMAL"]
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class DataDirInUse(RuntimeError):
    """Another modelyard server holds this data directory."""

    def __init__(self, data_dir: Path, holder: str) -> None:
        super().__init__(
            f"the data directory {data_dir} is in use by another modelyard server{holder}; stop it, "
            "or start this one with another data directory"
        )
        self.data_dir = data_dir


class DataDirUnusable(RuntimeError):
    """The data directory cannot hold the registry (missing permissions, read-only, not a directory)."""


class DatabaseLocked(StorageBusy):
    """Another process (not a modelyard server: a backup, the sqlite3 shell) holds the database's write lock."""


class DatabaseClosed(RuntimeError):
    """The backend was closed; this process no longer holds the data directory."""


# What opening a data directory can fail with, each with a message that says what to do.
UNUSABLE_DATA_DIR: tuple[type[Exception], ...] = (
    DataDirInUse,
    DataDirUnusable,
    DatabaseLocked,
    StorageFull,
    SchemaTooNew,
)


class Database:
    """The registry file: per-thread connections, snapshot reads, serialised ``BEGIN IMMEDIATE`` writes.

    `shared_connection=True` uses one connection for every thread instead: reads then queue behind a
    commit's fsync. Measured (tests/perf/test_embedded_sqlite.py, 8 threads, 1 write : 4 reads) the two
    are within noise in throughput, so per-thread connections stay: a read never waits for a write.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        synchronous: Synchronous = "FULL",
        shared_connection: bool = False,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    ) -> None:
        self.data_dir = data_dir
        self.path = data_dir / DATABASE_FILE
        self._synchronous = synchronous
        self._busy_timeout_ms = busy_timeout_ms
        self._shared = shared_connection
        self._write_lock = threading.Lock()
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._closed = False
        self._after_write: Callable[[], None] | None = None
        _require_usable(data_dir)
        self._lock_fd: int | None = _lock_data_dir(data_dir)
        try:
            self._check_file_writable()
            with self._write_lock:
                connection = self._connection()
                try:
                    migrate(connection)
                except sqlite3.OperationalError as error:
                    raise self._explain(error) from error
        except BaseException:
            self.close()
            raise

    # ---------------------------------------------------------------------------------- transactions

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for the reads inside the block (several SELECTs see one state)."""
        if self._shared:
            with self._write_lock:
                yield from self._transaction("BEGIN")
        else:
            yield from self._transaction("BEGIN")

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One atomic write: all its statements commit together, or (on any exception) none does."""
        with self._write_lock:
            yield from self._transaction("BEGIN IMMEDIATE")
        if self._after_write is not None:
            self._after_write()

    def after_writes(self, callback: Callable[[], None] | None) -> None:
        """Call `callback` after each committed write, outside the write lock (housekeeping hooks in here)."""
        self._after_write = callback

    def _transaction(self, begin: str) -> Iterator[sqlite3.Connection]:
        connection = self._connection()
        try:
            connection.execute(begin)
        except sqlite3.OperationalError as error:
            raise self._explain(error) from error
        try:
            yield connection
            connection.execute("COMMIT")
        except BaseException as error:
            # SQLite may have rolled back already (it does on some SQLITE_FULL and I/O errors)
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            if isinstance(error, sqlite3.OperationalError):
                raise self._explain(error) from error
            raise

    # ----------------------------------------------------------------------------------- connections

    def _connection(self) -> sqlite3.Connection:
        if self._closed:
            raise DatabaseClosed(f"the registry database {self.path} is closed")
        if self._shared:
            shared: sqlite3.Connection | None = self._connections[0] if self._connections else None
            if shared is not None:
                return shared
        else:
            mine: sqlite3.Connection | None = getattr(self._local, "connection", None)
            if mine is not None:
                return mine
        connection = self._open_connection()
        with self._connections_lock:
            self._connections.append(connection)
        self._local.connection = connection
        return connection

    def _open_connection(self) -> sqlite3.Connection:
        try:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves; check_same_thread=False only so that
            # close() may close every thread's connection.
            connection = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=self._busy_timeout_ms / 1000
            )
            connection.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
            mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise DataDirUnusable(
                    f"SQLite could not put {self.path} in WAL mode (got {mode}); the data directory must be on a "
                    "local file system that supports shared memory (not a network share)"
                )
            connection.execute(f"PRAGMA synchronous = {self._synchronous}")
            connection.execute("PRAGMA foreign_keys = ON")
        except sqlite3.OperationalError as error:
            raise self._explain(error) from error
        return connection

    def _check_file_writable(self) -> None:
        for path in (
            self.path,
            self.path.with_name(self.path.name + "-wal"),
            self.path.with_name(self.path.name + "-shm"),
        ):
            if path.exists() and not os.access(path, os.R_OK | os.W_OK):
                raise DataDirUnusable(
                    f"{path} is not writable by this user; fix its permissions (chmod u+rw) or run as its owner"
                )

    def _explain(self, error: sqlite3.OperationalError) -> Exception:
        """SQLite's terse messages as errors that say what to do."""
        text = str(error).lower()
        code = str(getattr(error, "sqlite_errorname", ""))
        if code.startswith("SQLITE_FULL") or (code.startswith("SQLITE_IOERR") and nearly_full(self.data_dir)):
            return out_of_space(self.data_dir, f"SQLite: {error}")
        if code.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text or "busy" in text:
            return DatabaseLocked(
                f"{self.path} is locked by another process (a backup, a sqlite3 shell?) and stayed locked for "
                f"{self._busy_timeout_ms / 1000:g} s; close that process and try again",
                retry_after=max(1, -(-self._busy_timeout_ms // 1000)),
            )
        if "readonly" in text or "read-only" in text or "unable to open" in text:
            return DataDirUnusable(
                f"cannot write {self.path} ({error}); the data directory must be writable by this user"
            )
        return error

    def close(self) -> None:
        """Close every connection and release the data directory (idempotent)."""
        self._closed = True
        with self._connections_lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            connection.close()
        fd: int | None = getattr(self, "_lock_fd", None)
        if fd is not None:
            self._lock_fd = None
            os.close(fd)  # closing the descriptor releases the flock


def _require_usable(data_dir: Path) -> None:
    try:
        with disk_writes(data_dir):
            data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    except FileExistsError as error:
        raise DataDirUnusable(f"{data_dir} exists and is not a directory; choose another data directory") from error
    except OSError as error:
        raise DataDirUnusable(f"cannot create the data directory {data_dir}: {error.strerror}") from error
    if not data_dir.is_dir():
        raise DataDirUnusable(f"{data_dir} exists and is not a directory; choose another data directory")
    if not os.access(data_dir, os.W_OK | os.X_OK):
        raise DataDirUnusable(
            f"the data directory {data_dir} is read-only for this user; make it writable or choose another one"
        )


def _lock_data_dir(data_dir: Path) -> int:
    """Hold `<data_dir>/.lock` exclusively for the life of the process (the kernel drops it if we die)."""
    lock_path = data_dir / LOCK_FILE
    try:
        with disk_writes(data_dir):
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as error:
        raise DataDirUnusable(
            f"cannot create {lock_path}: {error.strerror}; the data directory must be writable"
        ) from error
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 64, 0).decode(errors="replace").strip()
        os.close(fd)
        raise DataDirInUse(data_dir, f" (pid {holder})" if holder.isdigit() else "") from None
    try:
        with disk_writes(data_dir):
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
    except BaseException:
        os.close(fd)
        raise
    return fd
