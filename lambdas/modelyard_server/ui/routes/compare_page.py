"""/ui/compare: two versions side by side (metrics with their change, params, lineage, signature, validation)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from modelyard_server.handlers.routes.deferred import Deferred
from modelyard_server.ui.web_session import Csrf, Person

if TYPE_CHECKING:
    from modelyard_server.domain import catalog, visibility
    from modelyard_server.domain import compare as comparing
    from modelyard_server.ui import compare_view, incident_forms, rendering
else:  # loaded by the first page that needs them (see handlers/routes/deferred.py)
    catalog = Deferred("modelyard_server.domain.catalog")
    visibility = Deferred("modelyard_server.domain.visibility")
    comparing = Deferred("modelyard_server.domain.compare")
    compare_view = Deferred("modelyard_server.ui.compare_view")
    incident_forms = Deferred("modelyard_server.ui.incident_forms")
    rendering = Deferred("modelyard_server.ui.rendering")

router = Router()
# The API's pattern is checked by the view (an empty field of the form is "not chosen", not a malformed URI).
UriText = Annotated[str, Query(max_length=300)]


@router.get("/ui/compare", include_in_schema=False)
def compare_page(person: Person, csrf: Csrf, base: UriText = "", head: UriText = "") -> Response[str]:
    chosen = compare_view.chosen_uris(base.strip(), head.strip())
    if chosen is None:
        return rendering.page("compare.html", viewer=person, csrf=csrf, base=base, head=head, comparison=None)
    visibility.require_visible(person, compare_view.models_of(chosen))  # a hidden model is a missing one (404)
    comparison = comparing.compare_uris(*chosen, person)
    # who may archive either version (its model's developers, ops, admins): one read per model compared
    models = {name: catalog.get_model(name) for name in {comparison.base.model, comparison.head.model}}
    may_archive = {name: incident_forms.may_archive(person, model) for name, model in models.items()}
    return rendering.page(
        "compare.html",
        viewer=person,
        csrf=csrf,
        base=chosen[0],
        head=chosen[1],
        comparison=comparison,
        metrics=[compare_view.metric_row(metric) for metric in comparison.metrics],
        view=compare_view,
        may_archive=may_archive,
    )
