"""A private namespace's models, to a non-member, are exactly a model that does not exist: the same 404 and
the same problem body on every route that names a model, and absent from every listing. Members and admins
get the route's own answer.

The table holds every route with a model name in its path, read from the API's own routes: a new route
missing from the table fails `test_the_table_covers_every_route_that_names_a_model`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from modelyard_local.issuer import local_repository_id
from modelyard_server.handlers.api import app
from tests.integration.conftest import OWNER, Registry
from tests.support.api_events import ApiResponse

HIDDEN = "secret/churn"
MISSING = "open/ghost"  # a model that does not exist, in a public namespace: what "missing" answers
OUTSIDER = "acme/outsider"
EXTRA_OWNER_ID = "5"
DATA = b"secret-bytes"


@dataclass(frozen=True)
class Call:
    """A request to a route, for a model `{name}`; `member` and `admin` are the statuses each gets."""

    path: str
    member: int
    admin: int
    body: Any = None
    query: dict[str, str] = field(default_factory=dict)
    environment: str | None = None  # the token's environment claim (stage moves need the stage's)

    def send(self, registry: Registry, name: str, token: str) -> ApiResponse:
        method, path = self.path.split(" ", 1)
        path = path.replace("{name}", name)
        return registry.call(method, path, body=self.body, query=self.query, token=token)


_ARTIFACT = {"artifact": {"sha256": hashlib.sha256(b"new").hexdigest(), "size": 3, "format": "onnx"}}
ROUTES: dict[str, Call] = {
    "GET /v1/models/{name}": Call("GET /v1/models/{name}", 200, 200),
    "PATCH /v1/models/{name}": Call("PATCH /v1/models/{name}", 200, 200, body={"description": "x"}),
    "GET /v1/models/{name}/aliases/{alias}": Call("GET /v1/models/{name}/aliases/champion", 200, 200),
    "PUT /v1/models/{name}/aliases/{alias}": Call(
        "PUT /v1/models/{name}/aliases/challenger", 200, 200, body={"version": 1}
    ),
    "DELETE /v1/models/{name}/aliases/{alias}": Call("DELETE /v1/models/{name}/aliases/champion", 200, 200),
    "GET /v1/models/{name}/events": Call("GET /v1/models/{name}/events", 200, 200),
    "POST /v1/models/{name}/owners": Call(
        "POST /v1/models/{name}/owners", 200, 200, body={"repository_id": "6", "repository": "acme/six"}
    ),
    "DELETE /v1/models/{name}/owners": Call(
        "DELETE /v1/models/{name}/owners", 200, 200, query={"repository": EXTRA_OWNER_ID}
    ),
    "GET /v1/models/{name}/policy": Call("GET /v1/models/{name}/policy", 200, 200),
    "PUT /v1/models/{name}/policy": Call(
        "PUT /v1/models/{name}/policy", 403, 200, body={"document": {}, "expected_revision": 0}
    ),
    "GET /v1/models/{name}/stages/{stage}": Call("GET /v1/models/{name}/stages/staging", 200, 200),
    "POST /v1/models/{name}/stages/{stage}/promote": Call(
        "POST /v1/models/{name}/stages/staging/promote", 200, 200, body={"version": 1}, environment="staging"
    ),
    "POST /v1/models/{name}/stages/{stage}/rollback": Call(
        "POST /v1/models/{name}/stages/staging/rollback", 200, 200, body={}, environment="staging"
    ),
    "GET /v1/models/{name}/versions": Call("GET /v1/models/{name}/versions", 200, 200),
    "POST /v1/models/{name}/versions": Call("POST /v1/models/{name}/versions", 201, 201, body=_ARTIFACT),
    "GET /v1/models/{name}/versions/{ref}": Call("GET /v1/models/{name}/versions/1", 200, 200),
    "GET /v1/models/{name}/versions/{ref}/download": Call("GET /v1/models/{name}/versions/1/download", 200, 200),
    "POST /v1/models/{name}/versions/{version}/archive": Call(
        "POST /v1/models/{name}/versions/1/archive", 200, 200, body={"reason": "superseded"}
    ),
    "POST /v1/models/{name}/versions/{version}/complete": Call(
        "POST /v1/models/{name}/versions/3/complete", 200, 200, body={}
    ),
    "POST /v1/models/{name}/versions/{version}/restore": Call(
        "POST /v1/models/{name}/versions/1/restore", 403, 409, body={"reason": "needed again"}
    ),
    "GET /v1/models/{name}/versions/{version}/reviews": Call("GET /v1/models/{name}/versions/1/reviews", 200, 200),
    "POST /v1/models/{name}/versions/{version}/reviews": Call(
        "POST /v1/models/{name}/versions/1/reviews", 403, 201, body={"verdict": "approve"}
    ),
    "GET /v1/models/{name}/versions/{version}/upload-parts": Call(
        "GET /v1/models/{name}/versions/3/upload-parts", 200, 200, query={"upload_id": "upload-1"}
    ),
    "POST /v1/models/{name}/versions/{version}/validations": Call(
        "POST /v1/models/{name}/versions/1/validations", 201, 201, body={"metrics": {"auc": 0.9}}
    ),
    "GET /v1/models/{name}/versions/{version}/validations/latest": Call(
        "GET /v1/models/{name}/versions/1/validations/latest", 404, 404
    ),
}
# Routes naming models by URI (`uri=`, `base=`, `head=`): hidden the same way.
URI_ROUTES: dict[str, Call] = {
    "resolve": Call("GET /v1/resolve", 200, 200, query={"uri": "models:/{name}@champion"}),
    "lineage": Call("GET /v1/lineage", 200, 200, query={"uri": "models:/{name}/2"}),
    "compare base": Call("GET /v1/compare", 200, 200, query={"base": "models:/{name}/1", "head": "models:/plain/1"}),
    "compare head": Call("GET /v1/compare", 200, 200, query={"base": "models:/plain/1", "head": "models:/{name}/2"}),
}


def _member(registry: Registry, environment: str | None = None) -> str:
    """A workflow of the namespace's owner repository (matched by id)."""
    return registry.token(environment=environment) if environment else registry.token()


