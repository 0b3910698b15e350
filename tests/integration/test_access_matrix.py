"""Every write route of the API, called by each kind of caller: allowed (2xx) or refused (403, nothing changed).

The routes come from the resolver, so a write route added without a row here fails
`test_every_write_route_has_a_row`. Callers are workflow runs of repositories granted one role each at `*`
(through POST /v1/roles), a run of the model's owner repository, a run of a repository with no role, and
the deployment's bootstrap admin (MODELYARD_ADMIN_REPOSITORIES). Each case starts from a copy of the same
seeded registry (embedded backend, in-process), so one case's change never meets another case.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from modelyard_local.issuer import LocalIssuer
from tests.support.embedded_api import EmbeddedApi, embedded_api

MODEL, OWNER, BOOTSTRAP_ADMIN = "fraud", "acme/fraud", "acme/platform"
ENV = {"MODELYARD_ADMIN_REPOSITORIES": BOOTSTRAP_ADMIN}
GRANTED = ("reader", "developer", "reviewer", "ops", "admin")
CALLERS = ("no role", "owner", *GRANTED, "bootstrap admin")
ADMINS = {"admin", "bootstrap admin"}
DEVELOPERS = {"owner", "developer"} | ADMINS
EVERYONE = set(CALLERS)
NS_OWNERS = {"owner"} | ADMINS
NAMESPACE = "ns"
SECOND_OWNER_ID = "515151"  # a second owner repository of the model (an admin added it), so one may go

# Seeded: v1 and v2 ready, staging moved v1 -> v2 (a rollback goes back to v1), alias champion -> v1,
# v3 ready and held by nothing, v4 archived, v5 registered with its bytes stored but not completed.
V = f"/v1/models/{MODEL}/versions"


@dataclass(frozen=True)
class Row:
    method: str
    route: str  # as the resolver registers it
    path: str
    allowed: frozenset[str]
    body: Any = None
    query: dict[str, str] | None = None


def row(method: str, route: str, path: str, allowed: set[str], **request: Any) -> Row:
    return Row(method, route, path, frozenset(allowed), **request)


ROWS = [
    # Outside namespaces, any repository the registry admits may start a model (and becomes its owner).
    row("POST", "/v1/models", "/v1/models", EVERYONE, body={"name": "fresh"}),
    row("PATCH", "/v1/models/<name>", f"/v1/models/{MODEL}", DEVELOPERS, body={"description": "changed"}),
    row("POST", "/v1/models/<name>/versions", V, DEVELOPERS, body={"artifact": {"sha256": "ab" * 32, "size": 3}}),
    row("POST", "/v1/models/<name>/versions/<version>/complete", f"{V}/5/complete", DEVELOPERS, body={}),
    row(
        "POST",
        "/v1/models/<name>/versions/<version>/validations",
        f"{V}/2/validations",
        DEVELOPERS,
        body={"metrics": {"auc": 0.9}},
    ),
    row(
        "POST",
        "/v1/models/<name>/versions/<version>/archive",
        f"{V}/3/archive",
        DEVELOPERS | {"ops"},
        body={"reason": "x"},
    ),
    row("POST", "/v1/models/<name>/versions/<version>/restore", f"{V}/4/restore", ADMINS, body={"reason": "x"}),
    row(
        "POST",
        "/v1/models/<name>/stages/<stage>/promote",
        f"/v1/models/{MODEL}/stages/staging/promote",
        DEVELOPERS,
        body={"version": 3},
    ),
    row(
        "POST",
        "/v1/models/<name>/stages/<stage>/rollback",
        f"/v1/models/{MODEL}/stages/staging/rollback",
        DEVELOPERS | {"ops"},
        body={"comment": "v2 mislabels refunds"},
    ),
    row(
        "PUT",
        "/v1/models/<name>/aliases/<alias>",
        f"/v1/models/{MODEL}/aliases/champion",
        DEVELOPERS,
        body={"version": 2},
    ),
    row("DELETE", "/v1/models/<name>/aliases/<alias>", f"/v1/models/{MODEL}/aliases/champion", DEVELOPERS),
    row(
        "POST",
        "/v1/models/<name>/versions/<version>/reviews",
        f"{V}/2/reviews",
        {"reviewer"} | ADMINS,
        body={"verdict": "approve"},
    ),
    row("PUT", "/v1/policy", "/v1/policy", ADMINS, body={"document": {}, "expected_revision": 0}),
    row("PUT", "/v1/models/<name>/policy", f"/v1/models/{MODEL}/policy", ADMINS, body={"document": {}}),
    row("PUT", "/v1/notifications", "/v1/notifications", ADMINS, body={"routes": []}),
    row("POST", "/v1/roles", "/v1/roles", ADMINS, body={"role": "reader", "scope": "*", "team": "acme/new"}),
    row("DELETE", "/v1/roles", "/v1/roles", ADMINS, query={"scope": "*", "role": "reader", "team": "acme/leaving"}),
    # Namespaces: admins create them and set their policy layer; a namespace's owners (here the model's owner
    # repository is one, beside the team acme/second) change it and its owners. A model outside namespaces
    # changes owners by admins only.
    row("POST", "/v1/namespaces", "/v1/namespaces", ADMINS, body={"name": "fresh", "owners": [{"team": "acme/a"}]}),
    row("PATCH", "/v1/namespaces/<namespace>", f"/v1/namespaces/{NAMESPACE}", NS_OWNERS, body={"description": "x"}),
    row("DELETE", "/v1/namespaces/<namespace>", f"/v1/namespaces/{NAMESPACE}", NS_OWNERS),  # it holds no model
    row(
        "POST",
        "/v1/namespaces/<namespace>/owners",
        f"/v1/namespaces/{NAMESPACE}/owners",
        NS_OWNERS,
        body={"team": "acme/c"},
    ),
    row(
        "DELETE",
        "/v1/namespaces/<namespace>/owners",
        f"/v1/namespaces/{NAMESPACE}/owners",
        NS_OWNERS,
        query={"team": "acme/second"},
    ),
    row(
        "PUT",
        "/v1/namespaces/<namespace>/policy",
        f"/v1/namespaces/{NAMESPACE}/policy",
        ADMINS,
        body={"document": {}, "expected_revision": 0},
    ),
    row(
        "POST",
        "/v1/models/<name>/owners",
        f"/v1/models/{MODEL}/owners",
        ADMINS,
        body={"repository_id": "424242", "repository": "acme/new-owner"},
    ),
    row(
        "DELETE",
        "/v1/models/<name>/owners",
        f"/v1/models/{MODEL}/owners",
        ADMINS,
        query={"repository": SECOND_OWNER_ID},
    ),
]
# Write routes that take no registry token: each authenticates its caller its own way.
NO_CALLER = {
    ("POST", "/v1/sessions"): "a GitHub user token in the body, exchanged for a session",
    ("POST", "/v1/github/webhook"): "GitHub's HMAC signature of the delivery",
}
# Write routes that act on the caller's own session, not on the registry: no role is needed, and none of the
# workflows above has a session to act on (tests/integration/test_sign_out.py holds who may).
OWN_SESSION = {
    ("DELETE", "/v1/sessions/current"): "signs out the session the request is made with",
}
# The web pages' forms carry a session cookie, not a bearer token. Each acts through the domain function of
# the API route it names (None: it changes nothing in the registry), so who may is that row's; the pages'
# own refusals are held by tests/integration/test_ui_incidents.py.
PAGE_FORMS: dict[tuple[str, str], tuple[str, str] | None] = {
    ("POST", "/ui/sign-out"): None,
    ("POST", "/ui/models/<name>/stages/<stage>/rollback"): ("POST", "/v1/models/<name>/stages/<stage>/rollback"),
    ("POST", "/ui/models/<name>/versions/<version>/archive"): ("POST", "/v1/models/<name>/versions/<version>/archive"),
}


def _write_routes() -> dict[tuple[str, str], Any]:
    from modelyard_server.handlers.api import app

    routes = app._static_routes + app._dynamic_routes
    return {(r.method, r.path): r for r in routes if r.method not in ("GET", "HEAD", "OPTIONS")}


def test_every_write_route_has_a_row() -> None:
    routes = _write_routes()
    rows = {(r.method, r.route) for r in ROWS}
    covered = rows | set(NO_CALLER) | set(OWN_SESSION) | set(PAGE_FORMS)
    assert set(routes) == covered, "a write route needs its row in the access table (or a reason to need no token)"
    acting_as = {api for api in PAGE_FORMS.values() if api is not None}
    assert acting_as <= rows, "a page's form acts as an API route of the table"
    for key in NO_CALLER:
        assert "caller" not in inspect.signature(routes[key].func).parameters, f"{key} authenticates a caller"


def _seed(api: EmbeddedApi) -> None:
    owner, admin = api.workflow(OWNER, environment="staging"), api.workflow(BOOTSTRAP_ADMIN)
    api.ok("POST", "/v1/models", owner, body={"name": MODEL})
    for data in (b"one", b"two", b"three", b"four"):
        api.upload(MODEL, data, owner)
    api.register(MODEL, b"five", owner, store=True)
    for number in (1, 2):
        api.ok("POST", f"/v1/models/{MODEL}/stages/staging/promote", owner, body={"version": number})
    api.ok("PUT", f"/v1/models/{MODEL}/aliases/champion", owner, body={"version": 1})
    api.ok("POST", f"{V}/4/archive", owner, body={"reason": "wrong labels"})
    for role in GRANTED:
        grant = {"role": role, "scope": "*", "repository": api.repository_id(f"acme/{role}"), "label": f"acme/{role}"}
        api.ok("POST", "/v1/roles", admin, body=grant)
    api.ok("POST", "/v1/roles", admin, body={"role": "reader", "scope": "*", "team": "acme/leaving"})
    owners = [{"repository": api.repository_id(OWNER)}, {"team": "acme/second"}]
    api.ok("POST", "/v1/namespaces", admin, body={"name": NAMESPACE, "owners": owners})
    second = {"repository_id": SECOND_OWNER_ID, "repository": "acme/second-owner"}
    api.ok("POST", f"/v1/models/{MODEL}/owners", admin, body=second)


@pytest.fixture(scope="module")
def seeded(issuer: LocalIssuer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("seeded") / "data"
    with pytest.MonkeyPatch.context() as patch, embedded_api(patch, issuer, data_dir, **ENV) as api:
        _seed(api)
    return data_dir


@pytest.fixture
def api(seeded: Path, issuer: LocalIssuer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmbeddedApi]:
    with embedded_api(monkeypatch, issuer, tmp_path / "data", copy_of=seeded, **ENV) as running:
        yield running


def _token(api: EmbeddedApi, caller: str) -> str:
    repository = {"no role": "acme/stranger", "owner": OWNER, "bootstrap admin": BOOTSTRAP_ADMIN}.get(
        caller, f"acme/{caller}"
    )
    # Every run is a job in the staging environment: what decides a stage change here is the caller's role.
    return api.workflow(repository, environment="staging")


def _state() -> dict[str, Any]:
    """What users see of the registry: models, versions, pointers, reviews, reports, roles, policies, routes."""
    from modelyard_server.ports import backend

    store = backend()
    loaded = store.models.load_model(MODEL)
    assert loaded is not None
    versions = [store.versions.get_version(MODEL, number, consistent=True) for number in range(1, 7)]
    return {
        "models": [m.name for m in store.models.list_models(100, None).items],
        "model": loaded.model.model_dump(exclude={"updated_at"}),
        "pointers": {key: (p.version, p.revision) for key, p in loaded.pointers.items()},
        "model policy": (loaded.policy_override, loaded.policy_revision),
        "versions": [(v.version, v.status) if v is not None else None for v in versions],
        "reviews": [store.reviews.current_reviews(MODEL, number) for number in range(1, 6)],
        "reports": [store.governance.latest_report(MODEL, number) for number in range(1, 6)],
        "roles": sorted(grant.key().model_dump_json() for grant in store.roles.all_grants()),
        "policy": store.governance.get_registry_policy(),
        "notifications": store.notifications.get_config(),
        "namespaces": [n.model_dump(exclude={"updated_at"}) for n in store.namespaces.list_namespaces()],
        "namespace policy": store.namespaces.get_namespace_policy(NAMESPACE),
    }


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("case", ROWS, ids=lambda r: f"{r.method} {r.route}")
def test_each_caller_is_allowed_or_refused_as_the_table_says(api: EmbeddedApi, case: Row, caller: str) -> None:
    before = _state()
    answer = api.call(case.method, case.path, _token(api, caller), body=case.body, query=case.query)
    if caller in case.allowed:
        assert 200 <= answer.status < 300, answer
    else:
        assert answer.status == 403, answer
        assert answer.problem["type"].endswith(("/forbidden", "/policy-violation"))
        assert _state() == before
