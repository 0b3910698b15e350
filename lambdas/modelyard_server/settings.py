"""Configuration, read once from environment variables.

A plain dataclass rather than a pydantic model: every Lambda function reads its settings, and defining a
pydantic model loads pydantic's model machinery at import (tens of milliseconds of every cold start, for
functions such as the events consumer that need no other model). Each setting is declared once, with its
default, its environment variable and its rule (`_env`); the rules hold for settings read from the
environment and made in code alike (`Settings.__post_init__`).
"""

from __future__ import annotations

import functools
import math
import os
import re
from dataclasses import dataclass, field, fields
from typing import Any, Literal, get_args

GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com"
BackendName = Literal["dynamodb", "sqlite"]


@dataclass(frozen=True)
class Rule:
    """What a setting's value must satisfy (unset bounds are not checked)."""

    variable: str
    gt: float | None = None
    ge: float | None = None
    le: float | None = None
    min_length: int | None = None
    pattern: str | None = None
    one_of: tuple[str, ...] | None = None

    def problem(self, value: Any) -> str | None:
        """Why `value` breaks the rule, or None."""
        if value is None:
            return None
        if self.one_of is not None and value not in self.one_of:
            return f"must be one of {', '.join(self.one_of)}"
        if self.min_length is not None and len(value) < self.min_length:
            return f"must be at least {self.min_length} characters long"
        if self.pattern is not None and not re.fullmatch(self.pattern, value):
            return f"must match {self.pattern}"
        if self.gt is not None and not value > self.gt:
            return f"must be greater than {self.gt}"
        if self.ge is not None and not value >= self.ge:
            return f"must be at least {self.ge}"
        if self.le is not None and not value <= self.le:
            return f"must be at most {self.le}"
        return None


def _env(variable: str, **rule: Any) -> dict[str, Rule]:
    """A setting's metadata: read from `variable` (its default when that is unset or empty), held to `rule`."""
    return {"rule": Rule(variable, **rule)}


