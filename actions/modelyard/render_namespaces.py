"""Namespaces as people read them: a namespace with its owners, and the list of namespaces."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from modelyard.render import key_values, table

KINDS = ("team", "person", "repository")


def owner_text(owner: Mapping[str, Any]) -> str:
    """`team acme/ml`, `person 583231 (octocat)`, `repository 4242 (acme/models)`."""
    kind = next((k for k in KINDS if owner.get(k)), "?")
    label = owner.get("label")
    return f"{kind} {owner.get(kind, '')}" + (f" ({label})" if label else "")


def namespace_view(namespace: Mapping[str, Any]) -> str:
    owners = namespace.get("owners") or []
    return key_values(
        [
            ("name", namespace.get("name")),
            ("description", namespace.get("description")),
            ("private", "yes: its models are hidden from non-members" if namespace.get("private") else "no"),
            ("owners", ", ".join(owner_text(o) for o in owners if isinstance(o, Mapping))),
            ("revision", namespace.get("revision")),
            ("created", f"{namespace.get('created_at')} by {namespace.get('created_by')}"),
            ("updated", namespace.get("updated_at")),
        ]
    )


def namespaces_table(namespaces: Iterable[Mapping[str, Any]]) -> str:
    rows = [
        [n.get("name"), "private" if n.get("private") else "public", len(n.get("owners") or []), n.get("description")]
        for n in namespaces
    ]
    return table(["namespace", "visibility", "owners", "description"], rows, empty="(no namespaces you can see)")
