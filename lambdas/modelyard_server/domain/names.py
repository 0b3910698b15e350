"""Name rules and the references users write to name a version (numbers, semver labels, model URIs)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

# Lowercase letters, digits, '.', '_' and '-', starting with a letter or digit, never '..' (a name is a path
# segment on disk and in S3 keys), at most MAX_MODEL_NAME characters, maybe after a namespace and one '/'
# (`marketing/churn`). The pattern says all but the length and the reserved words (no look-ahead: pydantic's
# regex engine has none), which every use of it checks beside it.
MAX_MODEL_NAME = 128
NAMESPACE_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,38}$"  # the part before the `/` of `marketing/churn`; a role's scope
_BASE_NAME_BODY = r"[a-z0-9][a-z0-9_-]*(?:\.[a-z0-9_-]+)*\.?"
MODEL_NAME_PATTERN = rf"^(?:{NAMESPACE_PATTERN[1:-1]}/)?{_BASE_NAME_BODY}$"
# The words that follow a model's name in the API's paths (`/v1/models/fraud/versions`) and URIs
# (`models:/fraud/stage/prod`, `models:/fraud/latest`): a namespaced model may not be called one of them, or
# `/v1/models/fraud/versions` could name the model `fraud/versions`. A test holds this to the routes.
MODEL_PATH_WORDS = frozenset({"versions", "aliases", "stages", "events", "policy", "owners"})
RESERVED_NAMES = MODEL_PATH_WORDS | {"stage", "latest"}
POINTER_NAME_PATTERN = r"^[a-z][a-z0-9_-]{0,62}$"
SEMVER_PATTERN = (
    r"^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})"
    r"(?:-[0-9A-Za-z-]{1,32}(?:\.[0-9A-Za-z-]{1,32}){0,7})?(?:\+[0-9A-Za-z-]{1,32}(?:\.[0-9A-Za-z-]{1,32}){0,7})?$"
)
_NAME_BODY, _POINTER_BODY = MODEL_NAME_PATTERN[1:-1], POINTER_NAME_PATTERN[1:-1]
VERSION_REF_PATTERN = r"^(?:[1-9]\d{0,8}|" + SEMVER_PATTERN[1:-1] + r")$"
# MLflow's habit: a bare word after the name is a stage in any case (`/Production`), or `latest` (any case).
BARE_WORD_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,62}$"
LATEST = "latest"
MODEL_URI_PATTERN = (
    rf"^models:/{_NAME_BODY}"
    rf"(?:/{VERSION_REF_PATTERN[1:-1]}|@{_POINTER_BODY}|/stage/{_POINTER_BODY}|/{BARE_WORD_PATTERN[1:-1]})$"
)
REPOSITORY_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
MAX_VERSION = 10**9

_MODEL_NAME = re.compile(MODEL_NAME_PATTERN)
_POINTER_NAME = re.compile(POINTER_NAME_PATTERN)
_SEMVER = re.compile(SEMVER_PATTERN)
_VERSION_NUMBER = re.compile(r"^[1-9]\d{0,9}$")
_BARE_WORD = re.compile(BARE_WORD_PATTERN)


def is_model_name(value: str) -> bool:
    return len(value) <= MAX_MODEL_NAME and bool(_MODEL_NAME.fullmatch(value))


def namespace_of(name: str) -> str | None:
    """`marketing` for `marketing/churn`; None for a model outside any namespace."""
    namespace, slash, _ = name.partition("/")
    return namespace if slash else None


def reserved_name_problem(name: str) -> str | None:
    """Why a new model may not take `name` (a namespaced name ending in a word of the API's paths), or None."""
    namespace, slash, base = name.partition("/")
    if slash and base in RESERVED_NAMES:
        return (
            f"'{base}' is a word of the registry's paths and URIs: a model in namespace '{namespace}' may not be "
            f"called that (reserved: {', '.join(sorted(RESERVED_NAMES))})"
        )
    return None


def is_pointer_name(value: str) -> bool:
    return bool(_POINTER_NAME.fullmatch(value))


@dataclass(frozen=True)
class VersionRef:
    """A version named by its number or by its semver label."""

    number: int | None = None
    semver: str | None = None

    def __str__(self) -> str:
        return str(self.number) if self.number is not None else str(self.semver)


def parse_version_ref(value: str | int) -> VersionRef | None:
    """`7` or `"7"` → number 7; `"1.4.0"` → semver; anything else → None."""
    if isinstance(value, int):
        return VersionRef(number=value) if 0 < value <= MAX_VERSION else None
    if _VERSION_NUMBER.fullmatch(value) and int(value) <= MAX_VERSION:
        return VersionRef(number=int(value))
    if _SEMVER.fullmatch(value):
        return VersionRef(semver=value)
    return None


@dataclass(frozen=True)
class ModelUri:
    """`models:/fraud/7`, `models:/fraud/1.4.0`, `models:/fraud@champion`, `models:/fraud/stage/prod`
    (also written `models:/fraud/Prod`), or `models:/fraud/latest` (the newest ready version)."""

    model: str
    kind: Literal["version", "alias", "stage", "latest"]
    version: VersionRef | None = None
    pointer: str | None = None

    def __str__(self) -> str:
        if self.kind == "alias":
            return f"models:/{self.model}@{self.pointer}"
        if self.kind == "stage":
            return f"models:/{self.model}/stage/{self.pointer}"
        if self.kind == "latest":
            return f"models:/{self.model}/{LATEST}"
        return f"models:/{self.model}/{self.version}"


def version_uri(model: str, version: int) -> str:
    return f"models:/{model}/{version}"


def _named(text: str) -> bool:
    """Whether `text` has a model name's shape. A URI's name is not held to the length limit: a longer
    name is a well-formed reference to a model that cannot exist (404), as the documented pattern says."""
    return bool(_MODEL_NAME.fullmatch(text))


def parse_model_uri(uri: str) -> ModelUri | None:
    """The URI's parts, or None when it is not a well-formed model URI.

    The name may hold a namespace (`models:/marketing/churn/7`): a URI always ends in a reference (a version,
    `@alias`, `/stage/x`, MLflow's bare stage word or `latest`), so the parts before it are the name. Three
    parts whose middle is `stage` are the stage form (`models:/fraud/stage/prod`): no namespaced model may be
    called `stage` (RESERVED_NAMES).
    """
    if not uri.startswith("models:/") or len(uri) > 300:
        return None
    rest = uri[len("models:/") :]
    if "@" in rest:
        model, _, alias = rest.partition("@")
        if _named(model) and is_pointer_name(alias):
            return ModelUri(model=model, kind="alias", pointer=alias)
        return None
    parts = rest.split("/")
    if len(parts) in (3, 4) and parts[-2] == "stage":
        model = "/".join(parts[:-2])
        if _named(model) and is_pointer_name(parts[-1]):
            return ModelUri(model=model, kind="stage", pointer=parts[-1])
        if len(parts) == 4:
            return None
    if len(parts) in (2, 3):
        model, last = "/".join(parts[:-1]), parts[-1]
        if not _named(model):
            return None
        ref = parse_version_ref(last)
        if ref is not None:
            return ModelUri(model=model, kind="version", version=ref)
        if _BARE_WORD.fullmatch(last):  # not a number nor a semver label: MLflow's stage or latest
            word = last.lower()
            if word == LATEST:
                return ModelUri(model=model, kind="latest")
            return ModelUri(model=model, kind="stage", pointer=word)
    return None


# Grantees (namespace owners, roles): GitHub's organization logins (alphanumerics and hyphens, 39 at most) and
# team slugs, lowercase as the sign-in records them in a person's session (`org/team`); user and repository ids.
TEAM_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,38})/[a-z0-9][a-z0-9_.-]{0,99}$"
GITHUB_ID_PATTERN = r"^[1-9][0-9]{0,19}$"
_NAMESPACE = re.compile(NAMESPACE_PATTERN)


def is_namespace_name(value: str) -> bool:
    return bool(_NAMESPACE.fullmatch(value))
