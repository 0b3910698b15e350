"""`make demo` releases a real scikit-learn model: what the registry holds afterwards, and what the webhook got.

The demo runs as `make demo` runs it (`python -m release_demo`, a process of its own), kept up
after the release with `--keep-running`; `--state-file` hands over the registry's URL, an admin
token and the deliveries its webhook receiver got. The test reads the registry through the SDK
and checks every delivery's signature with the registry's Standard Webhooks code.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from modelyard import Client
from modelyard_server.adapters.channels import webhook

REPO = Path(__file__).resolve().parents[2]
MODEL = "iris-classifier"
OWNER = "acme/fraud-models"
START_TIMEOUT = 120.0


def _demo_environment() -> dict[str, str]:
    # Nothing of a surrounding CI job or registry may steer the demo.
    dropped = ("GITHUB_", "ACTIONS_", "MODELYARD_", "AWS_")
    env = {name: value for name, value in os.environ.items() if not name.startswith(dropped)}
    paths = ("actions", "lambdas", "local", "examples")
    env["PYTHONPATH"] = os.pathsep.join(str(REPO / path) for path in paths)
    return env


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The demo's state file, read once its release went through; the demo is stopped (and must exit 0) after."""
    directory = tmp_path_factory.mktemp("demo")
    state_file = directory / "state.json"
    with (directory / "output.txt").open("w+") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "release_demo", "--keep-running", "--state-file", str(state_file)],
            cwd=REPO,
            env=_demo_environment(),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not state_file.exists() and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.2)
            output.seek(0)
            assert state_file.exists(), f"the demo wrote no state (exit {process.poll()}):\n{output.read()}"
            yield json.loads(state_file.read_text())
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
def registry(demo: dict[str, Any]) -> Client:
    return Client(demo["registry_url"], demo["admin_token"], env={}, progress=False)


def test_the_three_versions_are_registered_ready_with_their_metadata(registry: Client) -> None:
    [model] = [each for each in registry.list_models() if each["name"] == MODEL]
    assert model["owners"] == [OWNER]
    assert model["latest_version"] == 3

    versions = {each["version"]: each for each in registry.list_versions(MODEL)}
    assert sorted(versions) == [1, 2, 3]
    assert [versions[n]["semver"] for n in (1, 2, 3)] == ["1.0.0", "1.1.0", "1.2.0"]
    for version in versions.values():
        assert version["status"] == "ready"
        assert version["framework"] == "sklearn"
        assert version["artifact"]["format"] == "joblib"
        assert version["lineage"]["data_uri"] == "sklearn://datasets/iris"
        assert version["lineage"]["data_digest"].startswith("sha256:")
        assert version["model_card"].startswith(f"# {MODEL} {version['semver']}")
    # the weak model is under the policy's accuracy gate, the strong one above it
    assert versions[1]["metrics"]["accuracy"] < 0.9 <= versions[2]["metrics"]["accuracy"]
    assert versions[3]["metrics"]["accuracy"] >= versions[2]["metrics"]["accuracy"]  # no regression


def test_production_went_to_3_and_the_on_call_engineer_rolled_it_back_to_2(registry: Client) -> None:
    staging = registry.get_stage(MODEL, "staging")
    assert staging["version"] == 3
    assert [(entry["action"], entry["version"]) for entry in staging["history"]] == [
        ("promote", 3),
        ("rollback", 1),
        ("promote", 2),
        ("promote", 1),
    ]
    production = registry.get_stage(MODEL, "production")
    assert production["version"] == 2
    assert [(entry["action"], entry["version"]) for entry in production["history"]] == [
        ("rollback", 2),
        ("promote", 3),
        ("promote", 2),
    ]
    assert registry.get_alias(MODEL, "champion")["version"] == 2


def test_the_rollback_is_the_on_call_persons_with_their_reason(registry: Client) -> None:
    rollback = list(registry.events(MODEL))[-1]
    assert rollback["type"] == "model.version.rolled_back" and rollback["detail"]["stage"] == "production"
    who = rollback["detail"]
    assert (who["actor_kind"], who["user_id"], who["login"]) == ("person", "6006", "dave")
    assert rollback["detail"]["comment"].startswith("p99 latency doubled")


