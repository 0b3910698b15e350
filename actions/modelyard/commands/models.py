"""Models: create one, show one, list them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from modelyard.commands.results import JSON, Answer

if TYPE_CHECKING:
    from modelyard.client import Client


def create_model(client: Client, name: str, *, description: str | None, tags: Mapping[str, str] | None) -> Answer[JSON]:
    return Answer(client.create_model(name, description=description, tags=tags or None))


def show_model(client: Client, name: str) -> Answer[JSON]:
    return Answer(client.get_model(name))


def list_models(client: Client) -> Answer[list[JSON]]:
    return Answer(list(client.list_models()))
