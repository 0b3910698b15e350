"""A version's lineage, attested by the job that registers it.

When the registering token is a GitHub Actions token, its claims (repository, commit, ref, run,
workflow) *are* the lineage: the body may repeat them, abbreviate the commit, or name the run on
another GitHub host, but a body that contradicts them is refused. Parents must name versions that
exist; they are stored as the concrete version they named at registration.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from modelyard_server.domain.errors import DomainError, ModelNotFound, PointerNotFound, VersionNotFound
from modelyard_server.domain.principal import Principal
from modelyard_server.domain.version_records import Lineage, VersionSummary

# Lineage field -> the token claim that attests it.
ATTESTED_FIELDS = (("repository", "repository"), ("commit", "sha"), ("ref", "ref"), ("workflow_ref", "workflow_ref"))


class LineageRefused(DomainError):
    status, slug, title = 422, "lineage-refused", "Lineage contradicts the token or names unknown versions"


def _agrees(field: str, declared: str, attested: str) -> bool:
    if field == "commit":
        return attested.lower().startswith(declared.lower())  # an abbreviated sha names the same commit
    return declared == attested


_ATTEMPT = re.compile(r"/attempts/\d+$")


def _run_problem(declared: Lineage, principal: Principal) -> tuple[str | None, str | None]:
    """The run URL to keep, or the problem with the one declared.

    A GitHub-issued token's run URL is on the host that issued it: the body may name that same run,
    with or without its attempt, and nothing else. Another issuer (the local one) cannot know where the
    run lives, so the body may place it, as long as it is this repository's run with the token's id.
    """
    attested = principal.run_url
    if attested is None or declared.run_url is None:
        return declared.run_url or attested, None
    given = _ATTEMPT.sub("", declared.run_url)
    if principal.issued_by_github:
        if given == _ATTEMPT.sub("", attested):
            return attested, None
    elif given.endswith(f"/{principal.repository}/actions/runs/{principal.run_id}"):
        return declared.run_url, None
    return None, f"lineage.run_url: the body says '{declared.run_url}' but the token's run is {attested}"


def attest_lineage(declared: Lineage, principal: Principal, resolve_parent: Callable[[str], VersionSummary]) -> Lineage:
    """The lineage to store, or LineageRefused listing every contradiction and unknown parent."""
    values = declared.model_dump()
    problems: list[str] = []
    for field, claim in ATTESTED_FIELDS:
        attested = principal.claims.get(claim)
        if attested is None or attested == "":
            continue
        given = values.get(field)
        if given is not None and not _agrees(field, str(given), str(attested)):
            problems.append(f"lineage.{field}: the body says '{given}' but the token says '{attested}'")
        values[field] = str(attested)
    values["run_url"], run_problem = _run_problem(declared, principal)
    if run_problem:
        problems.append(run_problem)
    parents = []
    for index, parent in enumerate(declared.parents):
        try:
            parents.append(resolve_parent(parent).uri)
        except (ModelNotFound, VersionNotFound, PointerNotFound) as missing:
            problems.append(f"lineage.parents.{index}: {parent} does not name an existing version ({missing.detail})")
    values["parents"] = parents
    if problems:
        raise LineageRefused("; ".join(problems), violations=problems)
    return Lineage.model_validate(values)
