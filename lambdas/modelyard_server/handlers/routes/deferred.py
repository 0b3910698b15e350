"""Domain modules a route module names, imported when a request first reaches the route that uses them.

powertools reads a route's signature (its request, query and response models) when the route is
first called, not when it is registered, and looks the annotations up in the route module's globals.
A route module therefore binds each domain module it uses to a `Deferred` stand-in and names its
models through it (``model_records.ModelRecord``): the name is there for powertools and for the handler's
body, and the module is imported on first attribute access. A cold start then loads the models and
use cases of the route it serves, not those of every route. For mypy, route modules import the real
modules under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import importlib
from typing import Any


class Deferred:
    """Stands for the module `name`, imported on first attribute access (a thread-safe import)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        # importlib.import_module answers from sys.modules once the module is loaded.
        return getattr(importlib.import_module(self._name), attribute)

    def __repr__(self) -> str:
        return f"<deferred module {self._name}>"
