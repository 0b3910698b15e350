"""Kept-alive connections: reused between calls, per thread, and invisible when a server drops them."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from scripted_server import ScriptedServer
from tests.support.certificates import self_signed_loopback

from conftest import Answer, Loopback, Seen
from modelyard.client import Client
from modelyard.connections import ConnectionPool
from modelyard.errors import RegistryError, RegistryUnreachable
from modelyard.oidc import StaticToken
from modelyard.transport import RetryPolicy, Transport

FAST = RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.01, timeout=5.0)


def no_sleep(seconds: float) -> None:
    raise AssertionError(f"a backoff of {seconds:.3f}s: the request was counted as a failed attempt")


def ok(seen: Seen) -> Answer:
    return Answer(200, {"path": seen.path})


def test_many_calls_share_one_connection(loopback) -> None:
    server = loopback(ok)
    transport = Transport(server.url, StaticToken("t"), retry=FAST)
    answers = [transport.request("GET", f"/v1/models/m{n}") for n in range(20)]
    assert answers == [{"path": f"/v1/models/m{n}"} for n in range(20)]
    assert len(server.seen) == 20
    assert len(server.connections) == 1


def test_error_answers_and_bodies_keep_the_connection(loopback) -> None:
    def handler(seen: Seen) -> Answer:
        if seen.method == "POST":
            return Answer(201, {"got": seen.json()})
        problem = {"title": "Model not found", "detail": "no model 'x'"}
        return Answer(404, problem, {"Content-Type": "application/problem+json"})

    server = loopback(handler)
    transport = Transport(server.url, StaticToken("t"), retry=FAST)
    for n in range(3):
        with pytest.raises(RegistryError, match="Model not found"):
            transport.request("GET", "/v1/models/x")
        assert transport.request("POST", "/v1/models", body={"name": f"m{n}"}) == {"got": {"name": f"m{n}"}}
    assert len(server.seen) == 6
    assert len(server.connections) == 1


def test_close_releases_the_connection_and_the_client_stays_usable(loopback) -> None:
    server = loopback(lambda seen: Answer(200, {"status": "ok"}))
    with Client(server.url, "t", retry=FAST, progress=False, env={}) as client:
        client.health()
        client.health()
        assert client._transport._opener.pool.idle_connections == 1
    assert client._transport._opener.pool.idle_connections == 0
    client.health()
    assert len(server.connections) == 2
    client.close()


def test_each_thread_gets_its_own_connection(loopback) -> None:
    server = loopback(ok)
    transport = Transport(server.url, StaticToken("t"), retry=FAST)
    threads, calls = 8, 5
    together = threading.Barrier(threads)
    failures: list[BaseException] = []

    def work(n: int) -> None:
        try:
            together.wait(timeout=10)  # all threads hold a connection at the same time
            for call in range(calls):
                assert transport.request("GET", f"/v1/t{n}/{call}") == {"path": f"/v1/t{n}/{call}"}
        except BaseException as exc:
            failures.append(exc)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    assert len(server.seen) == threads * calls
    assert len(server.connections) == threads
    transport.close()


def test_a_server_that_closes_idle_connections_is_invisible() -> None:
    with ScriptedServer(lambda n: "answer-and-close") as server:
        transport = Transport(server.url, StaticToken("t"), retry=RetryPolicy(attempts=1), sleep=no_sleep)
        for _ in range(5):
            assert transport.request("GET", "/v1/health") == {"request": 1}
            assert server.closed.acquire(timeout=5)  # the server has closed the idle connection
        assert server.connections == 5
        assert server.answered == 5


def test_a_connection_dropped_as_the_request_arrives_is_retried_once_without_counting() -> None:
    # every connection answers its first request and drops the second one unread
    with ScriptedServer(lambda n: "answer" if n == 1 else "drop") as server:
        transport = Transport(server.url, StaticToken("t"), retry=RetryPolicy(attempts=1), sleep=no_sleep)
        for _ in range(5):
            assert transport.request("POST", "/v1/models", body={"name": "fraud"}) == {"request": 1}
        assert server.answered == 5
        assert server.connections == 5


def test_a_fresh_connection_that_drops_the_request_is_an_ordinary_retryable_failure() -> None:
    with ScriptedServer(lambda n: "drop") as server:
        transport = Transport(server.url, StaticToken("t"), retry=RetryPolicy(attempts=2, base_delay=0.001))
        with pytest.raises(RegistryUnreachable) as info:
            transport.request("GET", "/v1/health")
        assert info.value.attempts == 2
        assert server.connections == 2  # one per attempt: no extra transparent resend on fresh connections


def test_an_answer_cut_short_is_a_retryable_failure_and_never_resent_transparently() -> None:
    with ScriptedServer(lambda n: "cut") as server:
        transport = Transport(server.url, StaticToken("t"), retry=RetryPolicy(attempts=2, base_delay=0.001))
        with pytest.raises(RegistryUnreachable, match="after 2 attempts: IncompleteRead"):
            transport.request("POST", "/v1/models", body={"name": "fraud"})
        assert server.answered == 2


def test_an_answer_cut_short_on_a_reused_connection_counts_as_an_attempt() -> None:
    with ScriptedServer(lambda n: "answer" if n == 1 else "cut") as server:
        once = Transport(server.url, StaticToken("t"), retry=RetryPolicy(attempts=1))
        assert once.request("GET", "/v1/health") == {"request": 1}
        with pytest.raises(RegistryUnreachable, match="after 1 attempt: IncompleteRead"):
            once.request("GET", "/v1/health")
        assert server.answered == 2

        twice = Transport(server.url, StaticToken("t"), retry=RetryPolicy(attempts=2, base_delay=0.001))
        assert twice.request("GET", "/v1/health") == {"request": 1}
        assert twice.request("GET", "/v1/health") == {"request": 1}  # the retry went out on a new connection
        assert server.connections == 3


def test_redirects_are_followed_as_urllib_follows_them(loopback) -> None:
    def handler(seen: Seen) -> Answer:
        if seen.path == "/v1/old":
            return Answer(307, b"", {"Location": "/v1/new"})
        return Answer(200, {"path": seen.path, "method": seen.method})

    server = loopback(handler)
    transport = Transport(server.url, StaticToken("t"), retry=FAST)
    assert transport.request("GET", "/v1/old") == {"path": "/v1/new", "method": "GET"}
    with pytest.raises(RegistryError) as info:  # urllib does not re-send a body to a 307's Location
        transport.request("POST", "/v1/old", body={"name": "fraud"})
    assert info.value.status == 307


def test_a_configured_proxy_still_carries_the_requests(loopback, closed_port_url: str, monkeypatch) -> None:
    proxy = loopback(lambda seen: Answer(200, {"via": "proxy", "path": seen.path}))
    monkeypatch.setenv("http_proxy", proxy.url)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    # nothing listens at the registry URL: only the proxy can answer
    transport = Transport(closed_port_url, StaticToken("t"), retry=FAST)
    assert transport.request("GET", "/v1/health") == {"via": "proxy", "path": "/v1/health"}


# -- HTTPS --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_loopback(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def tls_server(self_signed: tuple[Path, Path]) -> Iterator[Loopback]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed)
    with Loopback(ok, tls=context) as server:
        yield server


def test_https_verifies_certificates_by_default() -> None:
    context = ConnectionPool().ssl_context()
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is True


def test_https_refuses_a_certificate_nobody_trusts(tls_server: Loopback, monkeypatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    transport = Transport(tls_server.url, StaticToken("t"), retry=RetryPolicy(attempts=1))
    with pytest.raises(RegistryUnreachable, match="CERTIFICATE_VERIFY_FAILED"):
        transport.request("GET", "/v1/health")
    assert tls_server.seen == []


def test_https_calls_share_one_tls_connection(tls_server: Loopback, self_signed, monkeypatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(self_signed[0]))  # the default context trusts what this names
    transport = Transport(tls_server.url, StaticToken("t"), retry=FAST)
    for n in range(5):
        assert transport.request("GET", f"/v1/m{n}") == {"path": f"/v1/m{n}"}
    assert len(tls_server.connections) == 1
    transport.close()
