"""Each function's AWS calls under that function's own IAM role, as the expanded template defines it.

The stack's resources (table, bucket, bus, queues, secrets) are created in moto; every
``AWS::IAM::Role`` of the expanded template becomes a moto role holding exactly the template's
inline policies, with ``!Ref``/``!GetAtt``/``!Sub`` resolved to the ARNs of those moto
resources; each role is assumed once. With moto's IAM evaluation on, a request signed with a
role's credentials is allowed only if that role's statements allow its action on its resource,
so a permission the template forgot fails a test instead of a deployment.

The roles' managed policies (AWSLambdaBasicExecutionRole, AWSXrayWriteOnlyAccess: logs and
traces) are left out: the code never calls those services itself.

Test-side setup and inspection use an administrator's credentials explicitly; every other client
signs with the credentials of the function currently acting (``Principals.acting_as``).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from unittest import mock

import boto3
import botocore.credentials
import botocore.loaders
import botocore.session

from modelyard_local.template_resources import create_bucket, create_table
from tests.integration.expanded_template import REGION, expand_template
from tests.integration.template_conditions import apply_conditions, parameter_values

ACCOUNT = "123456789012"  # moto's default account
STACK_NAME = "modelyard-test"
ADMIN = "admin"  # the test harness (and an operator running tools such as redrive)
SESSION_SIGNING_KEY = "k" * 64  # what the stack's generated secret stands for in moto
PSEUDO_PARAMETERS = {
    "AWS::Partition": "aws",
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT,
    "AWS::StackName": STACK_NAME,
    "AWS::URLSuffix": "amazonaws.com",
}


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    def session(self) -> boto3.session.Session:
        return harness_session(self)


_SERVICE_MODELS = botocore.loaders.create_loader()


def harness_session(credentials: Credentials | None = None) -> boto3.session.Session:
    """A boto3 session for the harness; its sessions share one loader, so service models are read once."""
    core = botocore.session.get_session()
    core.register_component("data_loader", _SERVICE_MODELS)
    if credentials is None:
        return boto3.session.Session(botocore_session=core, region_name=REGION)
    return boto3.session.Session(
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
        botocore_session=core,
        region_name=REGION,
    )


@dataclass
class Resolver:
    """CloudFormation intrinsics (Ref, Fn::GetAtt, Fn::Sub, Fn::Join) against known physical values."""

    refs: dict[str, str]
    attributes: dict[tuple[str, str], str]

    def _sub(self, text: str, variables: dict[str, Any]) -> str:
        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name:
                resource, attribute = name.split(".", 1)
                return self.attributes[(resource, attribute)]
            return self.refs[name]

        return re.sub(r"\$\{([^}!]+)\}", one, text)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            [(key, argument)] = value.items()
            if key == "Ref":
                return self.refs[argument]
            if key == "Fn::GetAtt":
                resource, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
                return self.attributes[(resource, attribute)]
            if key == "Fn::Sub":
                text, variables = (argument, {}) if isinstance(argument, str) else argument
                return self._sub(text, variables)
            if key == "Fn::Join":
                separator, parts = argument
                return separator.join(str(part) for part in self.resolve(parts))
            if key.startswith("Fn::"):
                raise ValueError(f"the test stack cannot resolve {key}: teach tests/integration/function_roles.py")
        return {key: self.resolve(item) for key, item in value.items()}


@dataclass
class StackResources:
    """Physical names and ARNs of the template's resources, created in moto."""

    table: str
    bucket: str
    event_bus: str
    stream_failure_queue_url: str
    notification_dlq_url: str
    resolver: Resolver


