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


@contextmanager
def dynamodb_backend(directory: Path, clock: Clock) -> Iterator[Backend]:
    """The AWS backend on moto: the table as the template declares it, the clock routed to the test's."""
    import boto3
    from moto import mock_aws

    from modelyard_local.moto_patches import patch_moto_dynamodb
    from modelyard_local.template_resources import create_bucket, create_table
    from modelyard_server.adapters.dynamodb.backend import dynamodb_backend as build
    from modelyard_server.domain import clock as registry_clock
    from modelyard_server.settings import Settings

    patch_moto_dynamodb()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
        }.items():
            patch.setenv(name, value)
        for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE"):
            patch.delenv(name, raising=False)
        with mock_aws():
            create_table(boto3.client("dynamodb"), "contract-registry")
            create_bucket(boto3.client("s3"), "contract-artifacts")
            registry_clock.set_source(clock.now)
            try:
                yield build(Settings(table_name="contract-registry", bucket_name="contract-artifacts"))
            finally:
                registry_clock.set_source(None)


BACKENDS: dict[str, BackendFactory] = {"sqlite": sqlite_backend, "dynamodb": dynamodb_backend}


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
