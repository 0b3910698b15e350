"""The models a request names, read from the request itself: the route's model name and the model URIs of
its query (`uri=`, `base=`, `head=`). Authentication hands them to the domain's visibility rule, so every
route that names a model (today's and tomorrow's) answers a hidden model as a missing one, before it runs.

A search's `model=` is not among them: a search for a missing model answers an empty page, not a 404, and
the search store leaves hidden models out by itself (see `domain.visibility`).
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Request

from modelyard_server.domain.names import parse_model_uri
from modelyard_server.handlers.model_paths import MODEL_PREFIXES, NAME_JOINER

URI_PARAMETERS = ("uri", "base", "head")


def models_named(request: Request) -> list[str]:
    """Every model name the request names (unvalidated: the route's own validation judges their form)."""
    names: list[str] = []
    path = request.path_parameters or {}
    name = path.get("name")
    if request.route.startswith(MODEL_PREFIXES) and isinstance(name, str):
        names.append(name.replace(NAME_JOINER, "/"))  # a namespaced name's two segments, as routed
    query = request.query_parameters or {}
    for parameter in URI_PARAMETERS:
        for value in str(query.get(parameter) or "").split(","):  # a repeated parameter arrives comma-joined
            uri = parse_model_uri(value)
            if uri is not None:
                names.append(uri.model)
    return names
