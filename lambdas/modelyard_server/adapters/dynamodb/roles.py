"""Role grants in the registry table.

==========================================================  ==========================================
key (PK / SK)                                               item
==========================================================  ==========================================
``ROLES`` / ``G#<scope>#<role>#<grantee kind>#<grantee>``   one grant (item kind ``role_grant``)
==========================================================  ==========================================

Grants are few, so one partition holds them all and one Query reads them all (a page is 1 MB: thousands
of grants). A grant or a revocation and its governance event (``governance_trail``) are one
TransactWriteItems, conditioned on the grant's absence or presence: a no-op stores no event. A revoked
grant stays as a tombstone (``revoked``), which a later grant of the same key overwrites: the API
function deletes no item (its IAM policy has no DeleteItem), and the trail keeps who revoked what.
"""

from __future__ import annotations

from modelyard_server.adapters.dynamodb.governance_trail import governance_event_item
from modelyard_server.adapters.dynamodb.items import RegistryItem, RoleGrantItem, json_record
from modelyard_server.adapters.dynamodb.namespace_keys import count_grant_at
from modelyard_server.adapters.dynamodb.transactions import LabelledTransaction
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.role_grants import REGISTRY_SCOPE, GrantKey, RoleGrant
from modelyard_server.ports.records import ConditionFailed

ROLES_PK = "ROLES"


def grant_sort_key(key: GrantKey) -> str:
    # Scope, grantee kind and grantee have no '#' (their patterns), so the key splits back unambiguously.
    return f"G#{key.scope}#{key.role}#{key.grantee_kind}#{key.grantee}"


class DynamoRoleGrants:
    def all_grants(self) -> list[RoleGrant]:
        items = RoleGrantItem.query(ROLES_PK, RegistryItem.sk.startswith("G#"), consistent_read=True)
        return [RoleGrant.model_validate(item.record) for item in items if not item.revoked]

    def add_grant(self, grant: RoleGrant, audit: EventRecord) -> bool:
        transaction = LabelledTransaction()
        item = RoleGrantItem(ROLES_PK, grant_sort_key(grant), record=json_record(grant))
        transaction.put("grant", item, RegistryItem.sk.does_not_exist() | (RoleGrantItem.revoked == True))  # noqa: E712
        if grant.scope != REGISTRY_SCOPE:  # a namespace deleted meanwhile must not pass its grant on to a new one
            count_grant_at(transaction, grant.scope)
        transaction.put("audit", governance_event_item(audit))
        return _committed(transaction)

    def remove_grant(self, key: GrantKey, audit: EventRecord) -> bool:
        transaction = LabelledTransaction()
        held = RegistryItem.sk.exists() & RoleGrantItem.revoked.does_not_exist()
        item = RoleGrantItem(ROLES_PK, grant_sort_key(key))
        transaction.update("grant", item, [RoleGrantItem.revoked.set(True)], held)
        transaction.put("audit", governance_event_item(audit))
        return _committed(transaction)


def _committed(transaction: LabelledTransaction) -> bool:
    try:
        transaction.commit()
    except ConditionFailed as failed:
        if "grant" in failed.failed:
            return False
        raise
    return True
