"""``modelyard.load(uri)``: a registry model as a Python object, by its registered format.

Each format's library is imported only when a model of that format is loaded, so the client stays
standard-library only and ``import modelyard`` stays light. A missing library is an error naming
the pip package to install.

Pickle and joblib run code while they load, so they load only the registry's verified bytes: the
file is read into memory, hashed, compared with the digest the registry declared, and unpickled
from that same memory (nothing can swap the file between the check and the load). ``load`` takes a
``models:/`` URI, never a path.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from modelyard.errors import ClientError, DigestMismatch
from modelyard.fetching import fetch_entry

if TYPE_CHECKING:
    from modelyard.cache import Entry
    from modelyard.client import Client


class MissingLibrary(ClientError):
    """Loading this format needs a library that is not installed; the message names the pip package."""

    def __init__(self, module: str, package: str, what: str) -> None:
        self.module = module
        self.package = package
        super().__init__(f"loading {what} needs {module}, which is not installed: pip install {package}")


def _require(module: str, package: str, what: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingLibrary(module, package, what) from None


def _verified_bytes(entry: Entry) -> io.BytesIO:
    data = entry.path.read_bytes()
    if hashlib.sha256(data).hexdigest() != entry.sha256:
        raise DigestMismatch(f"{entry.path} changed after it was verified; fetch it again before loading")
    return io.BytesIO(data)


def _load_pickle(entry: Entry, what: str, options: Mapping[str, Any]) -> Any:
    import pickle

    return pickle.load(_verified_bytes(entry))  # noqa: S301 - the registry's verified bytes only


def _load_joblib(entry: Entry, what: str, options: Mapping[str, Any]) -> Any:
    joblib = _require("joblib", "joblib", what)
    return joblib.load(_verified_bytes(entry))


def _load_onnx(entry: Entry, what: str, options: Mapping[str, Any]) -> Any:
    onnxruntime = _require("onnxruntime", "onnxruntime", what)
    return onnxruntime.InferenceSession(os.fspath(entry.path), **options)


def _load_safetensors(entry: Entry, what: str, options: Mapping[str, Any]) -> Any:
    tensors = options.get("tensors", "numpy")
    if tensors not in ("numpy", "torch"):
        raise ClientError(f"tensors={tensors!r}: safetensors load as 'numpy' arrays or 'torch' tensors")
    _require("safetensors", "safetensors", what)
    _require(tensors, tensors, what)
    module = _require(f"safetensors.{tensors}", "safetensors", what)
    return module.load_file(os.fspath(entry.path))


def _load_pytorch(entry: Entry, what: str, options: Mapping[str, Any]) -> Any:
    torch = _require("torch", "torch", what)
    # weights_only: a plain torch.load would unpickle arbitrary objects from the file
    return torch.load(os.fspath(entry.path), weights_only=True, **options)


Loader = Callable[["Entry", str, Mapping[str, Any]], Any]
LOADERS: dict[str, Loader] = {
    "pickle": _load_pickle,
    "joblib": _load_joblib,
    "onnx": _load_onnx,
    "safetensors": _load_safetensors,
    "pytorch": _load_pytorch,
}


def load(
    uri: str,
    *,
    client: Client | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    max_bytes: int | None = None,
    env: Mapping[str, str] | None = None,
    **options: Any,
) -> Any:
    """Fetch ``uri`` (see :func:`modelyard.fetch`) and load it by its registered format.

    pickle and joblib give the unpickled object; onnx an ``onnxruntime.InferenceSession`` (``options``
    go to it, e.g. ``providers=[...]``); safetensors a dict of numpy arrays (``tensors="torch"`` for
    torch tensors); pytorch ``torch.load(..., weights_only=True)``. Directory and other artifacts are
    not loaded: use :func:`modelyard.fetch` and open them yourself.
    """
    entry = fetch_entry(uri, client=client, cache_dir=cache_dir, max_bytes=max_bytes, env=env)
    loader = LOADERS.get(entry.format)
    if loader is None:
        known = ", ".join(sorted(LOADERS))
        raise ClientError(
            f"{uri} is a {entry.format!r} artifact, which load() does not open (it loads {known}); "
            f"modelyard.fetch({uri!r}) gives its path"
        )
    return loader(entry, f"{uri} ({entry.format})", options)
