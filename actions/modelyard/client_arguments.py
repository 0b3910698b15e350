"""What the SDK's methods take, checked before any request is sent: model names and pointer names (a
:class:`~modelyard.errors.ClientError` that says what is wrong), version references, and the path segments
they become."""

from __future__ import annotations

import urllib.parse

from modelyard.errors import ClientError
from modelyard.uris import check_name, check_pointer

VersionRef = int | str


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


#: "not given" for ``expected_version`` (``None`` there means "the pointer must be empty")
UNSET = _Unset()


def segment(value: object) -> str:
    """One path segment, every reserved character percent-encoded."""
    return urllib.parse.quote(str(value), safe="")


def checked_name(name: str) -> str:
    try:
        return check_name(name)
    except ValueError as exc:
        raise ClientError(str(exc)) from None


def checked_pointer(name: str, kind: str) -> str:
    try:
        return check_pointer(name, kind)
    except ValueError as exc:
        raise ClientError(str(exc)) from None
