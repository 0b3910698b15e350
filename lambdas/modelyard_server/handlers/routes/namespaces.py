"""/v1/namespaces: namespace records (admins create them; admins and owners change them) and their owners."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from modelyard_server.domain.names import GITHUB_ID_PATTERN, NAMESPACE_PATTERN, TEAM_PATTERN
from modelyard_server.domain.principal import Principal
from modelyard_server.handlers.auth import authenticated_principal
from modelyard_server.handlers.routes.deferred import Deferred
from modelyard_server.handlers.routes.params import WholeNumberIn

if TYPE_CHECKING:
    from modelyard_server.domain import namespace_deletion, namespace_records, namespaces, policies
else:  # loaded by the first request that needs them (see `deferred`)
    namespace_deletion = Deferred("modelyard_server.domain.namespace_deletion")
    policies = Deferred("modelyard_server.domain.policies")
    namespace_records = Deferred("modelyard_server.domain.namespace_records")
    namespaces = Deferred("modelyard_server.domain.namespaces")

router = Router()
Caller = Annotated[Principal, Depends(authenticated_principal)]
NamespaceParam = Annotated[str, Path(pattern=NAMESPACE_PATTERN, max_length=39, description="Namespace name")]
TeamQuery = Annotated[str | None, Query(pattern=TEAM_PATTERN, max_length=140, description="A team owner, `org/team`")]
PersonQuery = Annotated[
    str | None, Query(pattern=GITHUB_ID_PATTERN, max_length=20, description="A person owner's GitHub user id")
]
RepositoryQuery = Annotated[
    str | None, Query(pattern=GITHUB_ID_PATTERN, max_length=20, description="A repository owner's id")
]
RevisionQuery = Annotated[
    int | None,
    Query(description="The revision you read: if the namespace changed since, 409"),
    WholeNumberIn(0, 10**9),
]


@router.post("/v1/namespaces", summary="Create a namespace (admins)", tags=["namespaces"])
def create_namespace(
    body: namespace_records.CreateNamespaceRequest, caller: Caller
) -> Response[namespace_records.NamespaceRecord]:
    record = namespaces.create_namespace(body, caller)
    headers = {"Location": f"/v1/namespaces/{record.name}"}
    return Response(status_code=201, content_type="application/json", body=record, headers=headers)


@router.get(
    "/v1/namespaces",
    summary="The namespaces the caller can see (private ones only to their members)",
    description="Every public namespace, and the private ones the caller is a member of, by name. One storage read.",
    tags=["namespaces"],
)
def list_namespaces(caller: Caller) -> namespace_records.NamespaceList:
    return namespaces.list_namespaces(caller)


@router.get(
    "/v1/namespaces/<namespace>",
    summary="A namespace: description, owners, privacy",
    description="A private namespace answers 404 to everyone but its members, as a missing one does.",
    tags=["namespaces"],
)
def get_namespace(namespace: NamespaceParam, caller: Caller) -> namespace_records.NamespaceRecord:
    return namespaces.visible_namespace(namespace, caller)


@router.patch(
    "/v1/namespaces/<namespace>",
    summary="Change a namespace's description or privacy (admins and its owners)",
    tags=["namespaces"],
)
def update_namespace(
    namespace: NamespaceParam, body: namespace_records.UpdateNamespaceRequest, caller: Caller
) -> namespace_records.NamespaceRecord:
    return namespaces.update_namespace(namespace, body, caller)


@router.delete(
    "/v1/namespaces/<namespace>",
    summary="Delete an empty namespace (admins and its owners), with its policy layer and role grants",
    description="Only a namespace that holds no model (of any status): one that does answers 409 "
    "`namespace-not-empty`, naming how many, and nothing changes (models are archived, never deleted). Its policy "
    "layer and the role grants scoped to it go with it, in the same write, so a later namespace of the same name "
    "inherits neither; the governance trail records `namespace.deleted` with what was removed. A model registered "
    "into it meanwhile either makes the delete 409 or is refused (404): none is left without its namespace.",
    tags=["namespaces"],
)
def delete_namespace(
    namespace: NamespaceParam, caller: Caller, expected_revision: RevisionQuery = None
) -> namespace_records.NamespaceDeleted:
    return namespace_deletion.delete_namespace(namespace, caller, expected=expected_revision)


@router.post(
    "/v1/namespaces/<namespace>/owners",
    summary="Add an owner to a namespace: a team, a person or a repository (admins and its owners)",
    tags=["namespaces"],
)
def add_namespace_owner(
    namespace: NamespaceParam, body: namespace_records.AddOwnerRequest, caller: Caller
) -> namespace_records.NamespaceRecord:
    return namespaces.add_owner(namespace, body, caller)


@router.delete(
    "/v1/namespaces/<namespace>/owners",
    summary="Remove an owner from a namespace (admins and its owners); never the last one",
    description="Name the owner by exactly one of `team`, `person` (GitHub user id) or `repository` (id): none or "
    "several is a 422 `one-grantee-required`, as `DELETE /v1/roles` answers. Removing the last owner is refused "
    "(409): add another first.",
    tags=["namespaces"],
)
def remove_namespace_owner(
    namespace: NamespaceParam,
    caller: Caller,
    team: TeamQuery = None,
    person: PersonQuery = None,
    repository: RepositoryQuery = None,
    expected_revision: RevisionQuery = None,
) -> namespace_records.NamespaceRecord:
    return namespaces.remove_owner(
        namespace, caller, team=team, person=person, repository=repository, expected=expected_revision
    )


@router.get(
    "/v1/namespaces/<namespace>/policy",
    summary="A namespace's policy layer: between the registry's and a model's override",
    description="Applies to every model named `namespace/...`. Revision 0 and an empty document while none is set.",
    tags=["policy"],
)
def get_namespace_policy(namespace: NamespaceParam, caller: Caller) -> policies.PolicyView:
    return policies.namespace_policy(namespace, caller)


@router.put(
    "/v1/namespaces/<namespace>/policy",
    summary="Replace a namespace's policy layer (admins)",
    description="Its stage rules replace the registry's for the namespace's models (a model's override replaces "
    "them in turn); its gates add to the registry's. Recorded in the governance trail (`policy.namespace.set`).",
    tags=["policy"],
)
def set_namespace_policy(
    namespace: NamespaceParam, body: policies.SetPolicyRequest, caller: Caller
) -> policies.PolicyView:
    return policies.set_namespace_policy(namespace, body, caller)
