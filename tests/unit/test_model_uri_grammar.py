"""The server's and the client's model URI grammars agree (the packages share no code), MLflow habits included."""

from __future__ import annotations

import re

import pytest

from modelyard.uris import parse_uri
from modelyard_server.domain.names import (
    MAX_MODEL_NAME,
    MODEL_NAME_PATTERN,
    MODEL_URI_PATTERN,
    ModelUri,
    VersionRef,
    is_model_name,
    parse_model_uri,
)

SAMPLES = [
    "models:/fraud/7",
    "models:/fraud/1.4.0",
    "models:/fraud/2.0.0-rc.1+build.5",
    "models:/fraud@champion",
    "models:/fraud/stage/production",
    "models:/fraud/Production",
    "models:/fraud/production",
    "models:/fraud/STAGING",
    "models:/fraud/None",
    "models:/fraud/stage",
    "models:/fraud/latest",
    "models:/fraud/LATEST",
    "models:/fraud-v2.x_y/Shadow-eu",
    # namespaced: the parts before the reference are the name
    "models:/marketing/churn/7",
    "models:/marketing/churn/1.4.0",
    "models:/marketing/churn@champion",
    "models:/marketing/churn/stage/production",
    "models:/marketing/churn/Production",
    "models:/marketing/churn/latest",
    "models:/fraud/stage/Prod",  # model fraud/stage (which no one may create), MLflow's stage Prod
    "models:/fraud/latest/1",  # model fraud/latest (which no one may create), version 1
    # refused by both
    "models:/fraud",
    "models:/fraud/",
    "models:/fraud/0",
    "models:/fraud/01",
    "models:/fraud/1.4",
    "models:/fraud/v1.4.0",
    "models:/fraud/_prod",
    "models:/fraud/Prod.1",
    "models:/fraud/" + "p" * 64,
    "models:/fraud/Pr\u00f6d",
    "models:/fraud/Prod\n",
    "models:/marketing/churn/stage/Prod",
    "models:/a/b/c/7",
    "models:/a/b/stage",
    "models:/marketing/churn",
    "models:/Marketing/churn/7",
    "models:/market.ing/churn/7",
    "models:/" + "n" * 40 + "/churn/7",
    "models:/marketing//7",
    "models:/fraud@Champion",
    "models:/Fraud/Production",
    "models:/../latest",
]


def _client(text: str) -> str | None:
    try:
        return str(parse_uri(text))
    except ValueError:
        return None


@pytest.mark.parametrize("text", SAMPLES)
def test_client_and_server_accept_the_same_uris_and_mean_the_same_thing(text: str) -> None:
    server = parse_model_uri(text)
    assert _client(text) == (str(server) if server is not None else None)


@pytest.mark.parametrize("text", SAMPLES)
def test_the_documented_pattern_lets_through_every_uri_the_server_parses(text: str) -> None:
    if parse_model_uri(text) is not None:
        assert re.fullmatch(MODEL_URI_PATTERN, text)


@pytest.mark.parametrize("text", [*SAMPLES, "models:/a../stage/x", "models:/a..b/7", "models:/x..@champion"])
def test_the_documented_pattern_refuses_every_uri_the_server_refuses(text: str) -> None:
    """The OpenAPI document's pattern is the server's rule: no URI passes it only to be refused (a '..' name)."""
    if parse_model_uri(text) is None:
        assert re.fullmatch(MODEL_URI_PATTERN, text) is None


@pytest.mark.parametrize("name", ["a..b", "fraud..", "x.y", "a.b.c", "a-b_c.d", "0" * 128, "0" * 129])
def test_the_model_name_pattern_and_length_are_the_whole_name_rule(name: str) -> None:
    assert (re.fullmatch(MODEL_NAME_PATTERN, name) is not None and len(name) <= MAX_MODEL_NAME) == is_model_name(name)
    assert is_model_name(name) == (".." not in name and len(name) <= 128)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("models:/fraud/Production", ModelUri("fraud", "stage", pointer="production")),
        ("models:/fraud/staging", ModelUri("fraud", "stage", pointer="staging")),
        ("models:/fraud/latest", ModelUri("fraud", "latest")),
        ("models:/fraud/Latest", ModelUri("fraud", "latest")),
        ("models:/fraud/7", ModelUri("fraud", "version", version=VersionRef(number=7))),
        ("models:/fraud/1.4.0", ModelUri("fraud", "version", version=VersionRef(semver="1.4.0"))),
    ],
)
def test_a_bare_word_is_a_stage_in_any_case_or_latest(text: str, expected: ModelUri) -> None:
    assert parse_model_uri(text) == expected
