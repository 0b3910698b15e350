"""The release, step by step, through the modelyard SDK: each call printed as Python, then its answer.

Every identity is a :class:`modelyard.Client` holding an OIDC token the local issuer minted for
one repository (and, for a job in a GitHub environment, that environment and run). The answers
are shown with the CLI's own views (:mod:`modelyard.render`). A step that does not do what the
demo expects raises :class:`DemoFailed`.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from modelyard import Client, RegistryError
from modelyard.render import events_table, key_values, model_view, pointer_view, validation_view
from modelyard_local.receivers import Received, Receiver
from modelyard_server.adapters.channels import webhook as standard_webhooks
from release_demo.narration import CALL_INDENT, Steps, compact_json, note, python_call, say, say_call, show
from release_demo.people import sign_in
from release_demo.registry import RunningRegistry, Webhook
from release_demo.scenario import (
    ACCURACY_GATE,
    ACTOR,
    ADMIN,
    ALIAS,
    APPROVER,
    FORK,
    INCIDENT,
    MODEL,
    ON_CALL,
    ON_CALL_ID,
    OPS_TEAM,
    OWNER,
    POLICY,
    PRODUCTION,
    REVIEW_TEAM,
    REVIEWER,
    REVIEWER_ID,
    RUN_ID,
    SECOND_RUN_ID,
    STAGE,
)
from release_demo.training import SIGNATURE, Training, model_card, rescore, train

NOTIFY_TIMEOUT = 10.0


class DemoFailed(Exception):
    """A step did not do what the demo expects."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise DemoFailed(message)


