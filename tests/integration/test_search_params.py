"""Search parameters at their edges through the Lambda entry point on moto (DynamoDB, under the function's
IAM policy): each malformed one is a precise 4xx that names it, none is a 500. The local stack gives the
same answers (tests/e2e/test_search_http.py)."""

from __future__ import annotations

import pytest

from tests.integration.conftest import Registry

REFUSED: dict[str, tuple[str, list[tuple[str, str]], str]] = {
    "limit-not-digits": ("/v1/versions", [("limit", "1.0")], "query.limit"),
    "limit-with-sign": ("/v1/models/fraud/versions", [("limit", "+5")], "query.limit"),
    "after-before-utc-begins": ("/v1/versions", [("created_after", "0001-01-01T00:00:00+01:00")], "created_after"),
    "before-after-utc-ends": ("/v1/versions", [("created_before", "9999-12-31T23:59:59-01:00")], "created_before"),
    "model-listing-utc-ends": (
        "/v1/models/fraud/versions",
        [("created_after", "9999-12-31T23:30:00-00:45")],
        "created_after",
    ),
    # empty values: a workflow's unset input, never "no filter" nor "the first page" (known leftovers)
    "empty-next-token": ("/v1/versions", [("next_token", "")], "query.next_token"),
    "empty-next-token-listing": ("/v1/models/fraud/versions", [("next_token", "")], "query.next_token"),
    "empty-next-token-models": ("/v1/models", [("next_token", "")], "query.next_token"),
    "empty-framework": ("/v1/versions", [("framework", "")], "framework"),
    "empty-framework-listing": ("/v1/models/fraud/versions", [("framework", "")], "framework"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_malformed_search_parameter_is_a_400_naming_it(registry: Registry, case: str) -> None:
    registry.create_model("fraud")
    registry.register("fraud", b"x", metrics={"auc": 0.9})
    path, query, field = REFUSED[case]
    answer = registry.call("GET", path, query=query)
    assert answer.status == (422 if field.startswith("query.") else 400), answer
    assert [error["field"] for error in answer.problem["errors"]] == [field]


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/v1/versions", [("model", "fraud"), ("model", "churn")]),
        ("/v1/versions", [("order", "asc"), ("order", "desc")]),
        ("/v1/models", [("name_prefix", "f"), ("name_prefix", "c")]),
    ],
)
def test_a_single_valued_parameter_given_twice_is_refused(
    registry: Registry, path: str, query: list[tuple[str, str]]
) -> None:
    answer = registry.call("GET", path, query=query)
    assert answer.status == 400, answer
    assert answer.problem["repeated"] == [query[0][0]]


def test_list_values_repeat_or_join_with_commas_alike(registry: Registry) -> None:
    registry.create_model("fraud")
    registry.register("fraud", b"x", tags={"team": "risk", "env": "prod"}, metrics={"auc": 0.8})
    registry.register("fraud", b"y", tags={"team": "risk"}, metrics={"auc": 0.95})

    def found(query: list[tuple[str, str]]) -> list[int]:
        answer = registry.call("GET", "/v1/versions", query=query)
        assert answer.status == 200, answer
        return [item["version"] for item in answer.body["items"]]

    repeated = [("tag", "team=risk"), ("tag", "env=prod"), ("metric", "auc>=0.75"), ("metric", "auc<0.9")]
    assert found(repeated) == [1]
    assert found([("tag", "team=risk,env=prod"), ("metric", "auc>=0.75,auc<0.9")]) == [1]
