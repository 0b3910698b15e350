"""The composite actions' inputs, read from the environment their ``action.yml`` set up, each checked.

An ``action.yml`` only declares inputs and passes them through ``env:`` as
``MODELYARD_INPUT_<NAME>`` (``api-url`` → ``MODELYARD_INPUT_API_URL``). Every input is checked here
before a step touches the registry, so bad input changes nothing; an :class:`InputError` names the
input to fix.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from modelyard.commands.inputs import checked_metrics, parse_json_object, parse_pairs
from modelyard.uris import check_name, check_pointer, is_uri, parse_uri, parse_version_ref

if TYPE_CHECKING:
    from modelyard.client import Client

INPUT_PREFIX = "MODELYARD_INPUT_"
DEFAULT_POLICY_FILE = ".modelyard/policy.json"
JSON = dict[str, Any]
T = TypeVar("T")


class InputError(Exception):
    """An input is wrong; ``name`` is the action input to fix."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


def env_name(input_name: str) -> str:
    """``api-url`` → ``MODELYARD_INPUT_API_URL``."""
    return INPUT_PREFIX + input_name.upper().replace("-", "_")


def _checked(name: str, check: Callable[[], T], advice: str = "") -> T:
    """``check()``, its ValueError turned into an InputError naming the input."""
    try:
        return check()
    except ValueError as exc:
        raise InputError(name, f"`{name}`: {exc}{advice}") from None


@dataclass
class Inputs:
    """The action's inputs, read from the environment the ``action.yml`` set up."""

    env: Mapping[str, str]

    def get(self, name: str) -> str:
        return self.env.get(env_name(name), "").strip()

    def required(self, name: str, what: str) -> str:
        value = self.get(name)
        if not value:
            raise InputError(name, f"the `{name}` input is required: {what}")
        return value

    def model(self) -> str:
        value = self.required("model", "the model's name, e.g. fraud-detector")
        return _checked("model", lambda: check_name(value))

    def stage(self, name: str = "stage", *, required: bool = True) -> str | None:
        value = self.required(name, "a stage such as staging or production") if required else self.get(name)
        if not value:
            return None
        return _checked(name, lambda: check_pointer(value, "stage"))

    def version(self, name: str, model: str, *, required: bool = True) -> int | str | None:
        """A number, a semver label, or a ``models:/`` URI of ``model`` (an alias or stage URI too)."""
        value = self.required(name, "a version number, semver label or models:/ URI") if required else self.get(name)
        if not value:
            return None

        def check() -> int | str:
            if is_uri(value):
                uri = parse_uri(value)
                if uri.name != model:
                    raise ValueError(f"{value} names model {uri.name!r}, not {model!r}")
                return value
            return parse_version_ref(value)

        return _checked(name, check, " (give a number, a semver label or a models:/ URI)")

    def boolean(self, name: str, default: bool) -> bool:
        value = self.get(name).lower()
        if not value:
            return default
        if value in ("true", "yes", "1", "on"):
            return True
        if value in ("false", "no", "0", "off"):
            return False
        raise InputError(name, f"`{name}` must be true or false, got {self.get(name)!r}")

    def file(self, name: str, what: str) -> Path | None:
        value = self.get(name)
        if not value:
            return None
        path = Path(value)
        if not path.is_file():
            state = "is a directory, not a file" if path.is_dir() else "does not exist"
            raise InputError(name, f"`{name}`: the {what} {value} {state} (paths are relative to {Path.cwd()})")
        return path

    def text_file(self, name: str, what: str) -> str | None:
        path = self.file(name, what)
        if path is None:
            return None
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise InputError(name, f"`{name}`: the {what} {path} is not UTF-8 text") from None
        except OSError as exc:
            raise InputError(name, f"`{name}`: cannot read the {what} {path}: {exc.strerror or exc}") from None

    def json_object(self, file_input: str, inline_input: str | None, what: str) -> JSON | None:
        """A JSON object from a file input, overlaid by an inline JSON input; None when neither is set."""
        found: JSON | None = None
        text = self.text_file(file_input, f"{what} file")
        if text is not None:
            where = f"the {what} file {self.get(file_input)}"
            found = _checked(file_input, lambda: parse_json_object(text, where))
        if inline_input and self.get(inline_input):
            inline_text = self.get(inline_input)
            inline = _checked(inline_input, lambda: parse_json_object(inline_text, f"the inline {what}"))
            found = {**(found or {}), **inline}
        return found

    def metrics(self, file_input: str = "metrics-file", inline_input: str = "metrics") -> dict[str, float] | None:
        raw = self.json_object(file_input, inline_input, "metrics")
        if raw is None:
            return None
        where = inline_input if self.get(inline_input) else file_input
        return _checked(where, lambda: checked_metrics(raw))

    def pairs(self, name: str) -> dict[str, str] | None:
        """``{"k": "v"}`` JSON, or ``k=v`` items separated by newlines or commas."""
        value = self.get(name)
        if not value:
            return None
        return _checked(name, lambda: parse_pairs(value))

    def repository_policy(self) -> JSON | None:
        """The repository's policy: the ``policy-file`` input, else ``.modelyard/policy.json`` if present."""
        if self.get("policy-file"):
            return self.json_object("policy-file", None, "repository policy")
        if not Path(DEFAULT_POLICY_FILE).is_file():
            return None
        fallback = Inputs({env_name("policy-file"): DEFAULT_POLICY_FILE})
        return fallback.json_object("policy-file", None, "repository policy")

    def client(self, env: Mapping[str, str]) -> Client:
        """The registry client: ``api-url`` (or ``$MODELYARD_URL``), the job's OIDC token for ``audience``."""
        from modelyard.client import Client

        url = self.get("api-url") or env.get("MODELYARD_URL", "").strip()
        if not url:
            raise InputError("api-url", "the `api-url` input is required: the registry's URL (or set MODELYARD_URL)")
        if not url.startswith(("https://", "http://")):
            raise InputError(
                "api-url", f"`api-url` must start with https:// (or http:// for a local stack), got {url!r}"
            )
        scoped = dict(env)
        audience = self.get("audience")
        if audience:
            scoped["MODELYARD_AUDIENCE"] = audience
        return Client(url=url, env=scoped, progress=False)