def test_a_reviewer_of_the_review_team_signed_off_both_production_versions(registry: Client) -> None:
    for number in (2, 3):
        summary = registry.reviews(MODEL, number)["summary"]
        assert summary["approved_by"] == ["carol"], summary
    grants = {(grant["role"], grant["scope"], grant["grantee_kind"], grant["grantee"]) for grant in registry.roles()}
    assert grants == {("reviewer", "*", "team", "acme/model-review"), ("ops", "*", "team", "acme/sre")}


def test_the_admins_policy_is_in_force_and_validated_both_versions(registry: Client) -> None:
    policy = registry.get_policy()
    assert policy["revision"] == 1
    assert policy["document"]["stages"]["production"]["min_approvals"] == 1
    assert policy["document"]["stages"]["production"]["min_reviews"] == 1

    weak, strong, successor = (registry.latest_validation(MODEL, number) for number in (1, 2, 3))
    assert (weak["passed"], strong["passed"], successor["passed"]) == (False, True, True)
    assert weak["stage"] == strong["stage"] == successor["stage"] == "production"
    assert [check["name"] for check in weak["checks"] if not check["passed"]] == ["accuracy >= 0.9"]


def test_the_audit_trail_records_every_change_refusal_and_approval(registry: Client) -> None:
    events = list(registry.events(MODEL))
    assert [event["type"] for event in events] == [
        "model.created",
        "model.version.registered",
        "model.version.ready",
        "model.version.registered",
        "model.version.ready",
        "model.version.registered",
        "model.version.ready",
        "model.alias.set",
        "model.version.promoted",
        "model.version.promoted",
        "model.version.rolled_back",
        "model.promotion.denied",  # production before any approval, by the built-in rules
        "model.version.validated",
        "model.version.validated",
        "model.version.reviewed",  # carol signs version 2 off
        "model.promotion.denied",  # production under the policy, before alice approved
        "model.version.promoted",
        "model.version.validated",  # the next release: 3
        "model.version.promoted",
        "model.version.reviewed",
        "model.version.promoted",
        "model.version.rolled_back",  # dave, on call
    ]
    # the fork's refusal is not in the trail; the people acted as themselves, not through a repository
    assert {event["repository"] for event in events} == {OWNER, None}
    release = events[-6]  # version 2 to production
    assert release["detail"]["stage"] == "production"
    assert release["run_id"] == "4242"
    assert [approver["login"] for approver in release["detail"]["approvers"]] == ["alice"]
    assert release["detail"]["policy_digest"] == registry.latest_validation(MODEL, 2)["policy_digest"]


def test_the_forks_refused_promotion_is_in_the_security_log(registry: Client) -> None:
    refused = [event for event in registry.security_events() if event["repository"] == "evil/fork"]
    assert len(refused) == 1
    assert refused[0]["model"] == MODEL


def test_the_champion_downloads_with_its_registered_digest(registry: Client, tmp_path: Path) -> None:
    path = registry.download(f"models:/{MODEL}@champion", tmp_path)  # the SDK verifies size and sha256

    assert path.stat().st_size == registry.get_version(MODEL, 2)["artifact"]["size"]


def test_the_webhook_got_each_routed_event_signed(demo: dict[str, Any], registry: Client) -> None:
    hook = demo["webhook"]
    deliveries = hook["deliveries"]
    now = int(time.time())
    assert all(webhook.verify(hook["secret"], each["headers"], each["body"].encode(), now) for each in deliveries)

    received = [json.loads(each["body"]) for each in deliveries]
    assert [(each["type"], each["data"]["version"], each["data"]["detail"].get("stage")) for each in received] == [
        ("model.version.promoted", 1, "staging"),
        ("model.version.promoted", 2, "staging"),
        ("model.version.rolled_back", 1, "staging"),
        ("model.version.validated", 1, "production"),  # routed: failed validations only
        ("model.version.promoted", 2, "production"),
        ("model.version.promoted", 3, "staging"),
        ("model.version.promoted", 3, "production"),
        ("model.version.rolled_back", 2, "production"),
    ]
    # each delivery is the registry's event, under its id
    events = {event["id"]: event for event in registry.events(MODEL)}
    assert all(events[each["headers"]["webhook-id"]]["type"] == json.loads(each["body"])["type"] for each in deliveries)
