"""PLACEHOLDER so the embedded backend imports: the blob engineer's FileBlobStore replaces this file at merge."""

from __future__ import annotations

from pathlib import Path

from modelyard_server.ports.records import BlobFacts, PresignedPart, PresignedPut


class FileBlobStore:
    def __init__(self, root: Path, signing_key: bytes, base_url: str) -> None:
        self.root, self.signing_key, self.base_url = root, signing_key, base_url

    def presign_put(self, key: str, size: int, media_type: str, sha256_hex: str, ttl: int) -> PresignedPut:
        raise NotImplementedError

    def start_multipart(self, key: str, media_type: str) -> str:
        raise NotImplementedError

    def presign_parts(self, key: str, upload_id: str, numbers: range, ttl: int) -> list[PresignedPart]:
        raise NotImplementedError

    def complete_multipart(self, key: str, upload_id: str, parts: list[tuple[int, str]]) -> bool:
        raise NotImplementedError

    def abort_multipart(self, key: str, upload_id: str) -> None:
        raise NotImplementedError

    def head_blob(self, key: str) -> BlobFacts | None:
        raise NotImplementedError

    def hash_blob(self, key: str, version_id: str | None) -> str:
        raise NotImplementedError

    def delete_blob(self, key: str) -> None:
        raise NotImplementedError

    def presign_get(self, key: str, version_id: str | None, filename: str, ttl: int) -> str:
        raise NotImplementedError
