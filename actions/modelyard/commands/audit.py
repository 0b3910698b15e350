"""What happened: a model's audit trail, the registry's governance trail and security log, and its policy."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelyard.commands.results import JSON, Answer

if TYPE_CHECKING:
    from modelyard.client import Client


def events(client: Client, name: str) -> Answer[list[JSON]]:
    return Answer(list(client.events(name)))


def security_log(client: Client, limit: int) -> Answer[list[JSON]]:
    return Answer(list(itertools.islice(client.security_events(), limit)))


def governance_trail(
    client: Client,
    *,
    kinds: Sequence[str] = (),
    actor: str | None = None,
    after: str | None = None,
    before: str | None = None,
    oldest_first: bool = False,
    limit: int = 50,
) -> Answer[list[JSON]]:
    """At most ``limit`` governance changes (admins), newest first unless ``oldest_first``."""
    found = client.governance_events(
        kinds=kinds, actor=actor, after=after, before=before, oldest_first=oldest_first, limit=min(limit, 100)
    )
    return Answer(list(itertools.islice(found, limit)))


@dataclass(frozen=True)
class PolicyResult:
    """A policy answer; ``layer`` is the document in force for what was asked (a model's override, else it)."""

    data: JSON
    model: str | None

    @property
    def layer(self) -> Mapping[str, Any]:
        found = self.data.get("override") if self.model else self.data
        return found if isinstance(found, Mapping) else {}


def show_policy(client: Client, model: str | None) -> PolicyResult:
    return PolicyResult(client.get_policy(model), model)


def set_policy(client: Client, document: Mapping[str, Any], model: str | None, expected: int | None) -> PolicyResult:
    """Replace the policy; without ``expected`` the revision replaced is the one in force now (read first)."""
    if expected is None:
        expected = int(show_policy(client, model).layer.get("revision", 0))
    return PolicyResult(client.set_policy(document, name=model, expected_revision=expected), model)


def policy_history(client: Client, limit: int) -> Answer[list[JSON]]:
    """The latest ``limit`` revisions of the registry policy, newest first."""
    return Answer(list(itertools.islice(client.policy_history(limit=min(limit, 100)), limit)))
