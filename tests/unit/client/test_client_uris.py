from __future__ import annotations

import pytest

from modelyard.uris import ModelURI, format_uri, parse_uri, parse_version_ref, version_uri


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("models:/fraud/7", ModelURI("fraud", "version", "7")),
        ("models:/fraud@champion", ModelURI("fraud", "alias", "champion")),
        ("models:/fraud/stage/production", ModelURI("fraud", "stage", "production")),
        ("models:/fraud/1.4.0", ModelURI("fraud", "semver", "1.4.0")),
        ("models:/fraud/2.0.0-rc.1+build.5", ModelURI("fraud", "semver", "2.0.0-rc.1+build.5")),
        ("models:/fraud-v2.x_y/12", ModelURI("fraud-v2.x_y", "version", "12")),
        ("models:/" + "a" * 128 + "/1", ModelURI("a" * 128, "version", "1")),
    ],
)
def test_valid_uris_parse_and_format_back(text: str, expected: ModelURI) -> None:
    parsed = parse_uri(text)
    assert parsed == expected
    assert format_uri(parsed) == text
    assert str(parsed) == text


def test_version_and_ref_properties() -> None:
    assert parse_uri("models:/fraud/7").version == 7
    assert parse_uri("models:/fraud/7").ref == 7
    assert parse_uri("models:/fraud/1.4.0").ref == "1.4.0"
    assert parse_uri("models:/fraud@champion").ref is None
    assert version_uri("fraud", 3) == "models:/fraud/3"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "models:/",
        "models:/fraud",
        "models:/../x",
        "models:/fraud/../../etc/passwd",
        "models:/A B/1",
        "models:/Fraud/1",
        "models:/fraud/7\n",
        "models:/fraud\n/7",
        "models:/fr\u0430ud/1",  # Cyrillic small a
        "models:/fraud/\u0661",  # Arabic-Indic digit one
        "models:/fraud/\uff11",  # fullwidth digit one
        "models:/" + "a" * 300 + "/1",
        "models:/" + "a" * 129 + "/1",
        "models:/fraud/0",
        "models:/fraud/-1",
        "models:/fraud/01",
        "models:/fraud/1.4",
        "models:/fraud/v1.4.0",
        "models:/fraud/ 7",
        "models:/fraud@",
        "models:/fraud@Champion",
        "models:/fraud@champion@x",
        "models:/fraud@1st",
        "models:/fraud/stage/",
        "models:/marketing/churn/stage/Prod",
        "models:/fraud/stage/prod/extra",
        "models:/fraud/7/",
        "models://fraud/7",
        "s3://bucket/fraud/7",
        "fraud/7",
        "x" * 10_000,
    ],
)
def test_hostile_or_malformed_uris_are_rejected(text: str) -> None:
    with pytest.raises(ValueError, match=r"URI|model") as info:
        parse_uri(text)
    # the message quotes the input only in bounded form
    assert len(str(info.value)) < 600


def test_error_message_lists_accepted_forms() -> None:
    with pytest.raises(ValueError, match=r"models:/NAME@ALIAS"):
        parse_uri("models:/fraud")


@pytest.mark.parametrize(("text", "expected"), [("7", 7), (" 12 ", 12), ("1.4.0", "1.4.0"), (3, 3)])
def test_version_refs(text: str | int, expected: int | str) -> None:
    assert parse_version_ref(text) == expected


@pytest.mark.parametrize("text", ["0", "-1", "1.4", "latest", "", "7a", 0, "\u0663"])
def test_bad_version_refs(text: str | int) -> None:
    with pytest.raises(ValueError, match="version"):
        parse_version_ref(text)


@pytest.mark.parametrize(
    ("text", "expected", "canonical"),
    [
        ("models:/fraud/Production", ModelURI("fraud", "stage", "production"), "models:/fraud/stage/production"),
        ("models:/fraud/staging", ModelURI("fraud", "stage", "staging"), "models:/fraud/stage/staging"),
        ("models:/fraud/STAGING", ModelURI("fraud", "stage", "staging"), "models:/fraud/stage/staging"),
        ("models:/fraud/Shadow-Eu_2", ModelURI("fraud", "stage", "shadow-eu_2"), "models:/fraud/stage/shadow-eu_2"),
        ("models:/fraud/latest", ModelURI("fraud", "latest", "latest"), "models:/fraud/latest"),
        ("models:/fraud/Latest", ModelURI("fraud", "latest", "latest"), "models:/fraud/latest"),
    ],
)
def test_mlflow_stage_names_and_latest(text: str, expected: ModelURI, canonical: str) -> None:
    parsed = parse_uri(text)
    assert parsed == expected
    assert str(parsed) == canonical
    assert parsed.ref is None and parsed.version is None  # the server resolves them


@pytest.mark.parametrize(
    "text",
    [
        "models:/fraud/Prod.1",
        "models:/fraud/_prod",
        "models:/fraud/" + "P" * 64,
        "models:/fraud/Pr\u00f6d",
        "models:/fraud/Prod\n",
    ],
)
def test_bare_words_that_are_not_stage_names_are_rejected(text: str) -> None:
    with pytest.raises(ValueError, match=r"URI"):
        parse_uri(text)
