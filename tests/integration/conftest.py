"""In-process registry: the Lambda handlers against moto, with a real local OIDC issuer on loopback.

Each request is handled by the function API Gateway would route it to (the template's HttpApi
events), under that function's own IAM role from the template, with moto evaluating IAM
(tests/integration/function_roles.py): a permission the template lacks fails the test.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from moto import mock_aws
from moto.core.authorization import enable_iam_authentication

from modelyard_local.github import LocalGitHub
from modelyard_local.issuer import LocalIssuer, local_repository_id
from modelyard_local.moto_patches import patch_moto_dynamodb
from modelyard_local.template_resources import load_template
from tests.integration.function_roles import (
    ADMIN,
    Principals,
    StackResources,
    create_admin,
    create_function_roles,
    create_stack_resources,
    harness_session,
)
from tests.integration.moto_iam_resources import resource_aware_iam
from tests.support.api_events import ApiResponse, http_event, invoke

TABLE = "registry-test"
BUCKET = "artifacts-test"
OWNER = "acme/fraud"
REGISTRY_ADMIN = "acme/registry-admins"  # an admin repository, for the tests that ask for one (`admin` fixture)


@pytest.fixture(scope="session")
def issuer() -> Iterator[LocalIssuer]:
    with LocalIssuer() as running:
        yield running


@pytest.fixture
def github() -> Iterator[LocalGitHub]:
    """The GitHub stand-in (REST API, device flow, people and teams) on loopback."""
    stand_in = LocalGitHub()
    yield stand_in
    stand_in.stop()


@functools.cache
def _http_routes() -> list[tuple[str, str, str, str]]:
    """(method, path, function, handler) of every HttpApi event in the template; `{proxy+}` routes last."""
    routes = []
    for logical_id, resource in load_template()["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] == "HttpApi":
                route = event["Properties"]
                routes.append((route["Method"], route["Path"], logical_id, resource["Properties"]["Handler"]))
    return sorted(routes, key=lambda route: "{proxy+}" in route[1])


def routed_function(method: str, path: str) -> tuple[str, Callable[..., Any]]:
    """The function (logical id) and entry point API Gateway invokes for a request."""
    for route_method, route_path, function, handler in _http_routes():
        if route_method in ("ANY", method) and (route_path == path or route_path == "/{proxy+}"):
            module, attribute = handler.rsplit(".", 1)
            return function, getattr(importlib.import_module(module), attribute)
    raise AssertionError(f"no route of the template serves {method} {path}")


@dataclass
class Registry:
    issuer: LocalIssuer
    s3: Any
    dynamodb: Any
    admin: Any  # a boto3 session with an administrator's credentials, for setup and inspection
    stack: StackResources
    principals: Principals

    def token(self, **claims: Any) -> str:
        claims.setdefault("repository", OWNER)
        return self.issuer.mint(**claims)

    def call(self, method: str, path: str, *, token: str | None = "default", **kwargs: Any) -> ApiResponse:
        if token == "default":
            # A stage change by default comes from a job in that stage's GitHub environment, as in a real
            # workflow; tests about environments pass their own token.
            stage = re.search(r"/stages/([^/]+)/(?:promote|rollback)$", path)
            token = self.token(environment=stage.group(1)) if stage else self.token()
        function, entry_point = routed_function(method, path)
        with self.principals.acting_as(function):
            return invoke(entry_point, http_event(method, path, token=token, **kwargs))

    def create_model(self, name: str = "fraud", **claims: Any) -> ApiResponse:
        answer = self.call("POST", "/v1/models", body={"name": name}, token=self.token(**claims))
        assert answer.status == 201, answer
        return answer

    def admin_token(self) -> str:
        """A workflow of the registry's admin repository (with the `admin` fixture)."""
        return self.token(repository=REGISTRY_ADMIN)

    def create_namespace(
        self, name: str, *, private: bool = False, owners: list[dict[str, str]] | None = None
    ) -> ApiResponse:
        """A namespace (created by the admin: needs the `admin` fixture), owned by OWNER unless `owners` say."""
        body = {
            "name": name,
            "owners": owners or [{"repository": local_repository_id(OWNER), "label": OWNER}],
            "private": private,
        }
        answer = self.call("POST", "/v1/namespaces", body=body, token=self.admin_token())
        assert answer.status == 201, answer
        return answer

    def put_bytes(self, key: str, data: bytes) -> None:
        self.s3.put_object(Bucket=BUCKET, Key=key, Body=data)

    def register(
        self, name: str, data: bytes, *, upload: bytes | None = None, complete: bool = True, **fields: Any
    ) -> dict[str, Any]:
        """Phase one, the upload (of `upload` bytes if given: to test lies), then phase two."""
        headers = fields.pop("headers", None)
        body = {
            "artifact": {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "format": "joblib"},
            **fields,
        }
        answer = self.call("POST", f"/v1/models/{name}/versions", body=body, headers=headers)
        assert answer.status in (200, 201), answer
        plan = answer.body["upload"]
        if plan["method"] == "put":
            self.put_bytes(answer.body["version"]["artifact"]["key"], upload if upload is not None else data)
        if not complete:
            return answer.body
        number = answer.body["version"]["version"]
        done = self.call("POST", f"/v1/models/{name}/versions/{number}/complete", body={})
        assert done.status == 200, done
        return done.body

    def items(self, name: str) -> list[dict[str, Any]]:
        return self.items_of(f"MODEL#{name}")

    def items_of(self, partition: str) -> list[dict[str, Any]]:
        answer = self.dynamodb.query(
            TableName=TABLE,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": partition}},
            ConsistentRead=True,
        )
        return answer["Items"]


@pytest.fixture
def registry(issuer: LocalIssuer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Registry]:
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        "MODELYARD_TABLE": TABLE,
        "MODELYARD_BUCKET": BUCKET,
        "MODELYARD_TRUSTED_ISSUERS": issuer.url,
        "MODELYARD_AUDIENCE": "modelyard",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_DEV": "false",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    from modelyard_server.handlers.wiring import forget_configuration

    patch_moto_dynamodb()
    with mock_aws(), resource_aware_iam():
        setup = harness_session()  # before IAM is enforced: moto's default credentials
        stack = create_stack_resources(setup, TABLE, BUCKET)
        roles = create_function_roles(setup, stack.resolver)
        admin = create_admin(setup)
        # Between requests the API's credentials stay in place: most requests are the API's.
        with Principals({**roles, ADMIN: admin}, initial="ApiFunction").installed() as principals:
            forget_configuration()
            with enable_iam_authentication():
                session = admin.session()
                yield Registry(
                    issuer=issuer,
                    s3=session.client("s3"),
                    dynamodb=session.client("dynamodb"),
                    admin=session,
                    stack=stack,
                    principals=principals,
                )
    forget_configuration()


@pytest.fixture
def admin(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> Registry:
    """The registry with REGISTRY_ADMIN as its admin repository."""
    from modelyard_server.handlers.wiring import forget_configuration

    monkeypatch.setenv("MODELYARD_ADMIN_REPOSITORIES", REGISTRY_ADMIN)
    forget_configuration()
    return registry
