"""Stop moto from keeping every DynamoDB item and stream record it ever built.

moto's ``BaseModel.__new__`` appends each new instance to its class's ``instances_tracked`` list,
which only moto's dashboard (``/moto-api/data.json``) reads and only a reset empties. DynamoDB
builds an ``Item`` for every write and for every item a Query or Scan returns (it answers with
copies), and a ``StreamRecord`` per write, so a long-running local stack grows by every item it
ever served. These two classes are built without the tracking; the dashboard no longer lists them.
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import BaseModel
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import StreamRecord

from modelyard_local.moto_guard import MotoInternalsChanged, expect_sources

WRITTEN_FOR = "5.2.5"
_UNTRACKED = (Item, StreamRecord)


def _new_untracked(cls: type[Any], *args: Any, **kwargs: Any) -> Any:
    return object.__new__(cls)


def install() -> None:
    """Idempotent. Raises MotoInternalsChanged when moto's tracking is not what this bypasses."""
    expect_sources(
        "modelyard_local.moto_untracked",
        WRITTEN_FOR,
        {"BaseModel.__new__": (BaseModel.__new__, "122d2cd5b02113e59b0f471e3f73a6f9b11ac81aa7be77db488e30dcd269b993")},
    )
    for cls in _UNTRACKED:
        if "__new__" in vars(cls) and vars(cls)["__new__"] is not _new_untracked_static:
            raise MotoInternalsChanged(f"moto's {cls.__name__} has its own __new__: review moto_untracked")
        cls.__new__ = _new_untracked_static  # type: ignore[method-assign]


def uninstall() -> None:
    for cls in _UNTRACKED:
        if vars(cls).get("__new__") is _new_untracked_static:
            del cls.__new__  # back to BaseModel.__new__


_new_untracked_static = staticmethod(_new_untracked)
