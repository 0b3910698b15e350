"""The API over raw HTTP (urllib), the way any other client would meet it; and `modelyard dev-token`."""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest

from modelyard_local.stack import LocalStack
from tests.e2e.conftest import OWNER, Cli, HttpAnswer, closed_port_url, http

PROBLEM = "application/problem+json"


def _problem(answer: HttpAnswer, status: int) -> dict[str, Any]:
    assert answer.status == status, (answer.status, answer.body[:500])
    assert answer.headers.get("content-type", "").startswith(PROBLEM), answer.headers
    problem: dict[str, Any] = answer.json()
    assert problem["status"] == status
    assert problem["title"]
    assert problem["type"].startswith("https://")
    return problem


def _post_json(stack: LocalStack, path: str, body: bytes, token: str | None) -> HttpAnswer:
    return http("POST", stack.api_url + path, token=token, body=body, headers={"Content-Type": "application/json"})


def test_oversize_body_is_413_problem_and_creates_nothing(stack: LocalStack, token: str, model_name: str) -> None:
    body = json.dumps({"name": model_name, "description": "x" * (1100 * 1024)}).encode()
    problem = _problem(_post_json(stack, "/v1/models", body, token), 413)
    assert str(1024 * 1024) in problem["detail"]
    _problem(http("GET", f"{stack.api_url}/v1/models/{model_name}", token=token), 404)


def test_malformed_json_is_400_problem_and_creates_nothing(stack: LocalStack, token: str, model_name: str) -> None:
    _problem(_post_json(stack, "/v1/models", b'{"name": "' + model_name.encode() + b'", ', token), 400)
    _problem(http("GET", f"{stack.api_url}/v1/models/{model_name}", token=token), 404)


def test_wrong_types_are_422_with_field_errors(stack: LocalStack, token: str) -> None:
    problem = _problem(_post_json(stack, "/v1/models", json.dumps({"name": 42, "tags": []}).encode(), token), 422)
    assert problem["errors"]
    assert all({"field", "message"} <= set(error) for error in problem["errors"])


def test_missing_token_is_401_problem(stack: LocalStack) -> None:
    problem = _problem(http("GET", f"{stack.api_url}/v1/models"), 401)
    assert problem["detail"]
    _problem(_post_json(stack, "/v1/models", b'{"name": "sneaky"}', None), 401)


def test_openapi_and_docs_need_no_token(stack: LocalStack) -> None:
    spec = http("GET", f"{stack.api_url}/v1/openapi.json")
    assert spec.status == 200
    document = spec.json()
    assert document["openapi"].startswith("3.1")
    assert "/v1/models/{name}/versions" in document["paths"]

    docs = http("GET", f"{stack.api_url}/v1/docs")
    assert docs.status == 200
    assert docs.headers.get("content-type", "").startswith("text/html")
    assert b"swagger" in docs.body.lower()

    health = http("GET", f"{stack.api_url}/v1/health")
    assert (health.status, health.json()) == (200, {"status": "ok"})


def _tampered(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    names = [k for k, _ in query]
    assert {"X-Amz-Signature", "Signature", "signature"} & set(names), url
    forged = [(k, "0" * len(v) if k in ("X-Amz-Signature", "Signature", "signature") else v) for k, v in query]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(forged)))


def test_tampered_presigned_upload_url_is_refused(stack: LocalStack, token: str, model_name: str) -> None:
    data = b"honest bytes" * 100
    digest = hashlib.sha256(data).hexdigest()
    assert _post_json(stack, "/v1/models", json.dumps({"name": model_name}).encode(), token).status == 201
    registered = _post_json(
        stack,
        f"/v1/models/{model_name}/versions",
        json.dumps({"artifact": {"sha256": digest, "size": len(data), "format": "other"}}).encode(),
        token,
    )
    assert registered.status == 201, registered.body
    plan = registered.json()["upload"]
    assert plan["method"] == "put"
    forged = http("PUT", _tampered(plan["url"]), body=data, headers=plan.get("headers") or {})
    if forged.status < 300:
        pytest.skip("moto does not check presigned URL signatures (S3 answers 403 SignatureDoesNotMatch)")
    assert forged.status == 403
    # the version stays unsealed: completing it finds no bytes
    number = registered.json()["version"]["version"]
    done = _post_json(stack, f"/v1/models/{model_name}/versions/{number}/complete", b"{}", token)
    assert done.status >= 400