@dataclass(frozen=True, kw_only=True)
class Settings:
    # Where the registry keeps its state: DynamoDB + S3 (AWS, the Lambda default) or SQLite + files
    # under `data_dir` (the embedded registry `modelyard dev` runs).
    backend: BackendName = field(default="dynamodb", metadata=_env("MODELYARD_BACKEND", one_of=get_args(BackendName)))
    data_dir: str | None = field(default=None, metadata=_env("MODELYARD_DATA_DIR"))
    # The registry's own URL as clients reach it: embedded blob upload/download URLs are signed for it.
    public_url: str | None = field(default=None, metadata=_env("MODELYARD_PUBLIC_URL"))
    table_name: str = field(default="modelyard", metadata=_env("MODELYARD_TABLE", min_length=3))
    bucket_name: str = field(default="modelyard-artifacts", metadata=_env("MODELYARD_BUCKET", min_length=3))
    audience: str = field(default="modelyard", metadata=_env("MODELYARD_AUDIENCE"))
    trusted_issuers: tuple[str, ...] = field(
        default=(GITHUB_ACTIONS_ISSUER,), metadata=_env("MODELYARD_TRUSTED_ISSUERS")
    )
    allowed_owners: tuple[str, ...] = field(default=(), metadata=_env("MODELYARD_ALLOWED_OWNERS"))
    admin_repositories: tuple[str, ...] = field(default=(), metadata=_env("MODELYARD_ADMIN_REPOSITORIES"))
    admin_subjects: tuple[str, ...] = field(default=(), metadata=_env("MODELYARD_ADMIN_SUBJECTS"))
    # The refs (fnmatch patterns on the token's `ref` claim; `*` matches `/` too) from which a repository that owns
    # a namespace governs it (privacy, owners, its models' owners): a feature branch or pull request may not.
    governance_refs: tuple[str, ...] = field(default=("refs/heads/main",), metadata=_env("MODELYARD_GOVERNANCE_REFS"))
    reviewer_repositories: tuple[str, ...] = field(default=(), metadata=_env("MODELYARD_REVIEWER_REPOSITORIES"))
    reviewer_subjects: tuple[str, ...] = field(default=(), metadata=_env("MODELYARD_REVIEWER_SUBJECTS"))
    github_api_url: str = field(default="https://api.github.com", metadata=_env("MODELYARD_GITHUB_API_URL"))
    # People sign in with GitHub's device flow: the OAuth (or GitHub App) client id, and GitHub's web host.
    github_url: str = field(default="https://github.com", metadata=_env("MODELYARD_GITHUB_URL"))
    github_client_id: str | None = field(default=None, metadata=_env("MODELYARD_GITHUB_CLIENT_ID"))
    # The web pages sign people in with GitHub's web flow, which exchanges the code with the client's secret
    # (inline, or a Secrets Manager secret's ARN).
    github_client_secret: str | None = field(default=None, repr=False, metadata=_env("MODELYARD_GITHUB_CLIENT_SECRET"))
    github_client_secret_arn: str | None = field(default=None, metadata=_env("MODELYARD_GITHUB_CLIENT_SECRET_ARN"))
    # The registry's own session tokens (HS256): who issues them, for which audience, for how long, and the
    # key (inline, or a Secrets Manager secret; the embedded registry keeps one in its data directory).
    session_issuer: str | None = field(default=None, metadata=_env("MODELYARD_SESSION_ISSUER"))
    session_audience: str = field(default="modelyard-session", metadata=_env("MODELYARD_SESSION_AUDIENCE"))
    session_ttl_seconds: int = field(default=3600, metadata=_env("MODELYARD_SESSION_TTL_SECONDS", ge=60, le=12 * 3600))
    session_key: str | None = field(default=None, repr=False, metadata=_env("MODELYARD_SESSION_KEY"))
    session_key_secret: str | None = field(default=None, metadata=_env("MODELYARD_SESSION_KEY_SECRET"))
    github_app_id: str | None = field(default=None, metadata=_env("MODELYARD_GITHUB_APP_ID"))
    github_app_private_key: str | None = field(
        default=None, repr=False, metadata=_env("MODELYARD_GITHUB_APP_PRIVATE_KEY")
    )
    github_app_private_key_secret: str | None = field(
        default=None, metadata=_env("MODELYARD_GITHUB_APP_PRIVATE_KEY_SECRET")
    )
    github_webhook_secret: str | None = field(
        default=None, repr=False, metadata=_env("MODELYARD_GITHUB_WEBHOOK_SECRET")
    )
    github_webhook_secret_arn: str | None = field(default=None, metadata=_env("MODELYARD_GITHUB_WEBHOOK_SECRET_ARN"))
    stages: tuple[str, ...] = field(default=("development", "staging", "production"), metadata=_env("MODELYARD_STAGES"))
    multipart_threshold: int = field(default=64 * 1024 * 1024, metadata=_env("MODELYARD_MULTIPART_THRESHOLD"))
    part_size: int = field(default=8 * 1024 * 1024, metadata=_env("MODELYARD_PART_SIZE"))
    presign_ttl_seconds: int = 3600
    # The largest artifact a registration may declare (S3 takes up to 5 TiB; most registries want less).
    max_artifact_bytes: int = field(
        default=100 * 1024**3, metadata=_env("MODELYARD_MAX_ARTIFACT_BYTES", gt=0, le=5 * 1024**4)
    )
    # Stored bytes larger than this are hashed by the verifier function, not inside the completion call
    # (which must answer within API Gateway's 29 s); stores that hash on arrival never need it.
    verify_async_bytes: int = field(default=1024**3, metadata=_env("MODELYARD_VERIFY_ASYNC_BYTES", ge=0))
    # How many multipart upload URLs one answer carries at most (each costs a signature).
    upload_parts_page: int = field(default=100, metadata=_env("MODELYARD_UPLOAD_PARTS_PAGE", ge=1, le=100))
    max_body_bytes: int = 1024 * 1024  # a completion listing all 10,000 parts is about 600 KB
    # outsiders' refusals: kept this many per principal and hour, for this many days
    security_log_per_hour: int = field(default=60, metadata=_env("MODELYARD_SECURITY_LOG_PER_HOUR", ge=1, le=10_000))
    security_log_days: int = field(default=90, metadata=_env("MODELYARD_SECURITY_LOG_DAYS", ge=1, le=3650))
    # events and notifications
    event_bus_name: str = field(default="default", metadata=_env("MODELYARD_EVENT_BUS"))
    notification_dlq_url: str | None = field(default=None, metadata=_env("MODELYARD_NOTIFY_DLQ_URL"))
    notification_parameter_prefix: str = field(
        default="/modelyard/notifications/", metadata=_env("MODELYARD_NOTIFY_PARAMETER_PREFIX", pattern=r"/[\w./-]*/")
    )
    notify_max_attempts: int = field(default=5, metadata=_env("MODELYARD_NOTIFY_MAX_ATTEMPTS", ge=1, le=20))
    notify_backoff_seconds: float = field(default=1.0, metadata=_env("MODELYARD_NOTIFY_BACKOFF_SECONDS", ge=0))
    notify_max_backoff_seconds: float = field(default=30.0, metadata=_env("MODELYARD_NOTIFY_MAX_BACKOFF_SECONDS", ge=0))
    notify_timeout_seconds: float = field(default=5.0, metadata=_env("MODELYARD_NOTIFY_TIMEOUT_SECONDS", gt=0))
    notify_allow_loopback_http: bool = field(default=False, metadata=_env("MODELYARD_NOTIFY_ALLOW_LOOPBACK_HTTP"))

    def __post_init__(self) -> None:
        for name, _, rule in _declared():
            problem = rule.problem(getattr(self, name))
            if problem is not None:
                raise ValueError(f"setting {name} ({rule.variable}) {problem}")
        # A session token must never pass for an OIDC token, nor the other way round.
        if self.session_audience == self.audience:
            raise ValueError("MODELYARD_SESSION_AUDIENCE must differ from MODELYARD_AUDIENCE")
        if self.session_issuer_in_force in self.trusted_issuers:
            raise ValueError("the session issuer must not be one of MODELYARD_TRUSTED_ISSUERS")

    @property
    def session_issuer_in_force(self) -> str:
        """`session_issuer`, else one derived from the public URL: never an OIDC issuer's URL."""
        if self.session_issuer:
            return self.session_issuer.rstrip("/")
        base = (self.public_url or "urn:modelyard").rstrip("/")
        return f"{base}/v1/sessions" if base.startswith("http") else f"{base}:sessions"


