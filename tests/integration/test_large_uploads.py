"""Uploads above MODELYARD_VERIFY_ASYNC_BYTES (1 MiB here): completion answers 202, the verifier settles them.

The completion runs as the API function, the stream is read with the events function's role and the
verifier runs under its own role (tests/integration/function_roles.py): the path the template wires on
AWS, with a permission it lacks failing here.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from modelyard_local.pipeline import StreamReader
from modelyard_local.verifier import LocalVerifier
from modelyard_server.domain.event_record import EventRecord
from tests.integration.conftest import BUCKET, TABLE, Registry
from tests.integration.function_roles import ADMIN as HARNESS

THRESHOLD = 1024 * 1024
PART = 5 * 1024 * 1024  # S3's smallest part


class VerifierUnderItsRole(LocalVerifier):
    def __init__(self, registry: Registry) -> None:
        events_role = registry.principals.credentials["EventsFunction"].session()
        super().__init__(StreamReader(registry.dynamodb, events_role.client("dynamodbstreams"), TABLE), lambda _: None)
        self._principals = registry.principals

    def handle(self, event: EventRecord) -> None:
        with self._principals.acting_as("VerifierFunction"):
            super().handle(event)


@pytest.fixture
def large(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> Iterator[Registry]:
    from modelyard_server.handlers.wiring import forget_configuration

    monkeypatch.setenv("MODELYARD_VERIFY_ASYNC_BYTES", str(THRESHOLD))
    monkeypatch.setenv("MODELYARD_MULTIPART_THRESHOLD", str(PART))
    monkeypatch.setenv("MODELYARD_PART_SIZE", str(PART))
    forget_configuration()
    registry.create_model("fraud")
    yield registry
    forget_configuration()


def _upload_in_parts(registry: Registry, declared: bytes, stored: bytes | None = None) -> tuple[int, dict[str, Any]]:
    """Register `declared`, upload `stored` (default: the same bytes) in parts; the completion's body."""
    stored = declared if stored is None else stored
    body = {"artifact": {"sha256": hashlib.sha256(declared).hexdigest(), "size": len(declared)}}
    answer = registry.call("POST", "/v1/models/fraud/versions", body=body)
    assert answer.status == 201, answer
    plan, version = answer.body["upload"], answer.body["version"]
    assert plan["method"] == "multipart"
    parts = []
    for number, start in enumerate(range(0, len(stored), PART), start=1):
        part = registry.s3.upload_part(
            Bucket=BUCKET,
            Key=version["artifact"]["key"],
            UploadId=plan["upload_id"],
            PartNumber=number,
            Body=stored[start : start + PART],
        )
        parts.append({"part_number": number, "etag": part["ETag"]})
    return version["version"], {"upload_id": plan["upload_id"], "parts": parts}


def test_a_large_completion_answers_202_verifying_and_the_verifier_makes_it_ready(large: Registry) -> None:
    data = bytes(range(256)) * (12 * 4096)  # 12 MiB: three parts
    number, completion = _upload_in_parts(large, data)

    started = time.perf_counter()
    answer = large.call("POST", f"/v1/models/fraud/versions/{number}/complete", body=completion)
    elapsed = time.perf_counter() - started

    assert answer.status == 202, answer
    assert answer.body["status"] == "verifying"
    print(f"completion of a {len(data) >> 20} MiB three-part upload answered 202 in {elapsed * 1000:.0f} ms")
    assert large.call("GET", f"/v1/models/fraud/versions/{number}").body["status"] == "verifying"
    again = large.call("POST", f"/v1/models/fraud/versions/{number}/complete", body={})
    assert (again.status, again.body["status"]) == (202, "verifying")  # a retried completion: same answer

    verifier = VerifierUnderItsRole(large)
    verifier.drain()

    assert [outcome["status"] for outcome in verifier.outcomes] == ["ready"]
    version = large.call("GET", f"/v1/models/fraud/versions/{number}").body
    assert version["status"] == "ready"
    assert version["blob_version"]
    events = [event["type"] for event in large.call("GET", "/v1/models/fraud/events").body["items"]]
    assert {"model.version.verifying", "model.version.ready"} <= set(events)
    link = large.call("GET", f"/v1/models/fraud/versions/{number}/download")
    assert link.status == 200, link
    verifier.drain()  # a redelivered event settles nothing twice
    assert len(verifier.outcomes) == 1


