"""Retries, backoff and error mapping against loopback servers."""

from __future__ import annotations

import time

import pytest

from conftest import Answer, Seen
from modelyard.errors import ClientError, RegistryError, RegistryUnreachable
from modelyard.oidc import StaticToken
from modelyard.transport import USER_AGENT, RetryPolicy, Transport, parse_retry_after

FAST = RetryPolicy(attempts=5, base_delay=0.001, max_delay=0.01, timeout=2.0)


def flaky(failures: int, status: int = 503, headers: dict[str, str] | None = None):
    count = {"n": 0}

    def handler(seen: Seen) -> Answer:
        count["n"] += 1
        if count["n"] <= failures:
            return Answer(status, {"title": "Service Unavailable", "status": status}, headers or {})
        return Answer(200, {"status": "ok", "attempt": count["n"]})

    return handler


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_retried_until_success(loopback, status: int) -> None:
    server = loopback(flaky(3, status))
    transport = Transport(server.url, StaticToken("t0k3n"), retry=FAST)
    assert transport.request("GET", "/v1/health") == {"status": "ok", "attempt": 4}
    assert len(server.seen) == 4


def test_429_honours_retry_after(loopback) -> None:
    server = loopback(flaky(1, 429, {"Retry-After": "1"}))
    transport = Transport(server.url, StaticToken("t"), retry=FAST)
    started = time.monotonic()
    assert transport.request("GET", "/v1/models")["attempt"] == 2
    assert time.monotonic() - started >= 0.9


def test_gives_up_after_the_configured_attempts(loopback) -> None:
    server = loopback(flaky(100, 503))
    transport = Transport(server.url, StaticToken("t"), retry=RetryPolicy(attempts=3, base_delay=0.001))
    with pytest.raises(RegistryUnreachable) as info:
        transport.request("GET", "/v1/models", query={"limit": 5})
    assert len(server.seen) == 3
    assert str(info.value) == (
        f"registry unreachable at {server.url}/v1/models after 3 attempts: HTTP 503 Service Unavailable"
    )


def test_persistent_429_surfaces_the_registry_answer(loopback) -> None:
    server = loopback(lambda seen: Answer(429, {"title": "Too Many Requests", "detail": "slow down"}))
    transport = Transport(server.url, StaticToken("t"), retry=RetryPolicy(attempts=2, base_delay=0.001))
    with pytest.raises(RegistryError, match="Too Many Requests: slow down"):
        transport.request("GET", "/v1/models")
    assert len(server.seen) == 2


def test_server_that_never_answers_times_out(silent_server: str) -> None:
    transport = Transport(silent_server, StaticToken("t"), retry=RetryPolicy(attempts=2, base_delay=0.001, timeout=0.2))
    started = time.monotonic()
    with pytest.raises(RegistryUnreachable) as info:
        transport.request("GET", "/v1/health")
    assert time.monotonic() - started < 3
    assert (
        str(info.value) == f"registry unreachable at {silent_server}/v1/health after 2 attempts: timed out after 0.2s"
    )


def test_connection_refused(closed_port_url: str) -> None:
    transport = Transport(closed_port_url, StaticToken("secret-token"), retry=RetryPolicy(attempts=2, base_delay=0.001))
    with pytest.raises(RegistryUnreachable, match=r"after 2 attempts: Connection refused") as info:
        transport.request("POST", "/v1/models", body={"name": "fraud"})
    assert "secret-token" not in str(info.value)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 413, 422, 500])
def test_other_errors_are_never_retried(loopback, status: int) -> None:
    problem = {
        "type": "https://modelyard.dev/problems/version-not-found",
        "title": "Version not found",
        "status": status,
        "detail": "model 'fraud' has no version 9",
        "instance": "/v1/models/fraud/versions/9",
    }
    server = loopback(lambda seen: Answer(status, problem, {"Content-Type": "application/problem+json"}))
    transport = Transport(server.url, StaticToken("t"), retry=FAST)
    with pytest.raises(RegistryError) as info:
        transport.request("GET", "/v1/models/fraud/versions/9")
    assert len(server.seen) == 1
    error = info.value
    assert (error.status, error.title, error.detail) == (
        status,
        "Version not found",
        "model 'fraud' has no version 9",
    )
    assert error.type == "https://modelyard.dev/problems/version-not-found"
    assert error.instance == "/v1/models/fraud/versions/9"


