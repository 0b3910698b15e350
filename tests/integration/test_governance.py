"""Policy, server-side gates and GitHub approvals: every path driven through a fake GitHub on loopback."""

from __future__ import annotations

from typing import Any

import pytest

from modelyard_local.github import APP_ID, LocalGitHub
from modelyard_local.issuer import local_user_id
from modelyard_server.handlers.wiring import forget_configuration
from tests.integration.conftest import Registry

ADMIN = "acme/platform"
POLICY: dict[str, Any] = {
    "gates": {
        "thresholds": [{"metric": "accuracy", "min": 0.8}],
        "no_regression": [{"metric": "accuracy", "against": "stage:production", "tolerance": 0.01}],
        "required_metadata": ["data_version"],
    },
    "stages": {
        "staging": {},
        "production": {
            "from_stages": ["staging"],
            "min_approvals": 1,
            "prevent_self_approval": True,
            "allowed_refs": ["refs/heads/main", "refs/tags/v*"],
            "require_validation": True,
        },
    },
}


@pytest.fixture
def unconfigured(registry: Registry, github: LocalGitHub, monkeypatch: pytest.MonkeyPatch) -> Registry:
    """A registry with its GitHub App, an admin and the model, and no policy set: the built-in rules apply."""
    monkeypatch.setenv("MODELYARD_ADMIN_REPOSITORIES", ADMIN)
    monkeypatch.setenv("MODELYARD_GITHUB_APP_ID", APP_ID)
    monkeypatch.setenv("MODELYARD_GITHUB_APP_PRIVATE_KEY", github.private_key_pem)
    monkeypatch.setenv("MODELYARD_GITHUB_API_URL", github.url)
    forget_configuration()
    registry.create_model("fraud")
    return registry


@pytest.fixture
def governed(unconfigured: Registry) -> Registry:
    """The same, under the registry policy POLICY."""
    token = unconfigured.token(repository=ADMIN)
    answer = unconfigured.call("PUT", "/v1/policy", body={"document": POLICY}, token=token)
    assert answer.status == 200, answer
    return unconfigured


def _run_token(registry: Registry, environment: str, **claims: Any) -> str:
    claims.setdefault("actor", "bob")
    claims.setdefault("run_id", "1001")
    claims.setdefault("ref", "refs/heads/main")
    return registry.token(environment=environment, **claims)


def _register(registry: Registry, data: bytes, accuracy: float) -> int:
    version = registry.register("fraud", data, metrics={"accuracy": accuracy}, lineage={"data_version": "2026-11"})
    return int(version["version"])


def _validated_in_staging(registry: Registry, data: bytes = b"good", accuracy: float = 0.9) -> int:
    number = _register(registry, data, accuracy)
    report = registry.call("POST", f"/v1/models/fraud/versions/{number}/validations", body={"stage": "production"})
    assert report.status == 201, report
    assert report.body["passed"] is True, report.body
    promoted = registry.call(
        "POST",
        "/v1/models/fraud/stages/staging/promote",
        body={"version": number},
        token=_run_token(registry, "staging"),
    )
    assert promoted.status == 200, promoted
    return number


def _promote_production(registry: Registry, number: int, **claims: Any) -> Any:
    return registry.call(
        "POST",
        "/v1/models/fraud/stages/production/promote",
        body={"version": number},
        token=_run_token(registry, claims.pop("environment", "production"), **claims),
    )


def _denials(registry: Registry) -> list[dict[str, Any]]:
    events = registry.call("GET", "/v1/models/fraud/events", query={"limit": "100"}).body["items"]
    return [e for e in events if e["type"] in {"model.promotion.denied", "model.validation.refused"}]


def _production(registry: Registry) -> int | None:
    return registry.call("GET", "/v1/models/fraud").body["stages"].get("production", {}).get("version")


