"""Two versions side by side, and a version's family tree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from modelyard.commands.results import JSON
from modelyard.errors import RegistryError
from modelyard.uris import SEMVER_RE, VERSION_RE, check_pointer, is_uri

if TYPE_CHECKING:
    from modelyard.client import Client
    from modelyard.commands.pointers import StageHolder

#: what a registry without ``GET /v1/compare`` answers (an older deployment): the summary compares itself
NO_COMPARISON = (404, 405)


def version_uri_of(model: str, ref: str) -> str:
    """What a user types after a model name → its ``models:/`` URI.

    ``7`` and ``1.4.0`` name versions, ``@champion`` an alias, ``latest`` the newest ready version,
    any other word a stage (``production``, or MLflow's ``Production``); a URI stays as it is.
    """
    text = ref.strip()
    if is_uri(text):
        return text
    if VERSION_RE.fullmatch(text) or SEMVER_RE.fullmatch(text):
        return f"models:/{model}/{text}"
    if text.startswith("@"):
        return f"models:/{model}@{check_pointer(text[1:], 'alias')}"
    if text.lower() == "latest":
        return f"models:/{model}/latest"
    return f"models:/{model}/stage/{check_pointer(text.lower(), 'stage')}"


@dataclass(frozen=True)
class Comparison:
    """The registry's comparison of ``base`` and ``head`` (head is the candidate, base what it replaces)."""

    base_uri: str
    head_uri: str
    data: JSON


def compare(client: Client, base_uri: str, head_uri: str) -> Comparison:
    return Comparison(base_uri, head_uri, client.compare(base_uri, head_uri))


@dataclass(frozen=True)
class Lineage:
    """``answer``: ``{"version": summary, "ancestors": [tree], "descendants": [tree]}``."""

    uri: str
    data: JSON


def lineage(client: Client, uri: str, depth: int | None = None) -> Lineage:
    return Lineage(uri, client.lineage(uri, depth))


def compare_with_holder(client: Client, model: str, number: int, holder: StageHolder | None) -> JSON | None:
    """The registry's comparison of version ``number`` (head) with what a stage held (base).

    None when there is nothing to compare with (the stage was empty or held this very version), or
    when the registry has no comparison to give: a step summary then sets the metrics side by side
    itself, and a step never fails over its summary.
    """
    if holder is None or holder.version is None or holder.version == number:
        return None
    try:
        return client.compare(f"models:/{model}/{holder.version}", f"models:/{model}/{number}")
    except RegistryError as exc:
        if exc.status in NO_COMPARISON:
            return None
        raise
