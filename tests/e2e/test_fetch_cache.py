"""``modelyard.fetch`` / ``modelyard.load`` against the embedded local stack, over HTTP.

Downloads are counted by the server: a thin ASGI layer in front of the stack's app counts the
GETs of artifact bytes (``/_blobs/``) and can make the whole registry answer 503, as a registry
behind a failing load balancer does. Several processes are real processes (``python -c``),
sharing one cache directory.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from modelyard.errors import ClientError
from modelyard.fetching import NotCachedOffline, fetch, fetch_entry
from modelyard.unpack import UnsafeArchive
from modelyard_local.stack import LocalStack, default_app_factory
from tests.e2e.conftest import MIB, base_env, write_bytes
from tests.support.tcp_doorway import Doorway


@dataclass
class Traffic:
    """The ASGI layer in front of the registry: counts artifact downloads, plays dead on request."""

    app: Any = None
    downloads: int = 0
    resolves: list[tuple[dict[str, str], int, dict[str, str]]] = field(default_factory=list)  # asked, status, answered
    down: bool = False

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            if self.down:
                body = json.dumps({"type": "about:blank", "title": "Service Unavailable", "status": 503}).encode()
                headers = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]
                await send({"type": "http.response.start", "status": 503, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            if scope["method"] == "GET" and scope["path"].startswith("/_blobs/"):
                self.downloads += 1
            if scope["path"] == "/v1/resolve":
                await self.app(scope, receive, self._recording_resolve(scope, send))
                return
        await self.app(scope, receive, send)

    def _recording_resolve(self, scope: dict[str, Any], send: Any) -> Any:
        asked = {k.decode().lower(): v.decode() for k, v in scope["headers"]}

        async def recording_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                answered = {k.decode().lower(): v.decode() for k, v in message.get("headers", [])}
                self.resolves.append((asked, message["status"], answered))
            await send(message)

        return recording_send


@pytest.fixture(scope="module")
def traffic() -> Traffic:
    return Traffic()


@pytest.fixture(scope="module")
def stack(traffic: Traffic) -> Iterator[LocalStack]:
    def counted_app() -> Traffic:
        traffic.app = default_app_factory()
        return traffic

    with LocalStack(port=0, issuer_port=0, moto_port=0, app_factory=counted_app) as running:
        yield running


@pytest.fixture(autouse=True)
def registry_up(traffic: Traffic) -> Iterator[None]:
    traffic.down = False
    yield
    traffic.down = False


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _register(client: Any, name: str, path: Path, alias: str = "champion") -> dict[str, Any]:
    version: dict[str, Any] = client.register(name, path, create_model=True)
    client.set_alias(name, alias, version["version"])
    return version


def _fetch_env(stack: LocalStack, token: str, cache_dir: Path, **extra: str) -> dict[str, str]:
    env = base_env()
    env.update({"MODELYARD_URL": stack.api_url, "MODELYARD_TOKEN": token, "MODELYARD_CACHE_DIR": str(cache_dir)})
    env.update(extra)
    return env


FETCH_AND_PRINT = "import sys, modelyard; print(modelyard.fetch(sys.argv[1]), flush=True)"
FETCH_AND_HOLD = FETCH_AND_PRINT + "; sys.stdin.read()"


def _fetch_in_process(uri: str, env: dict[str, str]) -> Path:
    done = subprocess.run(
        [sys.executable, "-c", FETCH_AND_PRINT, uri], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return Path(done.stdout.strip())


def test_fetch_twice_downloads_once_and_answers_the_verified_file(
    client: Any, traffic: Traffic, model_name: str, tmp_path: Path, cache_dir: Path
) -> None:
    data = os.urandom(300_000)
    _register(client, model_name, write_bytes(tmp_path / "model.onnx", data))
    before = traffic.downloads

    first = fetch(f"models:/{model_name}@champion", client=client, cache_dir=cache_dir)
    second = fetch(f"models:/{model_name}@champion", client=client, cache_dir=cache_dir)

    assert traffic.downloads - before == 1
    assert first == second
    assert first.name == "model.onnx"
    assert first.read_bytes() == data
    assert first.is_relative_to(cache_dir)


def test_concurrent_processes_download_once_and_all_get_the_same_verified_file(
    stack: LocalStack, token: str, client: Any, traffic: Traffic, model_name: str, tmp_path: Path, cache_dir: Path
) -> None:
    data = os.urandom(8 * MIB + 17)
    _register(client, model_name, write_bytes(tmp_path / "weights.safetensors", data))
    env = _fetch_env(stack, token, cache_dir)
    before = traffic.downloads

    runs = [
        subprocess.Popen(
            [sys.executable, "-c", FETCH_AND_PRINT, f"models:/{model_name}@champion"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(5)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]

    assert [run.returncode for run in runs] == [0] * 5, [err for _, err in outputs]
    paths = {out.strip() for out, _ in outputs}
    assert len(paths) == 1
    assert _sha(Path(paths.pop()).read_bytes()) == _sha(data)
    assert traffic.downloads - before == 1
    assert list((cache_dir / "tmp").iterdir()) == []  # no half-built entry left behind


def test_registry_down_serves_the_cached_copy_and_says_so(
    client: Any, traffic: Traffic, model_name: str, tmp_path: Path, cache_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = os.urandom(50_000)
    version = _register(client, model_name, write_bytes(tmp_path / "m.joblib", data))
    uri = f"models:/{model_name}@champion"
    cached = fetch(uri, client=client, cache_dir=cache_dir)
    before = traffic.downloads

    traffic.down = True
    with caplog.at_level("WARNING", logger="modelyard"):
        offline = fetch(uri, client=client, cache_dir=cache_dir)

    assert offline == cached
    assert offline.read_bytes() == data
    assert traffic.downloads == before
    warning = " ".join(record.getMessage() for record in caplog.records)
    assert uri in warning
    assert f"version {version['version']}" in warning
    assert "resolved it at 20" in warning  # the time of the last resolution


def test_registry_refusing_connections_serves_the_cache_from_another_process_with_a_warning_on_stderr(
    stack: LocalStack, token: str, client: Any, model_name: str, tmp_path: Path, cache_dir: Path
) -> None:
    data = os.urandom(40_000)
    version = _register(client, model_name, write_bytes(tmp_path / "m.pkl", data))
    uri = f"models:/{model_name}@champion"
    doorway = Doorway(stack.api_port)
    env = _fetch_env(stack, token, cache_dir, MODELYARD_URL=doorway.url, MODELYARD_MAX_ATTEMPTS="1")
    cached = _fetch_in_process(uri, env)
    doorway.shut()  # the registry's address now refuses connections

    done = subprocess.run(
        [sys.executable, "-c", FETCH_AND_PRINT, uri], env=env, capture_output=True, text=True, timeout=60, check=False
    )

    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()) == cached
    assert cached.read_bytes() == data
    assert uri in done.stderr
    assert f"version {version['version']}" in done.stderr
    assert "cannot be reached" in done.stderr


def test_registry_down_without_a_cached_resolution_is_a_clear_error(
    client: Any, traffic: Traffic, model_name: str, tmp_path: Path, cache_dir: Path
) -> None:
    _register(client, model_name, write_bytes(tmp_path / "m.onnx", b"onnx bytes"))
    traffic.down = True

    with pytest.raises(NotCachedOffline, match="never resolved") as raised:
        fetch(f"models:/{model_name}@champion", client=client, cache_dir=cache_dir)

    assert f"models:/{model_name}@champion" in str(raised.value)


def test_a_corrupted_cache_entry_is_downloaded_again(
    client: Any, traffic: Traffic, model_name: str, tmp_path: Path, cache_dir: Path
) -> None:
    data = os.urandom(100_000)
    _register(client, model_name, write_bytes(tmp_path / "m.onnx", data))
    uri = f"models:/{model_name}@champion"
    path = fetch(uri, client=client, cache_dir=cache_dir)
    damaged = bytearray(data)
    damaged[5000] ^= 0xFF
    path.write_bytes(bytes(damaged))
    before = traffic.downloads

    again = fetch(uri, client=client, cache_dir=cache_dir)

    assert traffic.downloads - before == 1
    assert again.read_bytes() == data


def test_registry_down_with_a_damaged_cached_copy_refuses_to_serve_it(
    client: Any, traffic: Traffic, model_name: str, tmp_path: Path, cache_dir: Path
) -> None:
    _register(client, model_name, write_bytes(tmp_path / "m.onnx", b"the real bytes"))
    uri = f"models:/{model_name}@champion"
    fetch(uri, client=client, cache_dir=cache_dir).write_bytes(b"the wrong bytes")
    traffic.down = True

    with pytest.raises(NotCachedOffline, match="gone or damaged"):
        fetch(uri, client=client, cache_dir=cache_dir)


def test_a_directory_artifact_is_unpacked_and_repaired_when_changed(
    client: Any, traffic: Traffic, model_name: str, tmp_path: Path, cache_dir: Path
) -> None:
    source = tmp_path / "bert"
    write_bytes(source / "config.json", b'{"layers": 2}')
    write_bytes(source / "tokenizer" / "vocab.txt", b"a\nb\nc\n")
    write_bytes(source / "weights.bin", os.urandom(70_000))
    _register(client, model_name, source)
    uri = f"models:/{model_name}@champion"

    tree = fetch(uri, client=client, cache_dir=cache_dir)

    assert tree.is_dir()
    assert tree.name == "bert"
    files = sorted(p.relative_to(tree).as_posix() for p in tree.rglob("*") if p.is_file())
    assert files == ["config.json", "tokenizer/vocab.txt", "weights.bin"]
    for name in files:
        assert (tree / name).read_bytes() == (source / name).read_bytes()

    (tree / "tokenizer" / "vocab.txt").write_bytes(b"tampered")
    before = traffic.downloads
    again = fetch(uri, client=client, cache_dir=cache_dir)
    assert traffic.downloads - before == 1
    assert (again / "tokenizer" / "vocab.txt").read_bytes() == b"a\nb\nc\n"


def _evil_tarball(path: Path, outside: Path) -> Path:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        ok = tarfile.TarInfo("model/ok.txt")
        ok.size = 2
        tar.addfile(ok, io.BytesIO(b"ok"))
        escape = tarfile.TarInfo(f"model/../../../../../../../..{outside}")
        escape.size = 4
        tar.addfile(escape, io.BytesIO(b"evil"))
    return write_bytes(path, buffer.getvalue())


def test_a_malicious_tarball_is_refused_and_writes_nothing(
    client: Any, model_name: str, tmp_path: Path, cache_dir: Path
) -> None:
    outside = tmp_path / "outside" / "pwned.txt"
    _register(client, model_name, _evil_tarball(tmp_path / "evil.tar.gz", outside))

    with pytest.raises(UnsafeArchive, match="climbs out"):
        fetch(f"models:/{model_name}@champion", client=client, cache_dir=cache_dir)

    assert not outside.exists()
    assert list((cache_dir / "entries").iterdir()) == []
    assert list((cache_dir / "tmp").iterdir()) == []


def test_eviction_keeps_the_cache_under_its_bound_and_spares_a_model_in_use(
    stack: LocalStack, token: str, client: Any, traffic: Traffic, model_name: str, tmp_path: Path, cache_dir: Path
) -> None:
    size = 400_000
    blobs = [os.urandom(size) for _ in range(4)]
    uris = []
    for index, data in enumerate(blobs):
        name = f"{model_name}-{index}"
        _register(client, name, write_bytes(tmp_path / f"m{index}.onnx", data))
        uris.append(f"models:/{name}@champion")
    bound = 3 * size + size // 2  # room for three
    env = _fetch_env(stack, token, cache_dir, MODELYARD_CACHE_MAX_BYTES=str(bound))

    def cached_bytes() -> int:
        return sum(p.stat().st_size for p in (cache_dir / "entries").rglob("*.onnx"))

    in_use = subprocess.Popen(
        [sys.executable, "-c", FETCH_AND_HOLD, uris[0]],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert in_use.stdout is not None
        held = Path(in_use.stdout.readline().strip())
        paths = [_fetch_in_process(uri, env) for uri in uris[1:]]

        assert held.read_bytes() == blobs[0]  # the least recently used, but a running process holds it
        assert not paths[0].exists()  # so the next least recently used went instead
        assert paths[1].read_bytes() == blobs[2]
        assert paths[2].read_bytes() == blobs[3]
        assert cached_bytes() <= bound
    finally:
        in_use.communicate("", timeout=30)

    before = traffic.downloads
    assert _fetch_in_process(uris[1], env).read_bytes() == blobs[1]
    assert traffic.downloads - before == 1  # it had been evicted
    assert not held.exists()  # no longer in use: now it is the one to go
    assert cached_bytes() <= bound


def test_fetch_follows_the_alias_when_it_moves(client: Any, model_name: str, tmp_path: Path, cache_dir: Path) -> None:
    _register(client, model_name, write_bytes(tmp_path / "v1.onnx", b"version one"))
    uri = f"models:/{model_name}@champion"
    assert fetch(uri, client=client, cache_dir=cache_dir).read_bytes() == b"version one"

    second = client.register(model_name, write_bytes(tmp_path / "v2.onnx", b"version two"))
    client.set_alias(model_name, "champion", second["version"])

    entry = fetch_entry(uri, client=client, cache_dir=cache_dir)
    assert entry.path.read_bytes() == b"version two"
    assert entry.sha256 == _sha(b"version two")


def test_an_artifact_larger_than_the_whole_cache_is_refused_before_downloading(
    client: Any, traffic: Traffic, model_name: str, tmp_path: Path, cache_dir: Path
) -> None:
    _register(client, model_name, write_bytes(tmp_path / "big.onnx", os.urandom(5000)))
    before = traffic.downloads

    with pytest.raises(ClientError, match="MODELYARD_CACHE_MAX_BYTES"):
        fetch(f"models:/{model_name}@champion", client=client, cache_dir=cache_dir, max_bytes=4000)

    assert traffic.downloads == before


def test_a_second_fetch_polls_with_the_etag_the_registry_gave(
    client: Any, traffic: Traffic, model_name: str, tmp_path: Path, cache_dir: Path
) -> None:
    _register(client, model_name, write_bytes(tmp_path / "m.onnx", b"polled"))
    uri = f"models:/{model_name}@champion"
    fetch(uri, client=client, cache_dir=cache_dir)
    first = traffic.resolves[-1]

    again = fetch(uri, client=client, cache_dir=cache_dir)

    asked, status, _ = traffic.resolves[-1]
    etag = first[2].get("etag")
    if etag is None:  # a registry without ETags (before /v1/resolve sent them): asked plainly, answered in full
        assert "if-none-match" not in asked
        assert status == 200
    else:
        assert asked["if-none-match"] == etag
        assert status == 304
    assert again.read_bytes() == b"polled"
