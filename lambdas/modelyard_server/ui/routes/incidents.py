"""Incident actions from the pages: roll a stage back, archive or deprecate a version.

Each is two steps: a GET page says what will happen and asks for a reason and a confirmation, and its POST
does it with the person's own principal through the same domain functions as the API's routes, so who may
do it, the events and the audit trail are the API's. Success is a 303 to the model's audit trail.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import Request, Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from modelyard_server.domain.principal import Principal
from modelyard_server.handlers.routes.deferred import Deferred
from modelyard_server.handlers.routes.params import ModelNameParam, PointerNameParam, VersionNumberParam
from modelyard_server.ui import links, page_responses
from modelyard_server.ui.web_session import Csrf, Person, form_fields

if TYPE_CHECKING:
    from modelyard_server.domain import access, catalog, pointer_records, pointers, version_records, versions
    from modelyard_server.ui import incident_forms, rendering
else:  # loaded by the first page that needs them (see handlers/routes/deferred.py)
    access = Deferred("modelyard_server.domain.access")
    catalog = Deferred("modelyard_server.domain.catalog")
    pointers = Deferred("modelyard_server.domain.pointers")
    pointer_records = Deferred("modelyard_server.domain.pointer_records")
    version_records = Deferred("modelyard_server.domain.version_records")
    versions = Deferred("modelyard_server.domain.versions")
    incident_forms = Deferred("modelyard_server.ui.incident_forms")
    rendering = Deferred("modelyard_server.ui.rendering")

router = Router()
ROLLBACK = "/ui/models/<name>/stages/<stage>/rollback"
ARCHIVE = "/ui/models/<name>/versions/<version>/archive"


def _confirmation_page(
    template: str,
    facts: dict[str, Any],
    person: Principal,
    csrf: str,
    form: incident_forms.IncidentForm,
    status: int = 200,
) -> Response[str]:
    """An incident action's page: what it will do (`facts`), and the form to confirm it, as posted so far."""
    return rendering.page(template, status=status, viewer=person, csrf=csrf, form=form, **facts)


def _rollback_facts(name: str, stage: str, person: Principal) -> dict[str, Any]:
    model = catalog.get_model(name)
    pointer = pointers.get_pointer(name, "stage", stage)
    return {
        "model": model,
        "pointer": pointer,
        "target": pointer.earlier_versions[-1] if pointer.version is not None and pointer.earlier_versions else None,
        "may_operate": access.can(person, "operate", model),
    }


@router.get(ROLLBACK, include_in_schema=False)
def confirm_rollback(name: ModelNameParam, stage: PointerNameParam, person: Person, csrf: Csrf) -> Response[str]:
    facts = _rollback_facts(name, stage, person)
    return _confirmation_page("rollback.html", facts, person, csrf, incident_forms.IncidentForm())


@router.post(ROLLBACK, include_in_schema=False)
def roll_back(
    name: ModelNameParam, stage: PointerNameParam, person: Person, csrf: Csrf, request: Request
) -> Response[str]:
    form, seen = incident_forms.rollback_form(form_fields(request, incident_forms.ROLLBACK_FIELDS))
    if form.errors:
        return _confirmation_page("rollback.html", _rollback_facts(name, stage, person), person, csrf, form, 422)
    pointers.rollback(name, stage, pointer_records.RollbackRequest(expected_version=seen, comment=form.reason), person)
    return page_responses.redirect(links.model_audit(name))


def _archive_facts(name: str, number: int, person: Principal) -> dict[str, Any]:
    version = versions.get_version(name, number)
    model = catalog.get_model(name)
    holders = [f"stage {stage}" for stage, held in sorted(model.stages.items()) if held.version == number]
    holders += [f"alias {alias}" for alias, held in sorted(model.aliases.items()) if held.version == number]
    return {
        "model": model,
        "version": version,
        "holders": holders,
        "may_archive": incident_forms.may_archive(person, model),
    }


@router.get(ARCHIVE, include_in_schema=False)
def confirm_archive(name: ModelNameParam, version: VersionNumberParam, person: Person, csrf: Csrf) -> Response[str]:
    facts = _archive_facts(name, version, person)
    return _confirmation_page("archive.html", facts, person, csrf, incident_forms.IncidentForm())


@router.post(ARCHIVE, include_in_schema=False)
def archive(
    name: ModelNameParam, version: VersionNumberParam, person: Person, csrf: Csrf, request: Request
) -> Response[str]:
    form = incident_forms.archive_form(form_fields(request, incident_forms.ARCHIVE_FIELDS))
    if form.errors:
        return _confirmation_page("archive.html", _archive_facts(name, version, person), person, csrf, form, 422)
    marking = version_records.ArchiveVersionRequest(status=form.status, reason=form.reason)
    versions.archive_version(name, version, marking, person)
    return page_responses.redirect(links.model_audit(name))
