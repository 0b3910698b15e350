"""fetch() polls cheaply: ``If-None-Match`` with the cached resolution's ETag, 304 reuses it; no ETag works too."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conftest import Answer, Loopback, Seen
from modelyard.client import Client
from modelyard.fetching import fetch
from modelyard.transport import RetryPolicy


@dataclass
class ResolvingRegistry:
    """/v1/resolve for one alias (with or without an ETag), the download link, and the bytes."""

    versions: dict[int, bytes]
    current: int = 1
    etags: bool = True
    base_url: str = ""
    resolves: list[Seen] = field(default_factory=list)
    answered: list[int] = field(default_factory=list)
    downloads: int = 0

    def _etag(self) -> str:
        return f'"fraud-{self.current}"'

    def __call__(self, seen: Seen) -> Answer:
        data = self.versions[self.current]
        sha = hashlib.sha256(data).hexdigest()
        if seen.path == "/v1/resolve":
            self.resolves.append(seen)
            if self.etags and seen.headers.get("if-none-match") == self._etag():
                self.answered.append(304)
                return Answer(304, b"", {"ETag": self._etag()})
            self.answered.append(200)
            summary: dict[str, Any] = {
                "model": "fraud",
                "version": self.current,
                "uri": f"models:/fraud/{self.current}",
                "status": "ready",
                "sha256": sha,
                "size": len(data),
                "format": "onnx",
            }
            return Answer(200, summary, {"ETag": self._etag()} if self.etags else {})
        if seen.path == f"/v1/models/fraud/versions/{self.current}/download":
            link = {"url": f"{self.base_url}/blob/{self.current}", "sha256": sha, "size": len(data)}
            return Answer(200, {**link, "filename": "fraud.onnx", "expires_in": 60})
        if seen.path == f"/blob/{self.current}":
            self.downloads += 1
            return Answer(200, data)
        return Answer(404, {"title": "Not found", "status": 404})


def _client(server: Loopback) -> Client:
    return Client(url=server.url, token="t", retry=RetryPolicy(attempts=1, timeout=5), progress=False, env={})


def _start(loopback: Any, registry: ResolvingRegistry) -> Client:
    server = loopback(registry)
    registry.base_url = server.url
    return _client(server)


def test_a_second_fetch_asks_if_none_match_and_a_304_reuses_the_cache(loopback: Any, tmp_path: Path) -> None:
    registry = ResolvingRegistry({1: b"one"})
    client = _start(loopback, registry)

    first = fetch("models:/fraud@champion", client=client, cache_dir=tmp_path)
    second = fetch("models:/fraud@champion", client=client, cache_dir=tmp_path)

    assert "if-none-match" not in registry.resolves[0].headers
    assert registry.resolves[1].headers["if-none-match"] == '"fraud-1"'
    assert registry.answered == [200, 304]
    assert first == second
    assert second.read_bytes() == b"one"
    assert registry.downloads == 1


def test_a_moved_alias_answers_200_with_the_new_version(loopback: Any, tmp_path: Path) -> None:
    registry = ResolvingRegistry({1: b"one", 2: b"two"})
    client = _start(loopback, registry)
    fetch("models:/fraud@champion", client=client, cache_dir=tmp_path)

    registry.current = 2
    moved = fetch("models:/fraud@champion", client=client, cache_dir=tmp_path)

    assert registry.answered == [200, 200]
    assert moved.read_bytes() == b"two"
    assert registry.downloads == 2


def test_a_registry_without_etags_is_asked_plainly_every_time(loopback: Any, tmp_path: Path) -> None:
    registry = ResolvingRegistry({1: b"one"}, etags=False)
    client = _start(loopback, registry)

    fetch("models:/fraud@champion", client=client, cache_dir=tmp_path)
    again = fetch("models:/fraud@champion", client=client, cache_dir=tmp_path)

    assert all("if-none-match" not in seen.headers for seen in registry.resolves)
    assert registry.answered == [200, 200]
    assert again.read_bytes() == b"one"
    assert registry.downloads == 1


def test_a_registry_answering_500_falls_back_to_the_cache(loopback: Any, tmp_path: Path) -> None:
    registry = ResolvingRegistry({1: b"one"})
    healthy = True

    def broken(seen: Seen) -> Answer:
        return registry(seen) if healthy else Answer(500, {"title": "Internal Server Error", "status": 500})

    server = loopback(broken)
    registry.base_url = server.url
    client = _client(server)
    cached = fetch("models:/fraud/1", client=client, cache_dir=tmp_path)
    healthy = False

    assert fetch("models:/fraud/1", client=client, cache_dir=tmp_path) == cached
    assert registry.downloads == 1
