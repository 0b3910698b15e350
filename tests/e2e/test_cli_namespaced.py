"""A model in a namespace through the CLI and the local server (ASGI decodes `%2F`: the path takes two segments)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelyard_local.issuer import local_repository_id
from modelyard_local.stack import LocalStack
from tests.e2e.conftest import OWNER, Cli, base_env, http, run_cli, write_bytes

ADMIN = "acme/registry-admins"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """The local stack with an admin repository, who makes the namespace the tests' repository owns."""
    with LocalStack(port=0, issuer_port=0, moto_port=0, extra_env={"MODELYARD_ADMIN_REPOSITORIES": ADMIN}) as running:
        environ = {**base_env(), "MODELYARD_URL": running.api_url, "MODELYARD_TOKEN": running.mint(repository=ADMIN)}
        owner = local_repository_id(OWNER)
        run_cli(
            ("namespaces", "create", "marketing", "--owner-repository", owner), environ, tmp_path_factory.mktemp("c")
        )
        yield running


def _admin(cli: Cli) -> str:
    return cli.stack.mint(repository=ADMIN)


def test_register_promote_resolve_and_fetch_a_namespaced_model(cli: Cli, model_name: str, tmp_path: Path) -> None:
    name = f"marketing/{model_name}"
    data = os.urandom(5000)
    model = write_bytes(tmp_path / "in" / "model.onnx", data)
    registered = cli.run("register", name, str(model), "--create-model", "--metric", "auc=0.9", "--json").json()
    assert registered["uri"] == f"models:/{name}/1"

    cli.run("alias", "set", name, "champion", "1")
    shown = cli.run("show", f"models:/{name}@champion", "--json").json()
    assert (shown["model"], shown["version"]) == (name, 1)
    versions = cli.run("versions", name, "--json").json()
    assert [item["uri"] for item in versions] == [f"models:/{name}/1"]
    found = cli.run("search", "--model-prefix", "marketing/", "--json").json()
    assert f"models:/{name}/1" in [hit["uri"] for hit in found]

    fetched = Path(cli.run("fetch", f"models:/{name}@champion").stdout.strip().splitlines()[-1])
    assert fetched.read_bytes() == data


def test_the_encoded_form_of_a_namespaced_name_reaches_the_same_model(
    cli: Cli, stack: LocalStack, token: str, model_name: str, tmp_path: Path
) -> None:
    name = f"marketing/{model_name}"
    cli.run("register", name, str(write_bytes(tmp_path / "m.bin", b"bytes")), "--create-model")
    for path in (f"/v1/models/{name}", f"/v1/models/marketing%2F{model_name}"):
        answer = http("GET", stack.api_url + path, token=token)
        assert answer.status == 200 and answer.json()["name"] == name, (path, answer)


def test_namespaces_and_owners_through_the_cli(cli: Cli, model_name: str, tmp_path: Path) -> None:
    admin, outsider = _admin(cli), cli.stack.mint(repository="acme/outsider")
    created = cli.run(
        "namespaces",
        "create",
        "sales",
        "--private",
        "--owner-team",
        "acme/sales",
        "--owner-person",
        "31",
        "--description",
        "Sales models",
        "--json",
        token=admin,
    ).json()
    assert (created["name"], created["private"], created["revision"]) == ("sales", True, 1)
    shown = cli.run("namespaces", "show", "sales", token=admin).stdout
    assert "team acme/sales" in shown and "person 31" in shown and "hidden from non-members" in shown
    refused = cli.run("namespaces", "show", "sales", token=outsider, expect=None)
    assert refused.returncode != 0 and "there is no namespace 'sales'" in refused.stderr
    assert "sales" not in cli.run("namespaces", "list", token=outsider).stdout
    assert "sales" in cli.run("namespaces", "list", token=admin).stdout

    public = cli.run("namespaces", "update", "sales", "--public", "--expected-revision", "1", "--json", token=admin)
    assert public.json()["private"] is False
    cli.run("namespaces", "owners", "add", "sales", "--repository", "77", "--label", "acme/x", token=admin)
    cli.run("namespaces", "owners", "remove", "sales", "--team", "acme/sales", token=admin)
    cli.run("namespaces", "owners", "remove", "sales", "--person", "31", token=admin)
    last = cli.run("namespaces", "owners", "remove", "sales", "--repository", "77", token=admin, expect=None)
    assert last.returncode != 0 and "last owner" in last.stderr
    assert cli.run("namespaces", "owners", "add", "sales", "--login", "x", token=admin, expect=None).returncode == 2

    policy = tmp_path / "policy.json"
    policy.write_text('{"gates": {"thresholds": [{"metric": "auc", "min": 0.8}]}}', encoding="utf-8")
    assert "revision" in cli.run("namespaces", "policy", "set", "sales", str(policy), token=admin).stdout
    layer = cli.run("namespaces", "policy", "show", "sales", "--json").json()
    assert (layer["revision"], layer["document"]["gates"]["thresholds"][0]["min"]) == (1, 0.8)

    name = f"marketing/{model_name}"
    cli.run("create-model", name)
    owned = cli.run("owners", "add", name, "--repository", "43", "--repository-name", "acme/serving", "--json")
    assert owned.json()["owners"] == [OWNER, "acme/serving"]  # the namespace's owner repository may
    removed = cli.run("owners", "remove", name, "--repository", local_repository_id(OWNER), "--json").json()
    assert removed["owners"] == ["acme/serving"]
    hint = cli.run("owners", "add", name, "--repository", "44", expect=None)
    assert hint.returncode != 0 and "--repository-name" in hint.stderr


def test_a_private_namespace_s_model_is_missing_for_an_outsider_over_http(
    cli: Cli, model_name: str, tmp_path: Path
) -> None:
    owner = local_repository_id(OWNER)
    cli.run("namespaces", "create", "vault", "--private", "--owner-repository", owner, token=_admin(cli), expect=None)
    name = f"vault/{model_name}"
    cli.run("register", name, str(write_bytes(tmp_path / "m.bin", b"vault-bytes")), "--create-model")
    outsider = cli.stack.mint(repository="acme/outsider")
    for args in (("show", f"models:/{name}/1"), ("versions", name), ("resolve", f"models:/{name}/1")):
        hidden = cli.run(*args, token=outsider, expect=None)
        assert hidden.returncode != 0 and f"there is no model '{name}'" in hidden.stderr, (args, hidden)
        assert cli.run(*args).returncode == 0  # the owner repository sees it
    assert name not in cli.run("search", "--model-prefix", "vault/", "--json", token=outsider).stdout
