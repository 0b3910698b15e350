"""Build the registry's table and bucket from ``infra/template.yaml`` itself.

The SAM template is the single source of truth for keys, indexes and bucket settings. The
local stack and the tests read ``RegistryTable`` and ``ArtifactBucket`` out of it and
translate their CloudFormation properties into the equivalent boto3 calls, so the local
schema cannot drift from the deployed one. (moto's CloudFormation is not an option: a SAM
HTTP API in the stack makes it fail.)

Properties that have no meaning against a local emulator (deletion protection, the
TLS-only bucket policy) are deliberately left out; a property this module does not know
raises :class:`UnsupportedProperty`, so a template change cannot be silently ignored.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client

TABLE_RESOURCE = "RegistryTable"
BUCKET_RESOURCE = "ArtifactBucket"


def _default_template_path() -> Path:
    # local/modelyard_local/template_resources.py -> <repo>/infra/template.yaml
    return Path(__file__).resolve().parents[2] / "infra" / "template.yaml"


TEMPLATE_PATH = _default_template_path()


class UnsupportedProperty(ValueError):
    """The template uses a property the local translation does not implement."""


class CloudFormationLoader(yaml.SafeLoader):
    """A safe YAML loader that understands CloudFormation's short-form intrinsic tags.

    ``!Ref X`` becomes ``{"Ref": "X"}``, ``!GetAtt A.B`` becomes ``{"Fn::GetAtt": ["A", "B"]}``,
    ``!Condition C`` becomes ``{"Condition": "C"}`` and every other ``!Name`` becomes
    ``{"Fn::Name": <value>}`` - the same shape as the long form in JSON templates.
    """


def _construct_intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:  # pragma: no cover - yaml has no other node kinds
        raise yaml.constructor.ConstructorError(None, None, f"unexpected node for !{tag_suffix}", node.start_mark)

    if tag_suffix == "Ref":
        return {"Ref": value}
    if tag_suffix == "Condition":
        return {"Condition": value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        resource, _, attribute = value.partition(".")
        return {"Fn::GetAtt": [resource, attribute]}
    return {f"Fn::{tag_suffix}": value}


CloudFormationLoader.add_multi_constructor("!", _construct_intrinsic)


def load_template(path: Path | str | None = None) -> dict[str, Any]:
    """Parse a CloudFormation/SAM template (YAML with short-form intrinsics) into a dict."""
    template_path = Path(path) if path is not None else TEMPLATE_PATH
    return _load_cached(template_path.resolve())


@functools.cache
def _load_cached(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=CloudFormationLoader)  # noqa: S506 - SafeLoader subclass
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise ValueError(f"{path} is not a CloudFormation template (no Resources)")
    return document


def resource_properties(logical_id: str, expected_type: str, path: Path | str | None = None) -> dict[str, Any]:
    """The ``Properties`` of one resource of the template, checked to be of ``expected_type``."""
    resources: dict[str, Any] = load_template(path)["Resources"]
    resource = resources.get(logical_id)
    if not isinstance(resource, dict):
        raise KeyError(f"template has no resource {logical_id!r}")
    if resource.get("Type") != expected_type:
        raise ValueError(f"{logical_id} is a {resource.get('Type')}, expected {expected_type}")
    properties = resource.get("Properties", {})
    assert isinstance(properties, dict)
    return properties


def _check_known(properties: dict[str, Any], known: set[str], logical_id: str) -> None:
    unknown = sorted(set(properties) - known)
    if unknown:
        raise UnsupportedProperty(
            f"{logical_id} uses {', '.join(unknown)}, which the local stack does not translate; "
            "teach modelyard_local.template_resources about it"
        )


# ---------------------------------------------------------------------------------- DynamoDB

_TABLE_PROPERTIES = {
    "TableName",  # the caller names local tables
    "BillingMode",
    "AttributeDefinitions",
    "KeySchema",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "ProvisionedThroughput",
    "StreamSpecification",
    "SSESpecification",
    "TimeToLiveSpecification",
    "PointInTimeRecoverySpecification",
    "DeletionProtectionEnabled",  # local tables are disposable; not applied
    "TableClass",
    "Tags",
}


def _sse_specification(cfn: dict[str, Any]) -> dict[str, Any]:
    # CloudFormation says SSEEnabled / KMSMasterKeyId; the API says Enabled / KMSMasterKeyId.
    spec: dict[str, Any] = {"Enabled": bool(cfn.get("SSEEnabled", False))}
    if "SSEType" in cfn:
        spec["SSEType"] = cfn["SSEType"]
    if isinstance(cfn.get("KMSMasterKeyId"), str):
        spec["KMSMasterKeyId"] = cfn["KMSMasterKeyId"]
    return spec


def _secondary_index(cfn: dict[str, Any]) -> dict[str, Any]:
    index: dict[str, Any] = {
        "IndexName": cfn["IndexName"],
        "KeySchema": cfn["KeySchema"],
        "Projection": cfn["Projection"],
    }
    if "ProvisionedThroughput" in cfn:
        index["ProvisionedThroughput"] = cfn["ProvisionedThroughput"]
    return index


def table_create_arguments(table_name: str, path: Path | str | None = None) -> dict[str, Any]:
    """The ``CreateTable`` request equivalent to the template's ``RegistryTable``."""
    props = resource_properties(TABLE_RESOURCE, "AWS::DynamoDB::Table", path)
    _check_known(props, _TABLE_PROPERTIES, TABLE_RESOURCE)
    arguments: dict[str, Any] = {
        "TableName": table_name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PROVISIONED"),
    }
    if "ProvisionedThroughput" in props:
        arguments["ProvisionedThroughput"] = props["ProvisionedThroughput"]
    if "GlobalSecondaryIndexes" in props:
        arguments["GlobalSecondaryIndexes"] = [_secondary_index(i) for i in props["GlobalSecondaryIndexes"]]
    if "LocalSecondaryIndexes" in props:
        arguments["LocalSecondaryIndexes"] = [_secondary_index(i) for i in props["LocalSecondaryIndexes"]]
    if "StreamSpecification" in props:
        arguments["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": props["StreamSpecification"]["StreamViewType"],
        }
    if "SSESpecification" in props:
        arguments["SSESpecification"] = _sse_specification(props["SSESpecification"])
    if "TableClass" in props:
        arguments["TableClass"] = props["TableClass"]
    return arguments


