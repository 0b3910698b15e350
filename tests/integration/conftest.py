"""In-process registry: the Lambda handler against moto, with a real local OIDC issuer on loopback."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from modelyard_server.local.issuer import LocalIssuer
from modelyard_server.local.moto_atomic import make_moto_dynamodb_atomic
from modelyard_server.local.template_resources import create_bucket, create_table
from tests.support.api_events import ApiResponse, http_event, invoke

TABLE = "registry-test"
BUCKET = "artifacts-test"
OWNER = "acme/fraud"


@pytest.fixture(scope="session")
def issuer() -> Iterator[LocalIssuer]:
    with LocalIssuer() as running:
        yield running


@dataclass
class Registry:
    issuer: LocalIssuer
    s3: Any
    dynamodb: Any

    def token(self, **claims: Any) -> str:
        claims.setdefault("repository", OWNER)
        return self.issuer.mint(**claims)

    def call(self, method: str, path: str, *, token: str | None = "default", **kwargs: Any) -> ApiResponse:
        from modelyard_server.handlers.api import lambda_handler

        if token == "default":
            # A stage change by default comes from a job in that stage's GitHub environment, as in a real
            # workflow; tests about environments pass their own token.
            stage = re.search(r"/stages/([^/]+)/(?:promote|rollback)$", path)
            token = self.token(environment=stage.group(1)) if stage else self.token()
        return invoke(lambda_handler, http_event(method, path, token=token, **kwargs))

    def create_model(self, name: str = "fraud", **claims: Any) -> ApiResponse:
        answer = self.call("POST", "/v1/models", body={"name": name}, token=self.token(**claims))
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
    from modelyard_server.adapters import table
    from modelyard_server.handlers.wiring import forget_configuration

    make_moto_dynamodb_atomic()
    with mock_aws():
        forget_configuration()
        table.bind(TABLE)
        dynamodb = boto3.client("dynamodb")
        s3 = boto3.client("s3")
        create_table(dynamodb, TABLE)
        create_bucket(s3, BUCKET)
        yield Registry(issuer=issuer, s3=s3, dynamodb=dynamodb)
    forget_configuration()
