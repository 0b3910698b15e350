"""Single PUT and multipart uploads against a loopback server that records PUT bodies."""

from __future__ import annotations

import hashlib
import os
import socket
import ssl
import threading
from pathlib import Path

import pytest
from tests.support.certificates import self_signed_loopback

from conftest import Answer, Loopback, Seen
from modelyard import upload
from modelyard.connections import ConnectionPool
from modelyard.errors import ClientError
from modelyard.progress import Progress
from modelyard.transport import RetryPolicy
from modelyard.upload import FileSlice, execute_plan

FAST = RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.01, timeout=5.0)


def etag_of(data: bytes) -> str:
    return f'"{hashlib.md5(data).hexdigest()}"'


def s3_like(fail: dict[str, int] | None = None, status: int = 500):
    """Stores bodies by path; fails the first ``fail[path]`` PUTs to a path."""
    remaining = dict(fail or {})
    lock = threading.Lock()

    def handler(seen: Seen) -> Answer:
        with lock:
            if remaining.get(seen.path, 0) > 0:
                remaining[seen.path] -= 1
                return Answer(status, b"<Error><Code>InternalError</Code><Message>try again</Message></Error>")
        return Answer(200, b"", {"ETag": etag_of(seen.body)})

    return handler


@pytest.fixture
def artifact(tmp_path: Path) -> tuple[Path, bytes]:
    data = os.urandom(250_001)
    path = tmp_path / "model.bin"
    path.write_bytes(data)
    return path, data


def test_file_slice_reads_only_its_window(artifact: tuple[Path, bytes]) -> None:
    path, data = artifact
    counted: list[int] = []
    with FileSlice(path, 1000, 5000, counted.append) as window:
        chunks = []
        while chunk := window.read(777):
            chunks.append(chunk)
    assert b"".join(chunks) == data[1000:6000]
    assert sum(counted) == 5000


