"""Path and query parameters shared by the routers, with their validation rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import BeforeValidator, GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

from modelyard_server.domain.names import (
    MAX_MODEL_NAME,
    MODEL_NAME_PATTERN,
    MODEL_URI_PATTERN,
    POINTER_NAME_PATTERN,
    VERSION_REF_PATTERN,
)
from modelyard_server.handlers.model_paths import NAME_JOINER

_WHOLE_NUMBER = re.compile(r"-?[0-9]+")


@dataclass(frozen=True)
class WholeNumberIn:
    """A whole-number parameter's accepted range, stated once: the document's `minimum` and `maximum`, and the
    check, whose problem names the whole range whichever bound was crossed (a client should not guess the other).

    Digits 0-9 only, maybe a minus: pydantic would also read `1.0`, `+5`, `1_0`, ` 5` or other scripts' digits as
    integers, and a client sending those meant something else.
    """

    low: int
    high: int

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        within: CoreSchema = core_schema.int_schema(ge=self.low, le=self.high)  # what the document shows
        if handler(source)["type"] == "nullable":  # an optional parameter (`int | None`)
            within = core_schema.nullable_schema(within)
        return core_schema.no_info_before_validator_function(self._written_within, within)

    def _written_within(self, value: object) -> object:
        if value is None:
            return value
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if not (isinstance(text, str) and _WHOLE_NUMBER.fullmatch(text) and self.low <= int(text) <= self.high):
            raise ValueError(f"write a whole number from {self.low} to {self.high} in the digits 0-9")
        return value


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
VersionNumberParam = Annotated[int, Path(description="Version number"), WholeNumberIn(1, 10**9)]
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
LimitQuery = Annotated[int, Query(description="Page size"), WholeNumberIn(1, 100)]
NextTokenQuery = Annotated[
    str | None,
    Query(min_length=1, max_length=4096, description="Opaque token from the previous page; leave it out for the first"),
]
