"""A serving fleet's poll over real HTTP: resolve answers an ETag, and If-None-Match with it a bodiless 304."""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Any

from modelyard_local.stack import LocalStack
from tests.e2e.conftest import http, write_bytes


def test_polling_a_uri_is_a_bodiless_304_until_its_alias_moves(
    stack: LocalStack, token: str, client: Any, model_name: str, tmp_path: Path
) -> None:
    client.create_model(model_name)
    for n in (1, 2):
        client.register(model_name, write_bytes(tmp_path / f"m{n}.bin", f"weights {n}".encode()))
    client.set_alias(model_name, "champion", 1)
    url = f"{stack.api_url}/v1/resolve?uri={urllib.parse.quote(f'models:/{model_name}@champion')}"

    first = http("GET", url, token=token)
    assert first.status == 200 and first.json()["version"] == 1
    etag = first.headers["etag"]
    unchanged = http("GET", url, token=token, headers={"If-None-Match": etag})
    assert (unchanged.status, unchanged.body, unchanged.headers["etag"]) == (304, b"", etag)

    client.set_alias(model_name, "champion", 2)
    moved = http("GET", url, token=token, headers={"If-None-Match": etag})
    assert moved.status == 200 and moved.json()["version"] == 2
    assert moved.headers["etag"] != etag

    latest = f"{stack.api_url}/v1/resolve?uri={urllib.parse.quote(f'models:/{model_name}/Latest')}"
    assert http("GET", latest, token=token).json()["version"] == 2
