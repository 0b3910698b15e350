"""Stages and aliases: named pointers to versions, moved only by conditional, audited transactions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from modelyard_server.domain import access
from modelyard_server.domain.audit import new_event, record_outsider_refusal, record_owner_refusal
from modelyard_server.domain.clock import now
from modelyard_server.domain.errors import (
    DomainError,
    Forbidden,
    ModelNotFound,
    NothingToRollBack,
    PointerMoved,
    PointerNotFound,
    ReasonRequired,
    VersionNotPromotable,
)
from modelyard_server.domain.ids import new_ulid
from modelyard_server.domain.model_records import ModelRecord
from modelyard_server.domain.pointer_records import (
    HistoryEntry,
    PointerRecord,
    PromoteRequest,
    RollbackRequest,
    SetAliasRequest,
)
from modelyard_server.domain.policies import policy_for
from modelyard_server.domain.principal import Principal
from modelyard_server.domain.resolution import get_version_by_number, resolve_number, summarize
from modelyard_server.domain.reviews import standing_reviews
from modelyard_server.domain.stage_rules import PolicyViolation, check_promotion, github_approvals
from modelyard_server.domain.version_records import VersionRecord
from modelyard_server.domain.versions import parse_reference
from modelyard_server.ports import backend
from modelyard_server.ports.records import ConditionFailed, LoadedModel, PointerKind
from modelyard_server.settings import get_settings

MAX_EARLIER_VERSIONS = 50
HISTORY_PAGE = 50


@dataclass(frozen=True)
class PointerChange:
    """What one move of a pointer is: kind/name, where to, and how it is recorded."""

    kind: PointerKind
    name: str
    action: str  # promote | rollback | set | delete
    event_type: str
    comment: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


def _check_stage(stage: str) -> None:
    stages = get_settings().stages
    if stage not in stages:
        raise PointerNotFound(f"'{stage}' is not a stage of this registry; stages are: {', '.join(stages)}")


def _load(name: str) -> LoadedModel:
    loaded = backend().models.load_model(name)
    if loaded is None:
        raise ModelNotFound(f"there is no model '{name}'")
    return loaded


def _load_for_write(name: str, principal: Principal, capability: access.Capability, action: str) -> LoadedModel:
    loaded = _load(name)
    access.require(principal, capability, loaded.model, action=action)
    return loaded


def _refuse(name: str, stage: str, version: int | None, principal: Principal, refusal: DomainError) -> None:
    """Keep an owner's refused stage change in the audit trail: who tried what, from which run, and why not."""
    event = new_event(
        "model.promotion.denied",
        name,
        principal,
        version=version,
        detail={"stage": stage, "reason": refusal.detail},
    )
    record_owner_refusal(event)


def _ready_version(name: str, value: str | int, verb: str) -> VersionRecord:
    version = get_version_by_number(name, resolve_number(name, parse_reference(name, value)), consistent=True)
    if version.status != "ready":
        raise VersionNotPromotable(
            f"version {version.version} of '{name}' is {version.status}; only ready versions can be {verb}"
        )
    return version


@dataclass(frozen=True)
class HolderGuard:
    """A conditional move: the pointer must hold `version` now (None: it must hold nothing)."""

    version: int | None


def holder_guard(request: PromoteRequest | SetAliasRequest) -> HolderGuard | None:
    """`expected_version` left out is no condition; sent as null it means "must be empty"."""
    if "expected_version" not in request.model_fields_set:
        return None
    return HolderGuard(request.expected_version)


def _check_expected(current: PointerRecord | None, guard: HolderGuard | None, label: str) -> None:
    if guard is None:
        return
    holder = current.version if current is not None else None
    if holder != guard.version:
        now_holds = f"version {holder}" if holder is not None else "nothing"
        wanted = f"version {guard.version}" if guard.version is not None else "nothing"
        raise PointerMoved(f"{label} holds {now_holds}, not {wanted}; re-read it and decide again")


