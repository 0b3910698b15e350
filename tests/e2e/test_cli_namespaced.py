"""A model in a namespace through the CLI and the local server (ASGI decodes `%2F`: the path takes two segments)."""

from __future__ import annotations

import os
from pathlib import Path

from modelyard_local.stack import LocalStack
from tests.e2e.conftest import Cli, http, write_bytes


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
