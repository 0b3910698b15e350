"""Models in a namespace (`marketing/churn`): two path segments, URIs, search; through the Lambda handler."""

from __future__ import annotations

import pytest

from modelyard_server.domain.names import MODEL_PATH_WORDS, RESERVED_NAMES
from modelyard_server.handlers.api import app
from tests.integration.conftest import Registry


@pytest.fixture(autouse=True)
def namespaces(request: pytest.FixtureRequest) -> None:
    """A namespaced model needs its namespace: marketing and finance, owned by the tests' repository."""
    if "registry" in request.fixturenames:
        registry: Registry = request.getfixturevalue("admin")
        for name in ("marketing", "finance"):
            registry.create_namespace(name)


def _released(registry: Registry, name: str, data: bytes) -> dict[str, object]:
    registry.create_model(name)
    version = registry.register(name, data, metrics={"auc": 0.91}, tags={"team": "growth"})
    assert version["status"] == "ready"
    return version


def test_a_namespaced_model_lives_under_two_path_segments(registry: Registry) -> None:
    created = registry.create_model("marketing/churn")
    assert created.body["name"] == "marketing/churn"
    assert created.headers["Location"] == "/v1/models/marketing/churn"
    version = registry.register("marketing/churn", b"churn-bytes", metrics={"auc": 0.9})
    assert version["uri"] == "models:/marketing/churn/1" and version["model"] == "marketing/churn"

    assert registry.call("GET", "/v1/models/marketing/churn").body["latest_version"] == 1
    # one segment with the slash percent-encoded (a client's or a generator's way): the same model
    assert registry.call("GET", "/v1/models/marketing%2Fchurn").body["name"] == "marketing/churn"
    listed = registry.call("GET", "/v1/models/marketing/churn/versions")
    assert [item["uri"] for item in listed.body["items"]] == ["models:/marketing/churn/1"]
    assert registry.call("GET", "/v1/models/marketing/churn/versions/1/download").status == 200

    promoted = registry.call(
        "POST", "/v1/models/marketing/churn/stages/staging/promote", body={"version": "models:/marketing/churn/1"}
    )
    assert promoted.status == 200, promoted
    aliased = registry.call("PUT", "/v1/models/marketing/churn/aliases/champion", body={"version": 1})
    assert aliased.status == 200, aliased
    for uri in (
        "models:/marketing/churn@champion",
        "models:/marketing/churn/stage/staging",
        "models:/marketing/churn/Staging",
        "models:/marketing/churn/latest",
    ):
        resolved = registry.call("GET", "/v1/resolve", query={"uri": uri})
        assert resolved.status == 200 and resolved.body["version"] == 1, (uri, resolved)
    events = registry.call("GET", "/v1/models/marketing/churn/events").body["items"]
    assert {event["type"] for event in events} >= {"model.version.registered", "model.version.promoted"}


def test_a_model_named_as_the_namespace_keeps_its_own_paths(registry: Registry) -> None:
    _released(registry, "marketing", b"plain")
    _released(registry, "marketing/churn", b"namespaced")
    assert [item["model"] for item in registry.call("GET", "/v1/models/marketing/versions").body["items"]] == [
        "marketing"
    ]
    assert registry.call("GET", "/v1/models/marketing").body["name"] == "marketing"
    assert registry.call("GET", "/v1/models/marketing/churn").body["name"] == "marketing/churn"


def test_search_finds_a_namespace_s_models_by_prefix(registry: Registry) -> None:
    _released(registry, "marketing/churn", b"a")
    _released(registry, "marketing/upsell", b"b")
    _released(registry, "finance/fraud", b"c")
    found = registry.call("GET", "/v1/versions", query={"model_prefix": "marketing/"})
    assert sorted(item["model"] for item in found.body["items"]) == ["marketing/churn", "marketing/upsell"]
    models = registry.call("GET", "/v1/models", query={"name_prefix": "finance/"})
    assert [model["name"] for model in models.body["items"]] == ["finance/fraud"]
    exact = registry.call("GET", "/v1/versions", query={"model": "finance/fraud"})
    assert [item["uri"] for item in exact.body["items"]] == ["models:/finance/fraud/1"]


def test_lineage_follows_a_namespaced_parent(registry: Registry) -> None:
    _released(registry, "marketing/churn", b"parent")
    registry.create_model("marketing/churn-v2")
    registry.register("marketing/churn-v2", b"child", lineage={"parents": ["models:/marketing/churn/1"]})
    children = registry.call("GET", "/v1/versions", query={"parent": "models:/marketing/churn/1"})
    assert [item["uri"] for item in children.body["items"]] == ["models:/marketing/churn-v2/1"]
    tree = registry.call("GET", "/v1/lineage", query={"uri": "models:/marketing/churn-v2/1"})
    assert [node["uri"] for node in tree.body["ancestors"]] == ["models:/marketing/churn/1"]


@pytest.mark.parametrize("word", sorted(RESERVED_NAMES))
def test_a_namespaced_model_may_not_take_a_word_of_the_paths(registry: Registry, word: str) -> None:
    answer = registry.call("POST", "/v1/models", body={"name": f"marketing/{word}"})
    assert answer.status == 422, answer
    assert "reserved" in str(answer.body)
    assert registry.call("GET", "/v1/models", query={"name_prefix": "marketing/"}).body["items"] == []


@pytest.mark.parametrize("name", ["a/b/c", "Marketing/churn", "marketing/", "/churn", "m.x/churn", "n" * 40 + "/x"])
def test_malformed_namespaced_names_are_refused(registry: Registry, name: str) -> None:
    answer = registry.call("POST", "/v1/models", body={"name": name})
    assert answer.status == 422, answer


def test_every_word_after_a_model_name_in_the_routes_is_reserved() -> None:
    """A new route `/v1/models/<name>/WORD` whose WORD is not in MODEL_PATH_WORDS would be read as a namespaced
    model `name/WORD`: this fails until the word is added."""
    prefix = "/v1/models/{name}/"
    paths = app.get_openapi_schema().paths or {}
    words = {path[len(prefix) :].split("/", 1)[0] for path in paths if path.startswith(prefix)}
    assert words, "no route after a model name found: the test reads the routes wrong"
    assert words <= MODEL_PATH_WORDS
