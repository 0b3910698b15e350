"""The registry as a custom deployment protection rule: signed webhooks in, approve/reject callbacks out."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from typing import Any

import pytest

from modelyard_local.github import LocalGitHub
from modelyard_server.adapters.github import signature_matches
from tests.integration.conftest import Registry
from tests.integration.function_roles import STACK_NAME
from tests.integration.test_governance import _register, _run_token, governed, unconfigured  # noqa: F401 - fixtures

SECRET = "whsec-test-secret"


def test_signature_check_matches_githubs_test_vector() -> None:
    header = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert signature_matches("It's a Secret to Everybody", b"Hello, World!", header)
    assert not signature_matches("It's a Secret to Everybody", b"Hello, World?", header)
    assert not signature_matches("It's a Secret to Everybody", b"Hello, World!", None)
    assert not signature_matches("It's a Secret to Everybody", b"Hello, World!", header.replace("sha256=", "sha1="))


def _payload(run_id: str, environment: str = "production", repository: str = "acme/fraud") -> dict[str, Any]:
    return {
        "action": "requested",
        "environment": environment,
        "event": "push",
        "ref": "refs/heads/main",
        "sha": "a" * 40,
        "deployment_callback_url": f"https://api.github.com/repos/{repository}/actions/runs/{run_id}"
        "/deployment_protection_rule",
        "deployment": None,
        "pull_requests": [],
        "repository": {"id": 1, "full_name": "acme/fraud", "name": "fraud", "owner": {"login": "acme"}},
        "organization": {"login": "acme"},
        "installation": {"id": 4242},
        "sender": {"login": "bob", "id": 2},
    }


def _deliver(
    registry: Registry,
    payload: dict[str, Any],
    *,
    secret: str = SECRET,
    delivery: str | None = None,
    signature: str | None = "auto",
    event: str = "deployment_protection_rule",
) -> Any:
    body = json.dumps(payload)
    headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery or str(uuid.uuid4())}
    if signature == "auto":
        headers["X-Hub-Signature-256"] = (
            "sha256=" + hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()
        )
    elif signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return registry.call("POST", "/v1/github/webhook", raw_body=body, headers=headers, token=None)


@pytest.fixture
def webhooks(governed: Registry, monkeypatch: pytest.MonkeyPatch) -> Registry:  # noqa: F811
    from modelyard_server.handlers.wiring import forget_configuration

    monkeypatch.setenv("MODELYARD_GITHUB_WEBHOOK_SECRET", SECRET)
    forget_configuration()
    return governed


def _validated_for_production(registry: Registry, run_id: str, accuracy: float = 0.9) -> int:
    number = _register(registry, f"model-{run_id}-{accuracy}".encode(), accuracy)
    registry.call(
        "POST",
        "/v1/models/fraud/stages/staging/promote",
        body={"version": number},
        token=_run_token(registry, "staging"),
    )
    report = registry.call(
        "POST",
        f"/v1/models/fraud/versions/{number}/validations",
        body={"stage": "production"},
        token=_run_token(registry, None, run_id=run_id),
    )
    assert report.status == 201, report
    return number


def test_validated_run_is_approved_with_a_comment_and_an_event(webhooks: Registry, github: LocalGitHub) -> None:
    number = _validated_for_production(webhooks, "2002")
    answer = _deliver(webhooks, _payload("2002"))
    assert answer.status == 200, answer
    assert answer.body["state"] == "approved"
    assert github.protection_answers == [
        {
            "repository": "acme/fraud",
            "run_id": "2002",
            "environment_name": "production",
            "state": "approved",
            "comment": answer.body["comment"],
        }
    ]
    assert f"models:/fraud/{number} passed validation" in answer.body["comment"]
    events = webhooks.call("GET", "/v1/models/fraud/events", query={"limit": "100"}).body["items"]
    assert events[-1]["type"] == "model.protection_rule.answered"
    assert events[-1]["detail"]["state"] == "approved"


def test_failed_validation_is_rejected(webhooks: Registry, github: LocalGitHub) -> None:
    _validated_for_production(webhooks, "2003", accuracy=0.5)
    answer = _deliver(webhooks, _payload("2003"))
    assert answer.body["state"] == "rejected"
    assert github.protection_answers[-1]["state"] == "rejected"
    assert "validation is failed" in github.protection_answers[-1]["comment"]


def test_run_with_nothing_recorded_is_rejected(webhooks: Registry, github: LocalGitHub) -> None:
    _validated_for_production(webhooks, "2004")
    answer = _deliver(webhooks, _payload("7777"))  # a genuine webhook, but for a run that validated nothing
    assert answer.body["state"] == "rejected"
    assert "recorded no validated promotion" in github.protection_answers[-1]["comment"]


@pytest.mark.parametrize(
    ("signature", "secret"),
    [(None, SECRET), ("sha256=" + "0" * 64, SECRET), ("auto", "another-secret"), ("sha1=abc", SECRET)],
)
def test_bad_signatures_are_401_and_nothing_is_answered(
    webhooks: Registry,
    github: LocalGitHub,
    signature: str | None,
    secret: str,
) -> None:
    _validated_for_production(webhooks, "2005")
    answer = _deliver(webhooks, _payload("2005"), secret=secret, signature=signature)
    assert answer.status == 401
    assert github.protection_answers == []


def test_replayed_delivery_is_refused(webhooks: Registry, github: LocalGitHub) -> None:
    _validated_for_production(webhooks, "2006")
    delivery = str(uuid.uuid4())
    assert _deliver(webhooks, _payload("2006"), delivery=delivery).status == 200
    replay = _deliver(webhooks, _payload("2006"), delivery=delivery)
    assert replay.status == 400
    assert "replay" in replay.problem["detail"]
    assert len(github.protection_answers) == 1


def test_callback_for_another_repository_is_refused(webhooks: Registry, github: LocalGitHub) -> None:
    answer = _deliver(webhooks, _payload("2007", repository="evil/fork"))
    assert answer.status == 400
    assert github.protection_answers == []


def test_other_events_are_acknowledged_but_ignored(webhooks: Registry, github: LocalGitHub) -> None:
    assert _deliver(webhooks, {"zen": "Keep it logically awesome."}, event="ping").body == {
        "handled": True,
        "state": None,
        "comment": None,
    }
    assert _deliver(webhooks, {"action": "created"}, event="issues").body["handled"] is False


def test_the_gate_reads_the_webhook_secret_from_secrets_manager_as_deployed(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The template gives the gate the secret's ARN, not its value: the gate reads it under its own role."""
    from modelyard_server.handlers.wiring import forget_configuration

    secrets = registry.admin.client("secretsmanager")
    arn = secrets.describe_secret(SecretId=f"{STACK_NAME}/GitHubWebhookSecret")["ARN"]
    secrets.put_secret_value(SecretId=arn, SecretString="whsec-from-secrets-manager")
    monkeypatch.setenv("MODELYARD_GITHUB_WEBHOOK_SECRET_ARN", arn)
    forget_configuration()

    ping = {"zen": "Design for failure."}
    assert _deliver(registry, ping, secret="whsec-from-secrets-manager", event="ping").body["handled"] is True
    assert _deliver(registry, ping, secret=SECRET, event="ping").status == 401