def create_table(dynamodb_client: DynamoDBClient, table_name: str, template: Path | str | None = None) -> None:
    """Create ``table_name`` as the template's ``RegistryTable``; do nothing if it exists.

    Also applies the template's TTL and point-in-time-recovery settings, which CreateTable
    does not take.
    """
    props = resource_properties(TABLE_RESOURCE, "AWS::DynamoDB::Table", template)
    try:
        dynamodb_client.create_table(**table_create_arguments(table_name, template))
    except dynamodb_client.exceptions.ResourceInUseException:
        return
    dynamodb_client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    ttl = props.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled", False):
        dynamodb_client.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
        )
    pitr = props.get("PointInTimeRecoverySpecification")
    if pitr and pitr.get("PointInTimeRecoveryEnabled", False):
        dynamodb_client.update_continuous_backups(
            TableName=table_name,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )


# ---------------------------------------------------------------------------------------- S3

_BUCKET_PROPERTIES = {
    "BucketName",  # the caller names local buckets
    "VersioningConfiguration",
    "BucketEncryption",
    "PublicAccessBlockConfiguration",
    "OwnershipControls",
    "LifecycleConfiguration",
    "Tags",
}

_LIFECYCLE_RULE_KEYS = {
    "Id",
    "Status",
    "Prefix",
    "AbortIncompleteMultipartUpload",
    "ExpirationInDays",
    "NoncurrentVersionExpiration",
}


