"""Lineage facts that a GitHub Actions job already knows about itself."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any


def run_url(env: Mapping[str, str]) -> str | None:
    """``$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID/attempts/$GITHUB_RUN_ATTEMPT``."""
    repository = env.get("GITHUB_REPOSITORY")
    run_id = env.get("GITHUB_RUN_ID")
    if not repository or not run_id:
        return None
    server = (env.get("GITHUB_SERVER_URL") or "https://github.com").rstrip("/")
    url = f"{server}/{repository}/actions/runs/{run_id}"
    attempt = env.get("GITHUB_RUN_ATTEMPT")
    return f"{url}/attempts/{attempt}" if attempt else url


def github_lineage(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """repository, commit, ref and run_url from the job's environment (empty outside Actions)."""
    env = os.environ if env is None else env
    found: dict[str, Any] = {
        "repository": env.get("GITHUB_REPOSITORY") or None,
        "commit": env.get("GITHUB_SHA") or None,
        "ref": env.get("GITHUB_REF") or None,
        "run_url": run_url(env),
    }
    return {key: value for key, value in found.items() if value}


def merge_lineage(explicit: Mapping[str, Any] | None, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The job's own lineage, overridden key by key by what the caller gave explicitly."""
    merged = github_lineage(env)
    for key, value in (explicit or {}).items():
        if value not in (None, "", []):
            merged[key] = value
    return merged
