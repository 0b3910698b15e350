"""/ui/audit (the registry's governance trail, admins) and /ui/models/<name>/events (a model's trail)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from modelyard_server.handlers.routes.deferred import Deferred
from modelyard_server.handlers.routes.params import LimitQuery, ModelNameParam, NextTokenQuery
from modelyard_server.ui.web_session import Csrf, Person

if TYPE_CHECKING:
    from modelyard_server.domain import access, audit, catalog, governance_audit
    from modelyard_server.ui import audit_view, rendering
else:  # loaded by the first page that needs them (see handlers/routes/deferred.py)
    access = Deferred("modelyard_server.domain.access")
    audit = Deferred("modelyard_server.domain.audit")
    catalog = Deferred("modelyard_server.domain.catalog")
    governance_audit = Deferred("modelyard_server.domain.governance_audit")
    audit_view = Deferred("modelyard_server.ui.audit_view")
    rendering = Deferred("modelyard_server.ui.rendering")

router = Router()
TrailOrder = Annotated[Literal["newest", "oldest"], Query(description="newest: the latest events; oldest: every page")]
PAGE_SIZE = 50
FilterText = Annotated[str, Query(max_length=1024)]
EventIdQuery = Annotated[
    str | None, Query(pattern=r"^[0-9A-Z]{26}$", description="the newest-first trail from just older than this event")
]


@router.get("/ui/audit", include_in_schema=False)
def registry_audit(
    person: Person,
    csrf: Csrf,
    kind: FilterText = "",
    actor: FilterText = "",
    after: FilterText = "",
    before: FilterText = "",
    order: FilterText = "",
    limit: LimitQuery = PAGE_SIZE,
    next_token: NextTokenQuery = None,
) -> Response[str]:
    # a form sends its empty fields too: an empty field is no filter (the API refuses empty filters instead)
    filters = audit_view.governance_filters(kind, actor, after, before, order)
    found = governance_audit.list_governance_events(person, filters, limit, next_token)
    return rendering.page(
        "registry_audit.html",
        viewer=person,
        csrf=csrf,
        filters=filters,
        kind=",".join(filters.kind or []),
        entries=[audit_view.entry(event) for event in found.items],
        next_page=audit_view.next_registry_page(filters, limit, found.next_token),
    )


@router.get("/ui/models/<name>/events", include_in_schema=False)
def model_audit(
    name: ModelNameParam,
    person: Person,
    csrf: Csrf,
    order: TrailOrder = "newest",
    limit: LimitQuery = PAGE_SIZE,
    next_token: NextTokenQuery = None,
    before: EventIdQuery = None,
) -> Response[str]:
    # newest first (what someone in an incident wants), paged back a read at a time from the latest events; or
    # the whole trail oldest first, a page at a time, as the API serves it
    newest_first = audit_view.newest_first(order, next_token, before)
    if newest_first:
        page = audit.newest_first_page(name, limit, before)
        items, later = page.items, audit_view.older_model_page(name, limit, page.older_than)
    else:
        found = audit.list_events(name, limit, next_token)
        items, later = found.items, audit_view.next_model_page(name, limit, found.next_token)
    model = catalog.get_model(name)
    return rendering.page(
        "model_audit.html",
        viewer=person,
        csrf=csrf,
        model=model,
        newest_first=newest_first,
        paged_back=before is not None,
        entries=[audit_view.entry(event) for event in items],
        next_page=later,
        may_operate=access.can(person, "operate", model),
    )
