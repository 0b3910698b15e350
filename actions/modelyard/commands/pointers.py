"""Stages and aliases: promote, roll back, set/get/delete an alias, read a stage (and who holds it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelyard.commands.compare import compare_with_holder
from modelyard.commands.results import JSON, Answer
from modelyard.errors import RegistryError

if TYPE_CHECKING:
    from modelyard.client import Client, VersionRef


class _LeftOut:
    def __repr__(self) -> str:
        return "LEFT_OUT"


#: ``expected_version`` not given: the move is unconditional (``None`` means "only if it is empty")
LEFT_OUT: Any = _LeftOut()


def _expected(value: Any) -> Any:
    from modelyard.client import UNSET

    return UNSET if value is LEFT_OUT else value


@dataclass(frozen=True)
class StageHolder:
    """What a stage holds now (``pointer`` None: the stage, or the model, holds nothing yet)."""

    stage: str
    pointer: JSON | None

    @property
    def target(self) -> Mapping[str, Any] | None:
        """The held version's summary, None when the stage is empty."""
        target = (self.pointer or {}).get("target")
        if not isinstance(target, Mapping) or (self.pointer or {}).get("version") is None:
            return None
        return target

    @property
    def version(self) -> int | None:
        target = self.target
        return None if target is None else target.get("version")

    @property
    def metrics(self) -> Mapping[str, Any] | None:
        target = self.target
        return None if target is None else (target.get("metrics") or {})

    def label(self, prefix: str | None = None) -> str:
        """``production: v7`` (or ``production: (empty)``); ``prefix`` replaces the stage name."""
        shown = f"{prefix or self.stage}:"
        return f"{shown} (empty)" if self.target is None else f"{shown} v{self.version}"


def stage_holder(client: Client, model: str, stage: str) -> StageHolder:
    """The stage's holder; an unknown stage or model is an empty holder, not an error."""
    try:
        return StageHolder(stage, client.get_stage(model, stage))
    except RegistryError as exc:
        if exc.status == 404:
            return StageHolder(stage, None)
        raise


@dataclass(frozen=True)
class PointerMove:
    """A stage or alias after a change; ``before`` is its holder beforehand, when the caller asked for it."""

    data: JSON
    before: StageHolder | None = None
    comparison: JSON | None = None  # the registry's comparison of the new holder with ``before``, when asked

    @property
    def version(self) -> Any:
        return self.data.get("version")

    @property
    def previous_version(self) -> Any:
        return self.data.get("previous_version")

    @property
    def already_held(self) -> bool:
        """A re-run promotion: the registry checked it like a move, and the stage already held the version."""
        return bool(self.data.get("already_held"))

    @property
    def target(self) -> Mapping[str, Any]:
        target = self.data.get("target")
        return target if isinstance(target, Mapping) else {}


def promote(
    client: Client,
    model: str,
    version: VersionRef,
    *,
    stage: str,
    expected_version: Any = LEFT_OUT,
    comment: str | None = None,
    read_before: bool = False,
) -> PointerMove:
    """Point ``stage`` at ``version``; ``read_before`` also compares it with what the stage held before.

    ``expected_version``: a version means "only if the stage holds it now", None "only if it is empty".
    """
    before = None
    if read_before:
        version = client.version_number(model, version)  # a URI resolved once, before the stage moves
        before = stage_holder(client, model, stage)
    pointer = client.promote(model, version, stage=stage, expected_version=_expected(expected_version), comment=comment)
    if before is None or pointer.get("already_held"):
        return PointerMove(pointer, before)
    return PointerMove(pointer, before, compare_with_holder(client, model, int(pointer["version"]), before))


def rollback(
    client: Client,
    model: str,
    *,
    stage: str,
    to_version: VersionRef | None = None,
    comment: str | None = None,
    read_before: bool = False,
) -> PointerMove:
    """Move ``stage`` back to the version before its holder (or to ``to_version``); ``read_before`` as in promote."""
    before = stage_holder(client, model, stage) if read_before else None
    pointer = client.rollback(model, stage=stage, to_version=to_version, comment=comment)
    if before is None:
        return PointerMove(pointer)
    return PointerMove(pointer, before, compare_with_holder(client, model, int(pointer["version"]), before))


def set_alias(
    client: Client, model: str, alias: str, version: VersionRef, *, expected_version: Any = LEFT_OUT
) -> PointerMove:
    return PointerMove(client.set_alias(model, alias, version, expected_version=_expected(expected_version)))


def delete_alias(client: Client, model: str, alias: str) -> PointerMove:
    return PointerMove(client.delete_alias(model, alias))


def get_alias(client: Client, model: str, alias: str) -> Answer[JSON]:
    return Answer(client.get_alias(model, alias))


def get_stage(client: Client, model: str, stage: str) -> Answer[JSON]:
    return Answer(client.get_stage(model, stage))
