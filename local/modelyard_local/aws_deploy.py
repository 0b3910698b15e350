"""Deploy ``infra/template.yaml`` as written to an AWS endpoint (the MiniStack emulator).

What ``sam package`` + ``sam deploy`` do, with boto3: upload the bundle, point every function's
``CodeUri`` at it, create the stack (the emulator expands the SAM transform), wait for
``CREATE_COMPLETE``. Then what an operator does after a real deploy: paste the GitHub App's private
key into its secret. Then the loopback wiring a real deployment does not need (the GitHub API and
the chat receivers are on 127.0.0.1 here), set as function environment; and the emulator's gaps,
which :mod:`modelyard_local.emulator_workarounds` closes and documents.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from modelyard_local.bundle_lock import REPO
from modelyard_local.emulator import REGION
from modelyard_local.emulator_workarounds import apply_workarounds, execute_api_url
from modelyard_local.template_resources import load_template

TEMPLATE = REPO / "infra" / "template.yaml"
SERVERLESS_FUNCTION = "AWS::Serverless::Function"


def client(service: str, endpoint: str) -> Any:
    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",  # noqa: S106 - the emulator's fixed credentials
    )


@dataclass
class Deployment:
    endpoint: str
    stack_name: str
    outputs: dict[str, str]
    functions: dict[str, str]  # logical id -> function name
    template: dict[str, Any] = field(repr=False)

    @property
    def api_url(self) -> str:
        return execute_api_url(self.endpoint, self.outputs["ApiUrl"])


def packaged_template(template: dict[str, Any], bucket: str, key: str) -> dict[str, Any]:
    """The template with every function's code in ``s3://bucket/key`` (what ``sam package`` writes)."""
    packaged = copy.deepcopy(template)
    for resource in packaged["Resources"].values():
        if resource["Type"] == SERVERLESS_FUNCTION:
            resource["Properties"]["CodeUri"] = {"Bucket": bucket, "Key": key}
    return packaged


def _wait_for_stack(cloudformation: Any, stack_name: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        stack: dict[str, Any] = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
        status: str = stack["StackStatus"]
        if status.endswith("_COMPLETE") or status.endswith("_FAILED"):
            if status != "CREATE_COMPLETE":
                events = cloudformation.describe_stack_events(StackName=stack_name)["StackEvents"]
                reasons = [
                    f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason')}"
                    for e in events
                    if "FAILED" in e["ResourceStatus"]
                ]
                raise RuntimeError(f"stack {stack_name} is {status}: {reasons}")
            return stack
        if time.monotonic() > deadline:
            raise TimeoutError(f"stack {stack_name} still {status} after {timeout:.0f} s")
        time.sleep(0.5)


def _merge_environment(lambda_client: Any, function_name: str, extra: dict[str, str]) -> None:
    current = lambda_client.get_function_configuration(FunctionName=function_name)
    variables = {**current.get("Environment", {}).get("Variables", {}), **extra}
    lambda_client.update_function_configuration(FunctionName=function_name, Environment={"Variables": variables})


def deploy(
    endpoint: str,
    bundle: Path,
    parameters: dict[str, str],
    *,
    stack_name: str = "modelyard",
    template_path: Path = TEMPLATE,
    github_app_private_key: str | None = None,
    function_environment: dict[str, str] | None = None,
    timeout: float = 180.0,
) -> Deployment:
    """Deploy and wire the stack; ``function_environment`` is added to every function's variables."""
    template = load_template(template_path)
    s3 = client("s3", endpoint)
    artifacts = f"{stack_name}-deployment-artifacts"
    s3.create_bucket(Bucket=artifacts)
    key = f"lambda/{bundle.name}"
    s3.upload_file(str(bundle), artifacts, key)

    cloudformation = client("cloudformation", endpoint)
    cloudformation.create_stack(
        StackName=stack_name,
        TemplateBody=json.dumps(packaged_template(template, artifacts, key)),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    stack = _wait_for_stack(cloudformation, stack_name, timeout)
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
    resources = cloudformation.describe_stack_resources(StackName=stack_name)["StackResources"]
    functions = {
        resource["LogicalResourceId"]: resource["PhysicalResourceId"]
        for resource in resources
        if resource["ResourceType"] == "AWS::Lambda::Function"
    }
    deployment = Deployment(endpoint, stack_name, outputs, functions, template)
    apply_workarounds(deployment, client)

    if github_app_private_key is not None:
        secrets = client("secretsmanager", endpoint)
        arn = next(r["PhysicalResourceId"] for r in resources if r["LogicalResourceId"] == "GitHubAppPrivateKey")
        secrets.put_secret_value(SecretId=arn, SecretString=github_app_private_key)
    if function_environment:
        lambda_client = client("lambda", endpoint)
        for function_name in functions.values():
            _merge_environment(lambda_client, function_name, function_environment)
    return deployment
