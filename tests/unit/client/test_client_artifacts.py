from __future__ import annotations

import hashlib
import os
import tarfile
from pathlib import Path

import pytest

from modelyard.artifacts import CHUNK_SIZE, guess_format, hash_file, pack_directory, prepared_artifact
from modelyard.errors import ClientError


def _pack(root: Path, out: Path) -> str:
    with out.open("wb") as target:
        digest = pack_directory(root, target)
    assert digest.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
    assert digest.size == out.stat().st_size
    return digest.sha256


def _tree(root: Path, files: dict[str, bytes], *, reverse: bool = False, mtime: int = 1_700_000_000) -> Path:
    items = sorted(files.items(), reverse=reverse)
    for rel, data in items:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.utime(path, (mtime, mtime))
    return root


FILES = {
    "model.onnx": b"\x08\x07onnx-bytes" * 1000,
    "config.json": b'{"layers": 3}',
    "tokenizer/vocab.txt": b"a\nb\nc\n",
    "tokenizer/merges.txt": b"a b\n",
    "z/deep/er/weights.bin": os.urandom(70_000),
}


@pytest.mark.parametrize("size", [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE * 2 + 123])
def test_hash_file_equals_hashlib(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    path = tmp_path / "blob"
    path.write_bytes(data)
    digest = hash_file(path)
    assert digest.sha256 == hashlib.sha256(data).hexdigest()
    assert digest.size == size


def test_same_tree_packs_to_same_digest(tmp_path: Path) -> None:
    root = _tree(tmp_path / "m", FILES)
    assert _pack(root, tmp_path / "a.tgz") == _pack(root, tmp_path / "b.tgz")


def test_digest_ignores_mtimes_creation_order_permissions_and_dir_name(tmp_path: Path) -> None:
    first = _tree(tmp_path / "first", FILES)
    second = _tree(tmp_path / "elsewhere" / "other-name", FILES, reverse=True, mtime=1_000)
    (first / "model.onnx").chmod(0o600)
    (second / "model.onnx").chmod(0o664)
    (first / "config.json").chmod(0o700)  # executable bits normalise to 0755 ...
    (second / "config.json").chmod(0o755)
    os.utime(first / "tokenizer", (5, 5))
    assert _pack(first, tmp_path / "1.tgz") == _pack(second, tmp_path / "2.tgz")


def test_a_changed_byte_changes_the_digest(tmp_path: Path) -> None:
    root = _tree(tmp_path / "m", FILES)
    before = _pack(root, tmp_path / "before.tgz")
    data = bytearray((root / "z/deep/er/weights.bin").read_bytes())
    data[12345] ^= 0x01
    (root / "z/deep/er/weights.bin").write_bytes(bytes(data))
    assert _pack(root, tmp_path / "after.tgz") != before


def test_an_added_empty_directory_or_exec_bit_changes_the_digest(tmp_path: Path) -> None:
    root = _tree(tmp_path / "m", FILES)
    before = _pack(root, tmp_path / "before.tgz")
    (root / "empty").mkdir()
    with_dir = _pack(root, tmp_path / "dir.tgz")
    assert with_dir != before
    (root / "config.json").chmod(0o755)
    assert _pack(root, tmp_path / "exec.tgz") != with_dir


def test_tarball_entries_are_normalised(tmp_path: Path) -> None:
    root = _tree(tmp_path / "m", FILES)
    (root / "run.sh").write_bytes(b"#!/bin/sh\n")
    (root / "run.sh").chmod(0o750)
    out = tmp_path / "m.tgz"
    _pack(root, out)
    raw = out.read_bytes()
    assert raw[:2] == b"\x1f\x8b"
    assert raw[3] & 0x08 == 0, "no file name in the gzip header"
    assert raw[4:8] == b"\x00\x00\x00\x00", "gzip mtime is 0"
    with tarfile.open(out, "r:gz") as tar:
        members = tar.getmembers()
        names = [m.name for m in members]
        assert names == sorted(names)
        assert "tokenizer" in names and "tokenizer/vocab.txt" in names
        for member in members:
            assert (member.mtime, member.uid, member.gid, member.uname, member.gname) == (0, 0, 0, "", "")
            assert member.mode in (0o644, 0o755)
        modes = {m.name: m.mode for m in members}
        assert modes["run.sh"] == 0o755
        assert modes["tokenizer"] == 0o755
        assert modes["model.onnx"] == 0o644
        extracted = tar.extractfile("z/deep/er/weights.bin")
        assert extracted is not None
        assert extracted.read() == FILES["z/deep/er/weights.bin"]


def test_symlinks_are_packed_as_the_bytes_they_point_at(tmp_path: Path) -> None:
    blobs = _tree(tmp_path / "blobs", {"abc": b"real weights"})
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "model.safetensors").symlink_to(blobs / "abc")
    plain = _tree(tmp_path / "plain", {"model.safetensors": b"real weights"})
    assert _pack(linked, tmp_path / "l.tgz") == _pack(plain, tmp_path / "p.tgz")


def test_broken_symlink_is_a_clear_error(tmp_path: Path) -> None:
    root = tmp_path / "m"
    root.mkdir()
    (root / "gone").symlink_to(tmp_path / "nowhere")
    with pytest.raises(ClientError, match="broken symbolic link"):
        _pack(root, tmp_path / "x.tgz")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("m.onnx", "onnx"),
        ("M.ONNX", "onnx"),
        ("w.safetensors", "safetensors"),
        ("m.joblib", "joblib"),
        ("m.pkl", "pickle"),
        ("m.pickle", "pickle"),
        ("m.tar.gz", "tarball"),
        ("m.bin", "other"),
        ("README", "other"),
    ],
)
def test_guess_format(tmp_path: Path, name: str, expected: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"x")
    assert guess_format(path) == expected


def test_guess_format_directory(tmp_path: Path) -> None:
    assert guess_format(tmp_path) == "tarball"


def test_prepared_directory_is_a_temporary_tarball_removed_afterwards(tmp_path: Path) -> None:
    root = _tree(tmp_path / "fraud-model", FILES)
    with prepared_artifact(root) as artifact:
        assert artifact.format == "tarball"
        assert artifact.filename == "fraud-model.tar.gz"
        assert artifact.media_type == "application/gzip"
        assert artifact.path.exists()
        assert artifact.sha256 == hashlib.sha256(artifact.path.read_bytes()).hexdigest()
        packed = artifact.path
    assert not packed.exists()


def test_prepared_file_is_used_in_place(tmp_path: Path) -> None:
    path = tmp_path / "model.onnx"
    path.write_bytes(b"onnx!")
    with prepared_artifact(path) as artifact:
        assert artifact.path == path
        assert artifact.as_payload() == {
            "sha256": hashlib.sha256(b"onnx!").hexdigest(),
            "size": 5,
            "format": "onnx",
            "filename": "model.onnx",
            "media_type": "application/octet-stream",
        }


def test_missing_and_empty_artifacts_say_what_to_fix(tmp_path: Path) -> None:
    with (
        pytest.raises(ClientError, match=r"artifact not found: .*nope\.onnx"),
        prepared_artifact(tmp_path / "nope.onnx"),
    ):
        pass
    (tmp_path / "empty.onnx").write_bytes(b"")
    with pytest.raises(ClientError, match="is empty"), prepared_artifact(tmp_path / "empty.onnx"):
        pass
