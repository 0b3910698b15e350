"""The SDK's review methods: a reviewer signs off a version (approve or request changes), anyone reads
each reviewer's latest review with a summary of what they add up to.

Mixed into :class:`modelyard.client.Client`, which supplies the requests (``_Registry`` says what these
methods use of it).
"""

from __future__ import annotations

from typing import Any, Protocol

from modelyard.errors import ClientError

JSON = dict[str, Any]
VERDICTS = ("approve", "request_changes")
MAX_COMMENT_CHARS = 4000


class _Registry(Protocol):
    def _request(self, method: str, path: str, **kwargs: Any) -> Any: ...

    def _model_path(self, name: str) -> str: ...

    def version_number(self, name: str, version: int | str) -> int: ...


class ReviewMethods:
    def review(self: _Registry, name: str, version: int | str, verdict: str, comment: str | None = None) -> JSON:
        """Approve a version (``verdict="approve"``) or ask for changes (``"request_changes"``, with a
        ``comment`` saying what); reviewers only. Your later review replaces your earlier one.

        Answers ``{"review": ..., "summary": {"approvals", "approved_by", "changes_requested_by", ...}}``.
        """
        if verdict not in VERDICTS:
            raise ClientError(f"verdict must be one of {', '.join(VERDICTS)}, not {verdict!r}")
        if verdict == "request_changes" and not (comment or "").strip():
            raise ClientError("requesting changes needs a comment saying what to change")
        if comment is not None and len(comment) > MAX_COMMENT_CHARS:
            raise ClientError(f"a review comment holds at most {MAX_COMMENT_CHARS} characters, not {len(comment)}")
        body: JSON = {"verdict": verdict}
        if comment is not None:
            body["comment"] = comment
        number = self.version_number(name, version)
        answer: JSON = self._request("POST", f"{self._model_path(name)}/versions/{number}/reviews", body=body)
        return answer

    def reviews(self: _Registry, name: str, version: int | str) -> JSON:
        """Each reviewer's latest review of a version (``items``) and their ``summary``: approvals that count
        (not the registrant's own), who approved, who asked for changes."""
        number = self.version_number(name, version)
        answer: JSON = self._request("GET", f"{self._model_path(name)}/versions/{number}/reviews")
        return answer
