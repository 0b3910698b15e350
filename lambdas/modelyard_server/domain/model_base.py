"""The bases of the registry's pydantic models, in a module of their own: code that defines a model or
two (the webhook's body, a use case's request) need not define every record of the registry to get them."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from modelyard_server.domain.names import MAX_VERSION

# A revision a client read back. Counters never pass MAX_VERSION, and storage holds 64-bit integers
# at most: a larger number is a 422 naming the field, never a number handed to storage.
Revision = Annotated[int, Field(ge=0, le=MAX_VERSION)]


class RegistryModel(BaseModel):
    """Base of the registry's models. Each builds its validator on first use, not at import: a cold
    start then builds only the models its request touches."""

    model_config = ConfigDict(defer_build=True)


class StrictModel(RegistryModel):
    # Strict: a value is taken as the JSON type it is (no `true` or "10" for an integer), so what is
    # stored is what was sent. The request reader turns integral numbers such as 1.0 into integers.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False, strict=True)
