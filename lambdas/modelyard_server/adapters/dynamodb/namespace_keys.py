"""Where a namespace and its policy layer live in the registry table, and the condition that it is there: shared
by the namespace store and the writes that need their namespace to exist while they commit (a model's
creation, a role grant at the namespace)."""

from __future__ import annotations

from modelyard_server.adapters.dynamodb.items import NamespaceItem, RegistryItem
from modelyard_server.adapters.dynamodb.transactions import LabelledTransaction

NAMESPACES_PK = "NAMESPACES"
NAMESPACE_PREFIX = "NS#"
POLICY_PREFIX = "P#"

# A deleted namespace stays as a tombstone (the API function has no DeleteItem): "there" is "there and not deleted".
LIVE = RegistryItem.sk.exists() & NamespaceItem.deleted.does_not_exist()


def check_namespace_there(transaction: LabelledTransaction, name: str) -> None:
    """Make `transaction` fail with ConditionFailed({'namespace'}) unless namespace `name` is there."""
    transaction.check("namespace", NamespaceItem, NAMESPACES_PK, NAMESPACE_PREFIX + name, LIVE)
