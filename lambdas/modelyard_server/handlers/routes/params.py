"""Path and query parameters shared by the routers, with their validation rules."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from modelyard_server.domain.names import (
    MODEL_NAME_PATTERN,
    MODEL_URI_PATTERN,
    POINTER_NAME_PATTERN,
    VERSION_REF_PATTERN,
)

ModelNameParam = Annotated[str, Path(pattern=MODEL_NAME_PATTERN, max_length=128, description="Model name")]
PointerNameParam = Annotated[str, Path(pattern=POINTER_NAME_PATTERN, max_length=63)]
VersionNumberParam = Annotated[int, Path(ge=1, le=10**9, description="Version number")]
VersionRefParam = Annotated[
    str, Path(pattern=VERSION_REF_PATTERN, max_length=64, description="Version number or semver label")
]
ModelUriQuery = Annotated[
    str,
    Query(
        pattern=MODEL_URI_PATTERN,
        max_length=300,
        description="A model URI: models:/NAME/7, models:/NAME/1.4.0, models:/NAME@ALIAS, models:/NAME/stage/STAGE, "
        "MLflow's models:/NAME/Production (a stage, any case) or models:/NAME/latest (the newest ready version)",
    ),
]
LimitQuery = Annotated[int, Query(ge=1, le=100, description="Page size")]
NextTokenQuery = Annotated[str | None, Query(max_length=4096, description="Opaque token from the previous page")]
