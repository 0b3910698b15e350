"""/ui/: the catalog: models with search and filters, each with its production and staging holders."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from modelyard_server.handlers.routes.deferred import Deferred
from modelyard_server.handlers.routes.params import NextTokenQuery
from modelyard_server.ui.web_session import Csrf, Person

if TYPE_CHECKING:
    from modelyard_server.domain import search
    from modelyard_server.ui import catalog_view, rendering
else:  # loaded by the first page that needs them (see handlers/routes/deferred.py)
    search = Deferred("modelyard_server.domain.search")
    catalog_view = Deferred("modelyard_server.ui.catalog_view")
    rendering = Deferred("modelyard_server.ui.rendering")

router = Router()
PAGE_SIZE = 25
FilterText = Annotated[str, Query(max_length=300)]


# "/ui" too: some gateways drop a path's trailing slash before the function sees it, so a redirect to "/ui/"
# would come back as "/ui" for ever
@router.get("/ui", include_in_schema=False)
@router.get("/ui/", include_in_schema=False)
def catalog(
    person: Person,
    csrf: Csrf,
    name_prefix: FilterText = "",
    namespace: FilterText = "",
    tag: Annotated[list[str] | None, Query(max_length=300)] = None,
    owner: FilterText = "",
    stage: FilterText = "",
    next_token: NextTokenQuery = None,
) -> Response[str]:
    # a form sends its empty fields too: an empty field is no filter (the API refuses empty filters instead)
    filters = catalog_view.chosen_filters(name_prefix, namespace, tag, owner, stage)
    found = search.search_models(catalog_view.with_namespace(filters, namespace), PAGE_SIZE, next_token, person)
    return rendering.page(
        "catalog.html",
        viewer=person,
        csrf=csrf,
        models=[catalog_view.entry(model) for model in found.items],
        filters=filters,
        namespace=namespace,
        next_page=catalog_view.next_page(filters, namespace, found.next_token),
    )