def test_policy_is_admin_only_and_revision_guarded(governed: Registry) -> None:
    refused = governed.call("PUT", "/v1/policy", body={"document": {}})
    assert refused.status == 403
    current = governed.call("GET", "/v1/policy").body
    assert current["revision"] == 1
    assert current["digest"].startswith("sha256:")
    stale = governed.call(
        "PUT", "/v1/policy", body={"document": POLICY, "expected_revision": 0}, token=governed.token(repository=ADMIN)
    )
    assert stale.status == 409
    invalid = governed.call(
        "PUT",
        "/v1/policy",
        body={"document": {"stages": {"prod": {"min_approvals": 9}}}},
        token=governed.token(repository=ADMIN),
    )
    assert invalid.status == 422


def test_validation_report_lists_every_check_with_expected_and_actual(governed: Registry) -> None:
    good = _register(governed, b"good", 0.9)
    report = governed.call("POST", f"/v1/models/fraud/versions/{good}/validations", body={}).body
    assert report["passed"] is True
    names = {check["name"]: check for check in report["checks"]}
    assert names["accuracy >= 0.8"]["actual"] == "0.9"
    assert names["data_version recorded"]["passed"] is True
    bad = _register(governed, b"bad", 0.7)
    failed = governed.call("POST", f"/v1/models/fraud/versions/{bad}/validations", body={}).body
    assert failed["passed"] is False
    threshold = next(c for c in failed["checks"] if c["kind"] == "threshold")
    assert (threshold["expected"], threshold["actual"], threshold["passed"]) == (">= 0.8", "0.7", False)
    version = governed.call("GET", f"/v1/models/fraud/versions/{bad}").body
    assert version["validation"]["status"] == "failed"
    latest = governed.call("GET", f"/v1/models/fraud/versions/{bad}/validations/latest").body
    assert latest["id"] == failed["id"]


def test_submitted_metrics_overlay_registered_ones_and_no_regression_uses_the_holder(
    governed: Registry, github: LocalGitHub
) -> None:
    first = _validated_in_staging(governed, b"v1", 0.9)
    github.approve("acme/fraud", "1001", "alice", "production")
    assert _promote_production(governed, first).status == 200
    second = _register(governed, b"v2", 0.95)
    worse = governed.call(
        "POST", f"/v1/models/fraud/versions/{second}/validations", body={"metrics": {"accuracy": 0.85}}
    ).body
    regression = next(c for c in worse["checks"] if c["kind"] == "no_regression")
    assert regression["passed"] is False
    assert "v1: 0.9" in regression["expected"]


def test_approved_promotion_records_approvers_run_and_policy_digest(governed: Registry, github: LocalGitHub) -> None:
    number = _validated_in_staging(governed)
    github.approve("acme/fraud", "1001", "alice", "production", comment="looks good")
    promoted = _promote_production(governed, number)
    assert promoted.status == 200, promoted
    event = next(
        e
        for e in governed.call("GET", "/v1/models/fraud/events").body["items"]
        if e["type"] == "model.version.promoted" and e["detail"]["stage"] == "production"
    )
    assert event["detail"]["approvers"] == [{"login": "alice", "id": local_user_id("alice"), "comment": "looks good"}]
    assert event["detail"]["run_id"] == "1001"
    assert event["detail"]["policy_digest"] == governed.call("GET", "/v1/models/fraud/policy").body["effective_digest"]
    assert event["run_url"].endswith("/actions/runs/1001/attempts/1")
    assert any(r.startswith("POST /app/installations/") for r in github.requests)


@pytest.mark.parametrize(
    ("attack", "claims", "expect"),
    [
        ("environment of another stage", {"environment": "staging"}, "GitHub environment 'production'"),
        ("no environment at all", {"environment": None}, "no environment"),
        ("ref outside the allowed patterns", {"ref": "refs/heads/feature"}, "refs/heads/feature"),
    ],
)
def test_token_attacks_are_refused_and_recorded(
    governed: Registry, github: LocalGitHub, attack: str, claims: dict[str, Any], expect: str
) -> None:
    number = _validated_in_staging(governed)
    github.approve("acme/fraud", "1001", "alice", "production")
    refused = _promote_production(governed, number, **claims)
    assert refused.status == 403, attack
    assert expect in refused.problem["detail"]
    assert _production(governed) is None
    assert _denials(governed)[-1]["detail"]["stage"] == "production"


