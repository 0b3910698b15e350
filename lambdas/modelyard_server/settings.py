"""Configuration, read once from environment variables."""

from __future__ import annotations

import functools
import os
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com"


class Settings(BaseModel):
    # Where the registry keeps its state: DynamoDB + S3 (AWS, the Lambda default) or SQLite + files
    # under `data_dir` (the embedded registry `modelyard dev` runs).
    backend: Literal["dynamodb", "sqlite"] = "dynamodb"
    data_dir: str | None = None
    # The registry's own URL as clients reach it: embedded blob upload/download URLs are signed for it.
    public_url: str | None = None
    table_name: str = Field(min_length=3)
    bucket_name: str = Field(min_length=3)
    audience: str = "modelyard"
    trusted_issuers: tuple[str, ...] = (GITHUB_ACTIONS_ISSUER,)
    allowed_owners: tuple[str, ...] = ()
    admin_repositories: tuple[str, ...] = ()
    admin_subjects: tuple[str, ...] = ()
    reviewer_repositories: tuple[str, ...] = ()
    reviewer_subjects: tuple[str, ...] = ()
    github_api_url: str = "https://api.github.com"
    # People sign in with GitHub's device flow: the OAuth (or GitHub App) client id, and GitHub's web host.
    github_url: str = "https://github.com"
    github_client_id: str | None = None
    # The registry's own session tokens (HS256): who issues them, for which audience, for how long, and the
    # key (inline, or a Secrets Manager secret; the embedded registry keeps one in its data directory).
    session_issuer: str | None = None
    session_audience: str = "modelyard-session"
    session_ttl_seconds: int = Field(default=3600, ge=60, le=12 * 3600)
    session_key: str | None = Field(default=None, repr=False)
    session_key_secret: str | None = None
    github_app_id: str | None = None
    github_app_private_key: str | None = Field(default=None, repr=False)
    github_app_private_key_secret: str | None = None
    github_webhook_secret: str | None = Field(default=None, repr=False)
    github_webhook_secret_arn: str | None = None
    stages: tuple[str, ...] = ("development", "staging", "production")
    multipart_threshold: int = 64 * 1024 * 1024
    part_size: int = 8 * 1024 * 1024
    presign_ttl_seconds: int = 3600
    # The largest artifact a registration may declare (S3 takes up to 5 TiB; most registries want less).
    max_artifact_bytes: int = Field(default=100 * 1024**3, gt=0, le=5 * 1024**4)
    # Stored bytes larger than this are hashed by the verifier function, not inside the completion call
    # (which must answer within API Gateway's 29 s); stores that hash on arrival never need it.
    verify_async_bytes: int = Field(default=1024**3, ge=0)
    # How many multipart upload URLs one answer carries at most (each costs a signature).
    upload_parts_page: int = Field(default=100, ge=1, le=100)
    max_body_bytes: int = 1024 * 1024  # a completion listing all 10,000 parts is about 600 KB
    # outsiders' refusals: kept this many per principal and hour, for this many days
    security_log_per_hour: int = Field(default=60, ge=1, le=10_000)
    security_log_days: int = Field(default=90, ge=1, le=3650)
    # events and notifications
    event_bus_name: str = "default"
    notification_dlq_url: str | None = None
    notification_parameter_prefix: str = Field(default="/modelyard/notifications/", pattern=r"^/[\w./-]*/$")
    notify_max_attempts: int = Field(default=5, ge=1, le=20)
    notify_backoff_seconds: float = Field(default=1.0, ge=0)
    notify_max_backoff_seconds: float = Field(default=30.0, ge=0)
    notify_timeout_seconds: float = Field(default=5.0, gt=0)
    notify_allow_loopback_http: bool = False

    @property
    def session_issuer_in_force(self) -> str:
        """`session_issuer`, else one derived from the public URL: never an OIDC issuer's URL."""
        if self.session_issuer:
            return self.session_issuer.rstrip("/")
        base = (self.public_url or "urn:modelyard").rstrip("/")
        return f"{base}/v1/sessions" if base.startswith("http") else f"{base}:sessions"

    @model_validator(mode="after")
    def _sessions_stand_apart(self) -> Settings:
        # A session token must never pass for an OIDC token, nor the other way round.
        if self.session_audience == self.audience:
            raise ValueError("MODELYARD_SESSION_AUDIENCE must differ from MODELYARD_AUDIENCE")
        if self.session_issuer_in_force in self.trusted_issuers:
            raise ValueError("the session issuer must not be one of MODELYARD_TRUSTED_ISSUERS")
        return self

    @field_validator(
        "trusted_issuers",
        "allowed_owners",
        "admin_repositories",
        "admin_subjects",
        "reviewer_repositories",
        "reviewer_subjects",
        "stages",
        mode="before",
    )
    @classmethod
    def _split_csv(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(item.strip().rstrip("/") for item in value.split(",") if item.strip())
        return value


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value else None


@functools.cache
def get_settings() -> Settings:
    """The settings in force; parsed on first use, then cached for the life of the process."""
    raw: dict[str, object] = {
        "table_name": _env("MODELYARD_TABLE") or "modelyard",
        "bucket_name": _env("MODELYARD_BUCKET") or "modelyard-artifacts",
    }
    optional = {
        "backend": "MODELYARD_BACKEND",
        "data_dir": "MODELYARD_DATA_DIR",
        "public_url": "MODELYARD_PUBLIC_URL",
        "audience": "MODELYARD_AUDIENCE",
        "trusted_issuers": "MODELYARD_TRUSTED_ISSUERS",
        "allowed_owners": "MODELYARD_ALLOWED_OWNERS",
        "admin_repositories": "MODELYARD_ADMIN_REPOSITORIES",
        "admin_subjects": "MODELYARD_ADMIN_SUBJECTS",
        "reviewer_repositories": "MODELYARD_REVIEWER_REPOSITORIES",
        "reviewer_subjects": "MODELYARD_REVIEWER_SUBJECTS",
        "github_api_url": "MODELYARD_GITHUB_API_URL",
        "github_url": "MODELYARD_GITHUB_URL",
        "github_client_id": "MODELYARD_GITHUB_CLIENT_ID",
        "session_issuer": "MODELYARD_SESSION_ISSUER",
        "session_audience": "MODELYARD_SESSION_AUDIENCE",
        "session_ttl_seconds": "MODELYARD_SESSION_TTL_SECONDS",
        "session_key": "MODELYARD_SESSION_KEY",
        "session_key_secret": "MODELYARD_SESSION_KEY_SECRET",
        "github_app_id": "MODELYARD_GITHUB_APP_ID",
        "github_app_private_key": "MODELYARD_GITHUB_APP_PRIVATE_KEY",
        "github_app_private_key_secret": "MODELYARD_GITHUB_APP_PRIVATE_KEY_SECRET",
        "github_webhook_secret": "MODELYARD_GITHUB_WEBHOOK_SECRET",
        "github_webhook_secret_arn": "MODELYARD_GITHUB_WEBHOOK_SECRET_ARN",
        "stages": "MODELYARD_STAGES",
        "security_log_per_hour": "MODELYARD_SECURITY_LOG_PER_HOUR",
        "security_log_days": "MODELYARD_SECURITY_LOG_DAYS",
        "multipart_threshold": "MODELYARD_MULTIPART_THRESHOLD",
        "part_size": "MODELYARD_PART_SIZE",
        "max_artifact_bytes": "MODELYARD_MAX_ARTIFACT_BYTES",
        "upload_parts_page": "MODELYARD_UPLOAD_PARTS_PAGE",
        "verify_async_bytes": "MODELYARD_VERIFY_ASYNC_BYTES",
        "event_bus_name": "MODELYARD_EVENT_BUS",
        "notification_dlq_url": "MODELYARD_NOTIFY_DLQ_URL",
        "notification_parameter_prefix": "MODELYARD_NOTIFY_PARAMETER_PREFIX",
        "notify_max_attempts": "MODELYARD_NOTIFY_MAX_ATTEMPTS",
        "notify_backoff_seconds": "MODELYARD_NOTIFY_BACKOFF_SECONDS",
        "notify_max_backoff_seconds": "MODELYARD_NOTIFY_MAX_BACKOFF_SECONDS",
        "notify_timeout_seconds": "MODELYARD_NOTIFY_TIMEOUT_SECONDS",
        "notify_allow_loopback_http": "MODELYARD_NOTIFY_ALLOW_LOOPBACK_HTTP",
    }
    for field, env_name in optional.items():
        value = _env(env_name)
        if value is not None:
            raw[field] = value
    return Settings.model_validate(raw)