def _outsider(registry: Registry, environment: str | None = None) -> str:
    claims = {"environment": environment} if environment else {}
    return registry.token(repository=OUTSIDER, **claims)


def _admin(registry: Registry, environment: str | None = None) -> str:
    claims = {"environment": environment} if environment else {}
    return registry.token(repository="acme/registry-admins", **claims)


@pytest.fixture
def hidden(admin: Registry) -> Registry:
    """secret (private) and open (public) namespaces owned by OWNER; secret/churn with versions 1 and 2 ready
    (staging moved 1 → 2, champion on 2), 3 uploaded but not completed, and a second owner; plain/1."""
    admin.create_namespace("secret", private=True)
    admin.create_namespace("open")
    admin.create_model(HIDDEN)
    admin.create_model("plain")
    admin.register("plain", b"plain")
    for data in (DATA, DATA + b"2"):
        admin.register(HIDDEN, data, metrics={"auc": 0.9})
    admin.register(HIDDEN, DATA + b"3", complete=False)
    for version in (1, 2):
        moved = admin.call("POST", f"/v1/models/{HIDDEN}/stages/staging/promote", body={"version": version})
        assert moved.status == 200, moved
    assert admin.call("PUT", f"/v1/models/{HIDDEN}/aliases/champion", body={"version": 2}).status == 200
    owner = {"repository_id": EXTRA_OWNER_ID, "repository": "acme/five"}
    assert admin.call("POST", f"/v1/models/{HIDDEN}/owners", body=owner, token=_admin(admin)).status == 200
    return admin


def _child_of_hidden(registry: Registry) -> None:
    """open/child/1 with parent secret/churn/1, registered while `secret` was public (a namespace made private
    later): what a version outside it may no longer name now."""
    for private in (False, True):
        patched = registry.call("PATCH", "/v1/namespaces/secret", body={"private": private}, token=_admin(registry))
        assert patched.status == 200, patched
        if not private:
            registry.create_model("open/child")
            registry.register("open/child", b"child", lineage={"parents": [f"models:/{HIDDEN}/1"]})


def _with(call: Call, name: str) -> Call:
    query = {key: value.replace("{name}", name) for key, value in call.query.items()}
    return Call(call.path, call.member, call.admin, call.body, query, call.environment)


def _as_missing(answer: ApiResponse) -> dict[str, Any]:
    """The problem body with the hidden model's name written as the missing one's."""
    renamed: dict[str, Any] = json.loads(json.dumps(answer.body).replace(HIDDEN, MISSING))
    return renamed


def test_the_table_covers_every_route_that_names_a_model() -> None:
    paths = app.get_openapi_schema().paths or {}
    named = {
        f"{method.upper()} {path}"
        for path, item in paths.items()
        if "{name}" in path
        for method in ("get", "put", "post", "delete", "patch")
        if getattr(item, method, None) is not None
    }
    assert named == set(ROUTES)


@pytest.mark.parametrize("route", [*ROUTES, *URI_ROUTES])
def test_an_outsider_gets_the_missing_model_answer_and_a_member_and_admin_the_routes_own(
    hidden: Registry, route: str
) -> None:
    call = ROUTES.get(route) or URI_ROUTES[route]
    missing = _with(call, MISSING).send(hidden, MISSING, _outsider(hidden, call.environment))
    hidden_answer = _with(call, HIDDEN).send(hidden, HIDDEN, _outsider(hidden, call.environment))
    assert missing.status == 404, missing
    assert (hidden_answer.status, _as_missing(hidden_answer)) == (404, missing.body)

    member = _with(call, HIDDEN).send(hidden, HIDDEN, _member(hidden, call.environment))
    assert member.status == call.member, member