def test_self_approval_does_not_count(governed: Registry, github: LocalGitHub) -> None:
    number = _validated_in_staging(governed)
    github.approve("acme/fraud", "1001", "bob", "production")
    refused = _promote_production(governed, number, actor="bob")
    assert refused.status == 403
    assert "self-approval by bob" in refused.problem["detail"]
    assert _production(governed) is None
    assert len(_denials(governed)) == 1


@pytest.mark.parametrize(
    ("token_claims", "approver", "approver_id"),
    [
        ({"actor": "octocat", "actor_id": "583231"}, "OctoCat", 583231),  # same person, other spelling
        ({"actor": "octocat", "actor_id": "583231"}, "the-cat-renamed", 583231),  # same id, renamed login
        (
            {"actor": "octocat", "actor_id": None},
            "OctoCat",
            583231,
        ),  # no id in the token: logins compared case-insensitively
    ],
)
def test_self_approval_is_recognised_by_user_id_then_by_login_in_any_case(
    governed: Registry, github: LocalGitHub, token_claims: dict[str, Any], approver: str, approver_id: int
) -> None:
    number = _validated_in_staging(governed)
    github.approve("acme/fraud", "1001", approver, "production", user_id=approver_id)
    refused = _promote_production(governed, number, **token_claims)
    assert refused.status == 403, refused
    assert "self-approval" in refused.problem["detail"]
    assert _production(governed) is None


def test_an_approver_with_another_id_counts_even_with_a_similar_login(governed: Registry, github: LocalGitHub) -> None:
    number = _validated_in_staging(governed)
    github.approve("acme/fraud", "1001", "octocat", "production", user_id=999)  # a login reused by someone else
    promoted = _promote_production(governed, number, actor="OctoCat-old", actor_id="583231")
    assert promoted.status == 200, promoted


def test_zero_approvals_is_refused(governed: Registry) -> None:
    number = _validated_in_staging(governed)
    refused = _promote_production(governed, number)
    assert refused.status == 403
    assert "no approvals" in refused.problem["detail"]
    assert _production(governed) is None


def test_approval_for_another_environment_or_run_does_not_count(governed: Registry, github: LocalGitHub) -> None:
    number = _validated_in_staging(governed)
    github.approve("acme/fraud", "1001", "alice", "staging")
    github.approve("acme/fraud", "999", "carol", "production")
    assert _promote_production(governed, number).status == 403


def test_rejection_in_github_is_a_refusal(governed: Registry, github: LocalGitHub) -> None:
    number = _validated_in_staging(governed)
    github.approve("acme/fraud", "1001", "alice", "production")
    github.approve("acme/fraud", "1001", "carol", "production", state="rejected", comment="not this week")
    refused = _promote_production(governed, number)
    assert refused.status == 403
    assert "rejected by carol" in refused.problem["detail"]


def test_version_never_in_staging_cannot_reach_production(governed: Registry, github: LocalGitHub) -> None:
    number = _register(governed, b"skipper", 0.9)
    governed.call("POST", f"/v1/models/fraud/versions/{number}/validations", body={})
    github.approve("acme/fraud", "1001", "alice", "production")
    refused = _promote_production(governed, number)
    assert refused.status == 403
    assert "must have been in staging" in refused.problem["detail"]


def test_failed_or_missing_validation_blocks_production(governed: Registry, github: LocalGitHub) -> None:
    github.approve("acme/fraud", "1001", "alice", "production")
    unvalidated = _register(governed, b"unvalidated", 0.9)
    governed.call(
        "POST",
        "/v1/models/fraud/stages/staging/promote",
        body={"version": unvalidated},
        token=_run_token(governed, "staging"),
    )
    refused = _promote_production(governed, unvalidated)
    assert refused.status == 403
    assert "never validated" in refused.problem["detail"]
    failing = _register(governed, b"failing", 0.5)
    governed.call("POST", f"/v1/models/fraud/versions/{failing}/validations", body={})
    governed.call(
        "POST",
        "/v1/models/fraud/stages/staging/promote",
        body={"version": failing},
        token=_run_token(governed, "staging"),
    )
    refused = _promote_production(governed, failing)
    assert refused.status == 403
    assert "latest validation failed" in refused.problem["detail"]


