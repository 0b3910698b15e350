"""/v1/audit: the registry's governance trail (admins)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Query

from modelyard_server.domain.principal import Principal
from modelyard_server.handlers.auth import authenticated_principal
from modelyard_server.handlers.routes.deferred import Deferred
from modelyard_server.handlers.routes.params import LimitQuery, NextTokenQuery

if TYPE_CHECKING:
    from modelyard_server.domain import audit_records, governance_audit
else:  # loaded by the first request that needs them (see `deferred`)
    governance_audit = Deferred("modelyard_server.domain.governance_audit")
    audit_records = Deferred("modelyard_server.domain.audit_records")

router = Router()
Caller = Annotated[Principal, Depends(authenticated_principal)]


@router.get(
    "/v1/audit",
    summary="The governance audit trail: changes of policies and notification routes, newest first (admins)",
    description="Each item is an event whose `type` is the kind of change and whose `model` names what it "
    "governs (`registry:policy`, `model:<name>`, `registry:notifications`); `detail` says who acted (kind, "
    "subject, login or repository and run, client). Policy history lives here: every `policy.registry.set` and "
    "`policy.model.set` carries the revision, digest and document before and after. Filters combine; the time "
    "window is `after` (inclusive) to `before` (exclusive), to the millisecond. Each page is one storage read, "
    "so with `kind` or `actor` a page may hold fewer items than `limit` while `next_token` says more may follow.",
    tags=["events"],
)
def list_governance_events(
    caller: Caller,
    filters: Annotated[governance_audit.AuditFilters, Query()],
    limit: LimitQuery = 50,
    next_token: NextTokenQuery = None,
) -> audit_records.EventPage:
    return governance_audit.list_governance_events(caller, filters, limit, next_token)
