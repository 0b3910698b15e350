"""The one place the demo starts its registry: everything else talks to it over HTTP.

It is :class:`~modelyard_local.stack.LocalStack` on the embedded backend (SQLite and artifact files in
a temporary data directory, the API on uvicorn, the outbox feeding the notifier, a local OIDC
issuer and a GitHub stand-in), all in this process on free loopback ports: what `modelyard dev` runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from modelyard_local.stack import LocalStack

NOTIFY_PARAMETER_PREFIX = "/modelyard/notifications/"


@dataclass(frozen=True)
class Webhook:
    """A Standard Webhooks channel: where the registry posts which events, signed with ``secret``."""

    name: str
    url: str
    secret: str
    events: Sequence[str]


@dataclass(frozen=True)
class RunningRegistry:
    url: str
    mint: Callable[..., str]
    """``mint(repository=..., environment=..., run_id=..., actor=...)``: a GitHub-shaped OIDC token."""
    approve: Callable[..., None]
    """``approve(repository, run_id, login, environment, comment=...)``: a reviewer approves a run in GitHub."""
    add_person: Callable[..., object]
    """``add_person(login, user_id=..., teams=(...))``: someone GitHub knows, with their team memberships."""
    authorize_device: Callable[[str, str], None]
    """``authorize_device(user_code, login)``: the person enters the code on GitHub's device page, authorizes."""
    parts: list[str]
    """What runs where, one line each, for the banner."""


@contextmanager
def start_registry(
    *, admins: Sequence[str], webhook: Webhook, on_notice: Callable[[str], None]
) -> Iterator[RunningRegistry]:
    """A registry with ``admins``, delivering to ``webhook``; ``on_notice`` gets each line the notifier logs."""
    secret_parameter = NOTIFY_PARAMETER_PREFIX + webhook.name
    notifications: dict[str, Any] = {
        "parameters": {secret_parameter: webhook.secret},  # kept in the registry's database, as SSM would
        "channels": [
            {"type": "webhook", "name": webhook.name, "url": webhook.url, "secret_parameter": secret_parameter}
        ],
        "routes": [{"channel": webhook.name, "events": list(webhook.events), "validations": "failed"}],
    }
    stack = LocalStack(
        port=0,
        issuer_port=0,
        # Server logs (one line per refused request) would interleave with the demo's output.
        extra_env={"POWERTOOLS_LOG_LEVEL": "WARNING", "MODELYARD_ADMIN_REPOSITORIES": ",".join(admins)},
        github=True,
        notifications=notifications,
        notify_printer=on_notice,
    )
    with stack:
        yield RunningRegistry(
            url=stack.api_url,
            mint=stack.mint,
            approve=stack.github.approve,
            add_person=stack.github.people.add_person,
            authorize_device=stack.github.people.approve,
            parts=[
                f"API      {stack.api_url}  (Swagger UI at /v1/docs)",
                f"storage  embedded: SQLite + artifact files in {stack.data_dir} (removed when the demo ends)",
                f"issuer   {stack.issuer_url}  (GitHub-shaped OIDC tokens)",
                f"github   {stack.github.url}  (stand-in: who approved which run; people, teams, device sign-in)",
                "events   outbox -> bus -> notifier, in this process",
                f"webhook  '{webhook.name}' -> {webhook.url}, secret as parameter {secret_parameter}",
            ],
        )