def test_repository_policy_may_tighten_but_not_loosen(governed: Registry) -> None:
    number = _register(governed, b"x", 0.85)
    tighter = {"gates": {"thresholds": [{"metric": "accuracy", "min": 0.9}]}}
    report = governed.call(
        "POST", f"/v1/models/fraud/versions/{number}/validations", body={"repository_policy": tighter}
    ).body
    assert report["passed"] is False  # 0.85 passes the registry's 0.8 but not the repository's 0.9
    looser = {
        "gates": {"thresholds": [{"metric": "accuracy", "min": 0.5}]},
        "stages": {"production": {"min_approvals": 0, "require_validation": False}},
    }
    refused = governed.call(
        "POST", f"/v1/models/fraud/versions/{number}/validations", body={"repository_policy": looser}
    )
    assert refused.status == 422
    assert refused.problem["type"].endswith("/policy-loosened")
    assert len(refused.problem["violations"]) == 3
    assert _denials(governed)[-1]["type"] == "model.validation.refused"


def test_without_github_app_approvals_are_never_assumed(governed: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    number = _validated_in_staging(governed)
    monkeypatch.delenv("MODELYARD_GITHUB_APP_ID")
    forget_configuration()
    refused = _promote_production(governed, number)
    assert refused.status == 403
    assert "no GitHub App configured" in refused.problem["detail"]


def test_github_unreachable_is_a_refusal_not_a_pass(governed: Registry, github: LocalGitHub) -> None:
    number = _validated_in_staging(governed)
    github.approve("acme/fraud", "1001", "alice", "production")
    github.down = True
    refused = _promote_production(governed, number)
    assert refused.status == 403
    assert "could not check" in refused.problem["detail"]


def test_rollback_needs_the_environment_or_the_operate_capability_not_a_review(
    governed: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _validated_in_staging(governed, b"one")
    _validated_in_staging(governed, b"two")
    outsider_env = governed.call(
        "POST", "/v1/models/fraud/stages/staging/rollback", body={}, token=governed.token(environment="production")
    )
    assert outsider_env.status == 403
    monkeypatch.setenv("MODELYARD_REVIEWER_REPOSITORIES", "acme/sre")
    monkeypatch.setenv("MODELYARD_ADMIN_REPOSITORIES", "acme/platform")
    forget_configuration()
    # Reviewers sign versions off; rolling back is an incident action (ops and admins), no longer theirs.
    by_reviewer = governed.call(
        "POST", "/v1/models/fraud/stages/staging/rollback", body={}, token=governed.token(repository="acme/sre")
    )
    assert by_reviewer.status == 403
    admin = governed.token(repository="acme/platform")
    unexplained = governed.call("POST", "/v1/models/fraud/stages/staging/rollback", body={}, token=admin)
    assert unexplained.status == 422
    assert unexplained.problem["type"].endswith("/reason-required")
    assert governed.call("GET", "/v1/models/fraud").body["stages"]["staging"]["version"] == first + 1
    by_admin = governed.call(
        "POST", "/v1/models/fraud/stages/staging/rollback", body={"comment": "bad labels in two"}, token=admin
    )
    assert by_admin.status == 200
    assert by_admin.body["version"] == first


def test_model_override_is_admin_only_and_replaces_stage_rules(governed: Registry, github: LocalGitHub) -> None:
    override = {"stages": {"production": {"min_approvals": 2}}}
    assert governed.call("PUT", "/v1/models/fraud/policy", body={"document": override}).status == 403
    answer = governed.call(
        "PUT", "/v1/models/fraud/policy", body={"document": override}, token=governed.token(repository=ADMIN)
    )
    assert answer.status == 200
    number = _validated_in_staging(governed)
    github.approve("acme/fraud", "1001", "alice", "production")
    assert _promote_production(governed, number).status == 403  # one approval, two needed
    github.approve("acme/fraud", "1001", "carol", "production")
    assert _promote_production(governed, number).status == 200


def test_non_owner_promotion_is_refused_and_recorded_in_the_security_log(governed: Registry) -> None:
    number = _validated_in_staging(governed)
    refused = _promote_production(governed, number, repository="evil/fork")
    assert refused.status == 403
    assert "does not own" in refused.problem["detail"]
    assert _production(governed) is None
    assert all(denial["repository"] != "evil/fork" for denial in _denials(governed))  # not in the victim's trail
    log = governed.call("GET", "/v1/security/events", token=governed.token(repository=ADMIN)).body["items"]
    assert log[0]["repository"] == "evil/fork"
    assert "does not own" in log[0]["detail"]["reason"]


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"gates": {"thresholds": [{"metric": "auc"}]}}, "body.document.gates.thresholds.0"),
        ({"gates": {"thresholds": [{"metric": "auc", "min": 0.9, "max": 0.1}]}}, "body.document.gates.thresholds.0"),
        ({"gates": {"no_regression": [{"metric": "auc", "against": "prod"}]}}, "body.document.gates.no_regression.0"),
        ({"gates": {"no_regression": [{"metric": "auc", "against": "stage:p", "tolerance": -1}]}}, "body.document"),
        ({"gates": {"required_metadata": ["favourite_colour"]}}, "body.document.gates.required_metadata.0"),
        ({"gates": {"allowed_formats": ["exe"]}}, "body.document.gates.allowed_formats.0"),
        ({"stages": {"production": {"allowed_refs": ["main; rm -rf /"]}}}, "body.document.stages.production"),
        ({"stages": {"Prod!": {}}}, "body.document.stages"),
        ({"stages": {"production": {"min_approvals": -1}}}, "body.document.stages.production.min_approvals"),
        ({"surprise": True}, "body.document.surprise"),
    ],
)
def test_invalid_policy_documents_are_refused_and_change_nothing(
    governed: Registry, document: dict[str, Any], field: str
) -> None:
    before = governed.call("GET", "/v1/policy").body
    answer = governed.call(
        "PUT", "/v1/policy", body={"document": document, "expected_revision": 1}, token=governed.token(repository=ADMIN)
    )
    assert answer.status == 422, answer
    assert any(error["field"].startswith(field) for error in answer.problem["errors"]), answer.problem["errors"]
    assert governed.call("GET", "/v1/policy").body == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"metrics": {"accuracy": "high"}}, "body.metrics.accuracy"),
        ({"metrics": {"accuracy": None}}, "body.metrics.accuracy"),
        ({"stage": "../production"}, "body.stage"),
        ({"repository_policy": {"stages": {"production": {"min_approvals": 99}}}}, "body.repository_policy"),
        ({"verdict": "passed"}, "body.verdict"),  # a client cannot send its own verdict
    ],
)
def test_invalid_validation_requests_are_refused_and_record_nothing(
    governed: Registry, body: dict[str, Any], field: str
) -> None:
    number = _register(governed, b"v", 0.9)
    answer = governed.call("POST", f"/v1/models/fraud/versions/{number}/validations", body=body)
    assert answer.status == 422, answer
    assert any(error["field"].startswith(field) for error in answer.problem["errors"]), answer.problem["errors"]
    assert governed.call("GET", f"/v1/models/fraud/versions/{number}").body["validation"] is None


