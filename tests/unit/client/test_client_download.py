from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from conftest import Answer
from modelyard.download import download_file
from modelyard.errors import DigestMismatch

DATA = b"onnx-model-bytes" * 5000


def test_verified_download_lands_at_dest(loopback, tmp_path: Path) -> None:
    server = loopback(lambda seen: Answer(200, DATA))
    dest = tmp_path / "out" / "model.onnx"
    assert (
        download_file(f"{server.url}/b/k?sig=x", dest, sha256=hashlib.sha256(DATA).hexdigest(), size=len(DATA)) == dest
    )
    assert dest.read_bytes() == DATA
    assert sorted(p.name for p in dest.parent.iterdir()) == ["model.onnx"]


@pytest.mark.parametrize(
    ("sha256", "size", "message"),
    [
        (hashlib.sha256(b"other").hexdigest(), len(DATA), "sha256"),
        (hashlib.sha256(DATA).hexdigest(), len(DATA) + 1, "bytes but the registry declared"),
    ],
)
def test_mismatch_deletes_the_file_and_raises(loopback, tmp_path: Path, sha256: str, size: int, message: str) -> None:
    server = loopback(lambda seen: Answer(200, DATA))
    dest = tmp_path / "model.onnx"
    with pytest.raises(DigestMismatch, match=message):
        download_file(f"{server.url}/b/k", dest, sha256=sha256, size=size)
    assert list(tmp_path.iterdir()) == [], "neither the file nor a temporary part is left"


def test_existing_file_is_kept_when_the_new_download_is_bad(loopback, tmp_path: Path) -> None:
    server = loopback(lambda seen: Answer(200, DATA))
    dest = tmp_path / "model.onnx"
    dest.write_bytes(b"previous good model")
    with pytest.raises(DigestMismatch):
        download_file(f"{server.url}/b/k", dest, sha256="0" * 64, size=None, overwrite=True)
    assert dest.read_bytes() == b"previous good model"
