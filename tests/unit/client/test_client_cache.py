"""The model cache's own rules: size bound and eviction order, pins of other processes, settings."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from modelyard.cache import DEFAULT_MAX_BYTES, Entry, ModelCache, Resolution, default_cache_dir, max_bytes_from
from modelyard.errors import ClientError

ACTIONS = Path(__file__).resolve().parents[3] / "actions"


def _add(cache: ModelCache, data: bytes, name: str = "model.bin") -> str:
    sha = hashlib.sha256(data).hexdigest()
    with cache.locked(sha), cache.building() as built:
        (built / name).write_bytes(data)
        cache.install(sha, built, name, "file", "other", None)
    return sha


def _age(cache: ModelCache, sha: str, seconds_ago: float) -> None:
    when = time.time() - seconds_ago
    os.utime(cache.root / "entries" / sha / "entry.json", (when, when))


def test_eviction_removes_least_recently_used_first_until_the_new_bytes_fit(tmp_path: Path) -> None:
    cache = ModelCache(tmp_path, max_bytes=3000)
    old, middle, recent = (_add(cache, bytes([n]) * 1000) for n in range(3))
    _age(cache, old, 300)
    _age(cache, middle, 200)
    _age(cache, recent, 100)
    entry = cache.entry(old)
    assert entry is not None
    cache.touch(entry)  # used just now: no longer the oldest

    evicted = cache.make_room(1500)

    assert evicted == [middle, recent]
    assert cache.entry(old) is not None
    assert cache.usage() == 1000


def test_eviction_spares_the_entry_being_fetched(tmp_path: Path) -> None:
    cache = ModelCache(tmp_path, max_bytes=1000)
    first = _add(cache, b"a" * 1000)
    second = _add(cache, b"b" * 1000)
    _age(cache, second, 100)

    assert cache.make_room(0, keep=second) == [first]
    assert cache.entry(second) is not None


def test_eviction_never_deletes_an_entry_another_process_has_pinned(tmp_path: Path) -> None:
    cache = ModelCache(tmp_path, max_bytes=1000)
    pinned = _add(cache, b"p" * 1000)
    free = _add(cache, b"f" * 1000)
    _age(cache, pinned, 200)
    _age(cache, free, 100)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from modelyard.cache import ModelCache;"
            "c = ModelCache(Path(sys.argv[1])); c.pin(sys.argv[2]); print('pinned', flush=True); sys.stdin.read()",
            str(tmp_path),
            pinned,
        ],
        env={**os.environ, "PYTHONPATH": str(ACTIONS)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "pinned"

        assert cache.make_room(500) == [free]
        assert cache.entry(pinned) is not None  # over the bound, rather than pull a model from under a process
    finally:
        holder.communicate("", timeout=30)

    assert cache.make_room(500) == [pinned]  # that process is gone: now it may go


def test_eviction_skips_an_entry_another_process_is_building(tmp_path: Path) -> None:
    cache = ModelCache(tmp_path, max_bytes=10)
    busy = _add(cache, b"x" * 100)

    with cache.locked(busy):
        other = ModelCache(tmp_path, max_bytes=10)
        assert other.make_room(0) == []
    assert cache.make_room(0) == [busy]


def test_what_a_killed_download_left_behind_is_swept_but_a_running_one_is_not(tmp_path: Path) -> None:
    cache = ModelCache(tmp_path)
    abandoned = tmp_path / "tmp" / "0123abcd.99999"
    abandoned.mkdir()
    (abandoned / ".building").touch()  # its process died: nobody holds the lock
    (abandoned / ".model.onnx.part").write_bytes(b"half a download")
    trash = tmp_path / "tmp" / "trash-0123"
    trash.mkdir()

    with cache.building() as running:
        (running / "model.onnx").write_bytes(b"arriving")
        ModelCache(tmp_path).make_room(0)  # what another process's next download does first

        assert [p.name for p in (tmp_path / "tmp").iterdir()] == [running.name]
        assert (running / "model.onnx").read_bytes() == b"arriving"


def _verified(cache: ModelCache) -> Entry:
    entry = cache.entry(_add(cache, b"the registered bytes"))
    assert entry is not None
    assert cache.intact(entry)
    return entry


def test_a_damaged_file_entry_is_not_intact(tmp_path: Path) -> None:
    cache = ModelCache(tmp_path)
    entry = _verified(cache)

    entry.path.write_bytes(b"the registered bytez")  # same size, likely within the file system's time tick
    assert not cache.intact(entry)
    entry.path.unlink()
    assert not cache.intact(entry)


@pytest.mark.parametrize("change", ["grow", "replace"])
def test_a_remembered_verification_does_not_outlive_a_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    monkeypatch.setattr("modelyard.cache.RACY_NS", -(10**18))  # treat every file as long settled
    cache = ModelCache(tmp_path)
    entry = _verified(cache)
    assert cache.intact(entry)  # remembered

    if change == "grow":
        with entry.path.open("ab") as out:
            out.write(b"!")
    else:
        replacement = entry.path.with_name("other")
        replacement.write_bytes(b"the registered bytez")
        os.replace(replacement, entry.path)
    assert not cache.intact(entry)


def test_resolutions_are_remembered_per_registry_and_uri(tmp_path: Path) -> None:
    cache = ModelCache(tmp_path)
    seen = Resolution("models:/fraud@champion", "fraud", 3, "a" * 64, 10, "onnx", "2026-11-29T10:00:00Z", '"e1"')
    cache.remember("https://registry.acme.dev", seen)

    assert ModelCache(tmp_path).recall("https://registry.acme.dev", "models:/fraud@champion") == seen
    assert cache.recall("https://registry.acme.dev", "models:/fraud@challenger") is None
    assert cache.recall("https://registry.other.dev", "models:/fraud@champion") is None  # not that registry's


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", DEFAULT_MAX_BYTES),
        ("1048576", 1048576),
        ("500M", 500 * 1024**2),
        ("10GiB", 10 * 1024**3),
        ("2g", 2 * 1024**3),
    ],
)
def test_max_bytes_from_the_environment(raw: str, expected: int) -> None:
    assert max_bytes_from({"MODELYARD_CACHE_MAX_BYTES": raw}) == expected


@pytest.mark.parametrize("raw", ["lots", "-5", "0", "1X"])
def test_a_bad_max_bytes_says_what_it_wants(raw: str) -> None:
    with pytest.raises(ClientError, match="MODELYARD_CACHE_MAX_BYTES"):
        max_bytes_from({"MODELYARD_CACHE_MAX_BYTES": raw})


def test_cache_dir_from_the_environment(tmp_path: Path) -> None:
    assert default_cache_dir({"MODELYARD_CACHE_DIR": str(tmp_path)}) == tmp_path
    assert default_cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "modelyard"
    assert default_cache_dir({}) == Path.home() / ".cache" / "modelyard"


def test_importing_modelyard_and_its_fetch_and_load_loads_no_model_library() -> None:
    heavy = ["pickle", "joblib", "onnxruntime", "safetensors", "numpy", "torch", "tarfile", "_pickle"]
    code = (
        "import sys, modelyard; from modelyard import fetch, load; "
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(ACTIONS)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == ""
