"""Teach moto's IAM evaluation which resource a JSON-protocol request acts on.

moto checks S3 requests against the object's or bucket's ARN and SQS requests against the
queue's ARN, but evaluates DynamoDB, DynamoDB Streams, SSM, EventBridge and Secrets Manager
requests against the resource ``*``: a policy scoped to a table ARN (as every statement in
infra/template.yaml is) would then deny everything. Here each such request is checked the way
AWS documents it: against the table (or ``table/<t>/index/<i>`` for a query on an index), the
stream, the parameter, the bus or the secret it names; a TransactWriteItems as the PutItem,
UpdateItem, DeleteItem and ConditionCheckItem actions of its items (there is no
``dynamodb:TransactWriteItems`` permission: AWS authorizes the underlying operations).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest import mock

from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.responses import BaseResponse
from moto.dynamodb.responses import DynamoHandler
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler
from moto.events.responses import EventsHandler
from moto.secretsmanager.models import secretsmanager_backends
from moto.secretsmanager.responses import SecretsManagerResponse
from moto.ssm.responses import SimpleSystemManagerResponse

Check = tuple[str, str]  # (action as the API names it, resource ARN)
TRANSACT_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


def _arn(handler: BaseResponse, service: str, resource: str) -> str:
    return f"arn:aws:{service}:{handler.region}:{handler.current_account}:{resource}"


def _body(handler: BaseResponse) -> dict[str, Any]:
    raw = handler.raw_body
    parsed = json.loads(raw) if raw else {}
    return parsed if isinstance(parsed, dict) else {}


def _dynamodb(handler: BaseResponse, action: str, body: dict[str, Any]) -> list[Check]:
    def table(name: str) -> str:
        return name if name.startswith("arn:") else _arn(handler, "dynamodb", f"table/{name}")

    if action == "TransactWriteItems":
        checks = []
        for item in body.get("TransactItems", []):
            [(kind, operation)] = item.items()
            checks.append((TRANSACT_ACTIONS[kind], table(operation["TableName"])))
        return checks
    if action == "TransactGetItems":
        return [("GetItem", table(item["Get"]["TableName"])) for item in body.get("TransactItems", [])]
    if action in ("BatchGetItem", "BatchWriteItem"):
        return [(action, table(name)) for name in body.get("RequestItems", {})]
    if "TableName" not in body:
        return [(action, "*")]
    resource = table(body["TableName"])
    if body.get("IndexName"):
        resource += f"/index/{body['IndexName']}"
    return [(action, resource)]


def _streams(handler: BaseResponse, action: str, body: dict[str, Any]) -> list[Check]:
    if "StreamArn" in body:
        return [(action, body["StreamArn"])]
    if "ShardIterator" in body:  # moto's iterators start with the stream ARN
        return [(action, str(body["ShardIterator"]).split("|", 1)[0])]
    if "TableName" in body:
        return [(action, _arn(handler, "dynamodb", f"table/{body['TableName']}/stream/*"))]
    return [(action, "*")]


def _ssm(handler: BaseResponse, action: str, body: dict[str, Any]) -> list[Check]:
    names = body.get("Names") or ([body["Name"]] if "Name" in body else [])
    if not names:
        return [(action, "*")]
    return [(action, _arn(handler, "ssm", "parameter/" + str(name).lstrip("/"))) for name in names]


def _events(handler: BaseResponse, action: str, body: dict[str, Any]) -> list[Check]:
    def bus(name: str) -> str:
        return name if name.startswith("arn:") else _arn(handler, "events", f"event-bus/{name}")

    if action == "PutEvents":
        return [(action, bus(entry.get("EventBusName") or "default")) for entry in body.get("Entries", [])]
    if "EventBusName" in body:
        return [(action, bus(body["EventBusName"]))]
    return [(action, "*")]


def _secrets(handler: BaseResponse, action: str, body: dict[str, Any]) -> list[Check]:
    secret_id = body.get("SecretId")
    if not secret_id:
        return [(action, "*")]
    secrets = secretsmanager_backends[handler.current_account][handler.region].secrets
    return [(action, secrets[secret_id].arn if secret_id in secrets else str(secret_id))]


RESOLVERS: dict[type[BaseResponse], Callable[[BaseResponse, str, dict[str, Any]], list[Check]]] = {
    DynamoHandler: _dynamodb,
    DynamoDBStreamsHandler: _streams,
    SimpleSystemManagerResponse: _ssm,
    EventsHandler: _events,
    SecretsManagerResponse: _secrets,
}


def _authorize(handler: BaseResponse, resource: str = "*") -> None:
    """Replaces moto's single check against ``resource`` by one check per (action, resource) the request needs."""
    checks = RESOLVERS[type(handler)](handler, handler._get_action(), _body(handler))
    for action, arn in checks:
        handler._get_action = functools.partial(str, action)  # type: ignore[method-assign]
        try:
            ActionAuthenticatorMixin._authenticate_and_authorize_normal_action(handler, arn)
        finally:
            del handler._get_action


@contextmanager
def resource_aware_iam() -> Iterator[None]:
    with ExitStack() as patches:
        for handler in RESOLVERS:
            patches.enter_context(mock.patch.object(handler, "_authenticate_and_authorize_normal_action", _authorize))
        yield
