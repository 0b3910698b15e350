"""A whole-number parameter out of range, or not a whole number, is a 422 whose detail names the range the
parameter accepts (a client should not have to guess the other bound from the one it crossed)."""

from __future__ import annotations

import pytest

from modelyard_server.domain.bounds import MAX_DEPTH
from tests.integration.conftest import Registry

LINEAGE = {"uri": "models:/fraud/1"}
PARTS = "/v1/models/fraud/versions"


@pytest.mark.parametrize(
    ("path", "query", "accepted"),
    [
        ("/v1/models", {"limit": "0"}, ("query.limit", "1 to 100")),
        ("/v1/models", {"limit": "101"}, ("query.limit", "1 to 100")),
        ("/v1/models", {"limit": "ten"}, ("query.limit", "1 to 100")),
        ("/v1/models", {"limit": "1.0"}, ("query.limit", "1 to 100")),
        ("/v1/models/fraud/versions", {"limit": "-3"}, ("query.limit", "1 to 100")),
        ("/v1/lineage", {**LINEAGE, "depth": "0"}, ("query.depth", f"1 to {MAX_DEPTH}")),
        ("/v1/lineage", {**LINEAGE, "depth": str(MAX_DEPTH + 1)}, ("query.depth", f"1 to {MAX_DEPTH}")),
        (f"{PARTS}/0/upload-parts", {"upload_id": "u"}, ("path.version", "1 to 1000000000")),
        (f"{PARTS}/1/upload-parts", {"upload_id": "u", "first": "10001"}, ("query.first", "1 to 10000")),
    ],
)
def test_the_problem_names_the_accepted_range(
    registry: Registry, path: str, query: dict[str, str], accepted: tuple[str, str]
) -> None:
    field, bounds = accepted
    answer = registry.call("GET", path, query=query)
    assert answer.status == 422, answer
    assert answer.body["detail"].startswith(f"{field}: ")
    assert f"write a whole number from {bounds}" in answer.body["detail"], answer.body
    assert [error["field"] for error in answer.body["errors"]] == [field]