def _lifecycle_rule(cfn: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(cfn) - _LIFECYCLE_RULE_KEYS)
    if unknown:
        raise UnsupportedProperty(f"{BUCKET_RESOURCE} lifecycle rule uses {', '.join(unknown)}")
    rule: dict[str, Any] = {"Status": cfn["Status"], "Filter": {"Prefix": cfn.get("Prefix", "")}}
    if "Id" in cfn:
        rule["ID"] = cfn["Id"]
    if "AbortIncompleteMultipartUpload" in cfn:
        rule["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": int(cfn["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
        }
    if "ExpirationInDays" in cfn:
        rule["Expiration"] = {"Days": int(cfn["ExpirationInDays"])}
    if "NoncurrentVersionExpiration" in cfn:
        rule["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": int(cfn["NoncurrentVersionExpiration"]["NoncurrentDays"])
        }
    return rule


def _encryption_rule(cfn: dict[str, Any]) -> dict[str, Any]:
    # CloudFormation says ServerSideEncryptionByDefault; the API says ApplyServerSideEncryptionByDefault.
    default = cfn["ServerSideEncryptionByDefault"]
    apply: dict[str, Any] = {"SSEAlgorithm": default["SSEAlgorithm"]}
    if isinstance(default.get("KMSMasterKeyID"), str):
        apply["KMSMasterKeyID"] = default["KMSMasterKeyID"]
    rule: dict[str, Any] = {"ApplyServerSideEncryptionByDefault": apply}
    if "BucketKeyEnabled" in cfn:
        rule["BucketKeyEnabled"] = bool(cfn["BucketKeyEnabled"])
    return rule


def bucket_lifecycle_rules(path: Path | str | None = None) -> list[dict[str, Any]]:
    """The template's ``ArtifactBucket`` lifecycle rules in PutBucketLifecycleConfiguration form."""
    props = resource_properties(BUCKET_RESOURCE, "AWS::S3::Bucket", path)
    rules = props.get("LifecycleConfiguration", {}).get("Rules", [])
    return [_lifecycle_rule(rule) for rule in rules]


def create_bucket(s3_client: S3Client, bucket_name: str, template: Path | str | None = None) -> None:
    """Create ``bucket_name`` as the template's ``ArtifactBucket``; do nothing if it exists."""
    props = resource_properties(BUCKET_RESOURCE, "AWS::S3::Bucket", template)
    _check_known(props, _BUCKET_PROPERTIES, BUCKET_RESOURCE)
    lifecycle_rules = bucket_lifecycle_rules(template)  # validate before creating anything

    region = s3_client.meta.region_name
    try:
        if region in (None, "us-east-1"):
            s3_client.create_bucket(Bucket=bucket_name)
        else:
            location: Any = {"LocationConstraint": region}
            s3_client.create_bucket(
                Bucket=bucket_name,
                CreateBucketConfiguration=location,
            )
    except (s3_client.exceptions.BucketAlreadyOwnedByYou, s3_client.exceptions.BucketAlreadyExists):
        return

    if "OwnershipControls" in props:
        s3_client.put_bucket_ownership_controls(
            Bucket=bucket_name,
            OwnershipControls={
                "Rules": [{"ObjectOwnership": r["ObjectOwnership"]} for r in props["OwnershipControls"]["Rules"]]
            },
        )
    if "VersioningConfiguration" in props:
        s3_client.put_bucket_versioning(
            Bucket=bucket_name,
            VersioningConfiguration={"Status": props["VersioningConfiguration"]["Status"]},
        )
    if "BucketEncryption" in props:
        cfn_rules = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        encryption: Any = {"Rules": [_encryption_rule(rule) for rule in cfn_rules]}
        s3_client.put_bucket_encryption(Bucket=bucket_name, ServerSideEncryptionConfiguration=encryption)
    if "PublicAccessBlockConfiguration" in props:
        block = props["PublicAccessBlockConfiguration"]
        s3_client.put_public_access_block(
            Bucket=bucket_name,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": bool(block.get("BlockPublicAcls", False)),
                "IgnorePublicAcls": bool(block.get("IgnorePublicAcls", False)),
                "BlockPublicPolicy": bool(block.get("BlockPublicPolicy", False)),
                "RestrictPublicBuckets": bool(block.get("RestrictPublicBuckets", False)),
            },
        )
    if lifecycle_rules:
        lifecycle: Any = {"Rules": lifecycle_rules}
        s3_client.put_bucket_lifecycle_configuration(
            Bucket=bucket_name,
            LifecycleConfiguration=lifecycle,
        )
