"""Search parameters at their edges through the Lambda entry point on moto (DynamoDB, under the function's
IAM policy): each malformed one is a precise 400 that names it, none is a 500. The local stack gives the
same answers (tests/e2e/test_search_http.py)."""

from __future__ import annotations

import pytest

from tests.integration.conftest import Registry

REFUSED: dict[str, tuple[str, list[tuple[str, str]], str]] = {
    "after-before-utc-begins": ("/v1/versions", [("created_after", "0001-01-01T00:00:00+01:00")], "created_after"),
    "before-after-utc-ends": ("/v1/versions", [("created_before", "9999-12-31T23:59:59-01:00")], "created_before"),
    "model-listing-utc-ends": (
        "/v1/models/fraud/versions",
        [("created_after", "9999-12-31T23:30:00-00:45")],
        "created_after",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_malformed_search_parameter_is_a_400_naming_it(registry: Registry, case: str) -> None:
    registry.create_model("fraud")
    registry.register("fraud", b"x", metrics={"auc": 0.9})
    path, query, field = REFUSED[case]
    answer = registry.call("GET", path, query=query)
    assert answer.status == 400, answer
    assert [error["field"] for error in answer.problem["errors"]] == [field]
