"""Unpacking directory artifacts: the register action's own tarballs round-trip, hostile ones are refused."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from modelyard.artifacts import pack_directory
from modelyard.unpack import UnsafeArchive, tree_matches, unpack_tarball


def _tar(path: Path, *members: tuple[tarfile.TarInfo, bytes | None]) -> Path:
    with tarfile.open(path, mode="w:gz") as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                tar.addfile(info)
    return path


def _file(name: str) -> tarfile.TarInfo:
    return tarfile.TarInfo(name)


def _link(name: str, target: str, hard: bool = False) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.LNKTYPE if hard else tarfile.SYMTYPE
    info.linkname = target
    return info


def test_a_packed_directory_unpacks_to_the_same_tree(tmp_path: Path) -> None:
    source = tmp_path / "model"
    (source / "sub" / "deeper").mkdir(parents=True)
    (source / "config.json").write_bytes(b"{}")
    (source / "sub" / "weights.bin").write_bytes(bytes(range(256)) * 100)
    (source / "run.sh").write_bytes(b"#!/bin/sh\n")
    (source / "run.sh").chmod(0o755)
    archive = tmp_path / "model.tar.gz"
    with archive.open("wb") as out:
        pack_directory(source, out)

    manifest = unpack_tarball(archive, tmp_path / "out")

    out = tmp_path / "out"
    assert (out / "sub" / "weights.bin").read_bytes() == bytes(range(256)) * 100
    assert (out / "sub" / "deeper").is_dir()
    assert (out / "run.sh").stat().st_mode & 0o111
    assert sorted(manifest) == ["config.json", "run.sh", "sub", "sub/deeper", "sub/weights.bin"]
    assert tree_matches(out, manifest)


@pytest.mark.parametrize(
    ("member", "data", "reason"),
    [
        (_file("/etc/evil"), b"x", "absolute"),
        (_file("../evil"), b"x", "climbs out"),
        (_file("model/../../evil"), b"x", "climbs out"),
        (_link("model/link", "/etc/passwd"), None, "a link"),
        (_link("model/link", "../../outside"), None, "a link"),
        (_link("model/hard", "/etc/passwd", hard=True), None, "a link"),
        (tarfile.TarInfo("fifo"), None, "not a file"),
        (_file("C:evil"), b"x", "drive"),
        (_file("dir\\..\\..\\evil"), b"x", "will not write"),
    ],
)
def test_hostile_entries_refuse_the_archive(
    tmp_path: Path, member: tarfile.TarInfo, data: bytes | None, reason: str
) -> None:
    if member.name == "fifo":
        member.type = tarfile.FIFOTYPE
    archive = _tar(tmp_path / "evil.tar.gz", (_file("model/ok.txt"), b"ok"), (member, data))
    box = tmp_path / "box"
    box.mkdir()

    with pytest.raises(UnsafeArchive, match=reason):
        unpack_tarball(archive, box / "out")

    assert sorted(p.name for p in tmp_path.iterdir()) == ["box", "evil.tar.gz"]
    assert not any(p.name == "evil" for p in tmp_path.rglob("*"))


def test_a_link_then_a_file_through_it_never_writes_outside(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    archive = _tar(
        tmp_path / "evil.tar.gz", (_link("model/escape", str(outside)), None), (_file("model/escape/pwned"), b"x")
    )

    with pytest.raises(UnsafeArchive):
        unpack_tarball(archive, tmp_path / "out")

    assert list(outside.iterdir()) == []


def test_not_a_tarball_is_a_clear_error(tmp_path: Path) -> None:
    archive = tmp_path / "junk.tar.gz"
    archive.write_bytes(b"\x1f\x8b this is not gzip")

    with pytest.raises(UnsafeArchive, match=r"not a readable tar|could not be unpacked"):
        unpack_tarball(archive, tmp_path / "out")


@pytest.mark.parametrize("change", ["edit", "extra", "missing", "symlink"])
def test_tree_matches_notices_any_change(tmp_path: Path, change: str) -> None:
    archive = _tar(tmp_path / "ok.tar.gz", (_file("a.txt"), b"alpha"), (_file("d/b.txt"), b"beta"))
    out = tmp_path / "out"
    manifest = unpack_tarball(archive, out)
    assert tree_matches(out, manifest)

    if change == "edit":
        (out / "d" / "b.txt").write_bytes(b"betb")
    elif change == "extra":
        (out / "d" / "c.txt").write_bytes(b"")
    elif change == "missing":
        (out / "a.txt").unlink()
    else:
        (out / "a.txt").unlink()
        (out / "a.txt").symlink_to(tmp_path / "ok.tar.gz")

    assert not tree_matches(out, manifest)


def test_an_archive_unpacking_past_the_bound_is_refused(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "bomb.tar.gz", (_file("a.bin"), bytes(600)), (_file("b.bin"), bytes(600)))

    with pytest.raises(UnsafeArchive, match="more than 1000 bytes"):
        unpack_tarball(archive, tmp_path / "out", max_bytes=1000)
    assert unpack_tarball(archive, tmp_path / "fits", max_bytes=1200)
