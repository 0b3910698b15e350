"""``models:/`` URIs, MLflow style.

* ``models:/fraud/7``                — version 7
* ``models:/fraud/1.4.0``            — the version labelled with that semver
* ``models:/fraud@champion``         — whatever the alias points at
* ``models:/fraud/stage/production`` — whatever the stage points at
* ``models:/fraud/Production``       — the same (MLflow's habit: a bare word is a stage, in any case)
* ``models:/fraud/latest``           — the newest ready version (MLflow's habit; any case)
* ``models:/marketing/churn/7``      — a model in a namespace: the same forms after ``marketing/churn``

The server parses the same forms (``modelyard_server.domain.names``); a test holds the two to agreeing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

SCHEME = "models:/"
MAX_URI_LENGTH = 512

NAMESPACE_RE = r"[a-z0-9][a-z0-9_-]{0,38}"
NAME_RE = re.compile(rf"(?:{NAMESPACE_RE}/)?[a-z0-9][a-z0-9._-]{{0,127}}")
POINTER_RE = re.compile(r"[a-z][a-z0-9_-]{0,62}")  # alias and stage names
BARE_WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,62}", re.ASCII)  # models:/fraud/Production, models:/fraud/latest
LATEST = "latest"
VERSION_RE = re.compile(r"[1-9][0-9]{0,17}")
# semver.org 2.0.0, without the optional leading "v"
SEMVER_RE = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?",
    re.ASCII,
)

Kind = Literal["version", "semver", "alias", "stage", "latest"]


def _shown(text: str) -> str:
    return repr(text if len(text) <= 80 else text[:77] + "...")


def check_name(name: str) -> str:
    """Return ``name`` when it is a valid model name, else raise ValueError saying why."""
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise ValueError(
            f"invalid model name {_shown(str(name))}: use 1-128 characters of lowercase letters, digits, "
            "'.', '_' or '-', starting with a letter or digit, maybe after a namespace and a '/' (marketing/churn)"
        )
    return name


def check_pointer(name: str, kind: str = "alias") -> str:
    """Return ``name`` when it is a valid alias/stage name, else raise ValueError."""
    if not isinstance(name, str) or not POINTER_RE.fullmatch(name):
        raise ValueError(
            f"invalid {kind} name {_shown(str(name))}: use 1-63 characters of lowercase letters, digits, "
            "'_' or '-', starting with a letter"
        )
    return name


def is_semver(text: str) -> bool:
    return bool(SEMVER_RE.fullmatch(text))


def parse_version_ref(text: str | int) -> int | str:
    """A version reference: a positive number (``7``) or a semver label (``1.4.0``)."""
    if isinstance(text, bool):
        raise ValueError("a version must be a number or a semver label, not a boolean")
    if isinstance(text, int):
        if text < 1:
            raise ValueError(f"version numbers start at 1, got {text}")
        return text
    candidate = text.strip()
    if VERSION_RE.fullmatch(candidate):
        return int(candidate)
    if SEMVER_RE.fullmatch(candidate):
        return candidate
    raise ValueError(f"invalid version {_shown(text)}: give a version number (7) or a semver label (1.4.0)")


@dataclass(frozen=True)
class ModelURI:
    """A parsed ``models:/`` URI. ``value`` is the version, label, alias or stage (``latest`` for latest)."""

    name: str
    kind: Kind
    value: str

    @property
    def version(self) -> int | None:
        """The version number, for ``models:/name/7`` URIs."""
        return int(self.value) if self.kind == "version" else None

    @property
    def ref(self) -> int | str | None:
        """What goes into ``/versions/{ref}``: a number or a semver label; None for pointers."""
        if self.kind == "version":
            return int(self.value)
        if self.kind == "semver":
            return self.value
        return None

    def __str__(self) -> str:
        return format_uri(self)


def format_uri(uri: ModelURI) -> str:
    if uri.kind == "alias":
        return f"{SCHEME}{uri.name}@{uri.value}"
    if uri.kind == "stage":
        return f"{SCHEME}{uri.name}/stage/{uri.value}"
    if uri.kind == "latest":
        return f"{SCHEME}{uri.name}/{LATEST}"
    return f"{SCHEME}{uri.name}/{uri.value}"


def version_uri(name: str, version: int | str) -> str:
    return format_uri(ModelURI(name, "version" if isinstance(version, int) else "semver", str(version)))


def is_uri(text: str) -> bool:
    return isinstance(text, str) and text.startswith(SCHEME)


def parse_uri(text: str) -> ModelURI:
    """Parse a ``models:/`` URI or raise ValueError explaining the accepted forms."""
    forms = (  # NAME may be namespace/name
        "models:/NAME/VERSION, models:/NAME/SEMVER, models:/NAME@ALIAS, models:/NAME/stage/STAGE "
        "(or models:/NAME/Stage) or models:/NAME/latest"
    )
    if not isinstance(text, str) or not text:
        raise ValueError(f"empty model URI: expected {forms}")
    if len(text) > MAX_URI_LENGTH:
        raise ValueError(f"model URI is too long ({len(text)} characters, at most {MAX_URI_LENGTH})")
    if not text.startswith(SCHEME):
        raise ValueError(f"invalid model URI {_shown(text)}: expected {forms}")
    rest = text[len(SCHEME) :]
    try:
        if "@" in rest:
            name, _, alias = rest.partition("@")
            return ModelURI(check_name(name), "alias", check_pointer(alias, "alias"))
        parts = rest.split("/")
        if len(parts) in (3, 4) and parts[-2] == "stage":  # models:/fraud/stage/prod, models:/ns/churn/stage/prod
            try:
                return ModelURI(check_name("/".join(parts[:-2])), "stage", check_pointer(parts[-1], "stage"))
            except ValueError:
                if len(parts) == 4:
                    raise
        if len(parts) in (2, 3):  # the last part is the reference; what comes before it is the name
            name, last = check_name("/".join(parts[:-1])), parts[-1]
            if BARE_WORD_RE.fullmatch(last):  # not a number nor a semver label: a stage, or latest
                word = last.lower()
                return ModelURI(name, "latest", LATEST) if word == LATEST else ModelURI(name, "stage", word)
            ref = parse_version_ref(last) if last == last.strip() else None
            if isinstance(ref, int):
                return ModelURI(name, "version", str(ref))
            if isinstance(ref, str):
                return ModelURI(name, "semver", ref)
            raise ValueError(f"invalid version {_shown(last)}")
    except ValueError as exc:
        raise ValueError(f"invalid model URI {_shown(text)}: {exc}") from None
    raise ValueError(f"invalid model URI {_shown(text)}: expected {forms}")
