"""Registry policy: stage rules and validation gates as data, merged so teams can only tighten them.

Four layers, in order: the registry policy (admins), a namespace's policy (admins; models named
`namespace/...`), a per-model override (admins), and a repository policy (`.modelyard/policy.json`,
sent by the validate action). The first three are authoritative: each replaces whole stage rules of
the layers before it, and their gates add up; the last may add gates and tighten stage rules, and is
refused when it tries to loosen anything. Every decision stores the digest of the effective policy it
was made under, and which layers applied.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from modelyard_server.domain.errors import DomainError
from modelyard_server.domain.model_base import RegistryModel, StrictModel
from modelyard_server.domain.names import POINTER_NAME_PATTERN
from modelyard_server.domain.record_fields import ArtifactFormat

MetricName = Annotated[str, StringConstraints(min_length=1, max_length=128)]
StageName = Annotated[str, StringConstraints(pattern=POINTER_NAME_PATTERN)]
PointerTarget = Annotated[str, StringConstraints(pattern=r"^(stage|alias):[a-z][a-z0-9_-]{0,62}$")]
RefPattern = Annotated[str, StringConstraints(pattern=r"^refs/[A-Za-z0-9._/*?-]{1,240}$")]
RequiredField = Literal[
    "commit",
    "data_uri",
    "data_version",
    "data_digest",
    "model_card",
    "signature",
    "semver",
    "framework",
    "run_url",
]


class PolicyLoosened(DomainError):
    status, slug, title = 422, "policy-loosened", "A repository policy may only tighten the registry policy"


class Threshold(StrictModel):
    # The document says what the validator below checks: at least one bound (min <= max it cannot say).
    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": ["min"], "properties": {"min": {"type": "number"}}},
                {"required": ["max"], "properties": {"max": {"type": "number"}}},
            ]
        }
    )

    metric: MetricName
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _has_a_bound(self) -> Threshold:
        if self.min is None and self.max is None:
            raise ValueError("a threshold needs min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is greater than max")
        return self


class NoRegression(StrictModel):
    metric: MetricName
    against: PointerTarget = Field(description="`stage:production` or `alias:champion`")
    higher_is_better: bool = True
    tolerance: float = Field(default=0.0, ge=0, description="How much worse (absolute) still passes")


class Gates(StrictModel):
    thresholds: list[Threshold] = Field(default_factory=list, max_length=50)
    no_regression: list[NoRegression] = Field(default_factory=list, max_length=20)
    required_metadata: list[RequiredField] = Field(default_factory=list)
    max_artifact_bytes: int | None = Field(default=None, gt=0)
    allowed_formats: list[ArtifactFormat] | None = None


class StageRule(StrictModel):
    environment: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = Field(
        default=None, description="GitHub environment a promoting job must run in (default: the stage's name)"
    )
    from_stages: list[StageName] | None = Field(
        default=None, description="The version must have been in one of these stages before ([] = no such rule)"
    )
    min_approvals: int | None = Field(default=None, ge=0, le=6)
    min_reviews: int | None = Field(
        default=None, ge=0, le=10, description="Reviewer sign-offs in the registry the version needs (no self-review)"
    )
    prevent_self_approval: bool | None = None
    allowed_refs: list[RefPattern] | None = Field(default=None, max_length=20)
    require_validation: bool | None = None

    def environment_for(self, stage: str) -> str:
        return self.environment or stage

    def with_defaults(self, defaults: StageRule) -> StageRule:
        """This rule, with every field it leaves unsaid taken from `defaults`."""
        said = self.model_dump(exclude_none=True)
        return StageRule.model_validate({**defaults.model_dump(exclude_none=True), **said})


class PolicyDocument(StrictModel):
    gates: Gates = Field(default_factory=Gates)
    stages: dict[StageName, StageRule] = Field(default_factory=dict)


def builtin_policy(stages: tuple[str, ...]) -> PolicyDocument:
    """What the registry enforces when no policy says otherwise: production is reached from staging,
    with one approval by someone other than the run's actor (the `environment` claim alone is no proof:
    GitHub creates a missing environment without rules). A policy loosens it only by saying so.
    """
    if "production" not in stages:
        return PolicyDocument()
    production = StageRule(min_approvals=1, prevent_self_approval=True)
    if "staging" in stages:
        production = production.model_copy(update={"from_stages": ["staging"]})
    return PolicyDocument(stages={"production": production})


class EffectivePolicy(RegistryModel):
    """The merged policy a decision is made under, its digest, and the layers that applied."""

    gates: list[Gates]
    stages: dict[str, list[StageRule]]
    digest: str
    layers: list[str] = Field(
        default_factory=list,
        description="The layers merged, in order: builtin, registry, namespace:<ns>, model:<name>, repository",
    )

    def rules_for(self, stage: str) -> list[StageRule]:
        return self.stages.get(stage, [])

    def environment_for(self, stage: str) -> str:
        for rule in self.rules_for(stage):
            if rule.environment:
                return rule.environment
        return stage

    def min_approvals(self, stage: str) -> int:
        return max((rule.min_approvals or 0 for rule in self.rules_for(stage)), default=0)

    def min_reviews(self, stage: str) -> int:
        return max((rule.min_reviews or 0 for rule in self.rules_for(stage)), default=0)

    def prevents_self_approval(self, stage: str) -> bool:
        return any(rule.prevent_self_approval for rule in self.rules_for(stage))

    def requires_validation(self, stage: str) -> bool:
        return any(rule.require_validation for rule in self.rules_for(stage))

    def allowed_from(self, stage: str) -> list[set[str]]:
        return [set(rule.from_stages) for rule in self.rules_for(stage) if rule.from_stages]

    def ref_allowed(self, stage: str, ref: str | None) -> bool:
        """Every layer that restricts refs must allow this one."""
        for rule in self.rules_for(stage):
            if rule.allowed_refs is not None and not any(fnmatch.fnmatchcase(ref or "", p) for p in rule.allowed_refs):
                return False
        return True

    def ref_patterns(self, stage: str) -> list[str]:
        return [p for rule in self.rules_for(stage) for p in (rule.allowed_refs or [])]


def digest_of(documents: list[PolicyDocument | None]) -> str:
    canonical = json.dumps(
        [doc.model_dump(mode="json", exclude_none=True) if doc is not None else None for doc in documents],
        sort_keys=True,
        separators=(",", ":"),
    )
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def _override_stages(
    builtin: PolicyDocument, base: PolicyDocument, *overrides: PolicyDocument | None
) -> dict[str, StageRule]:
    """An admin's namespace layer and per-model override each replace whole stage rules (the later wins);
    gates add up; built-in rules fill the gaps."""
    stages = dict(base.stages)
    for override in overrides:
        if override is not None:
            stages.update(override.stages)
    for stage, defaults in builtin.stages.items():
        stages[stage] = stages.get(stage, StageRule()).with_defaults(defaults)
    return stages


def _stage_loosening(stage: str, rule: StageRule, base: StageRule) -> list[str]:
    where = f"stages.{stage}"
    problems = []
    if rule.environment is not None and rule.environment != base.environment_for(stage):
        problems.append(f"{where}.environment: cannot remap '{base.environment_for(stage)}' to '{rule.environment}'")
    if rule.min_approvals is not None and rule.min_approvals < (base.min_approvals or 0):
        problems.append(f"{where}.min_approvals: {rule.min_approvals} is below the registry's {base.min_approvals}")
    if rule.min_reviews is not None and rule.min_reviews < (base.min_reviews or 0):
        problems.append(f"{where}.min_reviews: {rule.min_reviews} is below the registry's {base.min_reviews}")
    if rule.prevent_self_approval is False and base.prevent_self_approval:
        problems.append(f"{where}.prevent_self_approval: the registry requires it")
    if rule.require_validation is False and base.require_validation:
        problems.append(f"{where}.require_validation: the registry requires it")
    if rule.from_stages is not None and base.from_stages:
        extra = sorted(set(rule.from_stages) - set(base.from_stages))
        if extra or not rule.from_stages:
            allowed = ", ".join(extra) or "no stage rule ([])"
            problems.append(f"{where}.from_stages: {allowed} not allowed by the registry")
    return problems


def _gate_loosening(wanted: Gates, base: Gates) -> list[str]:
    problems = []
    for threshold in wanted.thresholds:
        for floor in (t for t in base.thresholds if t.metric == threshold.metric):
            if floor.min is not None and threshold.min is not None and threshold.min < floor.min:
                problems.append(f"gates.thresholds.{threshold.metric}.min: {threshold.min} < registry {floor.min}")
            if floor.max is not None and threshold.max is not None and threshold.max > floor.max:
                problems.append(f"gates.thresholds.{threshold.metric}.max: {threshold.max} > registry {floor.max}")
    for rule in wanted.no_regression:
        for strict in base.no_regression:
            if (strict.metric, strict.against) == (rule.metric, rule.against) and rule.tolerance > strict.tolerance:
                problems.append(
                    f"gates.no_regression.{rule.metric}.tolerance: {rule.tolerance} > registry {strict.tolerance}"
                )
    limit, asked = base.max_artifact_bytes, wanted.max_artifact_bytes
    if limit is not None and asked is not None and asked > limit:
        problems.append(f"gates.max_artifact_bytes: {asked} > registry {limit}")
    if base.allowed_formats is not None and wanted.allowed_formats is not None:
        extra = sorted(set(wanted.allowed_formats) - set(base.allowed_formats))
        if extra:
            problems.append(f"gates.allowed_formats: {', '.join(extra)} not allowed by the registry")
    return problems


def loosening(authoritative: dict[str, StageRule], gates: list[Gates], repository: PolicyDocument) -> list[str]:
    """What in `repository` would weaken the authoritative rules (empty when it only tightens)."""
    problems: list[str] = []
    for stage, rule in repository.stages.items():
        base = authoritative.get(stage, StageRule())  # a stage the registry leaves open has the defaults
        problems += _stage_loosening(stage, rule, base)
    for base_gates in gates:
        problems += _gate_loosening(repository.gates, base_gates)
    return problems


def effective_policy(
    builtin: PolicyDocument,
    registry: PolicyDocument,
    model_override: PolicyDocument | None = None,
    repository: PolicyDocument | None = None,
    *,
    namespace: tuple[str, PolicyDocument] | None = None,
    model: str | None = None,
) -> EffectivePolicy:
    """Merge the layers; raises PolicyLoosened when the repository layer weakens the others.

    `namespace` is (name, document) of the model's namespace's layer, `model` names the model the override is
    of (for the layers' record).
    """
    namespace_document = namespace[1] if namespace is not None else None
    authoritative = _override_stages(builtin, registry, namespace_document, model_override)
    gates = [registry.gates]
    gates += [layer.gates for layer in (namespace_document, model_override) if layer is not None]
    layers = ["builtin", "registry"]
    layers += [f"namespace:{namespace[0]}"] if namespace is not None else []
    layers += [f"model:{model or ''}"] if model_override is not None else []
    layers += ["repository"] if repository is not None else []
    stages: dict[str, list[StageRule]] = {stage: [rule] for stage, rule in authoritative.items()}
    if repository is not None:
        problems = loosening(authoritative, gates, repository)
        if problems:
            raise PolicyLoosened("; ".join(problems), violations=problems)
        gates.append(repository.gates)
        for stage, rule in repository.stages.items():
            stages.setdefault(stage, []).append(rule)
    # Without a namespace layer the digest is what it always was: validations made before stay current.
    documents = [builtin, registry, model_override, repository]
    if namespace_document is not None:
        documents.insert(2, namespace_document)
    return EffectivePolicy(gates=gates, stages=stages, digest=digest_of(documents), layers=layers)


def describe(value: Any) -> str:
    return json.dumps(value) if not isinstance(value, str) else value
