"""The SDK's stage and alias calls: promote a version to a stage, roll a stage back, set, read and delete
aliases. A move may be conditional on what the pointer holds now (``expected_version``; ``UNSET``: not given).

Mixed into :class:`modelyard.client.Client`, which supplies the requests (``_Registry`` says what these
methods use of it).
"""

from __future__ import annotations

from typing import Any, Protocol

from modelyard.client_arguments import UNSET, VersionRef, _Unset, checked_pointer, segment

JSON = dict[str, Any]


class _Registry(Protocol):
    def _request(self, method: str, path: str, **kwargs: Any) -> Any: ...

    def _model_path(self, name: str) -> str: ...

    def version_ref(self, name: str, version: VersionRef) -> VersionRef: ...

    def get_stage(self, name: str, stage: str) -> JSON: ...


def _alias_path(registry: _Registry, name: str, alias: str) -> str:
    return f"{registry._model_path(name)}/aliases/{segment(checked_pointer(alias, 'alias'))}"


def _stage_path(registry: _Registry, name: str, stage: str) -> str:
    return f"{registry._model_path(name)}/stages/{segment(checked_pointer(stage, 'stage'))}"


class PointerMethods:
    def set_alias(
        self: _Registry,
        name: str,
        alias: str,
        version: VersionRef,
        *,
        expected_version: VersionRef | _Unset | None = UNSET,
    ) -> JSON:
        body: JSON = {"version": self.version_ref(name, version)}
        if not isinstance(expected_version, _Unset):
            body["expected_version"] = expected_version
        path = _alias_path(self, name, alias)
        answer: JSON = self._request("PUT", path, body=body)
        return answer

    def get_alias(self: _Registry, name: str, alias: str) -> JSON:
        answer: JSON = self._request("GET", _alias_path(self, name, alias))
        return answer

    def delete_alias(self: _Registry, name: str, alias: str) -> JSON:
        answer: JSON = self._request("DELETE", _alias_path(self, name, alias))
        return answer

    def promote(
        self: _Registry,
        name: str,
        version: VersionRef,
        *,
        stage: str,
        expected_version: VersionRef | _Unset | None = UNSET,
        comment: str | None = None,
    ) -> JSON:
        """Point ``stage`` at ``version`` (MLflow's order: name, version, then the stage by keyword).

        ``expected_version`` makes the move conditional (409 otherwise): a version means "only if
        the stage holds it now", ``None`` "only if the stage is empty"; left out, the move is
        unconditional.
        """
        body: JSON = {"version": self.version_ref(name, version)}
        if not isinstance(expected_version, _Unset):
            body["expected_version"] = expected_version
        if comment:
            body["comment"] = comment
        path = f"{_stage_path(self, name, stage)}/promote"
        answer: JSON = self._request("POST", path, body=body)
        return answer

    def rollback(
        self: _Registry,
        name: str,
        *,
        stage: str,
        to_version: VersionRef | None = None,
        comment: str | None = None,
        expected_version: int | None = None,
    ) -> JSON:
        """Move ``stage`` back (to the version before its holder, or to ``to_version``).

        The request names the version the stage holds now (read first unless ``expected_version``
        is given), so a retry after a lost answer cannot roll back twice.
        """
        if expected_version is None:
            expected_version = self.get_stage(name, stage).get("version")
        body: JSON = {} if expected_version is None else {"expected_version": int(expected_version)}
        if to_version is not None:
            body["to_version"] = self.version_ref(name, to_version)
        if comment:
            body["comment"] = comment
        path = f"{_stage_path(self, name, stage)}/rollback"
        answer: JSON = self._request("POST", path, body=body)
        return answer

    def get_stage(self: _Registry, name: str, stage: str) -> JSON:
        answer: JSON = self._request("GET", _stage_path(self, name, stage))
        return answer