@pytest.mark.parametrize("route", [*ROUTES, *URI_ROUTES])
def test_an_admin_sees_a_private_namespace_s_models(hidden: Registry, route: str) -> None:
    call = ROUTES.get(route) or URI_ROUTES[route]
    answer = _with(call, HIDDEN).send(hidden, HIDDEN, _admin(hidden, call.environment))
    assert answer.status == call.admin, answer


def test_listings_leave_hidden_models_out_for_outsiders_only(hidden: Registry) -> None:
    def listed(token: str) -> dict[str, set[str]]:
        versions = hidden.call("GET", "/v1/versions", token=token).body["items"]
        models = hidden.call("GET", "/v1/models", token=token).body["items"]
        by_model = hidden.call("GET", "/v1/versions", query={"model": HIDDEN}, token=token).body["items"]
        namespaces = hidden.call("GET", "/v1/namespaces", token=token).body["items"]
        children = hidden.call("GET", "/v1/lineage", query={"uri": "models:/plain/1"}, token=token)
        return {
            "versions": {item["model"] for item in versions},
            "models": {item["name"] for item in models},
            "exact": {item["model"] for item in by_model},
            "namespaces": {item["name"] for item in namespaces},
            "lineage": {node["model"] for node in children.body["descendants"]},
        }

    outsider = listed(_outsider(hidden))
    assert outsider == {
        "versions": {"plain"},
        "models": {"plain"},
        "exact": set(),
        "namespaces": {"open"},
        "lineage": set(),
    }
    for token in (_member(hidden), _admin(hidden)):
        seen = listed(token)
        assert HIDDEN in seen["versions"] and HIDDEN in seen["models"] and seen["exact"] == {HIDDEN}
        assert seen["namespaces"] == {"open", "secret"}


def test_lineage_leaves_a_hidden_parent_out_for_an_outsider(hidden: Registry) -> None:
    _child_of_hidden(hidden)
    for token, expected in ((_outsider(hidden), []), (_member(hidden), [f"models:/{HIDDEN}/1"])):
        tree = hidden.call("GET", "/v1/lineage", query={"uri": "models:/open/child/1"}, token=token)
        assert tree.status == 200, tree
        assert [node["uri"] for node in tree.body["ancestors"]] == expected


def test_a_new_model_needs_an_existing_namespace_and_membership(hidden: Registry) -> None:
    nowhere = hidden.call("POST", "/v1/models", body={"name": "nowhere/churn"})
    assert nowhere.status == 404, nowhere
    assert nowhere.body["namespace"] == "nowhere" and "modelyard namespaces create nowhere" in nowhere.body["detail"]
    private = hidden.call("POST", "/v1/models", body={"name": "secret/other"}, token=_outsider(hidden))
    assert (private.status, private.body["type"]) == (404, nowhere.body["type"])  # unseen: as if absent
    public = hidden.call("POST", "/v1/models", body={"name": "open/other"}, token=_outsider(hidden))
    assert public.status == 403, public
    assert hidden.call("POST", "/v1/models", body={"name": "unspaced"}, token=_outsider(hidden)).status == 201
    assert hidden.call("POST", "/v1/models", body={"name": "open/other"}).status == 201  # an owner, by id
    assert local_repository_id(OWNER) != local_repository_id(OUTSIDER)


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/v1/lineage", {"uri": "models:/open/child/1"}),
        ("/v1/lineage", {"uri": f"models:/{HIDDEN}/2"}),
        ("/v1/versions", {}),
        ("/v1/models", {}),
        ("/v1/compare", {"base": f"models:/{HIDDEN}/1", "head": "models:/open/child/1"}),
        (f"/v1/models/{HIDDEN}/versions", {}),
    ],
)
def test_visibility_costs_one_read_of_the_namespaces_per_request(
    hidden: Registry, monkeypatch: pytest.MonkeyPatch, path: str, query: dict[str, str]
) -> None:
    from modelyard_server.adapters.dynamodb.namespaces import DynamoNamespaceStore

    _child_of_hidden(hidden)
    reads: list[str] = []
    for method in ("get_namespace", "list_namespaces"):
        original = getattr(DynamoNamespaceStore, method)
        monkeypatch.setattr(
            DynamoNamespaceStore, method, lambda self, *a, _o=original, _m=method: reads.append(_m) or _o(self, *a)
        )
    for token in (_outsider(hidden), _member(hidden)):
        reads.clear()
        hidden.call("GET", path, query=query, token=token)
        assert len(reads) == 1, reads
    reads.clear()
    hidden.call("GET", path, query=query, token=_admin(hidden))
    assert reads == []


