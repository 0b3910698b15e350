"""Server-side validation: evaluate every gate for a version and keep the report (a client cannot forge "passed")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from modelyard_server.domain import access
from modelyard_server.domain.audit import new_event
from modelyard_server.domain.clock import now
from modelyard_server.domain.errors import ModelNotFound, VersionNotFound, VersionStateConflict
from modelyard_server.domain.gates import Check, compared_holders, evaluate_gates
from modelyard_server.domain.ids import new_ulid
from modelyard_server.domain.model_base import RegistryModel, StrictModel
from modelyard_server.domain.policies import policy_for
from modelyard_server.domain.policy import PolicyDocument, PolicyLoosened, StageName
from modelyard_server.domain.principal import Principal
from modelyard_server.domain.record_fields import MetricValue, ParamKey
from modelyard_server.domain.resolution import get_version_by_number
from modelyard_server.domain.version_records import ValidationSummary
from modelyard_server.ports import backend
from modelyard_server.ports.records import ConditionFailed


class ValidateRequest(StrictModel):
    metrics: Annotated[dict[ParamKey, MetricValue], Field(max_length=500)] = Field(
        default_factory=dict,
        description="Evaluation metrics; they overlay the metrics registered with the version",
    )
    repository_policy: PolicyDocument | None = Field(
        default=None, description="The repository's .modelyard/policy.json: may only add or tighten rules"
    )
    stage: StageName | None = Field(
        default=None,
        description="The stage this run means to promote to (for the deployment protection rule)",
    )


class ValidationReport(RegistryModel):
    id: str
    model: str
    version: int
    passed: bool
    checks: list[Check]
    metrics: dict[str, float]
    policy_digest: str
    policy_layers: list[str] = Field(
        default_factory=list, description="The policy layers it was made under: builtin, registry, namespace:..."
    )
    stage: str | None = None
    created_at: datetime
    created_by: str
    run_url: str | None = None


def validate_version(name: str, number: int, request: ValidateRequest, principal: Principal) -> ValidationReport:
    loaded = backend().models.load_model(name)
    if loaded is None:
        raise ModelNotFound(f"there is no model '{name}'")
    access.require(principal, "develop", loaded.model, action=f"validating versions of '{name}'")
    version = get_version_by_number(name, number, consistent=True)
    if version.status != "ready":
        raise VersionStateConflict(f"version {number} of '{name}' is {version.status}; only ready versions validate")
    try:
        policy = policy_for(loaded, request.repository_policy)
    except PolicyLoosened as refused:
        backend().events.record_event(
            new_event("model.validation.refused", name, principal, version=number, detail={"reason": refused.detail})
        )
        raise
    holders = {f"{kind}:{pointer_name}": pointer.target for (kind, pointer_name), pointer in loaded.pointers.items()}
    metrics = {**version.metrics, **request.metrics}
    checks = evaluate_gates(policy, version, metrics, holders)
    passed = all(check.passed for check in checks)
    report = ValidationReport(
        id=new_ulid(),
        model=name,
        version=number,
        passed=passed,
        checks=checks,
        metrics=metrics,
        policy_digest=policy.digest,
        policy_layers=policy.layers,
        stage=request.stage,
        created_at=now(),
        created_by=principal.display_name,
        run_url=principal.run_url,
    )
    summary = ValidationSummary(
        status="passed" if passed else "failed",
        report_id=report.id,
        at=report.created_at,
        policy_digest=policy.digest,
        failed_checks=sum(not check.passed for check in checks),
        ref=principal.ref,
        repository_policy=(
            request.repository_policy.model_dump(mode="json", exclude_none=True) if request.repository_policy else None
        ),
        baselines=compared_holders(policy, holders),
    )
    event = new_event(
        "model.version.validated",
        name,
        principal,
        version=number,
        after={"status": summary.status},
        detail={
            "report_id": report.id,
            "policy_digest": policy.digest,
            "policy_layers": policy.layers,
            "failed": [check.name for check in checks if not check.passed],
            "stage": request.stage,
        },
    )
    try:
        backend().governance.save_validation(name, number, report.model_dump(mode="json"), summary, event)
    except ConditionFailed as error:
        raise VersionStateConflict(f"version {number} of '{name}' stopped being ready") from error
    if request.stage and principal.repository and principal.run_id:
        backend().governance.save_promotion_request(
            principal.repository,
            principal.run_id,
            request.stage,
            {"model": name, "version": number, "report_id": report.id, "passed": passed},
        )
    return report


def latest_report(name: str, number: int) -> ValidationReport:
    get_version_by_number(name, number)
    stored = backend().governance.latest_report(name, number)
    if stored is None:
        raise VersionNotFound(f"version {number} of '{name}' has not been validated yet")
    return ValidationReport.model_validate(stored)
