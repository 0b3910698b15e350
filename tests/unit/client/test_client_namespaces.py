"""The client's namespace grammar is the server's, and it names an owner by exactly one id."""

from __future__ import annotations

from typing import Any

import pytest

from modelyard import client_namespaces
from modelyard.cli import main
from modelyard.client_namespaces import grantee
from modelyard.errors import ClientError
from modelyard_server.domain import names


def test_the_client_checks_names_and_ids_as_the_server_does() -> None:
    assert client_namespaces.NAMESPACE_PATTERN == names.NAMESPACE_PATTERN
    assert client_namespaces.TEAM_PATTERN == names.TEAM_PATTERN
    assert client_namespaces.GITHUB_ID_PATTERN == names.GITHUB_ID_PATTERN


def test_an_owner_is_one_team_person_or_repository() -> None:
    assert grantee(team="acme/ml") == {"team": "acme/ml"}
    assert grantee(person=583231) == {"person": "583231"}
    for wrong in ({}, {"team": "acme/ml", "person": "1"}):
        with pytest.raises(ClientError):
            grantee(**wrong)


def test_delete_sends_the_revision_read_and_says_what_went_with_it(
    answering: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    seen = answering({"deleted": "marketing", "policy_removed": True, "role_grants_removed": 2})
    code = main(["namespaces", "delete", "marketing", "--expected-revision", "3"])
    out, err = capsys.readouterr()

    assert (code, err) == (0, "")
    assert (seen[0].method, seen[0].path, seen[0].query) == (
        "DELETE",
        "/v1/namespaces/marketing",
        {"expected_revision": ["3"]},
    )
    assert out.strip() == "deleted namespace marketing with its policy layer, 2 role grant(s) scoped to it"


def test_delete_refuses_a_malformed_name_before_asking(answering: Any, capsys: pytest.CaptureFixture[str]) -> None:
    seen = answering({})
    assert main(["namespaces", "delete", "Marketing"]) != 0
    assert "expected a namespace" in capsys.readouterr().err
    assert seen == []