def test_validation_problem_carries_field_errors(loopback) -> None:
    problem = {
        "type": "https://modelyard.dev/problems/validation",
        "title": "Validation failed",
        "status": 422,
        "detail": "1 field is invalid",
        "errors": [{"field": "body.artifact.size", "message": "Input should be greater than 0"}],
    }
    server = loopback(lambda seen: Answer(422, problem, {"Content-Type": "application/problem+json"}))
    with pytest.raises(RegistryError) as info:
        Transport(server.url, StaticToken("t"), retry=FAST).request("POST", "/v1/models/fraud/versions", body={})
    assert [(e.field, e.message) for e in info.value.errors] == [
        ("body.artifact.size", "Input should be greater than 0")
    ]
    assert "body.artifact.size: Input should be greater than 0" in str(info.value)


def test_non_json_error_body_still_gives_a_readable_error(loopback) -> None:
    server = loopback(lambda seen: Answer(403, b"<html>Forbidden by proxy</html>", {"Content-Type": "text/html"}))
    with pytest.raises(RegistryError) as info:
        Transport(server.url, StaticToken("t"), retry=FAST).request("GET", "/v1/models")
    assert info.value.status == 403
    assert info.value.title == "Forbidden"
    assert "Forbidden by proxy" in info.value.detail


def test_non_json_success_is_a_client_error(loopback) -> None:
    server = loopback(lambda seen: Answer(200, b"<html>login page</html>"))
    with pytest.raises(ClientError, match="not JSON"):
        Transport(server.url, StaticToken("t"), retry=FAST).request("GET", "/v1/models")


def test_headers_and_body(loopback) -> None:
    server = loopback(lambda seen: Answer(201, {"name": "fraud"}))
    transport = Transport(server.url + "/v1/", StaticToken("t0k3n"), retry=FAST)
    answer = transport.request(
        "POST",
        "/v1/models",
        body={"name": "fraud"},
        headers={"Idempotency-Key": "k1"},
        query={"a": None, "b": 1},
    )
    assert answer == {"name": "fraud"}
    (seen,) = server.seen
    assert seen.path == "/v1/models"
    assert seen.query == {"b": ["1"]}
    assert seen.headers["authorization"] == "Bearer t0k3n"
    assert seen.headers["user-agent"] == USER_AGENT
    assert seen.headers["user-agent"].startswith("modelyard/")
    assert seen.headers["content-type"] == "application/json"
    assert seen.headers["idempotency-key"] == "k1"
    assert seen.json() == {"name": "fraud"}


def test_expired_token_is_refreshed_once(loopback) -> None:
    class Rotating:
        def __init__(self) -> None:
            self.issued = 0

        def get(self) -> str:
            return f"token-{self.issued}"

        def invalidate(self) -> bool:
            self.issued += 1
            return True

    def handler(seen: Seen) -> Answer:
        if seen.headers["authorization"] == "Bearer token-0":
            return Answer(401, {"title": "Unauthorized", "detail": "token expired"})
        return Answer(200, {"ok": True})

    server = loopback(handler)
    assert Transport(server.url, Rotating(), retry=FAST).request("GET", "/v1/models") == {"ok": True}
    assert [s.headers["authorization"] for s in server.seen] == ["Bearer token-0", "Bearer token-1"]


def test_bad_url_scheme_is_a_client_error() -> None:
    with pytest.raises(ClientError, match="https://"):
        Transport("ftp://registry", None)


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0)
    for failures, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (10, 8.0)]:
        delays = {policy.backoff(failures) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1, "jittered"
    assert policy.backoff(1, retry_after=3.0) == 3.0
    assert policy.backoff(1, retry_after=10_000) == policy.max_retry_after


def test_parse_retry_after() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


@pytest.mark.parametrize("junk", ["\u00b2", "\u0663", "\uff17"])  # superscript two, Arabic-Indic three, fullwidth 7
def test_retry_after_in_other_digits_is_junk_not_a_crash(junk: str) -> None:
    assert parse_retry_after(junk) is None


def test_retry_policy_from_env() -> None:
    policy = RetryPolicy.from_env({"MODELYARD_MAX_ATTEMPTS": "2", "MODELYARD_TIMEOUT": "1.5"})
    assert (policy.attempts, policy.timeout) == (2, 1.5)
    with pytest.raises(ClientError, match="MODELYARD_MAX_ATTEMPTS"):
        RetryPolicy.from_env({"MODELYARD_MAX_ATTEMPTS": "many"})
