"""A model as the API takes it (create, update) and as stored: its record, with the states of its stages and
aliases, and a page of them (pydantic v2; OpenAPI is generated from these)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field, model_validator

from modelyard_server.domain.model_base import RegistryModel, StrictModel
from modelyard_server.domain.record_fields import Description, ModelName, Tags


class CreateModelRequest(StrictModel):
    name: ModelName
    description: Description = ""
    tags: Tags = Field(default_factory=dict)


class UpdateModelRequest(StrictModel):
    description: Description | None = None
    tags: Tags | None = None

    @model_validator(mode="before")
    @classmethod
    def _owners_change_through_their_own_route(cls, data: Any) -> Any:
        if isinstance(data, dict) and "owners" in data:
            raise ValueError(
                "a model's owners are not changed here: POST /v1/models/{name}/owners adds a repository "
                "(`modelyard owners add`), DELETE /v1/models/{name}/owners?repository=ID removes one"
            )
        return data


class PointerState(RegistryModel):
    version: int
    updated_at: datetime
    updated_by: str
    metrics: dict[str, float] = Field(
        default_factory=dict, description="The held version's metrics, as the pointer carries them (no extra read)"
    )


class ModelRecord(RegistryModel):
    name: str
    description: str
    tags: dict[str, str]
    owners: list[str]
    owner_ids: list[str] = Field(
        default_factory=list, description="GitHub repository ids of the owners (a re-created name is not the owner)"
    )
    latest_version: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    revision: int = Field(
        default=0,
        description="Grows by one with each change of the description, tags or owners (a write is "
        "conditional on the revision it read)",
    )
    stages: dict[str, PointerState] = Field(default_factory=dict)
    aliases: dict[str, PointerState] = Field(default_factory=dict)


class ModelPage(RegistryModel):
    items: list[ModelRecord]
    next_token: str | None = None