class Release:
    """The demo's steps, in order, against a running registry."""

    def __init__(
        self,
        registry: RunningRegistry,
        hook: Webhook,
        inbox: Receiver,
        notices: list[str],
        workdir: Path,
        steps: Steps,
    ) -> None:
        self.registry = registry
        self.hook = hook
        self.inbox = inbox
        self.notices = notices
        self.workdir = workdir
        self.step = steps
        self.clients: dict[str, Client] = {}

    # -- plumbing

    def identity(self, who: str, repository: str, **claims: str) -> None:
        """A client for a job of ``repository`` (``claims``: its environment, run and actor)."""
        token = self.registry.mint(repository=repository, **claims)
        # env={}: nothing of a surrounding CI job (its OIDC, its lineage) may leak into the demo's calls.
        self.clients[who] = Client(self.registry.url, token, env={}, progress=False)
        job = ", ".join(f"{name} {value}" for name, value in {"repository": repository, **claims}.items())
        say(f"{CALL_INDENT}{who:<10} = Client(url, token)  # token of a job: {job}")

    def call(self, who: str, method: str, *args: Any, **kwargs: Any) -> Any:
        say_call(python_call(who, method, args, kwargs))
        return getattr(self.clients[who], method)(*args, **kwargs)

    def refused(self, who: str, method: str, *args: Any, **kwargs: Any) -> RegistryError:
        """The call, which the registry must refuse; its error."""
        try:
            self.call(who, method, *args, **kwargs)
        except RegistryError as error:
            show(f"RegistryError: {error.message} (HTTP {error.status})")
            return error
        raise DemoFailed(f"{who}.{method}(...) went through; the registry should have refused it")

    # -- the run

    def run(self) -> None:
        self.step(f"Clients for the jobs of {OWNER}, with tokens from the local OIDC issuer")
        self.identity("owner", OWNER)
        self.identity("staging", OWNER, environment=STAGE)
        note(f"a GitHub job gets such tokens from Actions OIDC; promotions run in the '{STAGE}' environment")

        training = self.train()
        self.register(training)
        self.pointers()
        self.outsiders_refused()
        self.policy()
        self.validate(training)
        self.sign_off(2)
        self.promote_to_production()
        self.notification()
        self.second_release(training)
        self.incident()
        self.audit_trail()
        self.download_and_check(training)
        self.step(f"Where {MODEL} stands")
        show(model_view(self.call("owner", "get_model", MODEL)))

    def train(self) -> Training:
        self.step("Train two scikit-learn classifiers on the Iris data scikit-learn ships")
        training = train(self.workdir)
        for candidate in training.candidates:
            metrics = ", ".join(f"{name} {value:.4f}" for name, value in candidate.metrics.items())
            show(f"{candidate.semver}  {candidate.title}\n       holdout {metrics}; saved {candidate.path.name}")
        show(f"data   {training.data_version}, digest {training.data_digest[:23]}...")
        return training

    def register(self, training: Training) -> None:
        self.step(f"Create the model {MODEL} (the token's repository becomes its owner)")
        model = self.call("owner", "create_model", MODEL, description="Iris species from flower measurements")
        show(key_values([("name", model["name"]), ("owners", model["owners"])]))
        expect(model["owners"] == [OWNER], f"the model's owners are {model['owners']}, not {OWNER}")

        for number, candidate in enumerate(training.candidates, start=1):
            self.step(f"Register version {number} ({candidate.semver}): {candidate.title}")
            version = self.call(
                "owner",
                "register",
                MODEL,
                candidate.path,
                format="joblib",
                framework="sklearn",
                semver=candidate.semver,
                params=candidate.params,
                metrics=candidate.metrics,
                signature=SIGNATURE,
                model_card=model_card(candidate, training),
                lineage=training.lineage,
            )
            fields = ("uri", "semver", "status", "metrics")
            show(key_values([*((key, version[key]) for key in fields), ("sha256", version["artifact"]["sha256"])]))
            expect(version["status"] == "ready", f"version {number} is {version['status']}, not ready")

    def pointers(self) -> None:
        self.step(f"Point the alias '{ALIAS}' at version 2, then promote 1 and 2 to {STAGE} and roll back")
        show(pointer_view(self.call("owner", "set_alias", MODEL, ALIAS, 2), history=False))
        self.call("staging", "promote", MODEL, 1, stage=STAGE)
        self.call("staging", "promote", MODEL, 2, stage=STAGE, comment="forest beats logreg")
        self.call("staging", "rollback", MODEL, stage=STAGE, comment="demo rollback")
        stage = self.call("owner", "get_stage", MODEL, STAGE)
        show(pointer_view(stage))
        expect(stage["version"] == 1, f"{STAGE} is at version {stage['version']} after the rollback, not 1")
        note(f"{STAGE} is back at version 1: a rollback is one call, the stage keeps its history")

        resolved = self.call("owner", "resolve", f"models:/{MODEL}@{ALIAS}")
        show(key_values([("resolves to", resolved["uri"])]))

    def outsiders_refused(self) -> None:
        self.step(f"Governance: {FORK} tries to promote, and the owner tries {PRODUCTION} before any approval")
        self.identity("fork", FORK, environment=STAGE)
        self.refused("fork", "promote", MODEL, 2, stage=STAGE)
        note(f"{FORK} does not own {MODEL}: refused, recorded in the registry's security log")
        self.identity("early", OWNER, environment=PRODUCTION, run_id="1", actor=ACTOR)
        error = self.refused("early", "promote", MODEL, 2, stage=PRODUCTION)
        expect("no approvals" in error.detail, f"the built-in rules refused for another reason: {error.detail}")
        note(
            f"no policy yet, and {PRODUCTION} is guarded all the same: it takes only versions that were in "
            f"{STAGE}, approved by someone other than the run's actor"
        )

    def policy(self) -> None:
        self.step(f"An admin ({ADMIN}) sets the registry policy: validation gates and {PRODUCTION}'s rules")
        self.identity("admin", ADMIN)
        show(compact_json(POLICY))
        answer = self.call("admin", "set_policy", POLICY)
        show(key_values([("revision", answer["revision"]), ("digest", answer["digest"])]))
        self.refused("owner", "set_policy", POLICY, expected_revision=answer["revision"])
        note(f"the model's owner is no registry admin: only {ADMIN} may set the policy")
        self.call("admin", "grant_role", "reviewer", "*", team=REVIEW_TEAM)
        self.call("admin", "grant_role", "ops", "*", team=OPS_TEAM)
        note(
            f"roles go to GitHub teams: {REVIEW_TEAM} signs versions off ({PRODUCTION} needs one sign-off), "
            f"{OPS_TEAM} may roll back in an incident; each grant is in the registry's governance trail"
        )

    def validate(self, training: Training) -> None:
        self.step(f"A release run ({RUN_ID} of {OWNER}) has the registry validate both versions for {PRODUCTION}")
        self.identity("release", OWNER, run_id=RUN_ID, actor=ACTOR)
        for number, candidate in enumerate(training.candidates[:2], start=1):
            report = self.call("release", "validate", MODEL, number, stage=PRODUCTION)
            show(validation_view(report))
            passes = candidate.metrics["accuracy"] >= ACCURACY_GATE
            expect(report["passed"] is passes, f"version {number}'s verdict is passed={report['passed']}")
        note(f"version 1 misses accuracy >= {ACCURACY_GATE}; version 2 passes every gate")

    def sign_off(self, number: int) -> None:
        self.step(f"{REVIEWER} of {REVIEW_TEAM} signs in with GitHub and signs off version {number}'s model card")
        if REVIEWER not in self.clients:
            self.clients[REVIEWER] = sign_in(self.registry, self.workdir, REVIEWER, REVIEWER_ID, REVIEW_TEAM)
        answer = self.call(
            REVIEWER, "review", MODEL, number, "approve", comment="model card reviewed: intended use and data stated"
        )
        summary = answer["summary"]
        show(key_values([("approvals", summary["approvals"]), ("approved by", summary["approved_by"])]))
        expect(summary["approvals"] == 1, f"the sign-off counts {summary['approvals']} approvals, not 1")
        note("a person is known by their GitHub user id; the sign-off and its comment are kept with the version")

    def promote_to_production(self) -> None:
        self.step(f"The run's {PRODUCTION} job promotes version 2: refused until {APPROVER} approves the run")
        self.identity("production", OWNER, environment=PRODUCTION, run_id=RUN_ID, actor=ACTOR)
        error = self.refused("production", "promote", MODEL, 2, stage=PRODUCTION)
        expect("no approvals" in error.detail, f"the promotion was refused for another reason: {error.detail}")

        comment = "validated, accuracy above the gate: ship it"
        say_call(python_call("github", "approve", (OWNER, RUN_ID, APPROVER, PRODUCTION), {}))
        self.registry.approve(OWNER, RUN_ID, APPROVER, PRODUCTION, comment=comment)
        note("what a reviewer's 'Approve and deploy' does in GitHub; the registry asks GitHub, as a GitHub App")

        show(pointer_view(self.call("production", "promote", MODEL, 2, stage=PRODUCTION), history=False))
        last = list(self.clients["owner"].events(MODEL))[-1]
        detail = last["detail"]
        show(
            key_values(
                [
                    ("event", last["type"]),
                    ("approvers", [approver["login"] for approver in detail.get("approvers", [])]),
                    ("run", detail.get("run_id")),
                    ("policy", detail.get("policy_digest")),
                ]
            )
        )
        note("the promotion's event keeps the evidence: who approved which run, under which policy")

    def notification(self) -> None:
        self.step(f"The deployer's webhook gets the {PRODUCTION} release, signed per Standard Webhooks")
        message = self.inbox.wait_for(is_promotion_to(PRODUCTION), NOTIFY_TIMEOUT)
        if message is None:
            raise DemoFailed(f"no promotion to {PRODUCTION} reached {self.hook.url} in {NOTIFY_TIMEOUT:.0f} s")
        show("\n".join(line for line in self.notices if f"promoted to {PRODUCTION}" in line.splitlines()[0]))
        show(key_values([(name, message.headers[name]) for name in ("webhook-id", "webhook-timestamp")]))
        deliveries = self.inbox.delivered()
        now = int(time.time())
        forged = [
            each for each in deliveries if not standard_webhooks.verify(self.hook.secret, each.headers, each.body, now)
        ]
        expect(not forged, f"{len(forged)} of {len(deliveries)} deliveries do not carry a valid signature")
        note(
            f"{len(deliveries)} deliveries so far, every signature verified with the registry's own Standard "
            f"Webhooks code: {', '.join(map(delivery_summary, deliveries))}"
        )

    def second_release(self, training: Training) -> None:
        successor = training.candidates[2]
        self.step(f"The next release, 3 ({successor.semver}): validated, staged, signed off, approved, shipped")
        self.identity("release2", OWNER, run_id=SECOND_RUN_ID, actor=ACTOR)
        report = self.call("release2", "validate", MODEL, 3, stage=PRODUCTION)
        expect(report["passed"] is True, "version 3 failed its validation")
        self.call("staging", "promote", MODEL, 3, stage=STAGE)
        self.call(REVIEWER, "review", MODEL, 3, "approve", comment="card reviewed")
        say_call(python_call("github", "approve", (OWNER, SECOND_RUN_ID, APPROVER, PRODUCTION), {}))
        self.registry.approve(OWNER, SECOND_RUN_ID, APPROVER, PRODUCTION, comment="ship 1.2.0")
        self.identity("production2", OWNER, environment=PRODUCTION, run_id=SECOND_RUN_ID, actor=ACTOR)
        show(pointer_view(self.call("production2", "promote", MODEL, 3, stage=PRODUCTION), history=False))

    def incident(self) -> None:
        self.step(f"Incident: {ON_CALL} of {OPS_TEAM}, on call, rolls {PRODUCTION} back from a laptop")
        self.clients[ON_CALL] = sign_in(self.registry, self.workdir, ON_CALL, ON_CALL_ID, OPS_TEAM)
        error = self.refused(ON_CALL, "promote", MODEL, 3, stage=PRODUCTION)
        expect(error.status == 403, f"ops' forward promotion was refused with {error.status}, not 403")
        note("ops roll back and archive; promoting forward stays with the release workflow's approved job")
        moved = self.call(ON_CALL, "rollback", MODEL, stage=PRODUCTION, comment=INCIDENT)
        show(pointer_view(moved))
        expect(moved["version"] == 2, f"{PRODUCTION} is at version {moved['version']} after the rollback, not 2")
        note(f"one call, no workflow run: the rollback event records {ON_CALL} (by GitHub user id) and the reason")
        if self.inbox.wait_for(is_rollback_of(PRODUCTION), NOTIFY_TIMEOUT) is None:
            raise DemoFailed(f"the rollback of {PRODUCTION} reached no webhook in {NOTIFY_TIMEOUT:.0f} s")
        show("\n".join(line for line in self.notices if f"rolled back in {PRODUCTION}" in line.splitlines()[0]))

    def audit_trail(self) -> None:
        self.step("The audit trail: every change, who made it, before -> after")
        events = list(self.call("owner", "events", MODEL))
        show(events_table(events))
        note(f"{len(events)} events; the owner's refused promotions are on record as denials")
        security = list(itertools.islice(self.call("admin", "security_events"), 5))
        show(events_table(security))
        note(f"{FORK}'s refusal is in the registry's security log, which admins read, not in {MODEL}'s trail")

    def download_and_check(self, training: Training) -> None:
        self.step(f"Download the {ALIAS} (the SDK checks size and sha256 against the registry) and re-score it")
        (self.workdir / "downloads").mkdir()
        path: Path = self.call("owner", "download", f"models:/{MODEL}@{ALIAS}", self.workdir / "downloads")
        predicted = rescore(path, training)
        champion = training.candidates[1]
        same = sum(a == b for a, b in zip(predicted, champion.predictions, strict=True))
        show(key_values([("file", path.name), ("predictions", f"{same}/{len(predicted)} as trained")]))
        expect(predicted == champion.predictions, "the downloaded model predicts unlike the trained one")
        note(f"the registered accuracy {champion.metrics['accuracy']} reproduces")


def delivery_summary(message: Received) -> str:
    """``promoted v2 (production)``"""
    data = message.json().get("data") or {}
    kind = str(data.get("type")).removeprefix("model.version.")
    return f"{kind} v{data.get('version')} ({(data.get('detail') or {}).get('stage')})"


def is_rollback_of(stage: str) -> Callable[[Received], bool]:
    def matches(message: Received) -> bool:
        data = message.json().get("data") or {}
        return bool(
            data.get("type") == "model.version.rolled_back" and (data.get("detail") or {}).get("stage") == stage
        )

    return matches


def is_promotion_to(stage: str) -> Callable[[Received], bool]:
    def matches(message: Received) -> bool:
        data = message.json().get("data") or {}
        return bool(data.get("type") == "model.version.promoted" and (data.get("detail") or {}).get("stage") == stage)

    return matches
