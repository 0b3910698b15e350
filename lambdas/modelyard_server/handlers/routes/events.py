"""/v1/models/{name}/events: the audit trail."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends

from modelyard_server.domain.principal import Principal
from modelyard_server.handlers.auth import authenticated_principal
from modelyard_server.handlers.routes.deferred import Deferred
from modelyard_server.handlers.routes.params import LimitQuery, ModelNameParam, NextTokenQuery

if TYPE_CHECKING:
    from modelyard_server.domain import audit, audit_records
else:  # loaded by the first request that needs them (see `deferred`)
    audit = Deferred("modelyard_server.domain.audit")
    audit_records = Deferred("modelyard_server.domain.audit_records")

router = Router()
Caller = Annotated[Principal, Depends(authenticated_principal)]


@router.get("/v1/models/<name>/events", summary="A model's audit trail, oldest first", tags=["events"])
def list_events(
    name: ModelNameParam, caller: Caller, limit: LimitQuery = 50, next_token: NextTokenQuery = None
) -> audit_records.EventPage:
    return audit.list_events(name, limit, next_token)


@router.get(
    "/v1/security/events",
    summary="The security log: refused writes by callers outside a model's owners, newest first (admins)",
    tags=["events"],
)
def list_security_events(
    caller: Caller, limit: LimitQuery = 50, next_token: NextTokenQuery = None
) -> audit_records.EventPage:
    return audit.list_security_events(caller, limit, next_token)