def test_a_hidden_version_cannot_be_named_as_a_parent_by_an_outsider(hidden: Registry) -> None:
    """Registering with a parent is answered as for a missing parent: a hidden one is not confirmed to exist."""
    outsider = _outsider(hidden)
    assert hidden.call("POST", "/v1/models", body={"name": "mine"}, token=outsider).status == 201
    answers = []
    for parent in (f"models:/{HIDDEN}/1", f"models:/{MISSING}/1"):
        body = {**_ARTIFACT, "lineage": {"parents": [parent]}}
        answers.append(hidden.call("POST", "/v1/models/mine/versions", body=body, token=outsider))
    refused, missing = answers
    assert missing.status == 422, missing
    assert (refused.status, _as_missing(refused)) == (422, missing.body)


def test_a_version_outside_a_private_namespace_may_not_name_a_parent_inside_it(hidden: Registry) -> None:
    """Outsiders read a visible version's lineage (its parents, compare, `parent=`): a parent in a private
    namespace named from outside it would tell them its name. A member is refused, and nothing is stored."""
    hidden.create_model("open/child")
    body = {**_ARTIFACT, "lineage": {"parents": [f"models:/{HIDDEN}/1"]}}
    refused = hidden.call("POST", "/v1/models/open/child/versions", body=body)
    assert refused.status == 422, refused
    assert f"private namespace '{HIDDEN.split('/', maxsplit=1)[0]}'" in refused.problem["detail"]
    assert hidden.call("GET", "/v1/models/open/child").body["latest_version"] == 0
    outsider = _outsider(hidden)
    children = hidden.call("GET", "/v1/versions", query={"parent": f"models:/{HIDDEN}/1"}, token=outsider)
    assert children.body["items"] == []


def test_a_version_inside_the_private_namespace_may_name_its_parent(hidden: Registry) -> None:
    sibling = HIDDEN.split("/", maxsplit=1)[0] + "/distilled"
    hidden.create_model(sibling)
    child = hidden.register(sibling, b"distilled", lineage={"parents": [f"models:/{HIDDEN}/1"]})
    assert child["lineage"]["parents"] == [f"models:/{HIDDEN}/1"]


def test_an_owner_repository_added_to_a_hidden_model_can_use_it(hidden: Registry) -> None:
    added = hidden.token(repository="acme/five", repository_id=EXTRA_OWNER_ID)  # added by the fixture
    assert hidden.call("GET", f"/v1/models/{HIDDEN}", token=added).status == 200
    assert hidden.call("POST", f"/v1/models/{HIDDEN}/versions", body=_ARTIFACT, token=added).status == 201


@pytest.mark.parametrize(
    ("path", "query"),
    [("/v1/models/{name}/versions", {"status": "nonsense"}), ("/v1/models/{name}/events", {"next_token": "forged"})],
)
def test_a_bad_parameter_does_not_tell_a_private_namespace_from_none(
    hidden: Registry, path: str, query: dict[str, str]
) -> None:
    """A route that judges its parameters before it looks the model up must not answer a hidden model's
    namespace (404 at authentication) otherwise than a namespace that does not exist."""
    nowhere = "nowhere/churn"
    answers = [
        hidden.call("GET", path.replace("{name}", name), query=query, token=_outsider(hidden))
        for name in (HIDDEN, nowhere)
    ]
    renamed = json.loads(json.dumps(answers[0].body).replace(HIDDEN, nowhere))
    assert (answers[0].status, renamed) == (answers[1].status, answers[1].body)


def test_a_parent_whose_namespace_turned_private_is_left_out_of_the_childs_lineage_for_outsiders(
    hidden: Registry,
) -> None:
    """A version named its parent while the parent's namespace was public; once the namespace is private, an
    outsider reading the child (one version, the model's listing, a search) sees no parent, nor finds the
    child by that parent. A member still sees it."""
    _child_of_hidden(hidden)
    parent = f"models:/{HIDDEN}/1"

    def seen(token: str) -> list[list[str]]:
        one = hidden.call("GET", "/v1/models/open/child/versions/1", token=token).body
        listed = hidden.call("GET", "/v1/models/open/child/versions", token=token).body["items"]
        found = hidden.call("GET", "/v1/versions", query={"model": "open/child"}, token=token).body["items"]
        return [one["lineage"]["parents"], listed[0]["lineage"]["parents"], found[0]["lineage"]["parents"]]

    def children(token: str) -> list[dict[str, Any]]:
        return list(hidden.call("GET", "/v1/versions", query={"parent": parent}, token=token).body["items"])

    assert seen(_outsider(hidden)) == [[], [], []]
    assert children(_outsider(hidden)) == []
    assert seen(_member(hidden)) == [[parent]] * 3
    assert len(children(_member(hidden))) == 1