def _claims(jwt: str) -> dict[str, Any]:
    payload = jwt.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


def test_dev_token_carries_the_claims_asked_for_and_is_accepted(cli: Cli, stack: LocalStack, model_name: str) -> None:
    result = cli.run(
        "dev-token",
        "--issuer",
        stack.issuer_url,
        "--repository",
        "acme/x",
        "--environment",
        "staging",
        token=None,
    )
    jwt = result.stdout.strip()
    assert jwt.count(".") == 2
    claims = _claims(jwt)
    assert claims["repository"] == "acme/x"
    assert claims["environment"] == "staging"
    assert claims["iss"] == stack.issuer_url
    assert claims["aud"] == stack.audience
    assert claims["exp"] > claims["iat"]

    # the registry takes it: the model it creates is owned by that repository
    created = _post_json(stack, "/v1/models", json.dumps({"name": model_name}).encode(), jwt)
    assert created.status == 201, created.body
    assert created.json()["owners"] == ["acme/x"]
    assert created.json()["owners"] != [OWNER]


def test_dev_token_without_an_issuer_says_how_to_start_one(cli: Cli) -> None:
    result = cli.run("dev-token", "--issuer", closed_port_url(), token=None, expect=1)
    assert "no local token issuer at" in result.stderr
    assert "modelyard dev" in result.stderr


def test_presigned_put_demands_the_declared_checksum_and_a_lying_upload_never_becomes_ready(
    stack: LocalStack, client: Any, token: str, model_name: str
) -> None:
    client.create_model(model_name)
    declared = b"the real model bytes"
    digest = hashlib.sha256(declared).hexdigest()
    body = json.dumps({"artifact": {"sha256": digest, "size": len(declared)}}).encode()
    plan = _post_json(stack, f"/v1/models/{model_name}/versions", body, token).json()["upload"]
    assert plan["method"] == "put"
    lie = b"the fake model bytes"
    if stack.backend == "moto":
        # On S3 the signed x-amz-checksum-sha256 header makes the PUT itself fail for other bytes.
        assert plan["headers"]["x-amz-checksum-sha256"] == base64.b64encode(bytes.fromhex(digest)).decode()
        assert "x-amz-checksum-sha256" in urllib.parse.unquote(plan["url"]).lower()
        # moto stores whatever arrives, so the registry's own check is what stops the lie here.
        assert http("PUT", plan["url"], body=lie, headers=plan["headers"]).status == 200
        refused = "/artifact-mismatch"
    else:
        # The embedded store hashes the bytes as they arrive and keeps nothing that is not what was signed.
        assert http("PUT", plan["url"], body=lie, headers=plan["headers"]).status == 400
        refused = "/artifact-missing"
    done = _post_json(stack, f"/v1/models/{model_name}/versions/1/complete", b"{}", token)
    assert done.status in (409, 422), done.body
    assert done.json()["type"].endswith(refused)
    assert client.get_version(model_name, 1)["status"] == "pending_upload"


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b'{"name": "caf\xe9"}', "application/json", 400),
        (b'{"name": "plain"}', "text/plain", 415),
        (b'{"name": "untyped"}', None, 415),
        (b'{"name": "x", "name": "y"}', "application/json", 422),
        (b"[" * 1000 + b"]" * 1000, "application/json", 422),
        (b'{"name": "x", "tags": ' + b'{"a": ' * 1000 + b"1" + b"}" * 1001, "application/json", 422),
    ],
)
def test_unreadable_bodies_are_4xx_problems_over_http(
    stack: LocalStack, token: str, body: bytes, content_type: str | None, status: int
) -> None:
    before = http("GET", f"{stack.api_url}/v1/models", token=token).json()["items"]
    headers = {"Content-Type": content_type} if content_type else {}
    request = urllib.request.Request(stack.api_url + "/v1/models", data=body, method="POST", headers=headers)
    if content_type is None:
        request.remove_header("Content-type")  # urllib adds a form type to any body otherwise
    request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = HttpAnswer(response.status, {k.lower(): v for k, v in response.headers.items()}, response.read())
    except urllib.error.HTTPError as error:
        with error:
            answer = HttpAnswer(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())
    _problem(answer, status)
    assert http("GET", f"{stack.api_url}/v1/models", token=token).json()["items"] == before


