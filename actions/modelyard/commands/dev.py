"""The local stack's side: a token from its issuer, as a job of any repository would get one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from modelyard.errors import ClientError

DEFAULT_DEV_ISSUER = "http://127.0.0.1:8643"


@dataclass(frozen=True)
class DevToken:
    data: dict[str, Any]
    value: str


def mint_dev_token(issuer: str, claims: Mapping[str, Any]) -> DevToken:
    """A token from the local issuer's ``/mint`` (``claims``: repository, environment, actor, any other)."""
    from modelyard.errors import RegistryUnreachable
    from modelyard.transport import RetryPolicy, Transport

    transport = Transport(issuer, None, retry=RetryPolicy(attempts=3, base_delay=0.2, timeout=10.0))
    try:
        answer = transport.request("GET", "/mint", query=dict(claims), auth=False)
    except RegistryUnreachable as exc:
        raise ClientError(
            f"no local token issuer at {exc.url} ({exc.reason}); start one with `modelyard dev` "
            "or point --issuer / MODELYARD_DEV_ISSUER at it"
        ) from None
    value = answer.get("value") if isinstance(answer, dict) else None
    if not isinstance(value, str) or not value:
        raise ClientError(f'the issuer at {issuer} answered without a token (expected {{"value": "<jwt>"}})')
    return DevToken(answer, value)
