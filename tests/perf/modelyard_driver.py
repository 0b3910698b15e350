"""The workload through modelyard's SDK (``modelyard.client.Client``), as a child process.

``python modelyard_driver.py API_URL VERSIONS SCRATCH REPORT`` with the token in ``$MODELYARD_BENCH_TOKEN``
(an owner's: it creates the model and moves the alias).
"""

from __future__ import annotations

import itertools
import os
import sys
from pathlib import Path

import registry_workload

from modelyard.client import Client


class ModelyardRegistry:
    def __init__(self, url: str, token: str) -> None:
        self.client = Client(url=url, token=token, progress=False, env={})

    def create_model(self, name: str) -> None:
        self.client.create_model(name)

    def register(self, name: str, artifact: Path) -> int:
        return int(self.client.register(name, artifact)["version"])

    def set_alias(self, name: str, alias: str, version: int) -> None:
        self.client.set_alias(name, alias, version)

    def resolve_alias(self, name: str, alias: str) -> int:
        return int(self.client.resolve(f"models:/{name}@{alias}")["version"])

    def get_version(self, name: str, version: int) -> int:
        return int(self.client.get_version(name, version)["version"])

    def list_page(self, name: str, size: int) -> int:
        # the SDK pages lazily: taking `size` items of pages of `size` reads exactly one page
        return sum(1 for _ in itertools.islice(self.client.list_versions(name, limit=size), size))


if __name__ == "__main__":
    url, versions, scratch, report = sys.argv[1:5]
    token = os.environ["MODELYARD_BENCH_TOKEN"]
    registry_workload.main(ModelyardRegistry(url, token), "bench", int(versions), Path(scratch), Path(report))
