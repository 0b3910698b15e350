"""modelyard's cloud side: API, storage, auth and lifecycle of registered models."""
