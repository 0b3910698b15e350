"""Whether a promotion may happen: the stage's GitHub environment, refs, history, validation and approvals.

The `environment` claim proves the job ran in the stage's GitHub environment, and so passed its
protection rules. It is not enough alone: GitHub silently creates a missing environment with no
rules, and admins may bypass them. So the registry also asks GitHub (as a GitHub App) who approved
the run and enforces the stage's approval policy itself.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from modelyard_server.adapters.github import Approval, GitHubApp, GitHubUnavailable, configured_app
from modelyard_server.domain.errors import DomainError
from modelyard_server.domain.policy import EffectivePolicy
from modelyard_server.domain.principal import Principal
from modelyard_server.domain.review_records import (
    ReviewSummary,
    StandingReviews,
    missing_sign_offs,
    tally,
)
from modelyard_server.domain.version_records import VersionRecord
from modelyard_server.settings import get_settings

ApprovalsSource = Callable[[str, str], list[Approval]]
ReviewsSource = Callable[[], StandingReviews]  # the version's current reviews, read only when a rule asks


class PolicyViolation(DomainError):
    status, slug, title = 403, "policy-violation", "Refused by the stage's policy"


@dataclass
class PromotionEvidence:
    """What made a promotion legitimate; stored in its event."""

    environment: str
    policy_digest: str
    run_id: str | None
    ref: str | None
    approvers: list[dict[str, Any]] = field(default_factory=list)
    sign_offs: ReviewSummary | None = None
    policy_layers: list[str] = field(default_factory=list)  # which layers the policy merged (namespace, model...)

    def as_detail(self) -> dict[str, Any]:
        detail: dict[str, Any] = {
            "environment": self.environment,
            "policy_digest": self.policy_digest,
            "policy_layers": self.policy_layers,
            "run_id": self.run_id,
            "ref": self.ref,
            "approvers": self.approvers,
        }
        if self.sign_offs is not None:
            detail["sign_offs"] = self.sign_offs.model_dump(mode="json")
        return detail


@functools.cache
def github_app() -> GitHubApp | None:
    """The registry's GitHub App from configuration (one per process: it caches installation tokens)."""
    settings = get_settings()
    return configured_app(
        settings.github_app_id,
        settings.github_app_private_key,
        settings.github_app_private_key_secret,
        settings.github_api_url,
    )


def github_approvals() -> ApprovalsSource | None:
    app = github_app()
    return app.run_approvals if app is not None else None


def _approvers(
    stage: str,
    environment: str,
    policy: EffectivePolicy,
    principal: Principal,
    source: ApprovalsSource | None,
) -> list[dict[str, Any]]:
    needed = policy.min_approvals(stage)
    no_self = policy.prevents_self_approval(stage)
    if needed == 0 and not no_self:
        return []
    if source is None:
        raise PolicyViolation(
            f"stage '{stage}' requires {needed} approval(s) but the registry has no GitHub App configured to "
            "check them (MODELYARD_GITHUB_APP_ID and its private key); refusing rather than trusting the token"
        )
    if not principal.repository or not principal.run_id:
        raise PolicyViolation(f"stage '{stage}' requires approvals: the token must come from a GitHub Actions run")
    try:
        approvals = source(principal.repository, principal.run_id)
    except GitHubUnavailable as error:
        raise PolicyViolation(f"could not check the run's approvals with GitHub: {error}") from error
    relevant = [a for a in approvals if a.state == "approved" and environment in a.environments]
    rejected = [a for a in approvals if a.state == "rejected" and environment in a.environments]
    if rejected:
        who = ", ".join(sorted({a.login for a in rejected}))
        raise PolicyViolation(f"the deployment to environment '{environment}' was rejected by {who}")
    self_approved = [a for a in relevant if principal.is_github_user(a.user_id, a.login)]
    if no_self:
        relevant = [a for a in relevant if a not in self_approved]
    approvers = {a.user_id or a.login.casefold(): a for a in relevant}  # one person, one approval
    logins = sorted({a.login for a in approvers.values()})
    if len(approvers) < max(needed, 1 if no_self else 0):
        found = f"approved by {', '.join(logins)}" if logins else "no approvals"
        if self_approved and no_self:
            found += f" (self-approval by {', '.join(sorted({a.login for a in self_approved}))} does not count)"
        raise PolicyViolation(
            f"stage '{stage}' needs {max(needed, 1)} approval(s) in environment '{environment}' "
            f"from someone other than the run's actor; run {principal.run_id} has {found}"
        )
    return [
        {"login": a.login, "id": a.user_id, "comment": a.comment}
        for a in sorted(approvers.values(), key=lambda a: a.login)
    ]