def test_a_delivery_that_github_did_not_get_can_be_redelivered(webhooks: Registry, github: LocalGitHub) -> None:
    _validated_for_production(webhooks, "2008")
    delivery = str(uuid.uuid4())
    github.down = True
    failed = _deliver(webhooks, _payload("2008"), delivery=delivery)
    assert failed.status == 502
    assert failed.problem["type"].endswith("/github-unavailable")
    github.down = False
    redelivered = _deliver(webhooks, _payload("2008"), delivery=delivery)  # GitHub's "Redeliver" button
    assert redelivered.status == 200
    assert redelivered.body["state"] == "approved"


def test_another_runs_passed_validation_does_not_approve_this_run(webhooks: Registry, github: LocalGitHub) -> None:
    number = _validated_for_production(webhooks, "2009", accuracy=0.5)  # this run's own validation failed
    report = webhooks.call(
        "POST",
        f"/v1/models/fraud/versions/{number}/validations",
        body={"metrics": {"accuracy": 0.95}},
        token=_run_token(webhooks, None, run_id="3333"),
    )  # another run, no stage recorded
    assert report.body["passed"] is True
    answer = _deliver(webhooks, _payload("2009"))
    assert answer.body["state"] == "rejected"
    assert "this run's own validation" in answer.body["comment"]


