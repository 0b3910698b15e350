"""What the generated OpenAPI document must add to say what the server really does.

powertools documents every operation as 200 + 422 `application/json` and gives every operation the
API's bearer requirement. The server answers every error as `application/problem+json`
(problems.py, limits.py), with the statuses below, and two operations take no token. The rules here
derive each operation's statuses from its shape (token, path parameters, body, method), so a new
route is described correctly without an entry; the tables name only what its shape does not tell.
schemathesis (tests/e2e/test_openapi_conformance.py) checks the result against the running server.
"""

from __future__ import annotations

import copy
from typing import Any

from modelyard_server.handlers.problems import PROBLEM_CONTENT_TYPE

Operation = tuple[str, str]  # (method, path)

# Authenticated otherwise: the GitHub webhook by its HMAC signature (headers below), a session by the GitHub
# token in its body, health and the sign-in discovery not at all.
PUBLIC_OPERATIONS: frozenset[Operation] = frozenset(
    {("get", "/v1/health"), ("post", "/v1/github/webhook"), ("get", "/v1/sign-in"), ("post", "/v1/sessions")}
)
# Public operations that still check credentials (a signature, a GitHub token): 401 when they do not verify.
CHECKS_CREDENTIALS: frozenset[Operation] = frozenset({("post", "/v1/github/webhook"), ("post", "/v1/sessions")})
# Public operations that answer 404 when the registry is not set up for them (sign-in not configured).
MAY_BE_UNCONFIGURED: frozenset[Operation] = frozenset({("get", "/v1/sign-in"), ("post", "/v1/sessions")})
# Answers that are not 200 when things go well.
SUCCESS_STATUSES: dict[Operation, tuple[int, ...]] = {
    ("post", "/v1/models"): (201,),
    ("post", "/v1/namespaces"): (201,),
    ("post", "/v1/models/{name}/versions"): (201, 200),  # 200: an idempotent replay
    ("post", "/v1/models/{name}/versions/{version}/validations"): (201,),
    ("post", "/v1/models/{name}/versions/{version}/reviews"): (201,),
    ("post", "/v1/roles"): (201, 200),  # 200: the grant existed already
    # 202: large bytes are hashed by the verifier; the version is `verifying` until it is ready or rejected
    ("post", "/v1/models/{name}/versions/{version}/complete"): (200, 202),
    ("delete", "/v1/sessions/current"): (204,),
}
# Successes that answer no body.
NO_CONTENT: dict[Operation, str] = {
    ("delete", "/v1/sessions/current"): "Signed out: the session token is refused from now on (no body)",
}
# Operations that ask GitHub (approvals, the protection rule's answer): 502 when it cannot be reached.
ASKS_GITHUB: frozenset[Operation] = frozenset(
    {
        ("post", "/v1/models/{name}/stages/{stage}/promote"),
        ("post", "/v1/models/{name}/stages/{stage}/rollback"),
        ("post", "/v1/github/webhook"),
    }
)
# Operations without path parameters that still name a model (in the query): 404 when there is none.
NAMES_A_MODEL_IN_THE_QUERY: frozenset[Operation] = frozenset(
    {("get", "/v1/resolve"), ("get", "/v1/compare"), ("get", "/v1/lineage")}
)
# Operations without path parameters that name a role grant (in the query): 404 when there is none.
NAMES_A_GRANT_IN_THE_QUERY: frozenset[Operation] = frozenset({("delete", "/v1/roles")})
# Operations whose body names a namespace that may not exist (a new model `ns/x`, a grant): 404 when there is none.
NAMES_A_NAMESPACE_IN_THE_BODY: frozenset[Operation] = frozenset({("post", "/v1/models"), ("post", "/v1/roles")})
# Operations answering an `ETag` and honouring `If-None-Match` with 304 (handlers/not_modified.py).
CONDITIONAL_GETS: frozenset[Operation] = frozenset({("get", "/v1/resolve")})
ETAG_HEADER: dict[str, Any] = {
    "description": "A strong entity tag of this answer: send it back as If-None-Match to be told 304 while it holds",
    "schema": {"type": "string", "pattern": '^"[0-9a-f]{32}"$'},
}
NOT_MODIFIED: dict[str, Any] = {
    "description": "Not modified: If-None-Match holds the current ETag (no body)",
    "headers": {"ETag": ETAG_HEADER},
}
WEBHOOK_HEADERS: list[dict[str, Any]] = [
    {
        "name": "X-Hub-Signature-256",
        "in": "header",
        "required": True,
        "description": "sha256=<hex HMAC-SHA256 of the raw body with the App's webhook secret>",
        "schema": {"type": "string", "pattern": "^sha256=[0-9a-f]{64}$"},
    },
    {"name": "X-GitHub-Event", "in": "header", "required": True, "schema": {"type": "string", "maxLength": 64}},
    {"name": "X-GitHub-Delivery", "in": "header", "required": False, "schema": {"type": "string", "maxLength": 64}},
]

