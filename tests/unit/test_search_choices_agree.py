"""The CLI offers every artifact format and version status the server searches by (the packages share no code)."""

from __future__ import annotations

from typing import get_args

import pytest

from modelyard.cli_parser import build_parser
from modelyard.queries import VersionFilters
from modelyard_server.domain.record_fields import ArtifactFormat, VersionStatus


@pytest.mark.parametrize("command", [["search"], ["versions", "fraud"]])
@pytest.mark.parametrize(
    ("option", "value"),
    [("--format", f) for f in get_args(ArtifactFormat)] + [("--status", s) for s in get_args(VersionStatus)],
)
def test_the_cli_filters_by_every_format_and_status_of_the_server(command: list[str], option: str, value: str) -> None:
    args = build_parser().parse_args([*command, option, value])
    assert getattr(args, option.removeprefix("--")) == value


@pytest.mark.parametrize("fmt", get_args(ArtifactFormat))
def test_the_cli_registers_every_format_the_server_takes(fmt: str) -> None:
    assert build_parser().parse_args(["register", "fraud", "model.bin", "--format", fmt]).format == fmt


@pytest.mark.parametrize("status", get_args(VersionStatus))
def test_the_sdk_searches_by_every_status_the_server_records(status: str) -> None:
    assert VersionFilters(status=status).query()["status"] == status


def test_the_mlflow_import_keeps_exactly_the_tag_keys_the_server_takes() -> None:
    from modelyard.mlflow_import import _TAG_KEY
    from modelyard_server.domain.record_fields import TAG_KEY_PATTERN

    assert f"^{_TAG_KEY.pattern}$" == TAG_KEY_PATTERN
