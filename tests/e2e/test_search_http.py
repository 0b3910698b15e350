"""Search over HTTP on the local (embedded) stack: filters as a client sends them (repeated parameters,
URL-encoded operators), the pointers each version holds, and precise 400s for what is malformed or
unknown, which change nothing."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import pytest

from modelyard_local.stack import LocalStack
from tests.e2e.conftest import Cli, HttpAnswer, http, sdk, write_bytes


def get(stack: LocalStack, token: str, path: str, query: dict[str, Any] | None = None) -> HttpAnswer:
    suffix = "?" + urllib.parse.urlencode(query, doseq=True) if query else ""
    return http("GET", stack.api_url + path + suffix, token=token)


def keys(answer: HttpAnswer) -> list[tuple[str, int]]:
    assert answer.status == 200, answer.body[:500]
    return [(item["model"], item["version"]) for item in answer.json()["items"]]


@pytest.fixture(scope="module")
def searchable(stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Two models with versions that differ in tags, metrics, framework and lineage; a stage and an alias."""
    token = stack.mint(repository="acme/search")
    client = sdk(stack, token)
    folder = tmp_path_factory.mktemp("search")
    names = {"a": "search-fraud", "b": "search-churn"}

    def register(name: str, content: bytes, **fields: Any) -> None:
        client.register(name, write_bytes(folder / f"{name}-{len(content)}.onnx", content), create_model=True, **fields)

    register(names["a"], b"1" * 10, tags={"team": "risk", "env": "prod"}, metrics={"auc": 0.8}, framework="sklearn",
             lineage={"data_version": "2026-10"})  # fmt: skip
    register(names["a"], b"2" * 20, tags={"team": "risk"}, metrics={"auc": 0.95}, framework="xgboost",
             lineage={"data_version": "2026-11", "parents": [f"models:/{names['a']}/1"]})  # fmt: skip
    register(names["b"], b"3" * 30, tags={"team": "risk"}, metrics={"auc": 0.7}, framework="sklearn",
             lineage={"data_version": "2026-11", "parents": [f"models:/{names['a']}/1"]})  # fmt: skip
    promoter = sdk(stack, stack.mint(repository="acme/search", environment="staging"))
    promoter.promote(names["a"], 2, stage="staging")
    client.set_alias(names["a"], "champion", 1)
    return {**names, "token": token}


def test_search_finds_versions_across_models_by_each_kind_of_filter(
    stack: LocalStack, searchable: dict[str, str]
) -> None:
    token, fraud, churn = searchable["token"], searchable["a"], searchable["b"]
    search = "/v1/versions"
    assert keys(get(stack, token, search, {"model_prefix": "search-"})) == [(churn, 1), (fraud, 2), (fraud, 1)]
    assert keys(get(stack, token, search, {"tag": ["team=risk", "env=prod"], "model_prefix": "search-"})) == [
        (fraud, 1)
    ]
    assert keys(get(stack, token, search, {"metric": "auc>=0.75", "model_prefix": "search-"})) == [
        (fraud, 2),
        (fraud, 1),
    ]
    assert keys(get(stack, token, search, {"data_version": "2026-11", "framework": "sklearn"})) == [(churn, 1)]
    assert keys(get(stack, token, search, {"parent": f"models:/{fraud}/1"})) == [(churn, 1), (fraud, 2)]
    assert keys(get(stack, token, search, {"stage": "staging", "model": fraud})) == [(fraud, 2)]
    assert keys(get(stack, token, search, {"data_version": "1999-01"})) == []
    ordered = {"model": fraud, "order_by": "metric:auc", "order": "asc"}
    assert keys(get(stack, token, search, ordered)) == [(fraud, 1), (fraud, 2)]
    [hit] = get(stack, token, search, {"alias": "champion", "model": fraud}).json()["items"]
    assert (hit["aliases"], hit["stages"], hit["tags"], hit["lineage"]["data_version"]) == (
        ["champion"], [], {"team": "risk", "env": "prod"}, "2026-10"
    )  # fmt: skip
    assert hit["created_at"] and hit["uri"] == f"models:/{fraud}/1"