def test_validating_unknown_or_pending_versions_is_a_clear_4xx(governed: Registry) -> None:
    assert governed.call("POST", "/v1/models/fraud/versions/9/validations", body={}).status == 404
    assert governed.call("POST", "/v1/models/ghost/versions/1/validations", body={}).status == 404
    pending = governed.register("fraud", b"pending", complete=False)["version"]["version"]
    answer = governed.call("POST", f"/v1/models/fraud/versions/{pending}/validations", body={})
    assert answer.status == 409
    assert "pending_upload" in answer.problem["detail"]


def test_rollback_cannot_smuggle_a_version_past_the_stage_policy(governed: Registry, github: LocalGitHub) -> None:
    good = _validated_in_staging(governed, b"good")
    github.approve("acme/fraud", "1001", "alice", "production")
    assert _promote_production(governed, good).status == 200
    bad = _register(governed, b"bad", 0.01)  # fails validation, never in staging, never approved for it
    governed.call("POST", f"/v1/models/fraud/versions/{bad}/validations", body={})
    smuggled = governed.call(
        "POST",
        "/v1/models/fraud/stages/production/rollback",
        body={"to_version": bad},
        token=_run_token(governed, "production", run_id="2002", ref="refs/heads/evil"),
    )
    assert smuggled.status == 409
    assert "never held stage 'production'" in smuggled.problem["detail"]
    assert _production(governed) == good
    staging = governed.call(
        "POST",
        "/v1/models/fraud/stages/staging/rollback",
        body={"to_version": bad},
        token=_run_token(governed, "staging"),
    )
    assert staging.status == 409
    assert "staging" not in governed.call("GET", f"/v1/models/fraud/versions/{bad}").body["stages_reached"]


