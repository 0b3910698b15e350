"""A receiver that is down: its notifications land in the template's dead-letter queue; a redrive delivers them."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from tests.deployed.checks import Target, queue_depth, run_redrive, wait_for_queue_depth

pytestmark = pytest.mark.deployed


def test_a_down_receivers_messages_are_dead_lettered_and_a_redrive_delivers_them(
    target: Target, tmp_path: Path
) -> None:
    flaky = target.receivers["flaky"]
    flaky.fail_next(1000, status=503)  # down for good, as far as the notifier's attempts go
    dead_letters = target.deployment.outputs["NotificationDeadLetterQueueUrl"]
    model = f"dlq-{uuid.uuid4().hex[:8]}"
    owner = target.owner()
    (tmp_path / "m.bin").write_bytes(os.urandom(1000))
    target.cli("register", model, str(tmp_path / "m.bin"), "--create-model", token=owner)
    target.cli("alias", "set", model, "champion", "1", token=owner)  # the flaky channel's one route

    assert wait_for_queue_depth(target, dead_letters, 1, timeout=180) >= 1
    assert not [r for r in flaky.delivered() if r.json()["data"]["model"] == model]

    with flaky.lock:
        flaky.script.clear()  # the receiver is back
    redriven = run_redrive(target)
    assert redriven.returncode == 0, redriven.stdout + redriven.stderr
    assert "sent" in redriven.stdout
    arrived = flaky.wait_for(lambda r: r.json()["data"]["model"] == model, timeout=10)
    assert arrived is not None
    assert arrived.json()["data"]["type"] == "model.alias.set"
    assert queue_depth(target, dead_letters) == 0
