"""The local stack's AWS-shaped backend: a patched moto server, started empty, and the table, bucket, queue and
parameters the template gives the functions, created in it."""

from __future__ import annotations

import logging
import socket
import urllib.request
from typing import Any

import boto3
from botocore.config import Config as BotoConfig

from modelyard_local.moto_server import MotoServer
from modelyard_local.stack_environment import REGION
from modelyard_local.template_resources import create_bucket, create_table

DEFAULT_DLQ = "modelyard-notifications-dlq"


class MotoStartFailed(RuntimeError):
    """moto is not the version the patches were written for (the message names what changed)."""


def start_moto(sock: socket.socket, log_level: str) -> MotoServer:
    """A moto server on `sock`, its DynamoDB patched, holding nothing (see `reset`)."""
    if log_level.lower() != "debug":
        # moto's werkzeug server logs every request; keep that for debug runs only.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    from modelyard_local.moto_guard import MotoInternalsChanged
    from modelyard_local.moto_patches import patch_moto_dynamodb

    # One request at a time (DynamoDB applies each atomically), transactions that copy only the
    # items they touch; fails here, naming what changed, on a moto the patches were not written for.
    try:
        patch_moto_dynamodb()
    except MotoInternalsChanged as error:
        raise MotoStartFailed(str(error)) from error
    return MotoServer(sock).start()


def reset(moto_url: str) -> None:
    """Empty every moto backend: moto keeps them per process, not per server, so a stack started after another
    one in the same process would otherwise see that one's tables, objects and stream records."""
    request = urllib.request.Request(  # noqa: S310 - our own loopback server
        f"{moto_url}/moto-api/reset", data=b"", method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        answer.read()


def client(moto_url: str, service: str) -> Any:
    """A boto3 client of `service` on moto, with moto's dummy credentials."""
    session = boto3.session.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - moto's dummy credentials
        region_name=REGION,
    )
    config = BotoConfig(retries={"max_attempts": 2, "mode": "standard"})
    return session.client(service, endpoint_url=moto_url, config=config)  # type: ignore[call-overload]


def create_resources(moto_url: str, table_name: str, bucket_name: str) -> None:
    """The registry's table and bucket, as the template defines them."""
    create_table(client(moto_url, "dynamodb"), table_name)
    create_bucket(client(moto_url, "s3"), bucket_name)


def create_dead_letter_queue(moto_url: str) -> str:
    """The notifier's dead-letter queue; its URL."""
    return str(client(moto_url, "sqs").create_queue(QueueName=DEFAULT_DLQ)["QueueUrl"])


def put_parameter(moto_url: str, name: str, value: str) -> None:
    """A channel secret where the notifier reads it on AWS: an SSM SecureString."""
    client(moto_url, "ssm").put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)