@pytest.mark.parametrize(
    ("case", "ref", "accuracy", "through_staging", "tighten", "verdict"),
    [
        ("everything in order", "refs/heads/main", 0.9, True, False, "approved"),
        ("a run on a branch the stage does not trust", "refs/heads/experiment", 0.9, True, False, "rejected"),
        ("a failed validation", "refs/heads/main", 0.5, True, False, "rejected"),
        ("never in staging", "refs/heads/main", 0.9, False, False, "rejected"),
        ("the policy tightened since the validation", "refs/heads/main", 0.9, True, True, "rejected"),
    ],
)
def test_the_protection_rule_and_the_promotion_reach_the_same_verdict(
    webhooks: Registry,
    github: LocalGitHub,
    case: str,
    ref: str,
    accuracy: float,
    through_staging: bool,
    tighten: bool,
    verdict: str,
) -> None:
    run_id = "5005"
    number = _register(webhooks, f"{case}".encode(), accuracy)
    if through_staging:
        staged = webhooks.call(
            "POST",
            "/v1/models/fraud/stages/staging/promote",
            body={"version": number},
            token=_run_token(webhooks, "staging"),
        )
        assert staged.status == 200, staged
    report = webhooks.call(
        "POST",
        f"/v1/models/fraud/versions/{number}/validations",
        body={"stage": "production"},
        token=_run_token(webhooks, None, run_id=run_id, ref=ref),
    )
    assert report.status == 201, report
    if tighten:
        from tests.integration.test_governance import ADMIN, POLICY

        stricter = {**POLICY, "gates": {**POLICY["gates"], "thresholds": [{"metric": "accuracy", "min": 0.85}]}}
        admin = webhooks.token(repository=ADMIN)
        changed = webhooks.call("PUT", "/v1/policy", body={"document": stricter, "expected_revision": 1}, token=admin)
        assert changed.status == 200, changed
    github.approve("acme/fraud", run_id, "alice", "production")

    answered = _deliver(webhooks, {**_payload(run_id), "ref": ref.removeprefix("refs/heads/")})
    assert answered.status == 200, answered
    promoted = webhooks.call(
        "POST",
        "/v1/models/fraud/stages/production/promote",
        body={"version": number},
        token=_run_token(webhooks, "production", run_id=run_id, ref=ref),
    )
    assert (answered.body["state"], promoted.status) == (verdict, 200 if verdict == "approved" else 403), (
        case,
        answered.body["comment"],
        promoted.body,
    )


def test_the_protection_rule_and_the_promotion_wait_for_the_reviewers_sign_off(
    webhooks: Registry,
    github: LocalGitHub,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from modelyard_server.handlers.wiring import forget_configuration
    from tests.integration.test_governance import ADMIN, POLICY

    monkeypatch.setenv("MODELYARD_REVIEWER_REPOSITORIES", "acme/review")
    forget_configuration()
    signed_off = {**POLICY, "stages": {**POLICY["stages"], "production": {**POLICY["stages"]["production"]}}}
    signed_off["stages"]["production"]["min_reviews"] = 1
    admin = webhooks.token(repository=ADMIN)
    changed = webhooks.call("PUT", "/v1/policy", body={"document": signed_off, "expected_revision": 1}, token=admin)
    assert changed.status == 200, changed
    run_id = "6006"
    number = _validated_for_production(webhooks, run_id)
    github.approve("acme/fraud", run_id, "alice", "production")

    waiting = _deliver(webhooks, _payload(run_id))
    assert waiting.body["state"] == "rejected"
    assert "needs 1 reviewer sign-off(s)" in waiting.body["comment"]
    refused = webhooks.call(
        "POST",
        "/v1/models/fraud/stages/production/promote",
        body={"version": number},
        token=_run_token(webhooks, "production", run_id=run_id),
    )
    assert refused.status == 403
    assert refused.problem["missing"] == ["1 more reviewer approval(s): 1 needed, no approvals"]

    reviewer = webhooks.token(repository="acme/review", actor="rosa")
    review = webhooks.call(
        "POST", f"/v1/models/fraud/versions/{number}/reviews", body={"verdict": "approve"}, token=reviewer
    )
    assert review.status == 201, review
    assert any(item["SK"]["S"].startswith(f"RV#{number:010d}#repo:") for item in webhooks.items("fraud"))
    assert _deliver(webhooks, _payload(run_id)).body["state"] == "approved"
    promoted = webhooks.call(
        "POST",
        "/v1/models/fraud/stages/production/promote",
        body={"version": number},
        token=_run_token(webhooks, "production", run_id=run_id),
    )
    assert promoted.status == 200, promoted
