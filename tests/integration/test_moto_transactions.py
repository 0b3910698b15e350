"""The local stack's moto patches keep DynamoDB's transaction semantics (what the registry relies on).

Each test runs against the template's table on moto with the patches applied; the differential test
also runs the same transactions through moto's own implementation and compares what each leaves.
"""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import StreamShard, Table

from modelyard_local import moto_transactions
from modelyard_local.moto_guard import MotoInternalsChanged
from modelyard_local.moto_patches import patch_moto_dynamodb, unpatch_moto_dynamodb_speedups
from modelyard_local.moto_server import MotoServer
from modelyard_local.ports import listen_on
from modelyard_local.stack import LocalStack, LocalStackError
from modelyard_local.template_resources import create_table

TABLE = "tx-registry"


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    """moto's server, as the local stack runs it (DynamoDB Streams is served there, not under mock_aws)."""
    server = MotoServer(listen_on("moto", "127.0.0.1", 0)).start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()


@pytest.fixture
def dynamodb(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": moto_url,
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_DYNAMODB_STREAMS", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    patch_moto_dynamodb()
    return _fresh_table(moto_url)


def _fresh_table(moto_url: str) -> Any:
    reset = urllib.request.Request(f"{moto_url}/moto-api/reset", data=b"", method="POST")
    with urllib.request.urlopen(reset, timeout=10) as answer:
        answer.read()
    client = boto3.client("dynamodb")
    create_table(client, TABLE)
    return client


def _put(sk: str, returning: str | None = None, **attrs: str) -> dict[str, Any]:
    """A Put of a new item (it fails if the item exists)."""
    item = {"PK": {"S": "M#m"}, "SK": {"S": sk}, **{k: {"S": v} for k, v in attrs.items()}}
    put: dict[str, Any] = {"TableName": TABLE, "Item": item, "ConditionExpression": "attribute_not_exists(PK)"}
    if returning is not None:
        put["ReturnValuesOnConditionCheckFailure"] = returning
    return {"Put": put}


def _key(sk: str) -> dict[str, Any]:
    return {"PK": {"S": "M#m"}, "SK": {"S": sk}}


def _all_items(client: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.scan(TableName=TABLE)["Items"]
    return sorted(items, key=lambda item: item["SK"]["S"])


class StreamReader:
    """Reads the table's stream from its start, keeping one iterator (as the local events pipeline does)."""

    def __init__(self, client: Any) -> None:
        arn = client.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
        self._streams = boto3.client("dynamodbstreams")
        shard = self._streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        answer = self._streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
        self._iterator = answer["ShardIterator"]

    def new_keys(self) -> list[tuple[str, str]]:
        answer = self._streams.get_records(ShardIterator=self._iterator)
        self._iterator = answer["NextShardIterator"]
        return [(r["eventName"], r["dynamodb"]["Keys"]["SK"]["S"]) for r in answer["Records"]]


def _seed(client: Any) -> None:
    client.transact_write_items(TransactItems=[_put(f"V#{n}", status="ready") for n in range(3)])


def _cancelled(client: Any) -> dict[str, Any]:
    """A transaction that writes three items and then fails its last condition."""
    with pytest.raises(ClientError) as caught:
        client.transact_write_items(
            TransactItems=[
                _put("V#3", status="pending"),
                {
                    "Update": {
                        "TableName": TABLE,
                        "Key": _key("V#1"),
                        "UpdateExpression": "SET #s = :archived",
                        "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": {":archived": {"S": "archived"}},
                    }
                },
                {"Delete": {"TableName": TABLE, "Key": _key("V#2")}},
                _put("V#0", status="again", returning="ALL_OLD"),  # fails: V#0 exists
            ]
        )
    error: dict[str, Any] = caught.value.response
    return error


def test_a_failing_condition_leaves_every_item_as_it_was_and_records_nothing(dynamodb: Any) -> None:
    _seed(dynamodb)
    reader = StreamReader(dynamodb)
    assert reader.new_keys() == [("INSERT", "V#0"), ("INSERT", "V#1"), ("INSERT", "V#2")]
    before = _all_items(dynamodb)

    _cancelled(dynamodb)

    assert _all_items(dynamodb) == before  # the put undone, the update undone, the delete undone
    assert reader.new_keys() == []  # no stream record for any write of the cancelled transaction


def test_a_stream_reader_opened_before_a_cancelled_transaction_sees_later_writes(dynamodb: Any) -> None:
    # moto's own rollback swapped in a copy of the table: an open iterator kept reading the old one
    _seed(dynamodb)
    reader = StreamReader(dynamodb)
    reader.new_keys()
    _cancelled(dynamodb)

    dynamodb.transact_write_items(TransactItems=[_put("V#3", status="ready")])

    assert reader.new_keys() == [("INSERT", "V#3")]


def test_cancellation_reasons_name_the_failed_item_in_order(dynamodb: Any) -> None:
    _seed(dynamodb)

    error = _cancelled(dynamodb)

    reasons = error["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["None", "None", "None", "ConditionalCheckFailed"]
    assert reasons[3]["Item"]["SK"] == {"S": "V#0"}  # ALL_OLD: the item as it stood
    assert reasons[3]["Item"]["status"] == {"S": "ready"}


def test_two_operations_on_one_item_are_refused_and_change_nothing(dynamodb: Any) -> None:
    _seed(dynamodb)
    before = _all_items(dynamodb)

    with pytest.raises(ClientError) as caught:
        dynamodb.transact_write_items(TransactItems=[_put("V#3"), {"Delete": {"TableName": TABLE, "Key": _key("V#3")}}])

    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert _all_items(dynamodb) == before


def test_concurrent_transactions_serialise(dynamodb: Any) -> None:
    """Threads claim numbers with a conditional counter move; every committed claim is unique."""
    dynamodb.put_item(TableName=TABLE, Item={"PK": {"S": "M#m"}, "SK": {"S": "COUNTER"}, "n": {"N": "0"}})
    claimed: list[int] = []

    def claim(worker: int) -> None:
        client = boto3.client("dynamodb")
        for _ in range(15):
            current = int(client.get_item(TableName=TABLE, Key=_key("COUNTER"))["Item"]["n"]["N"])
            try:  # a cancelled claim (another thread moved the counter first) just tries again
                client.transact_write_items(
                    TransactItems=[
                        {
                            "Update": {
                                "TableName": TABLE,
                                "Key": _key("COUNTER"),
                                "UpdateExpression": "SET n = :next",
                                "ConditionExpression": "n = :current",
                                "ExpressionAttributeValues": {
                                    ":next": {"N": str(current + 1)},
                                    ":current": {"N": str(current)},
                                },
                            }
                        },
                        _put(f"V#{current + 1:04d}", by=str(worker)),
                    ]
                )
            except client.exceptions.TransactionCanceledException:
                continue
            else:
                claimed.append(current + 1)

    threads = [threading.Thread(target=claim, args=(worker,)) for worker in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    counter = int(dynamodb.get_item(TableName=TABLE, Key=_key("COUNTER"))["Item"]["n"]["N"])
    versions = [item["SK"]["S"] for item in _all_items(dynamodb) if item["SK"]["S"].startswith("V#")]
    assert sorted(claimed) == list(range(1, counter + 1))  # no number claimed twice, none skipped
    assert versions == [f"V#{n:04d}" for n in range(1, counter + 1)]  # and only committed writes stored


def _scripted_run(client: Any) -> tuple[list[dict[str, Any]], list[Any], list[tuple[str, str]]]:
    """A mix of committed and cancelled transactions; what the table, the errors and the stream show."""
    _seed(client)
    outcomes: list[Any] = []
    scripts = [
        [_put("V#3", status="pending"), _put("V#1")],  # cancelled: V#1 exists
        [_put("V#3", status="pending")],
        [{"Delete": {"TableName": TABLE, "Key": _key("V#2")}}, _put("V#4")],
        [
            {
                "Update": {
                    "TableName": TABLE,
                    "Key": _key("V#3"),
                    "UpdateExpression": "SET tag = :t",
                    "ConditionExpression": "attribute_exists(PK)",
                    "ExpressionAttributeValues": {":t": {"S": "x"}},
                }
            },
            _put("V#4"),
        ],  # cancelled
        [
            {
                "Update": {
                    "TableName": TABLE,
                    "Key": _key("V#3"),
                    "UpdateExpression": "SET tag = :t",
                    "ExpressionAttributeValues": {":t": {"S": "y"}},
                }
            }
        ],
        [
            {"ConditionCheck": {"TableName": TABLE, "Key": _key("V#9"), "ConditionExpression": "attribute_exists(PK)"}},
            _put("V#5"),
        ],  # cancelled
        [{"Put": {"TableName": "no-such-table", "Item": {"PK": {"S": "a"}, "SK": {"S": "b"}}}}, _put("V#6")],
    ]
    for script in scripts:
        try:
            client.transact_write_items(TransactItems=script)
            outcomes.append("committed")
        except ClientError as error:
            outcomes.append([reason["Code"] for reason in error.response.get("CancellationReasons", [])])
    # a reader opened now: one opened before would, on moto's own path, be left on a discarded table
    return _all_items(client), outcomes, StreamReader(client).new_keys()


def test_the_patched_transactions_leave_what_moto_s_own_leave(dynamodb: Any, moto_url: str) -> None:
    patched = _scripted_run(dynamodb)
    unpatch_moto_dynamodb_speedups()
    try:
        original = _scripted_run(_fresh_table(moto_url))
    finally:
        patch_moto_dynamodb()

    assert patched[1] == original[1]
    assert patched[1].count("committed") == 3
    assert patched[0] == original[0]
    assert patched[2] == original[2]


def test_queries_no_longer_keep_every_item_they_returned(dynamodb: Any) -> None:
    dynamodb.transact_write_items(TransactItems=[_put(f"V#{n:03d}") for n in range(50)])
    tracked = len(Item.instances_tracked)  # type: ignore[attr-defined]

    for _ in range(5):
        answer = dynamodb.query(
            TableName=TABLE,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": "M#m"}},
        )
        assert answer["Count"] == 50

    assert len(Item.instances_tracked) == tracked  # type: ignore[attr-defined]


def test_a_moto_whose_internals_changed_fails_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    unpatch_moto_dynamodb_speedups()
    try:

        def add(self: StreamShard, old: Any, new: Any) -> None:  # a moto that buffered stream records
            pass

        monkeypatch.setattr(StreamShard, "add", add)
        with pytest.raises(MotoInternalsChanged, match=r"StreamShard\.add") as caught:
            moto_transactions.install()
        assert "moto 5.2.5" in str(caught.value)
    finally:
        monkeypatch.undo()
        patch_moto_dynamodb()


def test_the_moto_stack_does_not_start_on_a_moto_it_was_not_patched_for(monkeypatch: pytest.MonkeyPatch) -> None:
    unpatch_moto_dynamodb_speedups()
    try:
        monkeypatch.setattr(Table, "get_item", lambda self, *keys: None)  # a moto that stores items elsewhere
        threads_before = set(threading.enumerate())
        with pytest.raises(LocalStackError, match=r"moto 5\.2\.5.*Table\.get_item"):
            LocalStack(port=0, issuer_port=0, moto_port=0, backend="moto").start()
        assert not [t for t in set(threading.enumerate()) - threads_before if t.name.startswith("modelyard-")]
    finally:
        monkeypatch.undo()
        patch_moto_dynamodb()
