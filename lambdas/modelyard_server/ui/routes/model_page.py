"""/ui/models/<name>: a model's page: its stages and aliases with their history, a page of its versions with
the metric columns the viewer chooses, and a chart of one metric across them with the holders marked.

Its reads are fixed whatever the model's size: the model with its pointers (one read), one page of versions,
and one page of the latest events (where each move's approvers and reasons are).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from modelyard_server.handlers.routes.deferred import Deferred
from modelyard_server.handlers.routes.params import ModelNameParam, NextTokenQuery
from modelyard_server.settings import get_settings
from modelyard_server.ui.web_session import Csrf, Person

if TYPE_CHECKING:
    from modelyard_server.domain import access, audit, catalog, search, search_params
    from modelyard_server.ui import model_view, pointer_timeline, rendering
else:  # loaded by the first page that needs them (see handlers/routes/deferred.py)
    access = Deferred("modelyard_server.domain.access")
    audit = Deferred("modelyard_server.domain.audit")
    catalog = Deferred("modelyard_server.domain.catalog")
    search = Deferred("modelyard_server.domain.search")
    search_params = Deferred("modelyard_server.domain.search_params")
    model_view = Deferred("modelyard_server.ui.model_view")
    pointer_timeline = Deferred("modelyard_server.ui.pointer_timeline")
    rendering = Deferred("modelyard_server.ui.rendering")

router = Router()
PAGE_SIZE = 25
TIMELINE_EVENTS = 100  # the latest events read for the stages' history; older moves are in the audit trail
MetricName = Annotated[str, Query(max_length=128)]


@router.get("/ui/models/<name>", include_in_schema=False)
def model_page(
    name: ModelNameParam,
    person: Person,
    csrf: Csrf,
    column: Annotated[list[str] | None, Query(max_length=128)] = None,
    metric: MetricName = "",
    next_token: NextTokenQuery = None,
) -> Response[str]:
    model = catalog.get_model(name)
    versions = search.list_versions(name, search_params.ModelVersionFilters(), PAGE_SIZE, next_token, person)
    events = audit.latest_events(name, TIMELINE_EVENTS)
    columns = model_view.metric_columns(model, versions.items, column or [])
    charted = model_view.chart_metric(metric, columns)
    held = pointer_timeline.holders(model)
    points = model_view.chart_points(versions.items, charted, held) if charted else []
    return rendering.page(
        "model.html",
        viewer=person,
        csrf=csrf,
        model=model,
        pointers=pointer_timeline.pointers(model, get_settings().stages, events),
        timeline_cut=len(events) >= TIMELINE_EVENTS,
        columns=columns,
        rows=model_view.rows(name, versions.items, columns.shown),
        compare=model_view.compare_choices(name, versions.items),
        chart_metric=charted,
        chart_points=points,
        holders=held,
        may_operate=access.can(person, "operate", model),
        page_token=next_token or "",
        first_page=model_view.page_link(name, columns.shown, metric, None) if next_token else None,
        next_page=model_view.page_link(name, columns.shown, metric, versions.next_token)
        if versions.next_token
        else None,
    )