def check_sign_offs(
    stage: str, policy: EffectivePolicy, version: VersionRecord, reviews: ReviewsSource
) -> ReviewSummary | None:
    """The reviewers' sign-offs `stage` asks of the version (None when it asks none), or a PolicyViolation
    listing what is missing: approvals short of `min_reviews` (the registrant's own do not count), and any
    reviewer's standing request for changes (it blocks until that reviewer approves)."""
    needed = policy.min_reviews(stage)
    if needed == 0:
        return None
    current = reviews()
    summary = tally(version, current.reviews, current.lapsed)
    missing = missing_sign_offs(needed, summary)
    if missing:
        raise PolicyViolation(
            f"stage '{stage}' needs {needed} reviewer sign-off(s) of version {version.version}; missing: "
            + "; ".join(missing)
            + f" (see `modelyard reviews {version.model} {version.version}`)",
            missing=missing,
            sign_offs={"required": needed, **summary.model_dump(mode="json")},
        )
    return summary


def check_admission(
    stage: str,
    policy: EffectivePolicy,
    version: VersionRecord,
    run_ref: str | None,
    *,
    holders: Mapping[str, int | None],
    reviews: ReviewsSource,
    validated: bool = False,
) -> ReviewSummary | None:
    """What the version and the run's ref must satisfy to enter `stage`, whoever asks: the promotion
    itself and the deployment protection rule both decide with this, so they cannot drift apart.
    `validated` asks for a passed validation even where the policy does not (the protection rule's
    only evidence is one). `holders` maps each pointer (`stage:production`) to the version it holds now.
    Raises PolicyViolation saying what is missing; answers the sign-offs counted.
    """
    if not policy.ref_allowed(stage, run_ref):
        raise PolicyViolation(
            f"stage '{stage}' only accepts promotions from {', '.join(policy.ref_patterns(stage))}; "
            f"this run is on {run_ref or 'no ref'}"
        )
    for allowed in policy.allowed_from(stage):
        if not allowed & set(version.stages_reached):
            raise PolicyViolation(
                f"version {version.version} must have been in {' or '.join(sorted(allowed))} before '{stage}'; "
                f"it has been in {', '.join(version.stages_reached) or 'no stage'}"
            )
    if validated or policy.requires_validation(stage):
        validation = version.validation
        if validation is None or validation.status != "passed":
            state = f"its latest validation {validation.status}" if validation else "it was never validated"
            raise PolicyViolation(f"stage '{stage}' requires a passed validation of version {version.version}; {state}")
        if not policy.ref_allowed(stage, validation.ref):
            # The numbers behind the verdict must come from a run on a ref the stage trusts, too.
            raise PolicyViolation(
                f"version {version.version} was validated by a run on {validation.ref or 'no ref'}; stage "
                f"'{stage}' only trusts {', '.join(policy.ref_patterns(stage))}: validate it from there"
            )
        if validation.policy_digest != policy.digest:
            # A verdict holds for the rules it was reached under: a tightened policy needs a new one.
            raise PolicyViolation(
                f"version {version.version} was validated under policy {validation.policy_digest[:19]}, but "
                f"{policy.digest[:19]} is in force now; validate it again"
            )
        _check_baselines(version.version, validation.baselines, holders)
    return check_sign_offs(stage, policy, version, reviews)


def _check_baselines(number: int, baselines: Mapping[str, int | None], holders: Mapping[str, int | None]) -> None:
    """A no-regression verdict holds against the versions it compared with: when another release has moved
    one of those pointers since, the verdict says nothing about the new holder (and an older run approved
    late would put its version back over a newer one). A pointer that holds this very version now is no newer
    holder: a retried promotion finds its own move done."""
    for pointer, then in sorted(baselines.items()):
        held_now = holders.get(pointer)
        if held_now not in (then, number):
            raise PolicyViolation(
                f"version {number} was validated when {pointer} held {_held(then)}; it now holds {_held(held_now)}: "
                "validate it again against what it holds now"
            )


def _held(version: int | None) -> str:
    return f"version {version}" if version is not None else "no version"


def check_promotion(
    stage: str,
    policy: EffectivePolicy,
    version: VersionRecord,
    principal: Principal,
    approvals: ApprovalsSource | None,
    reviews: ReviewsSource,
    holders: Mapping[str, int | None],
) -> PromotionEvidence:
    """The evidence that this promotion is allowed, or a PolicyViolation saying what is missing."""
    environment = policy.environment_for(stage)
    if principal.environment != environment:
        has = f"'{principal.environment}'" if principal.environment else "no environment"
        raise PolicyViolation(
            f"promoting to '{stage}' needs a token from a job that runs in GitHub environment '{environment}' "
            f"(add `environment: {environment}` to the job); this token has {has}"
        )
    sign_offs = check_admission(stage, policy, version, principal.ref, holders=holders, reviews=reviews)
    approvers = _approvers(stage, environment, policy, principal, approvals)
    return PromotionEvidence(
        environment=environment,
        policy_digest=policy.digest,
        run_id=principal.run_id,
        ref=principal.ref,
        approvers=approvers,
        sign_offs=sign_offs,
        policy_layers=policy.layers,
    )
