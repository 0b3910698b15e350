"""The browser tier's registry: each of its people, once signed in with GitHub, holds the role the page tests
count on, and no more."""

from __future__ import annotations

import json

import pytest

from modelyard_local.stack import LocalStack
from tests.browser.conftest import ADMIN, DEVELOPER, OPS, Person
from tests.e2e.conftest import http


def _session_roles(registry: LocalStack, person: Person) -> tuple[str, list[dict[str, object]]]:
    github_token = registry.github.people.token_for(person.login)
    body = json.dumps({"github_token": github_token}).encode()
    grant = http(
        "POST", f"{registry.api_url}/v1/sessions", body=body, headers={"Content-Type": "application/json"}
    ).json()
    me = http("GET", f"{registry.api_url}/v1/whoami", token=grant["token"]).json()
    return me["login"], me["roles"]


@pytest.mark.parametrize(("person", "role"), [(ADMIN, "admin"), (OPS, "ops"), (DEVELOPER, "developer")])
def test_each_person_holds_their_role_registry_wide(registry: LocalStack, person: Person, role: str) -> None:
    login, roles = _session_roles(registry, person)
    assert login == person.login
    assert roles == [{"scope": "*", "roles": [role]}]


def test_the_registry_is_the_stand_ins_web_flow_client(registry: LocalStack) -> None:
    """What the sign-in pages need: GitHub's host, the client id and its secret (the stand-in makes one per start)."""
    env = registry.environment()
    people = registry.github.people
    assert (env["MODELYARD_GITHUB_URL"], env["MODELYARD_GITHUB_CLIENT_ID"]) == (registry.github.url, people.client_id)
    assert env["MODELYARD_GITHUB_CLIENT_SECRET"] == people.client_secret
    assert len(people.client_secret) >= 40
