"""``modelyard.load`` against the embedded local stack: each format through its library, and its refusals."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path
from typing import Any

import pytest

from modelyard.errors import ClientError
from modelyard.fetching import fetch
from modelyard.loaders import MissingLibrary, load
from tests.e2e.conftest import write_bytes


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def _register(client: Any, name: str, path: Path) -> None:
    version = client.register(name, path, create_model=True)
    client.set_alias(name, "champion", version["version"])


def test_pickle_round_trip_through_load(client: Any, model_name: str, tmp_path: Path, cache_dir: Path) -> None:
    model = {"weights": [0.25, -1.5], "threshold": 0.7, "classes": ("ok", "fraud")}
    _register(client, model_name, write_bytes(tmp_path / "model.pkl", pickle.dumps(model)))

    assert load(f"models:/{model_name}@champion", client=client, cache_dir=cache_dir) == model


def test_joblib_round_trip_through_load(client: Any, model_name: str, tmp_path: Path, cache_dir: Path) -> None:
    joblib = pytest.importorskip("joblib")
    numpy = pytest.importorskip("numpy")
    model = {"coef": numpy.arange(12.0).reshape(3, 4), "name": "ridge"}
    joblib.dump(model, tmp_path / "model.joblib")
    _register(client, model_name, tmp_path / "model.joblib")

    loaded = load(f"models:/{model_name}@champion", client=client, cache_dir=cache_dir)

    assert loaded["name"] == "ridge"
    assert numpy.array_equal(loaded["coef"], model["coef"])


def test_load_never_unpickles_bytes_that_are_not_the_registered_ones(
    client: Any, model_name: str, tmp_path: Path, cache_dir: Path
) -> None:
    model = {"answer": 42}
    _register(client, model_name, write_bytes(tmp_path / "model.pkl", pickle.dumps(model)))
    uri = f"models:/{model_name}@champion"
    path = fetch(uri, client=client, cache_dir=cache_dir)
    marker = tmp_path / "code-ran"
    path.write_bytes(pickle.dumps(_Trap(str(marker))))

    assert load(uri, client=client, cache_dir=cache_dir) == model
    assert not marker.exists()


class _Trap:
    """Unpickling it would create a file: the proof that tampered bytes were executed."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path(self.marker).touch, ())


def test_load_names_the_package_to_install_when_the_library_is_missing(
    client: Any, model_name: str, tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _register(client, model_name, write_bytes(tmp_path / "model.onnx", b"not really onnx"))
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # what an environment without it gives

    with pytest.raises(MissingLibrary, match="pip install onnxruntime"):
        load(f"models:/{model_name}@champion", client=client, cache_dir=cache_dir)


def test_load_takes_a_uri_not_a_path(tmp_path: Path, cache_dir: Path, client: Any) -> None:
    path = write_bytes(tmp_path / "model.pkl", pickle.dumps({"a": 1}))

    with pytest.raises(ClientError, match=r"models:/ URI"):
        load(str(path), client=client, cache_dir=cache_dir)
