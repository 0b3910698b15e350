"""Each function's role: the actions it holds (reviewed here), and that the tests run under it.

The integration suites call the functions under their roles (tests/integration/conftest.py), so a
permission the template lacks fails them. A permission it holds but should not shows here: a new
action changes the expected list in this file, in review.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import BUCKET, TABLE, Registry
from tests.integration.function_roles import function_policies

ROLE_ACTIONS = {
    "ApiFunction": [
        "dynamodb:BatchGetItem",  # search: a page's versions (or models holding a stage) in one request
        "dynamodb:ConditionCheckItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
        "s3:AbortMultipartUpload",
        "s3:DeleteObject",
        "s3:GetObject",
        "s3:GetObjectVersion",  # hashing a verified upload and downloads read by VersionId
        "s3:ListBucket",
        "s3:ListMultipartUploadParts",
        "s3:PutObject",
        "secretsmanager:GetSecretValue",  # the GitHub App key
        "ssm:GetParameter",  # checks that notification channel secrets exist when the config is set
    ],
    "GateFunction": [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "secretsmanager:GetSecretValue",  # the GitHub App key and the webhook secret
    ],
    "EventsFunction": [
        "dynamodb:DescribeStream",  # the four stream actions: Lambda reads the stream with this role
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:ListStreams",
        "events:PutEvents",
        "sqs:SendMessage",  # records that failed for good
    ],
    "NotifierFunction": [
        "dynamodb:GetItem",  # the routing config and sent markers
        "dynamodb:PutItem",
        "sqs:SendMessage",  # dead letters (its own, and Lambda's on-failure destination)
        "ssm:GetParameter",  # channel secrets
    ],
    "VerifierFunction": [
        "dynamodb:GetItem",  # the version, and whether its bytes are verified already
        "dynamodb:PutItem",  # the verdict's event
        "dynamodb:Query",
        "dynamodb:UpdateItem",  # the verdict
        "s3:DeleteObject",  # bytes that are not their key's content
        "s3:GetObject",
        "s3:GetObjectVersion",  # hashing the object version the completion saw
        "s3:ListBucket",  # a missing object is a 404, not a 403
        "sqs:SendMessage",  # Lambda's on-failure destination
    ],
}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_each_function_role_grants_exactly_the_reviewed_actions() -> None:
    granted = {
        function: sorted(
            {
                action
                for policy in policies
                for statement in _as_list(policy["PolicyDocument"]["Statement"])
                for action in _as_list(statement["Action"])
            }
        )
        for function, policies in function_policies().items()
    }
    print(json.dumps(granted, indent=2))
    assert granted == ROLE_ACTIONS


def test_every_statement_allows_named_resources_only() -> None:
    for function, policies in function_policies().items():
        for policy in policies:
            for statement in _as_list(policy["PolicyDocument"]["Statement"]):
                assert statement["Effect"] == "Allow", (function, statement)
                assert "*" not in _as_list(statement["Resource"]), (function, statement)


def _denied(call: Any, **kwargs: Any) -> bool:
    """Refused by IAM (moto answers JSON-protocol services with an XML error that botocore keeps as text)."""
    with pytest.raises(ClientError) as refused:
        call(**kwargs)
    error = refused.value.response
    return error["ResponseMetadata"]["HTTPStatusCode"] == 403 and "AccessDenied" in json.dumps(error["Error"])


def test_requests_outside_a_roles_statements_are_refused(registry: Registry) -> None:
    """The enforcement the suites rely on is on: each role gets what its statements name, and no more."""
    registry.s3.put_object(Bucket=BUCKET, Key="elsewhere/object", Body=b"x")
    registry.s3.put_object(Bucket=BUCKET, Key="blobs/sha256/ab", Body=b"y")
    api = registry.principals.credentials["ApiFunction"].session()
    gate = registry.principals.credentials["GateFunction"].session()
    notifier = registry.principals.credentials["NotifierFunction"].session()
    key = {"PK": {"S": "MODEL#nothing"}, "SK": {"S": "#MODEL"}}

    assert api.client("s3").get_object(Bucket=BUCKET, Key="blobs/sha256/ab")["Body"].read() == b"y"
    assert _denied(api.client("s3").get_object, Bucket=BUCKET, Key="elsewhere/object")
    assert _denied(api.client("dynamodb").delete_item, TableName=TABLE, Key=key)
    assert _denied(api.client("dynamodb").scan, TableName=TABLE)
    queue = registry.stack.notification_dlq_url
    assert _denied(api.client("sqs").send_message, QueueUrl=queue, MessageBody="{}")

    assert "Item" not in gate.client("dynamodb").get_item(TableName=TABLE, Key=key)
    gate_query = {
        "TableName": TABLE,
        "IndexName": "GSI1",
        "KeyConditionExpression": "GSI1PK = :pk",
        "ExpressionAttributeValues": {":pk": {"S": "MODELS"}},
    }
    assert _denied(gate.client("dynamodb").query, **gate_query)  # the table, not its indexes
    update = {
        "TableName": TABLE,
        "Key": key,
        "UpdateExpression": "SET x = :x",
        "ExpressionAttributeValues": {":x": {"S": "1"}},
    }
    assert _denied(gate.client("dynamodb").update_item, **update)

    notifier.client("sqs").send_message(QueueUrl=queue, MessageBody="{}")
    other = registry.stack.stream_failure_queue_url
    assert _denied(notifier.client("sqs").send_message, QueueUrl=other, MessageBody="{}")
    assert _denied(notifier.client("ssm").get_parameter, Name="/elsewhere/secret")