def _declared() -> list[tuple[str, str, Rule]]:
    """(name, declared type, rule) of each setting read from the environment."""
    # `from __future__ import annotations` leaves each field's type as written ("int", "str | None").
    return [(item.name, str(item.type), item.metadata["rule"]) for item in fields(Settings) if "rule" in item.metadata]


def _integer(text: str) -> int:
    if not re.fullmatch(r"\s*[+-]?\d+\s*", text):
        raise ValueError("is not a whole number")
    return int(text)


def _number(text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise ValueError("is not a number") from None
    if not math.isfinite(number):
        raise ValueError("is not a finite number")
    return number


_TRUE = ("1", "on", "t", "true", "y", "yes")
_FALSE = ("0", "off", "f", "false", "n", "no")


def _flag(text: str) -> bool:
    word = text.strip().lower()
    if word not in _TRUE + _FALSE:
        raise ValueError(f"is not one of {', '.join(_TRUE + _FALSE)}")
    return word in _TRUE


def _items(text: str) -> tuple[str, ...]:
    """A comma-separated list; items are trimmed, lose a trailing slash (issuer URLs), empty ones dropped."""
    return tuple(item.strip().rstrip("/") for item in text.split(",") if item.strip())


# How a setting's environment variable is read, by the setting's declared type (text as it is otherwise).
_READERS = {"int": _integer, "float": _number, "bool": _flag, "tuple[str, ...]": _items}


@functools.cache
def get_settings() -> Settings:
    """The settings in force; parsed on first use, then cached for the life of the process."""
    values: dict[str, Any] = {}
    for name, declared, rule in _declared():
        text = os.environ.get(rule.variable)
        if not text:  # unset or empty: the default
            continue
        try:
            values[name] = _READERS.get(declared, str)(text)
        except ValueError as error:
            raise ValueError(f"setting {name} ({rule.variable}) {error}: {text!r}") from None
    return Settings(**values)