STATUS_MEANINGS = {
    400: "Malformed request: JSON that does not parse, a body or header that is not UTF-8, a bad page token, "
    "a query parameter the operation does not declare (the problem's `accepted` lists those it does), a search "
    "filter that does not parse (`errors` names each, with what it accepts)",
    401: "Missing, invalid or expired credentials",
    403: "Not allowed (no role that may do this, nor an owner of the model; a person outside the allowed "
    "organizations)",
    404: "No such model, version, stage, alias, role grant or namespace (a private namespace's models and the "
    "namespace itself, to a non-member: exactly as if missing; sign-in routes: this registry does not sign people "
    "in)",
    409: "Conflict with the current state (name or label taken, pointer moved, version not in a state for this)",
    413: "Request body larger than the API accepts",
    415: "Request body that is not application/json",
    422: "Request that breaks a rule: field errors (`errors`), a key given twice, JSON nested too deeply, ...",
    502: "GitHub could not be reached",
    503: "The registry's storage is busy (other changes to the same records, or the embedded database held by "
    "another process), or GitHub could not be asked who a sign-in token belongs to: retry after `Retry-After` seconds",
    507: "The registry's storage is full (embedded registry): nothing was changed; retry once space is freed",
}

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}, "type": {}},
            },
        },
    },
}
# powertools' own error shapes, which the server never sends.
UNUSED_SCHEMAS = ("HTTPValidationError", "ValidationError", "ResponseValidationError")


# Operations that never reach the storage backend.
STORAGE_FREE_OPERATIONS: set[Operation] = {("get", "/v1/health"), ("get", "/v1/sign-in")}
# Operations that ask GitHub with the caller's token: 503 (with Retry-After) when it cannot be reached.
ASKS_GITHUB_AS_THE_USER: frozenset[Operation] = frozenset({("post", "/v1/sessions")})


# Operations whose model, grant or namespace is named outside the path: 404 when it is missing.
NAMES_IN_THE_REQUEST = NAMES_A_MODEL_IN_THE_QUERY | NAMES_A_GRANT_IN_THE_QUERY | NAMES_A_NAMESPACE_IN_THE_BODY


def _error_statuses(operation: Operation, spec: dict[str, Any]) -> set[int]:
    method, path = operation
    statuses = {400}
    public = operation in PUBLIC_OPERATIONS
    if not public or operation in CHECKS_CREDENTIALS:
        statuses.add(401)
    if not public or operation == ("post", "/v1/sessions"):  # 403: a person outside the allowed organizations
        statuses.add(403)
    if operation in MAY_BE_UNCONFIGURED:
        statuses.add(404)
    has_body = "requestBody" in spec or operation == ("post", "/v1/github/webhook")
    if spec.get("parameters") or has_body:
        statuses.add(422)
    if (
        "{" in path
        or operation in NAMES_A_MODEL_IN_THE_QUERY | NAMES_A_GRANT_IN_THE_QUERY | NAMES_A_NAMESPACE_IN_THE_BODY
    ):
        statuses.add(404)
    if has_body:
        statuses |= {413, 415}
    if not public and (method in ("post", "put", "patch", "delete") or "{" in path):
        statuses.add(409)  # also reads of a version in the wrong state (download before upload, parts after)
    if operation in ASKS_GITHUB:
        statuses.add(502)
    if operation in ASKS_GITHUB_AS_THE_USER:
        statuses.add(503)
    if operation not in STORAGE_FREE_OPERATIONS:
        statuses.add(503)
        if method in ("post", "put", "patch", "delete"):
            statuses.add(507)
    return statuses


def _responses(operation: Operation, spec: dict[str, Any]) -> dict[str, Any]:
    generated = spec.get("responses", {})
    success = generated.get("200", {"description": "Successful Response"})
    responses: dict[str, Any] = {}
    for status in SUCCESS_STATUSES.get(operation, (200,)):
        responses[str(status)] = copy.deepcopy(success)
    if operation in NO_CONTENT:
        responses["204"] = {"description": NO_CONTENT[operation]}
    if operation in CONDITIONAL_GETS:
        responses["200"]["headers"] = {"ETag": ETAG_HEADER}
        responses["304"] = NOT_MODIFIED
    for status in sorted(_error_statuses(operation, spec)):
        responses[str(status)] = {
            "description": STATUS_MEANINGS[status],
            "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    return responses


def _only_listed_keys(node: Any) -> None:
    """pydantic writes constrained dict keys as patternProperties; the server refuses every other key."""
    if isinstance(node, dict):
        if "patternProperties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _only_listed_keys(value)
    elif isinstance(node, list):
        for value in node:
            _only_listed_keys(value)


def _query_schemas(spec: dict[str, Any], schemas: dict[str, dict[str, Any]]) -> None:
    """powertools documents a model's fields as bare string parameters: give them their real schemas
    (limits, patterns, values; a list field is a repeated parameter)."""
    for parameter in spec.get("parameters", []):
        schema = schemas.get(parameter["name"])
        if parameter.get("in") == "query" and schema is not None:
            parameter["schema"] = schema
            if schema.get("type") == "array":
                parameter["style"], parameter["explode"] = "form", True


def truthful(
    document: dict[str, Any], query_schemas: dict[Operation, dict[str, dict[str, Any]]] | None = None
) -> dict[str, Any]:
    """The document with the responses, security, query parameter schemas and key rules the server really has."""
    document = copy.deepcopy(document)
    for path, operations in document.get("paths", {}).items():
        for method, spec in operations.items():
            operation = (method, path)
            spec["responses"] = _responses(operation, spec)
            _query_schemas(spec, (query_schemas or {}).get(operation, {}))
            if operation in PUBLIC_OPERATIONS:
                spec["security"] = []
            if operation == ("post", "/v1/github/webhook"):
                spec["parameters"] = WEBHOOK_HEADERS
                spec["requestBody"] = {
                    "required": True,
                    "description": "A GitHub App webhook payload (deployment_protection_rule is acted on)",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in UNUSED_SCHEMAS:
        schemas.pop(name, None)
    schemas["Problem"] = PROBLEM_SCHEMA
    _only_listed_keys(schemas)
    return document