def test_file_slice_sent_again_starts_over_and_counts_its_bytes_once(artifact: tuple[Path, bytes]) -> None:
    path, data = artifact
    counted: list[int] = []
    sender, receiver = socket.socketpair()
    received = bytearray()

    def drain() -> None:
        while chunk := receiver.recv(65536):
            received.extend(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    with sender, receiver, FileSlice(path, 1000, 200_000, counted.append) as window:
        window.send_over(sender)
        window.send_over(sender)  # a kept-alive connection the server had dropped: the body goes again
        sender.shutdown(socket.SHUT_WR)
        reader.join(timeout=5)
    assert bytes(received) == data[1000:201_000] * 2
    assert sum(counted) == 200_000


def test_each_worker_sends_its_parts_on_one_connection(loopback, artifact: tuple[Path, bytes], monkeypatch) -> None:
    path, data = artifact
    monkeypatch.setattr(upload, "_STORAGE", ConnectionPool())
    server = loopback(s3_like())
    part_size = 10_000
    count = -(-len(data) // part_size)
    plan = {
        "method": "multipart",
        "upload_id": "u1",
        "part_size": part_size,
        "parts": [{"part_number": n, "url": f"{server.url}/bucket/key/{n}"} for n in range(1, count + 1)],
    }
    execute_plan(path, len(data), plan, policy=FAST, workers=2)
    assert len(server.seen) == count
    assert len(server.connections) <= 2
    assert upload._STORAGE.idle_connections == 0  # closed with the workers, not left open until exit
    assert b"".join(s.body for s in sorted(server.seen, key=lambda s: int(s.path.rsplit("/", 1)[1]))) == data


def test_parts_go_over_https(artifact: tuple[Path, bytes], tmp_path: Path, monkeypatch) -> None:
    path, data = artifact
    certificate, key = self_signed_loopback(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    trusting = ssl.create_default_context(cafile=str(certificate))
    monkeypatch.setattr(upload, "_STORAGE", ConnectionPool(trusting))
    with Loopback(s3_like(), tls=context) as server:
        plan = {
            "method": "multipart",
            "upload_id": "u1",
            "part_size": 100_000,
            "parts": [{"part_number": n, "url": f"{server.url}/k/{n}"} for n in (1, 2, 3)],
        }
        parts = execute_plan(path, len(data), plan, policy=FAST, workers=2)
    assert [p["etag"] for p in parts] == [etag_of(data[i : i + 100_000]) for i in (0, 100_000, 200_000)]


def test_single_put_streams_the_whole_file(loopback, artifact: tuple[Path, bytes]) -> None:
    path, data = artifact
    server = loopback(s3_like())
    plan = {
        "method": "put",
        "url": f"{server.url}/bucket/key?X-Amz-Signature=abc",
        "headers": {"x-amz-meta-a": "1"},
    }
    assert execute_plan(path, len(data), plan, policy=FAST) is None
    (put,) = server.seen
    assert put.method == "PUT"
    assert put.body == data
    assert put.headers["content-length"] == str(len(data))
    assert put.headers["x-amz-meta-a"] == "1"
    assert put.query == {"X-Amz-Signature": ["abc"]}


def test_multipart_uploads_each_range_and_collects_etags_in_order(loopback, artifact: tuple[Path, bytes]) -> None:
    path, data = artifact
    server = loopback(s3_like())
    part_size = 64 * 1024
    count = -(-len(data) // part_size)
    plan = {
        "method": "multipart",
        "upload_id": "u1",
        "part_size": part_size,
        # deliberately listed out of order
        "parts": [{"part_number": n, "url": f"{server.url}/bucket/key/{n}"} for n in reversed(range(1, count + 1))],
    }
    progress = Progress(len(data), "up", enabled=False)
    parts = execute_plan(path, len(data), plan, policy=FAST, workers=3, progress=progress)
    expected_chunks = [data[(n - 1) * part_size : n * part_size] for n in range(1, count + 1)]
    assert parts == [{"part_number": n, "etag": etag_of(c)} for n, c in enumerate(expected_chunks, start=1)]
    bodies = {s.path: s.body for s in server.seen}
    for n, chunk in enumerate(expected_chunks, start=1):
        assert bodies[f"/bucket/key/{n}"] == chunk
    assert len(expected_chunks[-1]) == len(data) - (count - 1) * part_size
    assert progress.done == len(data)


def test_a_failed_part_is_retried(loopback, artifact: tuple[Path, bytes]) -> None:
    path, data = artifact
    server = loopback(s3_like({"/k/2": 2}))
    plan = {
        "method": "multipart",
        "part_size": 128 * 1024,
        "parts": [
            {"part_number": 1, "url": f"{server.url}/k/1"},
            {"part_number": 2, "url": f"{server.url}/k/2"},
        ],
    }
    progress = Progress(len(data), "up", enabled=False)
    parts = execute_plan(path, len(data), plan, policy=FAST, progress=progress)
    assert parts is not None
    assert [p["etag"] for p in parts] == [etag_of(data[: 128 * 1024]), etag_of(data[128 * 1024 :])]
    assert [s.path for s in server.seen].count("/k/2") == 3
    assert progress.done == len(data), "bytes of failed attempts are not counted twice"


def test_a_part_that_keeps_failing_fails_the_upload(loopback, artifact: tuple[Path, bytes]) -> None:
    path, data = artifact
    server = loopback(s3_like({"/k/1": 99}))
    plan = {
        "method": "multipart",
        "part_size": 128 * 1024,
        "parts": [
            {"part_number": 1, "url": f"{server.url}/k/1"},
            {"part_number": 2, "url": f"{server.url}/k/2"},
        ],
    }
    with pytest.raises(ClientError, match=r"after 3 attempts: HTTP 500 InternalError: try again") as info:
        execute_plan(path, len(data), plan, policy=FAST)
    assert "X-Amz-Signature" not in str(info.value)
    assert [s.path for s in server.seen].count("/k/1") == 3


def test_expired_presigned_url_is_not_retried(loopback, artifact: tuple[Path, bytes]) -> None:
    path, data = artifact
    server = loopback(
        lambda seen: Answer(403, b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>")
    )
    plan = {"method": "put", "url": f"{server.url}/b/k?X-Amz-Signature=abc"}
    with pytest.raises(ClientError, match=r"AccessDenied: Request has expired.*expired; register again"):
        execute_plan(path, len(data), plan, policy=FAST)
    assert len(server.seen) == 1


def test_part_without_etag_is_an_error(loopback, artifact: tuple[Path, bytes]) -> None:
    path, data = artifact
    server = loopback(lambda seen: Answer(200, b""))
    plan = {
        "method": "multipart",
        "part_size": len(data),
        "parts": [{"part_number": 1, "url": f"{server.url}/k/1"}],
    }
    with pytest.raises(ClientError, match="no ETag"):
        execute_plan(path, len(data), plan, policy=FAST)


def test_plan_that_does_not_cover_the_file_is_refused(artifact: tuple[Path, bytes]) -> None:
    path, data = artifact
    plan = {
        "method": "multipart",
        "part_size": 100_000,
        "parts": [{"part_number": 1, "url": "http://127.0.0.1:9/x"}],
    }
    with pytest.raises(ClientError, match=r"has 1 parts .* need 3"):
        execute_plan(path, len(data), plan, policy=FAST)


def test_none_and_unknown_methods(artifact: tuple[Path, bytes]) -> None:
    path, data = artifact
    assert execute_plan(path, len(data), {"method": "none"}) is None
    with pytest.raises(ClientError, match="upgrade modelyard"):
        execute_plan(path, len(data), {"method": "carrier-pigeon"})


def test_progress_line_only_on_a_terminal() -> None:
    class FakeTTY:
        def __init__(self, tty: bool) -> None:
            self.tty = tty
            self.text = ""

        def isatty(self) -> bool:
            return self.tty

        def write(self, s: str) -> None:
            self.text += s

        def flush(self) -> None:
            pass

    terminal, log = FakeTTY(True), FakeTTY(False)
    for stream in (terminal, log):
        progress = Progress(2_000_000, "uploading m.onnx", stream=stream, interval=0)  # type: ignore[arg-type]
        progress.update(1_000_000)
        progress.close()
    assert log.text == ""
    assert terminal.text.startswith("\ruploading m.onnx: 1.0 MB / 2.0 MB   50.0%")
    assert "MB/s" in terminal.text
    assert terminal.text.endswith("\n")


def test_part_urls_are_fetched_in_pages_as_the_upload_goes(loopback, artifact: tuple[Path, bytes]) -> None:
    path, data = artifact
    server = loopback(s3_like())
    part_size = 10_000
    count = -(-len(data) // part_size)  # 26 parts, in pages of 10

    def page(first: int) -> dict[str, object]:
        numbers = range(first, min(count, first + 9) + 1)
        return {
            "parts": [{"part_number": n, "url": f"{server.url}/bucket/key/{n}"} for n in numbers],
            "next_part": numbers[-1] + 1 if numbers[-1] < count else None,
        }

    asked: list[int] = []

    def more_parts(first: int) -> dict[str, object]:
        asked.append(first)
        return page(first)

    plan = {"method": "multipart", "upload_id": "u1", "part_size": part_size, "part_count": count, **page(1)}
    parts = execute_plan(path, len(data), plan, policy=FAST, workers=3, more_parts=more_parts)
    assert asked == [11, 21]
    assert [p["part_number"] for p in parts] == list(range(1, count + 1))
    bodies = {s.path: s.body for s in server.seen}
    assert b"".join(bodies[f"/bucket/key/{n}"] for n in range(1, count + 1)) == data


def test_a_page_that_skips_parts_is_refused(loopback, artifact: tuple[Path, bytes]) -> None:
    path, data = artifact
    server = loopback(s3_like())
    first_page = [{"part_number": n, "url": f"{server.url}/k/{n}"} for n in (1, 2)]
    plan = {"method": "multipart", "upload_id": "u", "part_size": 100_000, "part_count": 3, "parts": first_page}
    plan["next_part"] = 3
    skipping = {"parts": [{"part_number": 4, "url": f"{server.url}/k/4"}], "next_part": None}
    with pytest.raises(ClientError, match="part 3"):
        execute_plan(path, len(data), plan, policy=FAST, more_parts=lambda first: skipping)
