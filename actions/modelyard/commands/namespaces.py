"""Namespaces and owners: list, show, create and change namespaces; add and remove the owners of a namespace
and of a model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from modelyard.commands.results import JSON, Answer

if TYPE_CHECKING:
    from modelyard.client import Client


def list_namespaces(client: Client) -> Answer[list[JSON]]:
    return Answer(list(client.list_namespaces()))


def show_namespace(client: Client, name: str) -> Answer[JSON]:
    return Answer(client.get_namespace(name))


def create_namespace(
    client: Client, name: str, owners: list[JSON], *, description: str | None, private: bool
) -> Answer[JSON]:
    return Answer(client.create_namespace(name, owners, description=description, private=private))


def update_namespace(
    client: Client, name: str, *, description: str | None, private: bool | None, expected_revision: int | None
) -> Answer[JSON]:
    changed = client.update_namespace(
        name, description=description, private=private, expected_revision=expected_revision
    )
    return Answer(changed)


def delete_namespace(client: Client, name: str, *, expected_revision: int | None) -> Answer[JSON]:
    return Answer(client.delete_namespace(name, expected_revision=expected_revision))


def add_namespace_owner(client: Client, name: str, owner: JSON, label: str | None) -> Answer[JSON]:
    return Answer(client.add_namespace_owner(name, owner, label))


def remove_namespace_owner(client: Client, name: str, owner: JSON) -> Answer[JSON]:
    return Answer(client.remove_namespace_owner(name, owner))


def add_model_owner(client: Client, name: str, repository_id: str, repository: str) -> Answer[JSON]:
    return Answer(client.add_model_owner(name, repository_id, repository))


def remove_model_owner(client: Client, name: str, repository_id: str) -> Answer[JSON]:
    return Answer(client.remove_model_owner(name, repository_id))


def namespace_policy(client: Client, name: str) -> Answer[JSON]:
    return Answer(client.get_namespace_policy(name))


def set_namespace_policy(client: Client, name: str, document: Mapping[str, Any], expected: int | None) -> Answer[JSON]:
    """Replace the layer (admins); without ``expected`` the revision replaced is the one in force now."""
    if expected is None:
        expected = int(client.get_namespace_policy(name).get("revision", 0))
    return Answer(client.set_namespace_policy(name, document, expected_revision=expected))
