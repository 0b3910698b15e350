"""/v1/policy, /v1/models/{name}/policy and validations: the rules models move by, and their verdicts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends

from modelyard_server.domain.principal import Principal
from modelyard_server.handlers.auth import authenticated_principal
from modelyard_server.handlers.routes.deferred import Deferred
from modelyard_server.handlers.routes.params import LimitQuery, ModelNameParam, NextTokenQuery, VersionNumberParam
from modelyard_server.observability import metrics

if TYPE_CHECKING:
    from modelyard_server.domain import policies, validations
else:  # loaded by the first request that needs them (see `deferred`)
    policies = Deferred("modelyard_server.domain.policies")
    validations = Deferred("modelyard_server.domain.validations")

router = Router()
Caller = Annotated[Principal, Depends(authenticated_principal)]


@router.get("/v1/policy", summary="The registry policy in force", tags=["policy"])
def get_registry_policy(caller: Caller) -> policies.PolicyView:
    return policies.registry_policy()


@router.get(
    "/v1/policy/history",
    summary="Every revision of the registry policy, newest first",
    description="Each revision with its document, digest, and who set it when. The governance trail "
    "(`GET /v1/audit?kind=policy.registry.set`, admins) has the same changes with the full identity of who "
    "acted and the document each replaced. One storage read per page.",
    tags=["policy"],
)
def registry_policy_history(
    caller: Caller, limit: LimitQuery = 50, next_token: NextTokenQuery = None
) -> policies.PolicyHistoryPage:
    return policies.registry_policy_history(limit, next_token)


@router.put("/v1/policy", summary="Replace the registry policy (admins)", tags=["policy"])
def set_registry_policy(body: policies.SetPolicyRequest, caller: Caller) -> policies.PolicyView:
    return policies.set_registry_policy(body, caller)


@router.get("/v1/models/<name>/policy", summary="A model's policy: registry layer and override", tags=["policy"])
def get_model_policy(name: ModelNameParam, caller: Caller) -> policies.ModelPolicyView:
    return policies.model_policy(name)


@router.put("/v1/models/<name>/policy", summary="Replace a model's policy override (admins)", tags=["policy"])
def set_model_policy(name: ModelNameParam, body: policies.SetPolicyRequest, caller: Caller) -> policies.ModelPolicyView:
    return policies.set_model_policy(name, body, caller)


@router.post(
    "/v1/models/<name>/versions/<version>/validations",
    summary="Evaluate every gate for a version and keep the report",
    tags=["validations"],
)
def validate_version(
    name: ModelNameParam, version: VersionNumberParam, body: validations.ValidateRequest, caller: Caller
) -> Response[validations.ValidationReport]:
    report = validations.validate_version(name, version, body, caller)
    metrics.add_metric(name="ValidationPassed" if report.passed else "ValidationFailed", unit="Count", value=1)
    return Response(status_code=201, content_type="application/json", body=report)


@router.get(
    "/v1/models/<name>/versions/<version>/validations/latest",
    summary="The latest validation report of a version",
    tags=["validations"],
)
def latest_validation(
    name: ModelNameParam, version: VersionNumberParam, caller: Caller
) -> validations.ValidationReport:
    return validations.latest_report(name, version)
