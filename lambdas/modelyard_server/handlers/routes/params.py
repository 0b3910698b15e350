"""Path and query parameters shared by the routers, with their validation rules."""

from __future__ import annotations

import re
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import BeforeValidator, Field

from modelyard_server.domain.names import (
    MAX_MODEL_NAME,
    MODEL_NAME_PATTERN,
    MODEL_URI_PATTERN,
    POINTER_NAME_PATTERN,
    VERSION_REF_PATTERN,
)
from modelyard_server.handlers.model_paths import NAME_JOINER

_WHOLE_NUMBER = re.compile(r"-?[0-9]+")


def _written_in_digits(value: object) -> object:
    """An integer parameter as the client wrote it: digits, maybe a minus. pydantic would also read `1.0`,
    `+5`, `1_0`, ` 5` or other scripts' digits as integers: a client sending those meant something else."""
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value) is None:
        raise ValueError("write a whole number in the digits 0-9, e.g. 10")
    return value


WholeNumber = BeforeValidator(_written_in_digits)


def _joined_name(value: object) -> object:
    """A namespaced name arrives as `marketing%2Fchurn`: the one form `handlers/model_paths.py` gives it."""
    return value.replace(NAME_JOINER, "/") if isinstance(value, str) else value


ModelNameParam = Annotated[
    str,
    Path(
        pattern=MODEL_NAME_PATTERN,
        max_length=MAX_MODEL_NAME,
        description="Model name; a namespaced name takes two segments: `/v1/models/marketing/churn/...`",
    ),
    BeforeValidator(_joined_name),
]
PointerNameParam = Annotated[str, Path(pattern=POINTER_NAME_PATTERN, max_length=63)]
VersionNumberParam = Annotated[int, Path(description="Version number"), Field(ge=1, le=10**9), WholeNumber]
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
LimitQuery = Annotated[int, Query(description="Page size"), Field(ge=1, le=100), WholeNumber]
NextTokenQuery = Annotated[str | None, Query(max_length=4096, description="Opaque token from the previous page")]