def test_integral_numbers_are_integers_and_booleans_are_not(stack: LocalStack, token: str, model_name: str) -> None:
    assert _post_json(stack, "/v1/models", json.dumps({"name": model_name}).encode(), token).status == 201
    digest = hashlib.sha256(b"one").hexdigest()
    path = f"/v1/models/{model_name}/versions"
    _problem(_post_json(stack, path, json.dumps({"artifact": {"sha256": digest, "size": True}}).encode(), token), 422)
    created = _post_json(stack, path, b'{"artifact": {"sha256": "' + digest.encode() + b'", "size": 3.0}}', token)
    assert created.status == 201, created.body
    assert created.json()["version"]["artifact"]["size"] == 3


def test_a_wrong_size_declared_elsewhere_never_discards_bytes_another_version_uploaded(
    stack: LocalStack, client: Any, token: str, model_name: str
) -> None:
    data = b"the honest model" * 64
    digest = hashlib.sha256(data).hexdigest()
    client.create_model(model_name)
    client.create_model(f"{model_name}-other")

    def register(model: str, size: int) -> dict[str, Any]:
        body = json.dumps({"artifact": {"sha256": digest, "size": size}}).encode()
        answer = _post_json(stack, f"/v1/models/{model}/versions", body, token)
        assert answer.status == 201, answer.body
        registered: dict[str, Any] = answer.json()
        return registered

    honest = register(model_name, len(data))["upload"]
    assert http("PUT", honest["url"], body=data, headers=honest["headers"]).status == 200
    # Another registration of the same digest declares the wrong size and completes without uploading.
    register(f"{model_name}-other", len(data) + 1)
    wrong = _post_json(stack, f"/v1/models/{model_name}-other/versions/1/complete", b"{}", token)
    assert _problem(wrong, 422)["type"].endswith("/artifact-mismatch")
    # The honest upload is still there: its version seals, and downloads its bytes.
    done = _post_json(stack, f"/v1/models/{model_name}/versions/1/complete", b"{}", token)
    assert done.status == 200, done.body
    download = client.download_info(model_name, 1)
    assert http("GET", download["url"]).body == data


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/v1/models/{m}/policy", {"document": {}, "expected_revision": 2**65}),
        ("PUT", "/v1/models/{m}/aliases/champion", {"version": 1, "expected_version": 2**65}),
        ("PUT", "/v1/models/{m}/aliases/champion", {"version": 2**65}),
        ("POST", "/v1/models/{m}/stages/staging/promote", {"version": 1, "expected_version": 2**65}),
        ("POST", "/v1/models/{m}/stages/staging/rollback", {"expected_version": 2**65}),
    ],
)
def test_numbers_past_any_counter_are_a_422_naming_the_field(
    stack: LocalStack, client: Any, token: str, model_name: str, method: str, path: str, body: dict[str, Any]
) -> None:
    client.create_model(model_name)
    raw = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    answer = http(method, stack.api_url + path.format(m=model_name), token=token, body=raw, headers=headers)
    assert answer.status == 422, answer.body
    assert answer.json()["errors"], answer.body
