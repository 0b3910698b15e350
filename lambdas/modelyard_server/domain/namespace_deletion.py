"""Deleting a namespace (admins and its owners): only an empty one, and its policy layer and the role grants
scoped to it go with it, so a later namespace of the same name starts clean.

Models are never deleted (they are archived), so a namespace that ever held one can never be deleted: its
models would be left in a namespace nobody governs. The storage write is conditional (see
`NamespaceStore.delete_namespace`): a model registered into the namespace while the delete runs either lands
first (the delete is refused) or finds the namespace gone (the registration is refused), never orphaned.
"""

from __future__ import annotations

from typing import Any

from modelyard_server.domain.errors import NamespaceChanged, NamespaceGrantsTooMany, NamespaceNotEmpty
from modelyard_server.domain.governance_audit import NAMESPACE_DELETED, governance_event
from modelyard_server.domain.namespace_records import NamespaceDeleted
from modelyard_server.domain.namespaces import governed_namespace, namespace_subject, require_revision, shown_namespace
from modelyard_server.domain.principal import Principal
from modelyard_server.ports import backend
from modelyard_server.ports.records import ConditionFailed

_NAMES_SHOWN = 2
# The grants removed with the namespace, in its one write: DynamoDB's TransactWriteItems takes 100 items, and the
# namespace, its policy layer and the governance event are three of them.
MAX_GRANTS_REMOVED = 97


def delete_namespace(name: str, principal: Principal, *, expected: int | None) -> NamespaceDeleted:
    record = governed_namespace(name, principal, "deleting")
    require_revision(record, expected)
    _require_empty(name)
    grants = [grant for grant in backend().roles.all_grants() if grant.scope == name]
    if len(grants) > MAX_GRANTS_REMOVED:
        raise NamespaceGrantsTooMany(
            f"namespace '{name}' holds {len(grants)} role grants: a namespace is deleted with at most "
            f"{MAX_GRANTS_REMOVED} (they go in one write); revoke the others first (`DELETE /v1/roles`)",
            role_grants=len(grants),
        )
    policy = backend().namespaces.get_namespace_policy(name)
    removed: dict[str, Any] = {
        **shown_namespace(record),
        "revision": record.revision,
        "policy": None if policy is None else {"revision": policy[1], "document": policy[0].get("document")},
        "role_grants": [grant.key().model_dump(mode="json") for grant in grants],
    }
    audit = governance_event(NAMESPACE_DELETED, principal, removed, None, subject=namespace_subject(name))
    try:
        backend().namespaces.delete_namespace(
            name, record.revision, 0 if policy is None else policy[1], [grant.key() for grant in grants], audit
        )
    except ConditionFailed as error:
        # A model registered meanwhile says so (on DynamoDB the models index may not show it yet: then the
        # answer is namespace-changed, a 409 too); anything else is a change to read again.
        _require_empty(name)
        raise NamespaceChanged(f"namespace '{name}' changed while this request ran: read it again") from error
    return NamespaceDeleted(deleted=name, policy_removed=policy is not None, role_grants_removed=len(grants))


def _require_empty(name: str) -> None:
    held = backend().namespaces.models_in_namespace(name)
    if not held:
        return
    shown = ", ".join(f"'{model}'" for model in held[:_NAMES_SHOWN]) + (" …" if len(held) > _NAMES_SHOWN else "")
    raise NamespaceNotEmpty(
        f"namespace '{name}' holds {len(held)} model{'s' if len(held) != 1 else ''} ({shown}): a namespace is "
        "deleted only when empty, and models are archived, never deleted, so it must keep them",
        models=len(held),
    )
