"""The environment variables the local stack sets in its process, and putting them back on stop.

The functions read their settings from the environment, as on Lambda; the stack names its backend, issuer,
public URL and GitHub stand-in there, and a child process (the CLI, an action step) gets the same variables.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from modelyard_local.github import APP_ID as GITHUB_APP_ID
from modelyard_local.github import LocalGitHub

REGION = "us-east-1"

# Variables that would send boto3 somewhere other than moto, or to a real account.
CLEARED_ENV = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
)


def service_environment(issuer_url: str, audience: str, public_url: str) -> dict[str, str]:
    """What every function is configured with, whichever the backend."""
    return {
        "MODELYARD_TRUSTED_ISSUERS": issuer_url,
        "MODELYARD_AUDIENCE": audience,
        # the pages' links (notifications, GitHub's sign-in callback) and, embedded, artifact transfers
        "MODELYARD_PUBLIC_URL": public_url,
        "POWERTOOLS_SERVICE_NAME": "modelyard",
        "POWERTOOLS_METRICS_NAMESPACE": "modelyard",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "MODELYARD_NOTIFY_ALLOW_LOOPBACK_HTTP": "true",
        "MODELYARD_NOTIFY_PARAMETER_PREFIX": "/modelyard/notifications/",
        # as the template's default: the local issuer's tokens are on refs/heads/main unless minted otherwise
        "MODELYARD_GOVERNANCE_REFS": "refs/heads/main",
    }


def embedded_environment(data_dir: Path) -> dict[str, str]:
    return {
        "MODELYARD_BACKEND": "sqlite",
        "MODELYARD_DATA_DIR": str(data_dir),
    }


def moto_environment(moto_url: str, table_name: str, bucket_name: str) -> dict[str, str]:
    """boto3 and pynamodb pointed at moto, with its dummy credentials, without code changes."""
    return {
        "MODELYARD_BACKEND": "dynamodb",
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ENDPOINT_URL_DYNAMODB": moto_url,
        "AWS_ENDPOINT_URL_DYNAMODB_STREAMS": moto_url,
        "AWS_ENDPOINT_URL_S3": moto_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        "MODELYARD_TABLE": table_name,
        "MODELYARD_BUCKET": bucket_name,
    }


def github_environment(github: LocalGitHub, session_key: str | None) -> dict[str, str]:
    """The GitHub App the gate and approvals talk to, and the OAuth app people sign in with (the CLI's device
    flow, the browser's web flow): both the stand-in. `session_key` signs the pages' sessions, when given."""
    env = {
        "MODELYARD_GITHUB_APP_ID": GITHUB_APP_ID,
        "MODELYARD_GITHUB_APP_PRIVATE_KEY": github.private_key_pem,
        "MODELYARD_GITHUB_API_URL": github.url,
        "MODELYARD_GITHUB_URL": github.url,
        "MODELYARD_GITHUB_CLIENT_ID": github.people.client_id,
        "MODELYARD_GITHUB_CLIENT_SECRET": github.people.client_secret,
    }
    if session_key is not None:
        env["MODELYARD_SESSION_KEY"] = session_key
    return env


class EnvironmentOverlay:
    """Variables set in this process over what was there, each one's earlier value kept for `restore`."""

    def __init__(self) -> None:
        self._saved: dict[str, str | None] | None = None

    def apply(self, values: Mapping[str, str]) -> None:
        """Clear the variables that would reach a real account, then set `values`."""
        self._saved = {name: os.environ.pop(name, None) for name in CLEARED_ENV}
        for name, value in values.items():
            self.set(name, value)

    def set(self, name: str, value: str) -> None:
        """Set one more variable (one the stack learns after it applied the rest, such as a queue's URL)."""
        if self._saved is None:
            self._saved = {}
        self._saved.setdefault(name, os.environ.get(name))
        os.environ[name] = value

    def restore(self) -> None:
        """Put every variable back as it was before `apply`. Safe to call twice."""
        saved, self._saved = self._saved, None
        for name, value in (saved or {}).items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
