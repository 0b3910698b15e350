"""Which registry pages a notification links to: a move of a stage or alias, the comparison of the new holder
with the one before and the new holder's page; any other change of a version, that version's page; a change
of the model alone, the model's page. Absolute, on the registry's public URL; none when it has none.

The addresses come from modelyard_server/page_addresses.py, which the pages' own link builder (ui/links.py)
uses too, so a message and the pages can never disagree on an address, and the notifier loads no page machinery.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modelyard_server import page_addresses
from modelyard_server.domain.event_record import EventRecord

MOVES = ("model.version.promoted", "model.version.rolled_back", "model.alias.set")


@dataclass(frozen=True)
class PageLink:
    label: str
    url: str


def _number(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _paths(event: EventRecord) -> list[tuple[str, str]]:
    model = event.model
    before = _number((event.before or {}).get("version"))
    after = _number((event.after or {}).get("version")) or _number(event.version)
    paths: list[tuple[str, str]] = []
    if event.type in MOVES and before is not None and after is not None and before != after:
        base, head = page_addresses.version_uri(model, before), page_addresses.version_uri(model, after)
        paths.append((f"Compare v{before} with v{after}", page_addresses.compare(base, head)))
    if after is not None:
        paths.append((f"Open v{after}", page_addresses.version(model, after)))
    else:
        paths.append((f"Open {model}", page_addresses.model(model)))
    return paths


def page_links(event: EventRecord, public_url: str | None) -> list[PageLink]:
    """The pages an event's message links to, on the registry at `public_url` (none when it is not set)."""
    if ":" in event.model:  # a governance event names what it governs (`registry:policy`), not a model
        return []
    found = [(label, page_addresses.absolute(public_url, path)) for label, path in _paths(event)]
    return [PageLink(label, url) for label, url in found if url is not None]