def test_a_verdict_under_an_older_policy_does_not_count(governed: Registry, github: LocalGitHub) -> None:
    number = _validated_in_staging(governed, b"validated", 0.85)
    stricter = {**POLICY, "gates": {**POLICY["gates"], "thresholds": [{"metric": "accuracy", "min": 0.99}]}}
    assert (
        governed.call(
            "PUT",
            "/v1/policy",
            body={"document": stricter, "expected_revision": 1},
            token=governed.token(repository=ADMIN),
        ).status
        == 200
    )
    github.approve("acme/fraud", "1001", "alice", "production")
    refused = _promote_production(governed, number)
    assert refused.status == 403
    assert "validate it again" in refused.problem["detail"]


def test_repository_policy_cannot_remap_the_environment_of_any_stage(governed: Registry) -> None:
    number = _register(governed, b"x", 0.9)
    remap = {"stages": {"development": {"environment": "anything-goes"}}}
    refused = governed.call(
        "POST", f"/v1/models/fraud/versions/{number}/validations", body={"repository_policy": remap}
    )
    assert refused.status == 422
    assert "cannot remap 'development'" in refused.problem["detail"]


def test_a_validation_from_an_untrusted_ref_does_not_count(governed: Registry, github: LocalGitHub) -> None:
    number = _register(governed, b"from a branch", 0.9)
    branch = _run_token(governed, None, ref="refs/heads/experiment")
    assert governed.call("POST", f"/v1/models/fraud/versions/{number}/validations", body={}, token=branch).status == 201
    governed.call(
        "POST",
        "/v1/models/fraud/stages/staging/promote",
        body={"version": number},
        token=_run_token(governed, "staging"),
    )
    github.approve("acme/fraud", "1001", "alice", "production")
    refused = _promote_production(governed, number)
    assert refused.status == 403
    assert "validated by a run on refs/heads/experiment" in refused.problem["detail"]


