"""The contract suite: every storage guarantee, run against every backend.

A backend is a factory in BACKENDS: given a fresh directory and the test's clock, it yields a
`ports.Backend` and closes it afterwards. The clock is what the backend's expiry rules read
(idempotency records, quotas, claims...), so tests can move time forward instead of waiting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from modelyard_server.adapters.embedded.backend import open_embedded
from modelyard_server.ports import Backend
from tests.contract.registry_driver import Driver


@dataclass
class Clock:
    """Real time, plus however far a test moved it forward."""

    offset: timedelta = field(default_factory=timedelta)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


BackendFactory = Callable[[Path, Clock], AbstractContextManager[Backend]]


@contextmanager
def sqlite_backend(directory: Path, clock: Clock) -> Iterator[Backend]:
    backend = open_embedded(directory / "data", now=clock.now)
    try:
        yield backend
    finally:
        backend.close()


BACKENDS: dict[str, BackendFactory] = {"sqlite": sqlite_backend}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> Iterator[Backend]:
    with BACKENDS[request.param](tmp_path, clock) as opened:
        yield opened


@pytest.fixture
def registry(backend: Backend, clock: Clock) -> Driver:
    return Driver(backend, clock.now)
