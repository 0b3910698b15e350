"""modelyard: the runner-side client of the modelyard model registry.

Standard library only. ``import modelyard`` stays cheap: :class:`Client` is loaded on
first use, so the CLI and the composite actions start in a few milliseconds; :func:`fetch` and
:func:`load` likewise, and a model format's library only when a model of that format is loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from modelyard.version import __version__

__all__ = ["Client", "ClientError", "RegistryError", "__version__", "fetch", "load"]

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from modelyard.client import Client
    from modelyard.errors import ClientError, RegistryError
    from modelyard.fetching import fetch
    from modelyard.loaders import load


def __getattr__(name: str) -> Any:
    if name == "Client":
        from modelyard.client import Client

        return Client
    if name in ("ClientError", "RegistryError"):
        from modelyard import errors

        return getattr(errors, name)
    if name == "fetch":
        from modelyard.fetching import fetch

        return fetch
    if name == "load":
        from modelyard.loaders import load

        return load
    raise AttributeError(f"module 'modelyard' has no attribute {name!r}")
