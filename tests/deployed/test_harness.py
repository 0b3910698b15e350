"""The tier itself: a template broken in a way only the deployed shape shows makes its checks fail.

Each broken template is deployed as another stack into the session's emulator and meets the same
check the real template passes in test_release.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from modelyard_local.aws_deploy import TEMPLATE
from modelyard_local.aws_local import AwsLocal
from modelyard_local.emulator import MiniStack
from modelyard_local.receivers import start_receiver, stop_receivers
from tests.deployed.checks import (
    Target,
    check_api_answers,
    check_every_event_type_crosses_the_bus_rule,
    configure_notifications,
)

pytestmark = pytest.mark.deployed

API_HANDLER = "Handler: modelyard_server.handlers.api.lambda_handler"
API_TABLE_VARIABLE = "          MODELYARD_TABLE: !Ref RegistryTable\n"  # the API function's is the first


def _without_bus_type(text: str) -> str:
    rule = text.index("      Events:\n        Notable:")
    line = "                - model.alias.set\n"
    at = text.index(line, rule)
    return text[:at] + text[at + len(line) :]


def _wrong_handler(text: str) -> str:
    return text.replace(API_HANDLER, "Handler: modelyard_server.handlers.api_v1.lambda_handler")


def _missing_table_variable(text: str) -> str:
    return text.replace(API_TABLE_VARIABLE, "", 1)


@pytest.fixture
def broken(aws: AwsLocal, tmp_path: Path) -> Iterator[Callable[[Callable[[str], str]], Target]]:
    receivers = {"all": start_receiver(), "flaky": start_receiver()}

    def deploy_broken(breakage: Callable[[str], str]) -> Target:
        original = TEMPLATE.read_text()
        text = breakage(original)
        assert text != original, "the breakage no longer applies to infra/template.yaml"
        path = tmp_path / "template.yaml"
        path.write_text(text)
        deployment = aws.deploy_stack(f"broken-{uuid.uuid4().hex[:6]}", path)
        return Target(aws, deployment, receivers, tmp_path)

    yield deploy_broken
    stop_receivers(*receivers.values())


def test_a_bus_rule_missing_an_event_type_fails_the_tier(broken: Callable[..., Target]) -> None:
    target = broken(_without_bus_type)
    configure_notifications(target)
    # other types may still be on their way when it gives up; the one the rule lacks never comes
    with pytest.raises(AssertionError, match=r"never delivered through the bus rule: \[.*'model\.alias\.set'"):
        check_every_event_type_crosses_the_bus_rule(target, timeout=90)


def test_a_wrong_handler_path_fails_the_tier(broken: Callable[..., Target]) -> None:
    with pytest.raises(AssertionError):
        check_api_answers(broken(_wrong_handler))


def test_a_missing_environment_variable_fails_the_tier(broken: Callable[..., Target]) -> None:
    with pytest.raises(AssertionError):
        check_api_answers(broken(_missing_table_variable))


def test_the_emulators_unpacked_functions_stay_inside_its_own_directory(target: Target) -> None:
    """MiniStack unpacks ~100 MB per cold start and never removes it: those copies must go when the emulator stops."""
    check_api_answers(target)  # at least one cold start of the API function
    emulator = target.aws.emulator
    assert emulator is not None
    unpacked = list(emulator.temp_dir.glob("ministack-lambda-*"))
    assert unpacked, "the API function's code was unpacked somewhere other than the emulator's own directory"
    assert all(path.is_relative_to(emulator.temp_dir) for path in unpacked)


def test_a_stopped_emulator_leaves_nothing_behind() -> None:
    emulator = MiniStack().start()
    (emulator.temp_dir / "ministack-lambda-example").mkdir()  # what a cold start leaves
    emulator.stop()
    assert not emulator.temp_dir.exists()
