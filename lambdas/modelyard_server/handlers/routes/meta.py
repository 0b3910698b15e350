"""Unauthenticated meta routes."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

router = Router()


@router.get("/v1/health", summary="Liveness", tags=["meta"])
def health() -> dict[str, str]:
    return {"status": "ok"}
