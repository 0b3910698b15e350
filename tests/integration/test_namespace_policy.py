"""A namespace's policy layer: registry → namespace → model → repository, set by admins, in the governance
trail, and named in every decision made under it."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import Registry

GATE = {"gates": {"thresholds": [{"metric": "auc", "min": 0.95}]}}


def _set(registry: Registry, document: dict[str, Any], expected: int, token: str | None = None) -> Any:
    body = {"document": document, "expected_revision": expected}
    return registry.call("PUT", "/v1/namespaces/marketing/policy", body=body, token=token or registry.admin_token())


def _validate(registry: Registry, name: str, **body: Any) -> Any:
    answer = registry.call("POST", f"/v1/models/{name}/versions/1/validations", body={"metrics": {}, **body})
    assert answer.status == 201, answer
    return answer.body


def test_admins_set_a_namespace_layer_with_its_revision_and_trail(admin: Registry) -> None:
    admin.create_namespace("marketing")
    assert admin.call("GET", "/v1/namespaces/marketing/policy").body["revision"] == 0
    assert _set(admin, GATE, 0, token=admin.token()).status == 403  # an owner is not an admin
    first = _set(admin, GATE, 0)
    assert first.status == 200, first
    assert _set(admin, {}, 0).status == 409  # stale: no change, no event
    assert (
        admin.call("GET", "/v1/namespaces/marketing/policy").body["document"]["gates"]["thresholds"][0]["min"] == 0.95
    )
    assert _set(admin, GATE, 0, token=admin.admin_token()).status == 409
    missing = admin.call("PUT", "/v1/namespaces/nowhere/policy", body={"document": {}}, token=admin.admin_token())
    assert missing.status == 404, missing

    trail = admin.call("GET", "/v1/audit", query={"kind": "policy.namespace.set"}, token=admin.admin_token())
    assert [(e["model"], e["after"]["revision"]) for e in trail.body["items"]] == [("namespace:marketing", 1)]


def test_a_private_namespace_s_policy_is_a_404_to_outsiders(admin: Registry) -> None:
    admin.create_namespace("marketing", private=True)
    outsider = admin.token(repository="acme/outsider")
    assert admin.call("GET", "/v1/namespaces/marketing/policy", token=outsider).status == 404
    assert admin.call("GET", "/v1/namespaces/marketing/policy").status == 200  # the owner repository


def test_the_namespace_layer_applies_to_its_models_only_and_decisions_name_the_layers(admin: Registry) -> None:
    admin.create_namespace("marketing")
    assert _set(admin, GATE, 0).status == 200
    for name in ("marketing/churn", "churn"):
        admin.create_model(name)
        admin.register(name, name.encode(), metrics={"auc": 0.9})

    namespaced = _validate(admin, "marketing/churn")
    assert (namespaced["passed"], namespaced["policy_layers"]) == (
        False,
        ["builtin", "registry", "namespace:marketing"],
    )
    plain = _validate(admin, "churn")
    assert (plain["passed"], plain["policy_layers"]) == (True, ["builtin", "registry"])

    view = admin.call("GET", "/v1/models/marketing/churn/policy").body
    assert view["namespace"]["revision"] == 1 and view["layers"] == ["builtin", "registry", "namespace:marketing"]
    assert view["effective_digest"] == namespaced["policy_digest"]
    looser = {"gates": {"thresholds": [{"metric": "auc", "min": 0.5}]}}
    refused = admin.call(
        "POST", "/v1/models/marketing/churn/versions/1/validations", body={"metrics": {}, "repository_policy": looser}
    )
    assert refused.status == 422, refused  # the repository layer only tightens: not below the namespace's 0.95
    assert "0.95" in refused.body["detail"]


def test_a_model_override_replaces_the_namespace_s_stage_rules(admin: Registry) -> None:
    admin.create_namespace("marketing")
    strict = {"stages": {"staging": {"min_reviews": 2}}}
    assert _set(admin, strict, 0).status == 200
    admin.create_model("marketing/churn")
    admin.register("marketing/churn", b"c", metrics={"auc": 0.9})
    held = admin.call("POST", "/v1/models/marketing/churn/stages/staging/promote", body={"version": 1})
    assert held.status == 403, held  # two sign-offs needed now

    override = {"document": {"stages": {"staging": {"min_reviews": 0}}}, "expected_revision": 0}
    set_override = admin.call("PUT", "/v1/models/marketing/churn/policy", body=override, token=admin.admin_token())
    assert set_override.status == 200, set_override
    moved = admin.call("POST", "/v1/models/marketing/churn/stages/staging/promote", body={"version": 1})
    assert moved.status == 200, moved
    events = admin.call("GET", "/v1/models/marketing/churn/events").body["items"]
    promoted = next(e for e in events if e["type"] == "model.version.promoted")
    assert promoted["detail"]["policy_layers"] == [
        "builtin",
        "registry",
        "namespace:marketing",
        "model:marketing/churn",
    ]
