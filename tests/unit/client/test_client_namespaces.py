"""The client's namespace grammar is the server's, and it names an owner by exactly one id."""

from __future__ import annotations

import pytest

from modelyard import client_namespaces
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
