"""The field types the registry's records and requests share: a model's name, tags, params and metrics, texts,
URLs and model URIs, an artifact's format and a version's status. The models of each subject (model_records,
version_records, pointer_records, upload_records) are built on these."""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from modelyard_server.domain.names import MAX_MODEL_NAME, MODEL_NAME_PATTERN, parse_model_uri, reserved_name_problem

MAX_ARTIFACT_BYTES = 5 * 1024**4  # S3's object limit: 5 TiB


def _is_model_uri(value: str) -> str:
    if parse_model_uri(value) is None:
        raise ValueError("expected a model URI such as models:/fraud/7")
    return value


def _not_reserved(value: str) -> str:
    problem = reserved_name_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("metric values must be finite numbers")
    return value


ModelName = Annotated[
    str,
    StringConstraints(pattern=MODEL_NAME_PATTERN, max_length=MAX_MODEL_NAME),
    AfterValidator(_not_reserved),
    Field(description="`name` or `namespace/name`"),
]


# No "=": a tag filter is written `key=value`, and a key holding "=" could never be searched for.
TAG_KEY_PATTERN = r"^[A-Za-z0-9_.:/+@-]{1,128}$"
TagKey = Annotated[str, StringConstraints(pattern=TAG_KEY_PATTERN)]


TagValue = Annotated[str, StringConstraints(max_length=256)]


Tags = Annotated[dict[TagKey, TagValue], Field(max_length=50)]


ParamKey = Annotated[str, StringConstraints(min_length=1, max_length=128)]


ParamValue = Annotated[str, StringConstraints(max_length=1024)] | int | float | bool | None


MetricValue = Annotated[float, AfterValidator(_finite)]


Description = Annotated[str, StringConstraints(max_length=2000)]


ShortText = Annotated[str, StringConstraints(max_length=256)]


UrlText = Annotated[str, StringConstraints(max_length=1024, pattern=r"^[a-zA-Z][a-zA-Z0-9+.-]*://\S+$")]


ModelUriText = Annotated[str, AfterValidator(_is_model_uri)]


ArtifactFormat = Literal["onnx", "safetensors", "joblib", "pickle", "tarball", "pytorch", "other"]


# verifying: the bytes are uploaded and a verifier is hashing them (large artifacts, see settings.verify_async_bytes);
# rejected: the verifier found bytes that are not the declared artifact (status_reason says what it found).
VersionStatus = Literal["pending_upload", "verifying", "ready", "rejected", "archived", "deprecated", "abandoned"]