def test_the_verifier_rejects_bytes_that_are_not_the_declared_artifact_with_the_reason(large: Registry) -> None:
    declared = b"d" * (6 * 1024 * 1024)
    number, completion = _upload_in_parts(large, declared, stored=b"x" * len(declared))

    answer = large.call("POST", f"/v1/models/fraud/versions/{number}/complete", body=completion)
    assert answer.status == 202, answer

    VerifierUnderItsRole(large).drain()

    version = large.call("GET", f"/v1/models/fraud/versions/{number}").body
    assert version["status"] == "rejected"
    assert f"not the declared {hashlib.sha256(declared).hexdigest()}" in version["status_reason"]
    retried = large.call("POST", f"/v1/models/fraud/versions/{number}/complete", body={})
    assert retried.status == 409, retried
    assert "rejected" in retried.problem["detail"]
    key = f"blobs/sha256/{hashlib.sha256(declared).hexdigest()}"
    assert large.s3.list_objects_v2(Bucket=BUCKET, Prefix=key).get("KeyCount", 0) == 0  # the wrong bytes went


def test_below_the_threshold_completion_still_verifies_in_the_call(large: Registry) -> None:
    small = large.register("fraud", b"small weights")
    assert small["status"] == "ready"


def _verification_dead_letters(registry: Registry, *letters: dict[str, Any]) -> str:
    """The verification dead-letter queue holding `letters`, as Lambda's on-failure destination writes them."""
    sqs = registry.admin.client("sqs")
    url: str = sqs.create_queue(QueueName="verification-dlq")["QueueUrl"]
    for letter in letters:
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(letter))
    return url


def _left_in(registry: Registry, queue_url: str) -> int:
    attributes = registry.admin.client("sqs").get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_a_verification_that_failed_for_good_is_settled_by_the_redrive(large: Registry) -> None:
    """The verifier gave up (its letter is in the dead-letter queue): the operator's redrive makes the version ready."""
    from modelyard_server.handlers.verification_redrive import main as redrive

    good, completion = _upload_in_parts(large, b"g" * (6 * 1024 * 1024))
    assert large.call("POST", f"/v1/models/fraud/versions/{good}/complete", body=completion).status == 202
    bad, completion = _upload_in_parts(large, b"d" * (6 * 1024 * 1024), stored=b"x" * (6 * 1024 * 1024))
    assert large.call("POST", f"/v1/models/fraud/versions/{bad}/complete", body=completion).status == 202
    events = large.call("GET", "/v1/models/fraud/events", query={"limit": "100"}).body["items"]
    verifying = [e for e in events if e["type"] == "model.version.verifying"]
    letters = [
        {"requestPayload": {"source": "modelyard", "detail-type": e["type"], "detail": e}, "responsePayload": {}}
        for e in verifying
    ]
    queue_url = _verification_dead_letters(large, *letters, {"requestPayload": {"no": "detail"}})

    with large.principals.acting_as(HARNESS):  # an operator, with their own credentials
        assert redrive(["--queue-url", queue_url]) == 1  # the unreadable letter stays for a person

    assert large.call("GET", f"/v1/models/fraud/versions/{good}").body["status"] == "ready"
    assert large.call("GET", f"/v1/models/fraud/versions/{bad}").body["status"] == "rejected"
    assert _left_in(large, queue_url) == 1
    types = [e["type"] for e in large.call("GET", "/v1/models/fraud/events", query={"limit": "100"}).body["items"]]
    assert types.count("model.version.ready") == 1 and types.count("model.version.rejected") == 1