def test_by_default_production_needs_staging_first_and_an_approval_by_someone_else(
    unconfigured: Registry, github: LocalGitHub
) -> None:
    number = _register(unconfigured, b"straight to prod", 0.9)
    github.approve("acme/fraud", "1001", "alice", "production")
    skipped = _promote_production(unconfigured, number)
    assert skipped.status == 403, skipped
    assert "must have been in staging" in skipped.problem["detail"]
    staged = unconfigured.call(
        "POST",
        "/v1/models/fraud/stages/staging/promote",
        body={"version": number},
        token=_run_token(unconfigured, "staging"),
    )
    assert staged.status == 200, staged  # staging has no built-in approval rule
    unapproved = _promote_production(unconfigured, number, run_id="2002")
    assert unapproved.status == 403
    assert "no approvals" in unapproved.problem["detail"]
    github.approve("acme/fraud", "3003", "bob", "production")
    self_approved = _promote_production(unconfigured, number, run_id="3003", actor="bob")
    assert self_approved.status == 403
    assert "self-approval" in self_approved.problem["detail"]
    assert _production(unconfigured) is None
    assert _promote_production(unconfigured, number).status == 200  # run 1001, approved by alice
    assert _production(unconfigured) == number
    shown = unconfigured.call("GET", "/v1/policy").body
    production_defaults = shown["defaults"]["stages"]["production"]
    assert {key: value for key, value in production_defaults.items() if value is not None} == {
        "from_stages": ["staging"],
        "min_approvals": 1,
        "prevent_self_approval": True,
    }


def test_an_admin_may_loosen_the_builtin_production_rules_explicitly(unconfigured: Registry) -> None:
    loose = {"stages": {"production": {"from_stages": [], "min_approvals": 0, "prevent_self_approval": False}}}
    assert (
        unconfigured.call("PUT", "/v1/policy", body={"document": loose}, token=unconfigured.token(repository=ADMIN))
    ).status == 200
    number = _register(unconfigured, b"hotfix", 0.9)
    assert _promote_production(unconfigured, number).status == 200


def test_a_repository_policy_cannot_loosen_the_builtin_rules(unconfigured: Registry) -> None:
    number = _register(unconfigured, b"x", 0.9)
    looser = {"stages": {"production": {"min_approvals": 0}}}
    refused = unconfigured.call(
        "POST", f"/v1/models/fraud/versions/{number}/validations", body={"repository_policy": looser}
    )
    assert refused.status == 422, refused
    assert "min_approvals" in refused.problem["detail"]


def test_a_verdict_against_a_holder_that_has_since_moved_does_not_count(
    governed: Registry, github: LocalGitHub
) -> None:
    """Two release runs wait for production's approval; the newer one is approved first. The older run's
    verdict compared with what production held then: approved later, it must not put the older version back
    over the newer one (the release workflow's out-of-order run, a known leftover)."""
    first = _validated_in_staging(governed, b"v1", 0.9)
    github.approve("acme/fraud", "1001", "alice", "production")
    assert _promote_production(governed, first).status == 200
    older = _validated_in_staging(governed, b"v2", 0.91)  # run 2002's verdict: no worse than v1
    newer = _validated_in_staging(governed, b"v3", 0.95)  # run 3003's verdict: no worse than v1
    github.approve("acme/fraud", "3003", "alice", "production")
    assert _promote_production(governed, newer, run_id="3003").status == 200

    github.approve("acme/fraud", "2002", "alice", "production")
    refused = _promote_production(governed, older, run_id="2002")
    assert refused.status == 403, refused
    assert f"stage:production held version {first}" in refused.problem["detail"]
    assert f"now holds version {newer}" in refused.problem["detail"]
    assert _production(governed) == newer


def test_a_retried_promotion_is_answered_as_already_held_though_its_verdict_compared_with_the_holder_it_replaced(
    governed: Registry, github: LocalGitHub
) -> None:
    """The release job's promotion succeeded but its answer was lost: the retry finds production holding the
    very version, which is not a newer holder the verdict knew nothing about."""
    first = _validated_in_staging(governed, b"v1", 0.9)
    github.approve("acme/fraud", "1001", "alice", "production")
    assert _promote_production(governed, first).status == 200
    second = _validated_in_staging(governed, b"v2", 0.95)  # its verdict compared with v1 in production
    github.approve("acme/fraud", "2002", "alice", "production")
    assert _promote_production(governed, second, run_id="2002").status == 200

    retried = _promote_production(governed, second, run_id="2002")
    assert retried.status == 200, retried
    assert retried.body["already_held"] is True
    assert _production(governed) == second