def test_a_models_listing_takes_repeated_tags_and_shows_what_each_version_holds(
    stack: LocalStack, searchable: dict[str, str], cli: Cli
) -> None:
    fraud = searchable["a"]
    listed = cli.run("versions", fraud, "--tag", "team=risk", "--tag", "env=prod", "--json",
                     token=searchable["token"]).json()  # fmt: skip
    assert [v["version"] for v in listed] == [1]
    page = get(stack, searchable["token"], f"/v1/models/{fraud}/versions").json()
    assert [(v["version"], v["stages"], v["aliases"]) for v in page["items"]] == [
        (2, ["staging"], []), (1, [], ["champion"])
    ]  # fmt: skip
    assert page["items"][0]["artifact"]["sha256"]  # still the whole version record


def test_models_are_found_by_prefix_tag_owner_and_stage_held(stack: LocalStack, searchable: dict[str, str]) -> None:
    token, fraud = searchable["token"], searchable["a"]
    found = get(stack, token, "/v1/models", {"stage": "staging", "owner": "acme/search"}).json()["items"]
    assert [m["name"] for m in found] == [fraud]
    assert found[0]["stages"]["staging"]["version"] == 2
    assert [m["name"] for m in get(stack, token, "/v1/models", {"name_prefix": "search-"}).json()["items"]] == [
        searchable["b"], fraud
    ]  # fmt: skip
    assert get(stack, token, "/v1/models", {"owner": "acme/nobody"}).json()["items"] == []


def test_an_unknown_parameter_is_400_and_changes_nothing(stack: LocalStack, token: str, model_name: str) -> None:
    body = json.dumps({"name": model_name}).encode()
    answer = http("POST", f"{stack.api_url}/v1/models?dry_run=1", token=token, body=body,
                  headers={"Content-Type": "application/json"})  # fmt: skip
    assert answer.status == 400 and answer.json()["unknown"] == ["dry_run"]
    assert http("GET", f"{stack.api_url}/v1/models/{model_name}", token=token).status == 404
    refused = get(stack, token, "/v1/models", {"team": "risk"})
    assert refused.status == 400
    assert refused.json()["accepted"] == ["name_prefix", "tag", "owner", "stage", "limit", "next_token"]


