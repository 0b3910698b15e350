"""Refuse to patch moto internals that are not the ones a patch was written against.

The local stack's moto patches replace or bypass a few of moto's private functions. A moto upgrade
that changes one of them could make a patch quietly wrong (a rollback that misses some state), so
each patch names the functions it relies on with the SHA-256 of their source, and applying the patch
fails at start, naming what changed, instead.
"""

from __future__ import annotations

import hashlib
import inspect
import textwrap
from collections.abc import Callable, Mapping
from importlib.metadata import version
from typing import Any


class MotoInternalsChanged(RuntimeError):
    """The installed moto's code differs from what a modelyard patch of it was written against."""


def source_digest(function: Callable[..., Any]) -> str:
    return hashlib.sha256(textwrap.dedent(inspect.getsource(function)).encode()).hexdigest()


def expect_sources(patch: str, written_for: str, expected: Mapping[str, tuple[Callable[..., Any], str]]) -> None:
    """Raise MotoInternalsChanged unless every named function's source has the expected digest."""
    changed = [name for name, (function, digest) in expected.items() if source_digest(function) != digest]
    if changed:
        raise MotoInternalsChanged(
            f"{patch} was written against moto {written_for}; the installed moto {version('moto')} changed "
            f"{', '.join(changed)}. Read the new source, check the patch still keeps moto's behaviour, and update "
            f"its expected digests (or install moto {written_for})."
        )
