"""The composition root: builds the storage backend the settings name and installs it for the domain.

Every entry point (the Lambda handlers, the local server, the redrive tool) calls :func:`install`;
the backend itself is built on first use, so importing a handler binds nothing.
"""

from __future__ import annotations

from modelyard_server import ports
from modelyard_server.settings import Settings, get_settings


def build_backend(settings: Settings) -> ports.Backend:
    """The backend `settings.backend` names, wired from the settings."""
    if settings.backend == "sqlite":
        from modelyard_server.adapters.embedded.backend import embedded_backend

        return embedded_backend(settings)
    from modelyard_server.adapters.dynamodb.backend import dynamodb_backend

    return dynamodb_backend(settings)


def install(settings: Settings | None = None) -> None:
    """Build the backend from `settings` (default: the environment's) when the domain first needs it."""
    ports.set_builder(lambda: build_backend(settings if settings is not None else get_settings()))