def create_stack_resources(session: boto3.session.Session, table: str, bucket: str) -> StackResources:
    dynamodb, sqs = session.client("dynamodb"), session.client("sqs")
    create_table(dynamodb, table)
    create_bucket(session.client("s3"), bucket)
    described = dynamodb.describe_table(TableName=table)["Table"]
    bus_name = f"{STACK_NAME}-events"
    bus_arn = session.client("events").create_event_bus(Name=bus_name)["EventBusArn"]
    queues = {}
    for logical_id in ("StreamFailureQueue", "NotificationDeadLetterQueue", "VerificationDeadLetterQueue"):
        url = sqs.create_queue(QueueName=f"{STACK_NAME}-{logical_id}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        queues[logical_id] = (url, arn)
    secrets = session.client("secretsmanager")
    secret_values = {
        "GitHubAppPrivateKey": "not-configured",
        "GitHubWebhookSecret": "not-configured",
        "SessionSigningKey": SESSION_SIGNING_KEY,  # CloudFormation generates it (GenerateSecretString)
    }
    secret_arns = {
        logical_id: secrets.create_secret(Name=f"{STACK_NAME}/{logical_id}", SecretString=value)["ARN"]
        for logical_id, value in secret_values.items()
    }
    template = expand_template()
    parameters = parameter_values(template)
    refs = {
        **PSEUDO_PARAMETERS,
        **parameters,
        "RegistryTable": table,
        "ArtifactBucket": bucket,
        "EventBus": bus_name,
        **{logical_id: url for logical_id, (url, _) in queues.items()},
        **secret_arns,
    }
    attributes = {
        ("RegistryTable", "Arn"): described["TableArn"],
        ("RegistryTable", "StreamArn"): described["LatestStreamArn"],
        ("ArtifactBucket", "Arn"): f"arn:aws:s3:::{bucket}",
        ("EventBus", "Arn"): bus_arn,
        **{(logical_id, "Arn"): arn for logical_id, (_, arn) in queues.items()},
    }
    return StackResources(
        table=table,
        bucket=bucket,
        event_bus=bus_name,
        stream_failure_queue_url=queues["StreamFailureQueue"][0],
        notification_dlq_url=queues["NotificationDeadLetterQueue"][0],
        resolver=Resolver(refs, attributes),
    )


def function_policies(
    resolver: Resolver | None = None, parameters: Mapping[str, str] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Per function (logical id), its role's inline policies in the expanded template (resolved, given a resolver).

    Conditional statements are decided for the template's parameter defaults, or these `parameters`.
    """
    template = expand_template()
    resources = apply_conditions(template["Resources"], template, parameter_values(template, parameters))
    policies: dict[str, list[dict[str, Any]]] = {}
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::Lambda::Function":
            continue
        role_id, attribute = resource["Properties"]["Role"]["Fn::GetAtt"]
        assert attribute == "Arn", logical_id
        role = resources[role_id]["Properties"]
        inline = role.get("Policies", [])
        policies[logical_id] = [resolver.resolve(policy) for policy in inline] if resolver else inline
    return policies


def create_function_roles(session: boto3.session.Session, resolver: Resolver) -> dict[str, Credentials]:
    """A moto role per function with exactly its template policies; the credentials of one session of each."""
    iam, sts = session.client("iam"), session.client("sts")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    credentials = {}
    for function, policies in function_policies(resolver).items():
        role = iam.create_role(RoleName=f"{function}Role", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
        for policy in policies:
            iam.put_role_policy(
                RoleName=role["RoleName"],
                PolicyName=policy["PolicyName"],
                # SAM writes some policies without a Version (IAM reads that as 2008-10-17); moto wants one.
                PolicyDocument=json.dumps({"Version": "2012-10-17", **policy["PolicyDocument"]}),
            )
        assumed = sts.assume_role(RoleArn=role["Arn"], RoleSessionName=function)["Credentials"]
        credentials[function] = Credentials(assumed["AccessKeyId"], assumed["SecretAccessKey"], assumed["SessionToken"])
    return credentials


def create_admin(session: boto3.session.Session) -> Credentials:
    iam = session.client("iam")
    iam.create_user(UserName=ADMIN)
    everything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    iam.put_user_policy(UserName=ADMIN, PolicyName="everything", PolicyDocument=json.dumps(everything))
    key = iam.create_access_key(UserName=ADMIN)["AccessKey"]
    return Credentials(key["AccessKeyId"], key["SecretAccessKey"])


class AmbientCredentials(botocore.credentials.Credentials):
    """The credentials every client without explicit keys signs with, read at each request, switchable.

    On Lambda each function's code finds its role's credentials in its environment; here one
    process runs every function's code, so the ambient credentials change with the function
    acting. Clients read them when they sign, so switching needs no new clients.
    """

    def __init__(self, initial: Credentials) -> None:
        super().__init__(initial.access_key_id, initial.secret_access_key, initial.session_token)
        self._switch_lock = threading.Lock()

    def switch(self, to: Credentials) -> None:
        with self._switch_lock:
            self.access_key, self.secret_key, self.token = to.access_key_id, to.secret_access_key, to.session_token

    def get_frozen_credentials(self) -> botocore.credentials.ReadOnlyCredentials:
        with self._switch_lock:
            return botocore.credentials.ReadOnlyCredentials(self.access_key, self.secret_key, self.token)


class Principals:
    """Which principal's credentials the code under test runs with (``acting_as``), over ambient credentials."""

    def __init__(self, credentials: dict[str, Credentials], initial: str) -> None:
        self.credentials = credentials
        self.current = initial
        self.ambient = AmbientCredentials(credentials[initial])
        self._lock = threading.RLock()

    def use(self, principal: str) -> None:
        self.ambient.switch(self.credentials[principal])
        self.current = principal

    @contextmanager
    def acting_as(self, principal: str) -> Iterator[None]:
        if principal == self.current:  # the common case, and concurrent requests of one function stay concurrent
            yield
            return
        with self._lock:
            before = self.current
            self.use(principal)
            try:
                yield
            finally:
                self.use(before)

    @contextmanager
    def installed(self) -> Iterator[Principals]:
        """Every botocore session without credentials of its own gets the ambient ones."""
        original = botocore.session.Session.get_credentials
        ambient = self.ambient

        def get_credentials(session: botocore.session.Session) -> botocore.credentials.Credentials | None:
            own = getattr(session, "_credentials", None)  # set when the session was given keys
            return original(session) if own is not None else ambient

        with mock.patch.object(botocore.session.Session, "get_credentials", get_credentials):
            yield self
