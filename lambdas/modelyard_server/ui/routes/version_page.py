"""/ui/models/<name>/versions/<n>: one version: its artifact and download, metadata, model card, lineage,
latest validation, reviews and events.

Each part is the answer of the domain function the matching /v1 route calls, so the page shows what the
API would tell the same person. Its storage reads are a fixed number (lineage is bounded by its own limits,
events are one page), whatever the number of versions the model has.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from modelyard_server.handlers.routes.deferred import Deferred
from modelyard_server.handlers.routes.params import ModelNameParam, VersionNumberParam
from modelyard_server.settings import get_settings
from modelyard_server.ui import links, page_responses
from modelyard_server.ui.web_session import Csrf, Person

if TYPE_CHECKING:
    from markupsafe import Markup

    from modelyard_server.domain import audit, catalog, lineage_tree, reviews, validations, versions
    from modelyard_server.ui import incident_forms, lineage_graph, markdown, rendering, url_safety, version_view
else:  # loaded by the first page that needs them (see handlers/routes/deferred.py)
    audit = Deferred("modelyard_server.domain.audit")
    catalog = Deferred("modelyard_server.domain.catalog")
    lineage_tree = Deferred("modelyard_server.domain.lineage_tree")
    reviews = Deferred("modelyard_server.domain.reviews")
    validations = Deferred("modelyard_server.domain.validations")
    versions = Deferred("modelyard_server.domain.versions")
    lineage_graph = Deferred("modelyard_server.ui.lineage_graph")
    markdown = Deferred("modelyard_server.ui.markdown")
    rendering = Deferred("modelyard_server.ui.rendering")
    incident_forms = Deferred("modelyard_server.ui.incident_forms")
    version_view = Deferred("modelyard_server.ui.version_view")
    url_safety = Deferred("modelyard_server.ui.url_safety")

router = Router()
EVENTS_LOOKED_AT = 100  # the model's events read (one page) from the version's registration on
CARD_HEADING_OFFSET = 2  # the card sits under the page's h2 "Model card": its `#` is an h3


def _model_card(text: str | None) -> Markup | None:
    return markdown.render_markdown(text, heading_offset=CARD_HEADING_OFFSET) if text else None


@router.get("/ui/models/<name>/versions/<number>", include_in_schema=False)
def version_page(name: ModelNameParam, number: VersionNumberParam, person: Person, csrf: Csrf) -> Response[str]:
    version = versions.read_version(name, number, person)
    model = catalog.get_model(name)
    tree = lineage_tree.lineage_of(version.uri, person)
    # a version never validated has no report: asking would be the API's 404
    report = validations.latest_report(name, number) if version.validation is not None else None
    sign_offs = reviews.list_reviews(name, number)
    events = audit.version_events(version, EVENTS_LOOKED_AT)
    return rendering.page(
        "version.html",
        # a version a stage holds cannot be archived (the stage would point at nothing): no offer to
        may_archive=version.status != "archived"
        and not any(held.version == number for held in model.stages.values())
        and incident_forms.may_archive(person, model),
        viewer=person,
        csrf=csrf,
        version=version,
        warning=version_view.warning(version),
        downloadable=version_view.downloadable(version),
        held=version_view.holds(model, number),
        provenance=version_view.provenance_facts(version),
        compare_with_parent=version_view.parent_link(version, tree),
        model_card=_model_card(version.model_card),
        description=markdown.render_markdown(version.description) if version.description else None,
        lineage=lineage_graph.lineage_graph(tree, version.lineage, links.version, get_settings().github_url),
        report=report,
        report_run=url_safety.web_link(report.run_url) if report else None,
        reviews=version_view.review_rows(sign_offs, version),
        review_summary=sign_offs.summary,
        events=version_view.event_rows(events.items),
        more_events=events.more,
        param_text=version_view.param_text,
    )


@router.get("/ui/models/<name>/versions/<number>/download", include_in_schema=False)
def download(name: ModelNameParam, number: VersionNumberParam, person: Person) -> Response[str]:
    """The artifact: the same short-lived link `GET /v1/.../download` hands out (S3, or the local blob store)."""
    return page_responses.redirect(versions.download_link(name, number).url)  # no template: no Jinja
