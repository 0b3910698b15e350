"""The registry as a custom deployment protection rule: approve or reject a job waiting on an environment.

GitHub calls us (webhook `deployment_protection_rule`) before a job with `environment: X` may run.
The validate step of that same run recorded what it means to promote; we approve only if that
version's latest server-side validation passed and the stage's policy would let it in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from modelyard_server.adapters.github import GitHubUnavailable
from modelyard_server.domain.errors import DomainError, WebhookRefused
from modelyard_server.domain.policies import policy_for, registry_document
from modelyard_server.domain.principal import Principal
from modelyard_server.domain.resolution import get_version_by_number
from modelyard_server.domain.reviews import standing_reviews
from modelyard_server.domain.stage_rules import PolicyViolation, check_admission, github_app
from modelyard_server.observability import logger
from modelyard_server.ports import backend
from modelyard_server.settings import get_settings

CALLBACK_PATH = re.compile(r"/repos/([^/]+/[^/]+)/actions/runs/(\d+)/deployment_protection_rule$")


@dataclass(frozen=True)
class ProtectionRequest:
    repository: str
    run_id: str
    environment: str
    delivery_id: str
    sender: str | None

    @classmethod
    def from_payload(cls, payload: dict[str, Any], delivery_id: str) -> ProtectionRequest:
        repository = str((payload.get("repository") or {}).get("full_name") or "")
        environment = str(payload.get("environment") or "")
        callback = str(payload.get("deployment_callback_url") or "")
        match = CALLBACK_PATH.search(callback)
        if not repository or not environment or match is None:
            raise WebhookRefused("the payload lacks repository, environment or a deployment_callback_url")
        if match.group(1) != repository:
            raise WebhookRefused(f"the callback URL is for {match.group(1)}, not {repository}")
        sender = (payload.get("sender") or {}).get("login")
        return cls(repository, match.group(2), environment, delivery_id, str(sender) if sender else None)


@dataclass(frozen=True)
class Verdict:
    state: str  # approved | rejected
    comment: str
    model: str | None = None
    version: int | None = None


def _stages_for(environment: str) -> list[str]:
    """Stages that may map to this GitHub environment: by the registry policy, or by name (the default)."""
    registry = registry_document()
    stages = []
    for stage in get_settings().stages:
        rule = registry.stages.get(stage)
        if (rule.environment_for(stage) if rule is not None else stage) == environment or stage == environment:
            stages.append(stage)
    return stages


def decide(request: ProtectionRequest) -> Verdict:
    """Approve only what this run itself validated and recorded, under the policy in force now."""
    try:
        return _decide(request)
    except DomainError as error:  # e.g. the version vanished: say so to GitHub rather than fail the webhook
        return Verdict("rejected", f"modelyard: {error.detail}")


def _decide(request: ProtectionRequest) -> Verdict:
    stages = _stages_for(request.environment)
    if not stages:
        return Verdict("rejected", f"modelyard: environment '{request.environment}' is not a registry stage")
    found = [
        (stage, backend().governance.get_promotion_request(request.repository, request.run_id, stage))
        for stage in stages
    ]
    recorded_for = [(stage, recorded) for stage, recorded in found if recorded is not None]
    if not recorded_for:
        return Verdict(
            "rejected",
            f"modelyard: run {request.run_id} recorded no validated promotion to '{stages[0]}'; "
            f"run the validate action with stage: {stages[0]} before this job",
        )
    stage, recorded = recorded_for[0]
    name, number = str(recorded["model"]), int(recorded["version"])
    loaded = backend().models.load_model(name)
    if loaded is None:
        return Verdict("rejected", f"modelyard: model '{name}' no longer exists")
    version = get_version_by_number(name, number, consistent=True)
    uri = f"models:/{name}/{number}"
    validation = version.validation
    if version.status != "ready":
        return Verdict("rejected", f"modelyard: {uri} is {version.status}", name, number)
    if validation is None or validation.status != "passed":
        state = validation.status if validation else "missing"
        return Verdict("rejected", f"modelyard: {uri} validation is {state}", name, number)
    if not recorded.get("passed") or recorded.get("report_id") != validation.report_id:
        return Verdict(
            "rejected",
            f"modelyard: this run's own validation of {uri} (report {recorded.get('report_id')}) did not pass or "
            f"is no longer the latest; validate again in this run",
            name,
            number,
        )
    policy = policy_for(loaded, validation.repository_policy)
    if policy.environment_for(stage) != request.environment:
        return Verdict("rejected", f"modelyard: stage '{stage}' of {name} maps to another environment", name, number)
    try:
        # The rules a promotion is held to, for this run: its validation (tied to the run above) carries the
        # ref from the run's own token, which GitHub's payload may not spell the same way.
        check_admission(
            stage,
            policy,
            version,
            validation.ref,
            holders=loaded.held_versions(),
            validated=True,
            reviews=lambda: standing_reviews(name, number),
        )
    except PolicyViolation as refusal:
        return Verdict("rejected", f"modelyard: {refusal.detail}", name, number)
    return Verdict(
        "approved",
        f"modelyard: {uri} passed validation (report {validation.report_id}, policy {validation.policy_digest[:19]})",
        name,
        number,
    )


def answer(request: ProtectionRequest) -> Verdict:
    """Decide, tell GitHub, and keep the decision in the model's audit trail.

    The delivery id is claimed only once GitHub has the answer, so a delivery that failed midway
    (GitHub down, a crash) can be redelivered; a delivery that was answered cannot be replayed.
    """
    if backend().governance.delivery_seen(request.delivery_id):
        raise WebhookRefused(f"delivery {request.delivery_id} was already handled (replay)")
    verdict = decide(request)
    settings = get_settings()
    app = github_app()
    if app is None:
        raise WebhookRefused("no GitHub App is configured to answer deployment protection rules")
    try:
        app.answer_protection_rule(
            request.repository, request.run_id, request.environment, verdict.state, verdict.comment
        )
    except GitHubUnavailable:
        logger.exception("could not answer the deployment protection rule")
        raise
    if not backend().governance.claim_delivery(request.delivery_id):
        raise WebhookRefused(f"delivery {request.delivery_id} was already handled (replay)")
    if verdict.model is not None:
        from modelyard_server.domain.audit import new_event

        bot = Principal(
            {
                "sub": f"github-app:{settings.github_app_id}",
                "iss": "https://github.com",
                "repository": request.repository,
                "run_id": request.run_id,
                "actor": "modelyard[bot]",
            }
        )
        event = new_event(
            "model.protection_rule.answered",
            verdict.model,
            bot,
            version=verdict.version,
            detail={
                "stage": request.environment,
                "state": verdict.state,
                "comment": verdict.comment,
                "run_id": request.run_id,
                "sender": request.sender,
            },
        )
        backend().events.record_event(event)
    return verdict
