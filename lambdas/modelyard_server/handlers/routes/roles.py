"""/v1/roles: who holds which role, registry-wide or in a namespace (admins)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Query

from modelyard_server.domain.principal import Principal
from modelyard_server.handlers.auth import authenticated_principal
from modelyard_server.handlers.routes.deferred import Deferred

if TYPE_CHECKING:
    from modelyard_server.domain import role_grants, roles
else:  # loaded by the first request that needs them (see `deferred`)
    role_grants = Deferred("modelyard_server.domain.role_grants")
    roles = Deferred("modelyard_server.domain.roles")

router = Router()
Caller = Annotated[Principal, Depends(authenticated_principal)]


@router.get(
    "/v1/roles",
    summary="Role grants, registry-wide (`*`) and per namespace (admins)",
    description="Roles: reader, developer, reviewer, ops, admin. Each grant names a GitHub team (`org/team`), "
    "a person (GitHub user id) or a repository (repository id). Deployment settings (MODELYARD_ADMIN_*, "
    "MODELYARD_REVIEWER_*) and model owners hold roles without a grant and are not listed.",
    tags=["roles"],
)
def list_roles(caller: Caller, filters: Annotated[role_grants.RoleFilters, Query()]) -> role_grants.RoleGrantList:
    return roles.list_grants(caller, filters)


@router.post(
    "/v1/roles",
    summary="Grant a role (admins): 201 when new, 200 when the grant already existed (nothing changes)",
    tags=["roles"],
)
def grant_role(body: role_grants.GrantRoleRequest, caller: Caller) -> Response[role_grants.GrantAnswer]:
    answer = roles.grant_role(body, caller)
    return Response(status_code=200 if answer.already_granted else 201, content_type="application/json", body=answer)


@router.delete(
    "/v1/roles",
    summary="Revoke a role (admins): name the scope, the role and exactly one of team, person or repository",
    description="None or several of `team`, `person` and `repository` is a 422 `one-grantee-required`, as "
    "removing a namespace owner answers.",
    tags=["roles"],
)
def revoke_role(caller: Caller, grant: Annotated[role_grants.RevokeRoleQuery, Query()]) -> role_grants.RevokeAnswer:
    return roles.revoke_role(grant, caller)
