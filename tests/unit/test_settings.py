"""The settings read from the environment: defaults, how each kind of value is written, and what is refused
(a refusal names the setting, so a misconfigured function fails its first request saying which variable)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from modelyard_server.settings import GITHUB_ACTIONS_ISSUER, Settings, get_settings


@pytest.fixture(autouse=True)
def _fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("MODELYARD_TABLE", "MODELYARD_BUCKET", "MODELYARD_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _read(monkeypatch: pytest.MonkeyPatch, **variables: str) -> Settings:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    return get_settings()


def test_an_empty_environment_gives_the_documented_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _read(monkeypatch)
    assert (settings.backend, settings.table_name, settings.bucket_name) == (
        "dynamodb",
        "modelyard",
        "modelyard-artifacts",
    )
    assert settings.trusted_issuers == (GITHUB_ACTIONS_ISSUER,)
    assert settings.stages == ("development", "staging", "production")
    assert settings.allowed_owners == ()
    assert settings.github_app_private_key is None
    assert settings.max_artifact_bytes == 100 * 1024**3
    assert settings.upload_parts_page == 100
    assert settings.notify_backoff_seconds == 1.0
    assert settings.notify_allow_loopback_http is False
    assert settings.notification_parameter_prefix == "/modelyard/notifications/"


def test_an_empty_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _read(monkeypatch, MODELYARD_TABLE="", MODELYARD_PART_SIZE="", MODELYARD_STAGES="")
    assert settings.table_name == "modelyard"
    assert settings.part_size == 8 * 1024 * 1024
    assert settings.stages == ("development", "staging", "production")


def test_lists_are_comma_separated_trimmed_and_lose_a_trailing_slash(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _read(
        monkeypatch,
        MODELYARD_TRUSTED_ISSUERS=" https://issuer.example/ , https://other.example,,",
        MODELYARD_ALLOWED_OWNERS="acme",
        MODELYARD_STAGES="dev, prod",
    )
    assert settings.trusted_issuers == ("https://issuer.example", "https://other.example")
    assert settings.allowed_owners == ("acme",)
    assert settings.stages == ("dev", "prod")


def test_numbers_flags_and_words_are_read_as_their_types(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _read(
        monkeypatch,
        MODELYARD_BACKEND="sqlite",
        MODELYARD_DATA_DIR="/var/lib/modelyard",
        MODELYARD_MAX_ARTIFACT_BYTES="1048576",
        MODELYARD_VERIFY_ASYNC_BYTES="0",
        MODELYARD_UPLOAD_PARTS_PAGE="1",
        MODELYARD_SECURITY_LOG_PER_HOUR=" 3 ",
        MODELYARD_NOTIFY_BACKOFF_SECONDS="0.01",
        MODELYARD_NOTIFY_TIMEOUT_SECONDS="2",
        MODELYARD_NOTIFY_ALLOW_LOOPBACK_HTTP="true",
        MODELYARD_NOTIFY_PARAMETER_PREFIX="/team/hooks/",
        MODELYARD_GITHUB_APP_PRIVATE_KEY="-----BEGIN KEY-----",
    )
    assert (settings.backend, settings.data_dir) == ("sqlite", "/var/lib/modelyard")
    assert (settings.max_artifact_bytes, settings.verify_async_bytes, settings.upload_parts_page) == (1048576, 0, 1)
    assert settings.security_log_per_hour == 3
    assert (settings.notify_backoff_seconds, settings.notify_timeout_seconds) == (0.01, 2.0)
    assert settings.notify_allow_loopback_http is True
    assert settings.notification_parameter_prefix == "/team/hooks/"
    assert "BEGIN KEY" not in repr(settings)  # secrets stay out of logs


@pytest.mark.parametrize(("written", "meant"), [("1", True), ("yes", True), ("On", True), ("0", False), ("off", False)])
def test_a_flag_takes_the_usual_spellings(monkeypatch: pytest.MonkeyPatch, written: str, meant: bool) -> None:
    assert _read(monkeypatch, MODELYARD_NOTIFY_ALLOW_LOOPBACK_HTTP=written).notify_allow_loopback_http is meant


@pytest.mark.parametrize(
    ("variable", "value", "setting"),
    [
        ("MODELYARD_BACKEND", "postgres", "backend"),
        ("MODELYARD_TABLE", "ab", "table_name"),
        ("MODELYARD_BUCKET", "b", "bucket_name"),
        ("MODELYARD_MAX_ARTIFACT_BYTES", "0", "max_artifact_bytes"),
        ("MODELYARD_MAX_ARTIFACT_BYTES", str(5 * 1024**4 + 1), "max_artifact_bytes"),
        ("MODELYARD_MAX_ARTIFACT_BYTES", "ten", "max_artifact_bytes"),
        ("MODELYARD_VERIFY_ASYNC_BYTES", "-1", "verify_async_bytes"),
        ("MODELYARD_UPLOAD_PARTS_PAGE", "101", "upload_parts_page"),
        ("MODELYARD_UPLOAD_PARTS_PAGE", "0", "upload_parts_page"),
        ("MODELYARD_SECURITY_LOG_PER_HOUR", "10001", "security_log_per_hour"),
        ("MODELYARD_SECURITY_LOG_DAYS", "0", "security_log_days"),
        ("MODELYARD_PART_SIZE", "8.5", "part_size"),
        ("MODELYARD_NOTIFY_MAX_ATTEMPTS", "21", "notify_max_attempts"),
        ("MODELYARD_NOTIFY_BACKOFF_SECONDS", "-0.5", "notify_backoff_seconds"),
        ("MODELYARD_NOTIFY_TIMEOUT_SECONDS", "0", "notify_timeout_seconds"),
        ("MODELYARD_NOTIFY_TIMEOUT_SECONDS", "soon", "notify_timeout_seconds"),
        ("MODELYARD_NOTIFY_PARAMETER_PREFIX", "modelyard/notifications/", "notification_parameter_prefix"),
        ("MODELYARD_NOTIFY_PARAMETER_PREFIX", "/modelyard/notifications", "notification_parameter_prefix"),
        ("MODELYARD_NOTIFY_ALLOW_LOOPBACK_HTTP", "maybe", "notify_allow_loopback_http"),
    ],
)
def test_a_value_out_of_its_rule_is_refused_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, setting: str
) -> None:
    with pytest.raises(ValueError, match=setting):
        _read(monkeypatch, **{variable: value})


def test_settings_made_in_code_obey_the_same_rules() -> None:
    assert Settings(table_name="registry", bucket_name="artifacts").upload_parts_page == 100
    with pytest.raises(ValueError, match="upload_parts_page"):
        Settings(table_name="registry", bucket_name="artifacts", upload_parts_page=0)
    with pytest.raises(ValueError, match="table_name"):
        Settings(table_name="t", bucket_name="artifacts")
