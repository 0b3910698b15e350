"""Who may do what: the one table of capabilities by role, and the one check every use case calls.

A caller's roles at a namespace are the roles granted at `*` (the whole registry) and at that namespace
(`domain/role_grants.py`, stored in the registry), to them:

* a GitHub team, when the caller is a person whose session lists that team (compared case-insensitively;
  the session is made anew from GitHub at each exchange, so leaving a team takes its roles away then);
* a person, by GitHub user id (a person's session; never a workflow run they triggered);
* a repository, by the `repository_id` claim of a workflow run's token (never by its name).

Besides grants: the deployment's environment lists bootstrap the registry (MODELYARD_ADMIN_* are admins
and MODELYARD_REVIEWER_* reviewers, registry-wide), and a model's owner repositories (by id, as they were
recorded when the model was made) are developers of that model.

Rules the table cannot say live in their use cases and hold for every role, admins included: promotion
keeps its environment and approval rules (domain/stage_rules.py), a version's registrant's own review does
not count (domain/review_records.py), and a rollback by the operate capability needs a reason
(domain/pointers.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, NoReturn, get_args

from modelyard_server.domain.errors import Forbidden
from modelyard_server.domain.names import namespace_of
from modelyard_server.domain.principal import is_grantee
from modelyard_server.domain.role_grants import REGISTRY_SCOPE, ROLES, Role, RoleGrant, ScopeRoles
from modelyard_server.ports import backend
from modelyard_server.settings import get_settings

if TYPE_CHECKING:
    from modelyard_server.domain.model_records import ModelRecord
    from modelyard_server.domain.principal import Principal

Capability = Literal["read", "develop", "promote", "review", "operate", "administer"]
CAPABILITIES: tuple[Capability, ...] = get_args(Capability)

# THE table. What each capability covers:
#   read        read models, versions, stages, events, downloads (every token may, for now: see `can`)
#   develop     create versions (register, upload, complete), validate, set and remove aliases, edit a model,
#               archive or deprecate its versions
#   promote     move a stage forward (and back, from a job in the stage's GitHub environment), under every
#               rule of the stage's policy
#   review      sign off a version (approve, request changes)
#   operate     incidents: roll any stage back and archive or deprecate, as a person, without an
#               environment's token, saying why; never a move forward
#   administer  registry and model policies, notification routes, roles, the audit trail and the security
#               log, restoring archived versions
ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    "reader": frozenset({"read"}),
    "developer": frozenset({"read", "develop", "promote"}),
    "reviewer": frozenset({"read", "review"}),
    "ops": frozenset({"read", "operate"}),
    "admin": frozenset(CAPABILITIES),
}
OWNER_ROLE: Role = "developer"  # what a model's owner repositories are on their model


def holders(capability: Capability) -> list[Role]:
    """The roles that carry `capability`, in the table's order."""
    return [role for role in ROLES if capability in ROLE_CAPABILITIES[role]]


def bootstrap_roles(principal: Principal) -> set[Role]:
    """Registry-wide roles the deployment's settings give (they need no grant, and cannot be revoked here)."""
    settings = get_settings()
    roles: set[Role] = set()
    if principal.repository in settings.admin_repositories or principal.subject in settings.admin_subjects:
        roles.add("admin")
    if principal.repository in settings.reviewer_repositories or principal.subject in settings.reviewer_subjects:
        roles.add("reviewer")
    return roles


def grant_matches(grant: RoleGrant, principal: Principal) -> bool:
    return is_grantee(principal, grant.grantee_kind, grant.grantee)


def granted_roles(principal: Principal, namespace: str | None, grants: list[RoleGrant]) -> set[Role]:
    scopes = {REGISTRY_SCOPE} | ({namespace} if namespace is not None else set())
    return {grant.role for grant in grants if grant.scope in scopes and grant_matches(grant, principal)}


def roles_of(principal: Principal, namespace: str | None) -> set[Role]:
    """The caller's roles at `namespace` (None: outside any namespace): settings, `*` grants, the namespace's."""
    return bootstrap_roles(principal) | granted_roles(principal, namespace, backend().roles.all_grants())