MALFORMED: dict[str, tuple[str, dict[str, Any], str, str]] = {
    "tag-without-equals": ("/v1/versions", {"tag": "team"}, "tag", "key=value"),
    "second-tag-bad": ("/v1/models/abc/versions", {"tag": ["team=risk", "nokey"]}, "tag", "key=value"),
    "metric-without-op": ("/v1/versions", {"metric": "accuracy"}, "metric", "accuracy>=0.9"),
    "metric-not-a-number": ("/v1/versions", {"metric": "accuracy>=high"}, "metric", "accuracy>=0.9"),
    "metric-not-finite": ("/v1/versions", {"metric": "accuracy>=nan"}, "metric", "accuracy>=0.9"),
    "metric-two-ops": ("/v1/versions", {"metric": "accuracy>=<0.9"}, "metric", "accuracy>=0.9"),
    "format": ("/v1/versions", {"format": "zip"}, "format", "onnx"),
    "status": ("/v1/models/abc/versions", {"status": "done"}, "status", "ready"),
    "stage": ("/v1/versions", {"stage": "Prod uction"}, "stage", "production"),
    "commit-short": ("/v1/versions", {"commit": "abc12"}, "commit", "at least 7"),
    "workflow-with-ref": ("/v1/versions", {"workflow": "a/b/.github/workflows/x.yml@main"}, "workflow", "any ref"),
    "parent-alias": ("/v1/versions", {"parent": "models:/fraud@champion"}, "parent", "models:/name/7"),
    "created-no-offset": ("/v1/versions", {"created_after": "2026-11-01T00:00:00"}, "created_after", "offset"),
    "created-date-only": ("/v1/versions", {"created_before": "2026-11-01"}, "created_before", "RFC 3339"),
    "created-bad-month": ("/v1/versions", {"created_after": "2026-13-01T00:00:00Z"}, "created_after", "RFC 3339"),
    "created-before-utc-begins": (
        "/v1/versions",
        {"created_after": "0001-01-01T00:00:00+01:00"},
        "created_after",
        "0001-01-01T00:00:00Z",
    ),
    "created-after-utc-ends": (
        "/v1/versions",
        {"created_before": "9999-12-31T23:59:59-01:00"},
        "created_before",
        "9999-12-31T23:59:59Z",
    ),
    "order-by": ("/v1/versions", {"order_by": "size"}, "order_by", "metric:<name>"),
    "metric-order-across-models": ("/v1/versions", {"order_by": "metric:auc"}, "order_by", "exact `model`"),
    "order": ("/v1/versions", {"order": "up"}, "order", "asc"),
    "model": ("/v1/versions", {"model": "Fraud"}, "model", "exact model name"),
    "model-prefix": ("/v1/versions", {"model_prefix": "../"}, "model_prefix", "starts with"),
    "model-name-prefix": ("/v1/models", {"name_prefix": "A"}, "name_prefix", "starts with"),
    "model-owner": ("/v1/models", {"owner": "no-slash"}, "owner", "org/repo"),
    "model-stage": ("/v1/models", {"stage": "9lives"}, "stage", "a version in this stage"),
    "too-many-tags": ("/v1/versions", {"tag": [f"k{i}=v" for i in range(11)]}, "tag", "at most 10"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_filter_is_400_saying_what_is_accepted(stack: LocalStack, token: str, case: str) -> None:
    path, query, field, accepted = MALFORMED[case]
    answer = get(stack, token, path.replace("/abc/", "/any-model/"), query)
    assert answer.status == 400, answer.body[:500]
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["type"].endswith("/invalid-filter")
    [error] = [error for error in problem["errors"] if error["field"] == field]
    assert accepted in error["message"]


def test_every_malformed_filter_is_named_at_once(stack: LocalStack, token: str) -> None:
    answer = get(stack, token, "/v1/versions", {"metric": "x", "order": "up", "commit": "z"})
    assert answer.status == 400
    assert sorted(error["field"] for error in answer.json()["errors"]) == ["commit", "metric", "order"]


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/v1/versions", {"model": ["search-fraud", "search-churn"]}),
        ("/v1/versions", {"order": ["asc", "desc"]}),
        ("/v1/models/any-model/versions", {"framework": ["sklearn", "xgboost"]}),
        ("/v1/models", {"name_prefix": ["a", "s"]}),
        ("/v1/models", {"limit": ["5", "6"]}),
    ],
)
def test_a_single_valued_parameter_given_twice_is_400_not_one_of_them(
    stack: LocalStack, token: str, path: str, query: dict[str, Any]
) -> None:
    answer = get(stack, token, path, query)
    assert answer.status == 400, answer.body[:500]
    assert answer.json()["type"].endswith("/repeated-query-parameter")
    assert answer.json()["repeated"] == list(query)


def test_a_comma_separates_list_values_here_as_api_gateway_does(stack: LocalStack, searchable: dict[str, str]) -> None:
    # Behind API Gateway a repeated parameter reaches the function joined with commas; the local server must
    # read `tag=a=1,b=2` as those two tags too, as its documentation says, not refuse it.
    token, fraud = searchable["token"], searchable["a"]
    joined = {"tag": "team=risk,env=prod", "metric": "auc>=0.75,auc<0.9", "model_prefix": "search-"}
    assert keys(get(stack, token, "/v1/versions", joined)) == [(fraud, 1)]
    repeated = {"tag": ["team=risk", "env=prod"], "metric": ["auc>=0.75", "auc<0.9"], "model_prefix": "search-"}
    assert keys(get(stack, token, "/v1/versions", repeated)) == [(fraud, 1)]