def _move(
    model: ModelRecord,
    current: PointerRecord | None,
    change: PointerChange,
    target: VersionRecord | None,
    earlier: list[int],
    principal: Principal,
) -> PointerRecord:
    at = now()
    previous = current.version if current is not None else None
    event_id = new_ulid()
    new_version = target.version if target is not None else None
    pointer = PointerRecord(
        model=model.name,
        kind=change.kind,
        name=change.name,
        version=new_version,
        previous_version=previous,
        earlier_versions=earlier[-MAX_EARLIER_VERSIONS:],
        revision=(current.revision + 1) if current is not None else 1,
        last_action=change.action,
        target=summarize(target) if target is not None else None,
        updated_at=at,
        updated_by=principal.display_name,
    )
    actor = principal.actor()
    history = HistoryEntry(
        action=change.action,
        version=new_version,
        previous_version=previous,
        at=at,
        by=principal.display_name,
        run_url=actor.run_url,
        event_id=event_id,
        comment=change.comment,
    )
    event = new_event(
        change.event_type,
        model.name,
        principal,
        version=new_version,
        before={"version": previous},
        after={"version": new_version},
        detail={change.kind: change.name, "comment": change.comment, **change.detail},
    ).model_copy(update={"id": event_id})
    try:
        backend().pointers.move_pointer(
            pointer,
            current.revision if current is not None else None,
            history,
            event,
            guard_version_ready=new_version,
        )
    except ConditionFailed as lost:
        label = f"{change.kind} '{change.name}' of '{model.name}'"
        if "pointer" in lost.failed:
            raise PointerMoved(f"{label} was changed by someone else at the same time; re-read it and retry") from lost
        raise VersionNotPromotable(f"version {new_version} of '{model.name}' stopped being ready") from lost
    return pointer.model_copy(update={"history": [history]})


def _holder_metrics(pointer: PointerRecord | None) -> dict[str, float] | None:
    return dict(pointer.target.metrics) if pointer is not None and pointer.target is not None else None


def _point_at(
    name: str,
    value: str | int,
    guard: HolderGuard | None,
    change: PointerChange,
    principal: Principal,
    verb: str,
) -> PointerRecord:
    """Point a stage or alias at a ready version; the holder it replaces becomes the rollback target."""
    capability: access.Capability = "promote" if change.kind == "stage" else "develop"
    loaded = _load_for_write(name, principal, capability, f"moving {change.kind} '{change.name}' of '{name}'")
    current = loaded.pointers.get((change.kind, change.name))
    target = _ready_version(name, value, verb)
    if change.kind == "stage":
        # Checked even when the stage already holds the target: a retry is answered only to a caller
        # who could have made the move.
        repository_policy = target.validation.repository_policy if target.validation is not None else None
        policy = policy_for(loaded, repository_policy)
        try:
            evidence = check_promotion(
                change.name,
                policy,
                target,
                principal,
                github_approvals(),
                reviews=lambda: standing_reviews(name, target.version),
                holders=loaded.held_versions(),
            )
        except PolicyViolation as refusal:
            _refuse(name, change.name, target.version, principal, refusal)
            raise
        change.detail.update(evidence.as_detail())
        change.detail.update(metrics_before=_holder_metrics(current), metrics_after=dict(target.metrics))
    if current is not None and current.version == target.version:
        # Already there: a retried move is neither a change nor a conflict, and writes no event.
        return current.model_copy(update={"already_held": True})
    _check_expected(current, guard, f"{change.kind} '{change.name}' of '{name}'")
    earlier = list(current.earlier_versions) if current is not None else []
    if current is not None and current.version is not None:
        earlier.append(current.version)
    return _move(loaded.model, current, change, target, earlier, principal)


def promote(name: str, stage: str, request: PromoteRequest, principal: Principal) -> PointerRecord:
    _check_stage(stage)
    change = PointerChange("stage", stage, "promote", "model.version.promoted", request.comment)
    try:
        return _point_at(name, request.version, holder_guard(request), change, principal, "promoted")
    except Forbidden as refusal:  # a token from a repository that does not own the model
        record_outsider_refusal(name, f"promote to {stage}", principal, refusal)
        raise