def roles_by_scope(principal: Principal) -> list[ScopeRoles]:
    """Every scope where the caller holds a role, `*` first (what whoami shows)."""
    found: dict[str, set[Role]] = {REGISTRY_SCOPE: bootstrap_roles(principal)}
    for grant in backend().roles.all_grants():
        if grant_matches(grant, principal):
            found.setdefault(grant.scope, set()).add(grant.role)
    ordered = sorted(found, key=lambda scope: (scope != REGISTRY_SCOPE, scope))
    return [ScopeRoles(scope=s, roles=[r for r in ROLES if r in found[s]]) for s in ordered if found[s]]


def owns(model: ModelRecord, principal: Principal) -> bool:
    """Whether the caller is a run of one of `model`'s owner repositories (by id when the model recorded ids)."""
    if principal.repository is None or principal.repository not in model.owners:
        return False
    repository_id = principal.claims.get("repository_id")
    # Same name, another id: the owner was deleted or renamed and the name taken again.
    return not (model.owner_ids and repository_id is not None and str(repository_id) not in model.owner_ids)


def _cheap_roles(principal: Principal, model: ModelRecord | None) -> set[Role]:
    """Roles known without reading the grants: owners' writes and bootstrap admins cost no extra read."""
    roles = bootstrap_roles(principal)
    if model is not None and owns(model, principal):
        roles.add(OWNER_ROLE)
    return roles


def can(
    principal: Principal, capability: Capability, model: ModelRecord | None = None, *, namespace: str | None = None
) -> bool:
    """Whether the caller may use `capability` on `model`, or in `namespace` (neither: registry-wide)."""
    if capability == "read":
        return True  # every verified token reads, for now: private namespaces will narrow this
    wanted = set(holders(capability))
    if _cheap_roles(principal, model) & wanted:
        return True
    if model is not None:
        namespace = namespace_of(model.name)
    return bool(granted_roles(principal, namespace, backend().roles.all_grants()) & wanted)


def require(
    principal: Principal,
    capability: Capability,
    model: ModelRecord | None = None,
    *,
    action: str,
    namespace: str | None = None,
) -> None:
    """Forbidden (403) unless the caller may use `capability` on `model` or in `namespace`; `action` says what
    was tried."""
    if not can(principal, capability, model, namespace=namespace):
        refuse(principal, capability, model, action=action, namespace=namespace)


def refuse(
    principal: Principal,
    capability: Capability,
    model: ModelRecord | None = None,
    *,
    action: str,
    namespace: str | None = None,
) -> NoReturn:
    """The refusal of `action` to a caller without `capability`: for a workflow that does not own the model,
    which repositories do; else which roles would do."""
    if model is not None and capability in ROLE_CAPABILITIES[OWNER_ROLE] and not principal.is_person:
        _refuse_as_non_owner(model, principal)
    if model is not None:
        namespace = namespace_of(model.name)
    where = f"of namespace '{namespace}' or the registry" if namespace is not None else "of the registry"
    names = " or ".join(role if role == "ops" else f"{role}s" for role in holders(capability))
    raise Forbidden(
        f"{action} is for {names} {where}; {principal.display_name} ({principal.subject}) has no such role "
        "(an admin grants roles: modelyard roles grant)"
    )


def require_any(principal: Principal, capabilities: tuple[Capability, ...], model: ModelRecord, *, action: str) -> None:
    """`require` for an action that any one of several capabilities allows (refused as for the first)."""
    if any(can(principal, capability, model) for capability in capabilities):
        return
    require(principal, capabilities[0], model, action=action)


def _refuse_as_non_owner(model: ModelRecord, principal: Principal) -> NoReturn:
    """A workflow that is not the model's owner: say which repositories own it (what a developer needs)."""
    if principal.repository is None:
        raise Forbidden(f"changing model '{model.name}' needs a token with a 'repository' claim")
    if principal.repository not in model.owners:
        owners = ", ".join(model.owners) or "nobody"
        raise Forbidden(f"repository '{principal.repository}' does not own model '{model.name}' (owners: {owners})")
    raise Forbidden(
        f"repository '{principal.repository}' (id {principal.claims.get('repository_id')}) is not the repository "
        f"that owns model '{model.name}': the name now belongs to a different repository"
    )
