"""Review sign-off: approve a version or request changes (reviewers), and read who signed off."""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelyard.commands.results import JSON, Answer

if TYPE_CHECKING:
    from modelyard.client import Client, VersionRef


def review(client: Client, name: str, version: VersionRef, verdict: str, comment: str | None) -> Answer[JSON]:
    """The review as stored, with the version's sign-off summary after it."""
    return Answer(client.review(name, version, verdict, comment))


def reviews(client: Client, name: str, version: VersionRef) -> Answer[JSON]:
    """Each reviewer's latest review of the version, and the summary a stage's `min_reviews` counts."""
    return Answer(client.reviews(name, version))
