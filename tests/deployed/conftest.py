"""The deployed-shape tier: infra/template.yaml on the MiniStack emulator, driven over its API Gateway.

One emulator and one stack for the session (a deploy takes seconds, cold functions more); the
harness test deploys its broken templates as further stacks into the same emulator. Run with
``make test-deployed`` (which installs the pinned emulator); ``make test`` leaves this tier out.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelyard_local.aws_local import AwsLocal
from modelyard_local.receivers import Receiver, start_receiver, stop_receivers
from tests.deployed.checks import Target, configure_notifications

MIB = 1024 * 1024
MULTIPART_THRESHOLD = 6 * MIB
PART_SIZE = 5 * MIB  # S3's smallest part


@pytest.fixture(scope="session")
def aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AwsLocal]:
    with AwsLocal(
        parameters={"NotificationMaxAttempts": "2"},
        function_environment={
            # lowered so a file of a few MiB takes the multipart path
            "MODELYARD_MULTIPART_THRESHOLD": str(MULTIPART_THRESHOLD),
            "MODELYARD_PART_SIZE": str(PART_SIZE),
        },
        bundle_dir=tmp_path_factory.mktemp("bundle"),
    ) as running:
        yield running
        if os.environ.get("MODELYARD_DEPLOYED_LOG"):
            assert running.emulator is not None
            Path(os.environ["MODELYARD_DEPLOYED_LOG"]).write_text(running.emulator.log_path.read_text())


@pytest.fixture(scope="session")
def receivers() -> Iterator[dict[str, Receiver]]:
    started = {"all": start_receiver(), "flaky": start_receiver()}
    yield started
    stop_receivers(*started.values())


@pytest.fixture(scope="session")
def target(aws: AwsLocal, receivers: dict[str, Receiver], tmp_path_factory: pytest.TempPathFactory) -> Target:
    assert aws.deployment is not None
    deployed = Target(aws, aws.deployment, receivers, tmp_path_factory.mktemp("cwd"))
    configure_notifications(deployed)
    return deployed