def rollback(name: str, stage: str, request: RollbackRequest, principal: Principal) -> PointerRecord:
    """Move `stage` back to the holder before the current one, or to an explicit earlier version."""
    _check_stage(stage)
    loaded = _load(name)
    authority = _rollback_authority(loaded, stage, request, principal)
    current = loaded.pointers.get(("stage", stage))
    if current is None or current.version is None:
        raise NothingToRollBack(f"stage '{stage}' of '{name}' holds no version")
    if request.expected_version is not None and current.version != request.expected_version:
        if current.last_action == "rollback" and current.previous_version == request.expected_version:
            return current  # this very rollback already happened: a retry after a lost answer
        raise PointerMoved(
            f"stage '{stage}' of '{name}' holds version {current.version}, not {request.expected_version}; "
            "re-read it and decide again"
        )
    earlier = list(current.earlier_versions)
    if request.to_version is not None:
        target = _ready_version(name, request.to_version, "rolled back to")
        if target.version == current.version:
            raise NothingToRollBack(f"stage '{stage}' of '{name}' already holds version {target.version}")
        if target.version not in earlier:
            # Rollback bypasses the stage's promotion rules, so it may only return to an earlier holder.
            raise NothingToRollBack(
                f"version {target.version} never held stage '{stage}' of '{name}' (earlier holders: "
                f"{', '.join(map(str, earlier)) or 'none'}); to move the stage forward, promote it"
            )
        earlier = [v for v in earlier if v != target.version]
    else:
        if not earlier:
            raise NothingToRollBack(
                f"stage '{stage}' of '{name}' has had no earlier holder; name a version with to_version"
            )
        target = _ready_version(name, earlier.pop(), "rolled back to")
    change = PointerChange(
        "stage",
        stage,
        "rollback",
        "model.version.rolled_back",
        request.comment,
        detail={
            "authority": authority,
            "metrics_before": _holder_metrics(current),
            "metrics_after": dict(target.metrics),
        },
    )
    return _move(loaded.model, current, change, target, earlier, principal)


def _rollback_authority(loaded: LoadedModel, stage: str, request: RollbackRequest, principal: Principal) -> str:
    """Why the caller may roll `stage` back: `environment` (a developer's job in the stage's GitHub environment,
    as for a promotion) or `operate` (ops and admins, from anywhere, saying why); refused otherwise."""
    name = loaded.model.name
    environment = policy_for(loaded, None).environment_for(stage)
    if principal.environment == environment and access.can(principal, "promote", loaded.model):
        return "environment"
    if access.can(principal, "operate", loaded.model):
        if not (request.comment or "").strip():
            raise ReasonRequired(
                f"rolling back '{stage}' of '{name}' without a token of GitHub environment '{environment}' is an "
                "incident action: say why in `comment` (modelyard rollback --comment)"
            )
        return "operate"
    if access.can(principal, "promote", loaded.model):
        refusal = PolicyViolation(
            f"rolling back '{stage}' needs a token from a job in GitHub environment '{environment}' "
            f"(or the ops role); this token has {principal.environment or 'no environment'}"
        )
        current = loaded.pointers.get(("stage", stage))
        _refuse(name, stage, current.version if current is not None else None, principal, refusal)
        raise refusal
    # A workflow is told which repositories own the model; a person, which roles roll back from a terminal.
    missing: access.Capability = "operate" if principal.is_person else "promote"
    try:
        access.refuse(principal, missing, loaded.model, action=f"rolling back '{stage}' of '{name}'")
    except Forbidden as outsider:
        record_outsider_refusal(name, f"roll back {stage}", principal, outsider)
        raise


def set_alias(name: str, alias: str, request: SetAliasRequest, principal: Principal) -> PointerRecord:
    change = PointerChange("alias", alias, "set", "model.alias.set")
    return _point_at(name, request.version, holder_guard(request), change, principal, "aliased")


def delete_alias(name: str, alias: str, principal: Principal) -> PointerRecord:
    loaded = _load_for_write(name, principal, "develop", f"removing alias '{alias}' of '{name}'")
    current = loaded.pointers.get(("alias", alias))
    if current is None or current.version is None:
        raise PointerNotFound(f"model '{name}' has no alias '{alias}'")
    earlier = [*current.earlier_versions, current.version]
    change = PointerChange("alias", alias, "delete", "model.alias.deleted")
    return _move(loaded.model, current, change, None, earlier, principal)


def get_pointer(name: str, kind: PointerKind, pointer_name: str) -> PointerRecord:
    if kind == "stage":
        _check_stage(pointer_name)
    pointer = backend().pointers.get_pointer(name, kind, pointer_name)
    if pointer is None:
        if backend().models.get_model(name) is None:
            raise ModelNotFound(f"there is no model '{name}'")
        if kind == "stage":
            return PointerRecord(
                model=name,
                kind="stage",
                name=pointer_name,
                version=None,
                previous_version=None,
                revision=0,
                target=None,
                updated_at=now(),
                updated_by="nobody",
            )
        raise PointerNotFound(f"model '{name}' has no {kind} '{pointer_name}'")
    history = backend().pointers.pointer_history(name, kind, pointer_name, HISTORY_PAGE)
    return pointer.model_copy(update={"history": history})
