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


def count_grant_at(transaction: LabelledTransaction, name: str) -> None:
    """Add to `transaction` (a role grant at namespace `name`) one to the namespace's grant counter, iff it is
    there (ConditionFailed({'namespace'}) otherwise). A delete reads the counter before the grants and is
    conditioned on it: a grant made after the delete read them changes it, so the delete cannot leave it behind
    for a new namespace of the same name (`DynamoNamespaceStore.delete_namespace`)."""
    item = NamespaceItem(NAMESPACES_PK, NAMESPACE_PREFIX + name)
    transaction.update("namespace", item, [NamespaceItem.grants.add(1)], LIVE)