def test_a_redrive_of_an_already_settled_version_changes_nothing_and_empties_the_queue(large: Registry) -> None:
    """The letter outlived a later success (Lambda retried once more and it worked): nothing is settled twice."""
    from modelyard_server.handlers.verification_redrive import main as redrive

    number, completion = _upload_in_parts(large, b"g" * (6 * 1024 * 1024))
    assert large.call("POST", f"/v1/models/fraud/versions/{number}/complete", body=completion).status == 202
    VerifierUnderItsRole(large).drain()
    events = large.call("GET", "/v1/models/fraud/events", query={"limit": "100"}).body["items"]
    verifying = next(e for e in events if e["type"] == "model.version.verifying")
    queue_url = _verification_dead_letters(large, {"requestPayload": {"detail": verifying}})

    with large.principals.acting_as(HARNESS):
        assert redrive(["--queue-url", queue_url]) == 0

    assert _left_in(large, queue_url) == 0
    after = large.call("GET", "/v1/models/fraud/events", query={"limit": "100"}).body["items"]
    assert len(after) == len(events)


def _verifying_letter(registry: Registry, number: int) -> dict[str, Any]:
    """A letter as Lambda's on-failure destination writes it, for version `number`'s verification."""
    events = registry.call("GET", "/v1/models/fraud/events", query={"limit": "100"}).body["items"]
    created = next(e for e in events if e.get("version") == number)
    verifying = {**created, "type": "model.version.verifying"}
    return {"requestPayload": {"source": "modelyard", "detail-type": verifying["type"], "detail": verifying}}


def test_a_letter_that_is_no_json_object_stays_and_the_redrive_settles_the_others(large: Registry) -> None:
    """Anyone with the queue's permissions can send it text: that letter is left for a person, the rest are read."""
    from modelyard_server.handlers.verification_redrive import main as redrive

    number = large.register("fraud", b"small weights")["version"]
    queue_url = _verification_dead_letters(large, _verifying_letter(large, number))
    sqs = large.admin.client("sqs")
    for text in ("not json {", "[1, 2]"):
        sqs.send_message(QueueUrl=queue_url, MessageBody=text)

    with large.principals.acting_as(HARNESS):
        assert redrive(["--queue-url", queue_url]) == 1

    assert _left_in(large, queue_url) == 2


def test_a_letter_whose_version_was_archived_since_counts_as_settled(
    large: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    """The verification ended (ready), then the version was archived: the letter goes and the redrive says so."""
    from modelyard_server.handlers.verification_redrive import main as redrive

    number = large.register("fraud", b"small weights")["version"]
    archived = large.call("POST", f"/v1/models/fraud/versions/{number}/archive", body={"reason": "leaks labels"})
    assert archived.status == 200, archived
    queue_url = _verification_dead_letters(large, _verifying_letter(large, number))

    with large.principals.acting_as(HARNESS):
        assert redrive(["--queue-url", queue_url]) == 0

    assert _left_in(large, queue_url) == 0
    assert "1 of 1 settled" in capsys.readouterr().out


def test_a_letter_that_fails_again_is_tried_once_a_run_even_when_it_is_back_in_the_queue_meanwhile(
    large: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    """A verification can outlast the queue's visibility timeout (30 s), so a failed letter is back before the run
    ends: the run tries it once, not once a receive until --limit (each try may hash gigabytes)."""
    from modelyard_server.handlers.verification_redrive import main as redrive

    number, completion = _upload_in_parts(large, b"g" * (6 * 1024 * 1024))
    assert large.call("POST", f"/v1/models/fraud/versions/{number}/complete", body=completion).status == 202
    events = large.call("GET", "/v1/models/fraud/events", query={"limit": "100"}).body["items"]
    verifying = next(e for e in events if e["type"] == "model.version.verifying")
    broken = {**verifying, "detail": {"blob_version": "another", "size": "not a size"}}  # fails every time
    queue_url = _verification_dead_letters(large, {"requestPayload": {"detail": broken}})
    large.admin.client("sqs").set_queue_attributes(QueueUrl=queue_url, Attributes={"VisibilityTimeout": "0"})

    with large.principals.acting_as(HARNESS):
        assert redrive(["--queue-url", queue_url, "--limit", "5"]) == 1

    printed = capsys.readouterr().out
    assert printed.count("failed") == 1 and "0 of 1 settled" in printed
    assert _left_in(large, queue_url) == 1
    assert large.call("GET", f"/v1/models/fraud/versions/{number}").body["status"] == "verifying"
