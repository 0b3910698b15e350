"""The local table and bucket are built from infra/template.yaml and match it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from modelyard_local.template_resources import (
    TEMPLATE_PATH,
    UnsupportedProperty,
    create_bucket,
    create_table,
    load_template,
)

TABLE = "registry-test"
BUCKET = "artifacts-test"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")
    with mock_aws():
        yield


def _template_props(logical_id: str) -> dict[str, Any]:
    props: dict[str, Any] = load_template()["Resources"][logical_id]["Properties"]
    return props


def _key_schema(schema: list[dict[str, str]]) -> dict[str, str]:
    return {key["KeyType"]: key["AttributeName"] for key in schema}


@pytest.mark.usefixtures("aws")
def test_table_matches_the_template() -> None:
    client = boto3.client("dynamodb")
    create_table(client, TABLE)
    table = client.describe_table(TableName=TABLE)["Table"]
    expected = _template_props("RegistryTable")

    assert _key_schema(table["KeySchema"]) == {"HASH": "PK", "RANGE": "SK"}
    assert _key_schema(table["KeySchema"]) == _key_schema(expected["KeySchema"])
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    defined = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
    assert defined == {a["AttributeName"]: a["AttributeType"] for a in expected["AttributeDefinitions"]}

    indexes = {
        index["IndexName"]: (_key_schema(index["KeySchema"]), index["Projection"]["ProjectionType"])
        for index in table["GlobalSecondaryIndexes"]
    }
    assert indexes == {
        "GSI1": ({"HASH": "GSI1PK", "RANGE": "GSI1SK"}, "ALL"),
        "GSI2": ({"HASH": "GSI2PK", "RANGE": "GSI2SK"}, "ALL"),
    }
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    assert table["LatestStreamArn"]
    assert table["SSEDescription"]["Status"] == "ENABLED"

    ttl = client.describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}
    backups = client.describe_continuous_backups(TableName=TABLE)["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"


@pytest.mark.usefixtures("aws")
def test_table_indexes_answer_the_access_patterns() -> None:
    client = boto3.client("dynamodb")
    create_table(client, TABLE)
    client.put_item(
        TableName=TABLE,
        Item={
            "PK": {"S": "MODEL#fraud"},
            "SK": {"S": "VERSION#000000001"},
            "GSI2PK": {"S": "DIGEST#abc"},
            "GSI2SK": {"S": "MODEL#fraud#000000001"},
        },
    )
    found = client.query(
        TableName=TABLE,
        IndexName="GSI2",
        KeyConditionExpression="GSI2PK = :d",
        ExpressionAttributeValues={":d": {"S": "DIGEST#abc"}},
    )
    assert [item["PK"]["S"] for item in found["Items"]] == ["MODEL#fraud"]


@pytest.mark.usefixtures("aws")
def test_bucket_matches_the_template() -> None:
    client = boto3.client("s3")
    create_bucket(client, BUCKET)
    expected = _template_props("ArtifactBucket")

    assert client.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"
    [rule] = client.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"]
    [expected_rule] = expected["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert (
        rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]
        == expected_rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"]
    )
    block = client.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    ownership = client.get_bucket_ownership_controls(Bucket=BUCKET)["OwnershipControls"]["Rules"]
    assert ownership == [{"ObjectOwnership": "BucketOwnerEnforced"}]

    rules = client.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]
    assert len(rules) == 1
    assert rules[0]["Status"] == "Enabled"
    assert rules[0]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
    # History is kept: nothing expires objects or their noncurrent versions.
    assert "Expiration" not in rules[0]
    assert "NoncurrentVersionExpiration" not in rules[0]


@pytest.mark.usefixtures("aws")
def test_creating_twice_is_harmless_and_keeps_data() -> None:
    dynamodb, s3 = boto3.client("dynamodb"), boto3.client("s3")
    create_table(dynamodb, TABLE)
    create_bucket(s3, BUCKET)
    dynamodb.put_item(TableName=TABLE, Item={"PK": {"S": "MODEL#a"}, "SK": {"S": "MODEL"}})
    s3.put_object(Bucket=BUCKET, Key="blobs/sha256/00", Body=b"x")

    create_table(dynamodb, TABLE)
    create_bucket(s3, BUCKET)

    assert dynamodb.get_item(TableName=TABLE, Key={"PK": {"S": "MODEL#a"}, "SK": {"S": "MODEL"}})["Item"]
    assert s3.get_object(Bucket=BUCKET, Key="blobs/sha256/00")["Body"].read() == b"x"


@pytest.mark.usefixtures("aws")
def test_bucket_outside_us_east_1() -> None:
    client = boto3.client("s3", region_name="eu-west-1")
    create_bucket(client, BUCKET)
    assert client.get_bucket_location(Bucket=BUCKET)["LocationConstraint"] == "eu-west-1"


@pytest.mark.usefixtures("aws")
def test_a_property_the_translation_does_not_know_is_an_error(tmp_path: Path) -> None:
    source = TEMPLATE_PATH.read_text(encoding="utf-8")
    drifted = source.replace(
        "      DeletionProtectionEnabled: true\n",
        "      DeletionProtectionEnabled: true\n      WarmThroughput:\n        ReadUnitsPerSecond: 12000\n",
        1,
    )
    assert drifted != source
    path = tmp_path / "template.yaml"
    path.write_text(drifted, encoding="utf-8")
    with pytest.raises(UnsupportedProperty, match="WarmThroughput"):
        create_table(boto3.client("dynamodb"), TABLE, template=path)


def test_loader_reads_short_form_intrinsics(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "Resources:\n"
        "  R:\n"
        "    Type: AWS::S3::Bucket\n"
        "    Properties:\n"
        "      A: !Ref Param\n"
        "      B: !GetAtt Table.Arn\n"
        "      C: !Sub '${AWS::StackName}-x'\n"
        "      D: !If [IsProd, !Ref P, !Ref 'AWS::NoValue']\n"
        "      E: !Join ['', [a, !Select [0, !GetAZs '']]]\n"
        "      F: !Sub ['${X}', {X: !ImportValue other}]\n",
        encoding="utf-8",
    )
    props = load_template(path)["Resources"]["R"]["Properties"]
    assert props == {
        "A": {"Ref": "Param"},
        "B": {"Fn::GetAtt": ["Table", "Arn"]},
        "C": {"Fn::Sub": "${AWS::StackName}-x"},
        "D": {"Fn::If": ["IsProd", {"Ref": "P"}, {"Ref": "AWS::NoValue"}]},
        "E": {"Fn::Join": ["", ["a", {"Fn::Select": [0, {"Fn::GetAZs": ""}]}]]},
        "F": {"Fn::Sub": ["${X}", {"X": {"Fn::ImportValue": "other"}}]},
    }
