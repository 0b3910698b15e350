"""infra/template.yaml: lints clean, expands as SAM, and grants only what the API needs."""

from __future__ import annotations

import ast
import copy
import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint_file

from modelyard_local.template_resources import TEMPLATE_PATH, load_template
from modelyard_server.domain.notification_config import EVENT_TYPES
from tests.integration.expanded_template import expand_template
from tests.integration.template_conditions import apply_conditions, parameter_values

TABLE_ACTIONS = {
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:Query",
    "dynamodb:BatchGetItem",
    "dynamodb:ConditionCheckItem",
}
OBJECT_ACTIONS = {
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return copy.deepcopy(load_template())


def _policy_statements(
    template: dict[str, Any], function: str = "ApiFunction", parameters: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """The function's statements as a stack with these parameters (default: the defaults) gets them."""
    decided = apply_conditions(template["Resources"][function], template, parameter_values(template, parameters))
    statements: list[dict[str, Any]] = []
    for policy in decided["Properties"]["Policies"]:
        assert isinstance(policy, dict), f"ApiFunction uses a managed/SAM policy by name: {policy!r}"
        statements.extend(policy["Statement"])
    return statements


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_cfn_lint_finds_nothing() -> None:
    matches = lint_file(Path(TEMPLATE_PATH))
    assert [str(match) for match in matches] == []


def test_template_declares_the_sam_transform(template: dict[str, Any]) -> None:
    assert template["Transform"] == "AWS::Serverless-2016-10-31"


def test_api_statements_are_scoped_to_the_table_and_the_blobs(template: dict[str, Any]) -> None:
    """Which actions each role holds: tests/integration/test_function_roles.py."""
    statements = _policy_statements(template)
    assert all(statement["Effect"] == "Allow" for statement in statements)
    for statement in statements:
        for resource in _as_list(statement["Resource"]):
            assert resource != "*", f"statement {statement.get('Sid')} is not scoped to a resource"

    objects = next(s for s in statements if set(_as_list(s["Action"])) == OBJECT_ACTIONS)
    assert objects["Resource"] == {"Fn::Sub": "${ArtifactBucket.Arn}/blobs/*"}
    table = next(s for s in statements if set(_as_list(s["Action"])) == TABLE_ACTIONS)
    assert table["Resource"] == [
        {"Fn::GetAtt": ["RegistryTable", "Arn"]},
        {"Fn::Sub": "${RegistryTable.Arn}/index/*"},
    ]


def test_the_web_flows_client_secret_is_read_from_exactly_the_operators_secret(template: dict[str, Any]) -> None:
    """The operator names the secret; only the API function may read it, and nothing at all is granted without one."""
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:modelyard/github-client-AbCdEf"
    environment = template["Resources"]["ApiFunction"]["Properties"]["Environment"]["Variables"]
    assert environment["MODELYARD_GITHUB_CLIENT_SECRET_ARN"] == {"Ref": "GitHubClientSecretArn"}
    parameter = template["Parameters"]["GitHubClientSecretArn"]
    assert parameter["Default"] == ""
    for allowed in ("", arn):
        assert re.fullmatch(parameter["AllowedPattern"], allowed)
    for refused in ("*", "arn:aws:secretsmanager:us-east-1:123456789012:secret:", "arn:aws:s3:::bucket"):
        assert not re.fullmatch(parameter["AllowedPattern"], refused), refused  # a wildcard would open every secret

    assert not [s for s in _policy_statements(template) if s.get("Sid") == "GitHubClientSecret"]
    configured = {"GitHubClientSecretArn": arn}
    statement = next(
        s for s in _policy_statements(template, parameters=configured) if s.get("Sid") == "GitHubClientSecret"
    )
    assert (statement["Action"], statement["Resource"]) == (
        ["secretsmanager:GetSecretValue"],
        {"Ref": "GitHubClientSecretArn"},
    )
    for function, resource in template["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function" and function != "ApiFunction":
            assert "GitHubClientSecretArn" not in json.dumps(resource), function


def test_gate_function_reads_the_table_and_its_secrets(template: dict[str, Any]) -> None:
    statements = _policy_statements(template, "GateFunction")
    secrets = next(s for s in statements if s["Action"] == ["secretsmanager:GetSecretValue"])
    assert secrets["Resource"] == [{"Ref": "GitHubAppPrivateKey"}, {"Ref": "GitHubWebhookSecret"}]
    event = template["Resources"]["GateFunction"]["Properties"]["Events"]["GitHubWebhook"]["Properties"]
    assert (event["Path"], event["Method"]) == ("/v1/github/webhook", "POST")


def test_only_the_api_function_reads_the_session_signing_key(template: dict[str, Any]) -> None:
    """People's sessions are signed with a generated secret that no other function can read."""
    secret = template["Resources"]["SessionSigningKey"]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    assert secret["Properties"]["GenerateSecretString"]["PasswordLength"] >= 43  # >= 256 bits of alphanumerics
    statements = _policy_statements(template)
    signing = next(s for s in statements if s.get("Sid") == "SessionSigningKey")
    assert (signing["Action"], signing["Resource"]) == (["secretsmanager:GetSecretValue"], {"Ref": "SessionSigningKey"})
    environment = template["Resources"]["ApiFunction"]["Properties"]["Environment"]["Variables"]
    assert environment["MODELYARD_SESSION_KEY_SECRET"] == {"Ref": "SessionSigningKey"}
    assert environment["MODELYARD_GITHUB_CLIENT_ID"] == {"Ref": "GitHubClientId"}
    for function, resource in template["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function" and function != "ApiFunction":
            assert "SessionSigningKey" not in json.dumps(resource), function


CHANNEL_SECRETS = {
    "Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/${NotificationParameterPath}/*"
}


def test_events_function_reads_the_outbox_with_per_record_failures(template: dict[str, Any]) -> None:
    props = template["Resources"]["EventsFunction"]["Properties"]
    assert props["Handler"] == "modelyard_server.handlers.events.lambda_handler"
    statements = {s["Sid"]: s for s in _policy_statements(template, "EventsFunction")}
    assert (statements["PublishToTheBus"]["Action"], statements["PublishToTheBus"]["Resource"]) == (
        ["events:PutEvents"],
        {"Fn::GetAtt": ["EventBus", "Arn"]},
    )
    assert statements["ReadTheOutboxStream"]["Resource"] == {"Fn::GetAtt": ["RegistryTable", "StreamArn"]}
    assert statements["RecordStreamFailures"]["Resource"] == {"Fn::GetAtt": ["StreamFailureQueue", "Arn"]}
    assert "Events" not in props  # an explicit mapping: no managed stream policy
    mapping = template["Resources"]["OutboxMapping"]["Properties"]
    assert mapping["FunctionName"] == {"Ref": "EventsFunction"}
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": ["RegistryTable", "StreamArn"]}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BisectBatchOnFunctionError"] is True
    assert 0 < mapping["MaximumRetryAttempts"] <= 10
    assert mapping["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": ["StreamFailureQueue", "Arn"]}
    [pattern] = mapping["FilterCriteria"]["Filters"]
    assert json.loads(pattern["Pattern"]) == {
        "eventName": ["INSERT"],
        "dynamodb": {"NewImage": {"kind": {"S": ["event"]}}},
    }
    assert props["Environment"]["Variables"]["MODELYARD_EVENT_BUS"] == {"Ref": "EventBus"}


def test_notifier_is_routed_from_the_bus_and_reads_only_channel_secrets(template: dict[str, Any]) -> None:
    props = template["Resources"]["NotifierFunction"]["Properties"]
    statements = {s["Sid"]: s for s in _policy_statements(template, "NotifierFunction")}
    assert statements["RoutingConfigAndSentMarkers"]["Action"] == ["dynamodb:GetItem", "dynamodb:PutItem"]
    assert statements["ChannelSecrets"]["Action"] == ["ssm:GetParameter"]
    assert statements["ChannelSecrets"]["Resource"] == CHANNEL_SECRETS
    dlq = {"Fn::GetAtt": ["NotificationDeadLetterQueue", "Arn"]}
    assert (statements["DeadLetters"]["Action"], statements["DeadLetters"]["Resource"]) == (["sqs:SendMessage"], dlq)
    rule = props["Events"]["Notable"]["Properties"]
    assert rule["EventBusName"] == {"Ref": "EventBus"}
    assert rule["Pattern"]["source"] == ["modelyard"]
    assert rule["DeadLetterConfig"]["Arn"] == dlq
    assert props["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]["Destination"] == dlq
    assert props["Environment"]["Variables"]["MODELYARD_NOTIFY_DLQ_URL"] == {"Ref": "NotificationDeadLetterQueue"}


def test_bus_rule_forwards_every_event_type_a_notification_route_accepts(template: dict[str, Any]) -> None:
    """The template cannot import Python: it spells the list out, and this holds it to the routes' list."""
    rule = template["Resources"]["NotifierFunction"]["Properties"]["Events"]["Notable"]["Properties"]
    assert rule["Pattern"]["detail-type"] == list(EVENT_TYPES)


def test_the_verifier_outlasts_any_hash_retries_and_dead_letters(template: dict[str, Any]) -> None:
    props = template["Resources"]["VerifierFunction"]["Properties"]
    dlq = {"Fn::GetAtt": ["VerificationDeadLetterQueue", "Arn"]}
    assert props["Timeout"] == 900  # Lambda's longest: the API's 29 s is what it exists to avoid
    assert props["EventInvokeConfig"]["MaximumRetryAttempts"] == 2
    assert props["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]["Destination"] == dlq
    rule = props["Events"]["Verifying"]["Properties"]
    assert rule["EventBusName"] == {"Ref": "EventBus"}
    assert rule["Pattern"] == {"source": ["modelyard"], "detail-type": ["model.version.verifying"]}
    assert rule["DeadLetterConfig"]["Arn"] == dlq


def test_function_runtime_and_configuration(template: dict[str, Any]) -> None:
    props = template["Resources"]["ApiFunction"]["Properties"]
    runtime = {**template["Globals"]["Function"], **props}
    assert runtime["Runtime"] == "python3.12"
    assert runtime["Architectures"] == ["arm64"]
    assert runtime["Tracing"] == "Active"
    assert (props["MemorySize"], props["Timeout"]) == (512, 29)
    assert props["CodeUri"] == "../lambdas/"
    assert props["Handler"] == "modelyard_server.handlers.api.lambda_handler"
    assert (TEMPLATE_PATH.parent / props["CodeUri"] / "requirements.txt").is_file()
    env = props["Environment"]["Variables"]
    assert env["MODELYARD_TABLE"] == {"Ref": "RegistryTable"}
    assert env["MODELYARD_BUCKET"] == {"Ref": "ArtifactBucket"}
    assert template["Parameters"]["Audience"]["Default"] == "modelyard"
    assert template["Parameters"]["TrustedIssuers"]["Default"] == "https://token.actions.githubusercontent.com"
    assert props["Events"]["Api"]["Properties"] == {
        "ApiId": {"Ref": "HttpApi"},
        "Path": "/{proxy+}",
        "Method": "ANY",
    }


def test_stateful_resources_survive_stack_deletion(template: dict[str, Any]) -> None:
    for logical_id in ("RegistryTable", "ArtifactBucket"):
        resource = template["Resources"][logical_id]
        assert resource["DeletionPolicy"] == "Retain"
        assert resource["UpdateReplacePolicy"] == "Retain"
    assert template["Resources"]["RegistryTable"]["Properties"]["DeletionProtectionEnabled"] is True


def test_bucket_policy_refuses_plain_http(template: dict[str, Any]) -> None:
    [statement] = template["Resources"]["ArtifactBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_outputs_name_the_api_table_and_bucket(template: dict[str, Any]) -> None:
    assert {"ApiUrl", "TableName", "BucketName"} <= set(template["Outputs"])


def test_sam_expands_offline() -> None:
    expanded = expand_template()

    by_type: dict[str, list[dict[str, Any]]] = {}
    for resource in expanded["Resources"].values():
        by_type.setdefault(resource["Type"], []).append(resource)
    functions = by_type["AWS::Lambda::Function"]
    assert len(functions) == 5  # the API, the GitHub webhook gate, the events consumer, the notifier, the verifier
    assert all(function["Properties"]["TracingConfig"] == {"Mode": "Active"} for function in functions)
    for name, resource in expanded["Resources"].items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        assert sorted(arn.rsplit("/", 1)[-1] for arn in resource["Properties"]["ManagedPolicyArns"]) == [
            "AWSLambdaBasicExecutionRole",
            "AWSXrayWriteOnlyAccess",
        ], name
    [mapping] = by_type["AWS::Lambda::EventSourceMapping"]
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    dead_letters = {
        rule["Properties"]["Targets"][0]["Arn"]["Fn::GetAtt"][0]: rule["Properties"]["Targets"][0]["DeadLetterConfig"]
        for rule in by_type["AWS::Events::Rule"]
    }
    assert dead_letters == {
        "NotifierFunction": {"Arn": {"Fn::GetAtt": ["NotificationDeadLetterQueue", "Arn"]}},
        "VerifierFunction": {"Arn": {"Fn::GetAtt": ["VerificationDeadLetterQueue", "Arn"]}},
    }
    [stage] = by_type["AWS::ApiGatewayV2::Stage"]
    assert set(stage["Properties"]["DefaultRouteSettings"]) == {"ThrottlingBurstLimit", "ThrottlingRateLimit"}
    assert stage["Properties"]["AccessLogSettings"]["DestinationArn"] == {"Fn::GetAtt": ["HttpApiAccessLogs", "Arn"]}
    [api] = by_type["AWS::ApiGatewayV2::Api"]
    assert "x-amazon-apigateway-any-method" in api["Properties"]["Body"]["paths"]["/{proxy+}"]


@pytest.mark.parametrize(
    ("parameter", "variable", "setting"),
    [
        ("MaxArtifactBytes", "MODELYARD_MAX_ARTIFACT_BYTES", "max_artifact_bytes"),
        ("SecurityLogPerHour", "MODELYARD_SECURITY_LOG_PER_HOUR", "security_log_per_hour"),
        ("SecurityLogDays", "MODELYARD_SECURITY_LOG_DAYS", "security_log_days"),
        ("VerifyAsyncBytes", "MODELYARD_VERIFY_ASYNC_BYTES", "verify_async_bytes"),
    ],
)
def test_operators_set_the_registrys_limits_as_stack_parameters(
    template: dict[str, Any], parameter: str, variable: str, setting: str
) -> None:
    from modelyard_server.settings import Settings

    env = template["Resources"]["ApiFunction"]["Properties"]["Environment"]["Variables"]
    assert env[variable] == {"Ref": parameter}
    declared = template["Parameters"][parameter]
    assert declared["Type"] == "Number"
    defaults = {item.name: item.default for item in dataclasses.fields(Settings)}
    assert int(declared["Default"]) == defaults[setting]  # one default, held by this test


REPO = TEMPLATE_PATH.parents[1]
DEV_TOOLING = ("moto", "uvicorn", "modelyard_local", "examples", "release_demo", "sklearn", "pytest", "yaml")


def test_the_lambda_code_holds_only_what_runs_on_lambda(template: dict[str, Any]) -> None:
    """Every function's CodeUri is the server package alone: no local server, issuer, stand-ins or demo."""
    code_dirs = {
        resource["Properties"]["CodeUri"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::Serverless::Function"
    }
    assert code_dirs == {"../lambdas/"}
    code_root = REPO / "lambdas"
    assert sorted(p.name for p in code_root.iterdir() if not p.name.startswith((".", "__"))) == [
        "modelyard_server",
        "requirements.lock",
        "requirements.txt",
    ]
    imported: dict[str, set[str]] = {}
    for source in (code_root / "modelyard_server").rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(), str(source))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                imported.setdefault(name.split(".")[0], set()).add(str(source.relative_to(code_root)))
    assert {name: files for name, files in imported.items() if name in DEV_TOOLING} == {}


def test_the_public_url_reaches_the_api_and_the_notifier_and_takes_https_addresses_only(
    template: dict[str, Any],
) -> None:
    """Chat messages link to the pages there and GitHub sends people back there: a typo must fail the deploy."""
    for function in ("ApiFunction", "NotifierFunction"):
        environment = template["Resources"][function]["Properties"]["Environment"]["Variables"]
        assert environment["MODELYARD_PUBLIC_URL"] == {"Ref": "PublicUrl"}, function
    parameter = template["Parameters"]["PublicUrl"]
    assert parameter["Default"] == ""
    for allowed in ("", "https://models.acme.example", "https://abc.execute-api.us-east-1.amazonaws.com/"):
        assert re.fullmatch(parameter["AllowedPattern"], allowed), allowed
    for refused in ("http://models.acme.example", "models.acme.example", "https://a b", "https:///x", "javascript:1"):
        assert not re.fullmatch(parameter["AllowedPattern"], refused), refused
