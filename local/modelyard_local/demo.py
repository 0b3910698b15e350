"""``make demo``: release a real scikit-learn model through the local registry, end to end.

``python -m modelyard_local.demo`` starts the local stack in this process (moto, the
local OIDC issuer, a GitHub stand-in, the API and the events pipeline, on free loopback ports)
with a webhook receiver of its own, trains two Iris classifiers, and then drives the
``modelyard`` CLI as a separate process for every registry call, the way a workflow step does:
create the model, register both versions, set an alias, promote to staging and roll back; the
registry's built-in rules refuse an unapproved production promotion before any policy exists; an
admin sets the registry policy (validation gates, production needs an approval); the registry
validates both versions (the weak one fails), the production promotion is refused until
"alice" approves the run in (the stand-in for) GitHub, then goes through; the webhook receives
the promotion and the demo verifies its Standard Webhooks signature. Last: the audit trail,
and the champion downloaded and checked to still score what was registered. A promotion from
a repository that does not own the model, and a policy change by a non-admin, are refused on
purpose.

Exit status 0 when every step did what it should; otherwise the failing command with its
output, and exit status 1.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from modelyard_local.stack import LocalStack

MODEL = "iris-classifier"
OWNER = "acme/fraud-models"
FORK = "evil/fork"
ADMIN = "acme/platform"
STAGE = "staging"
PRODUCTION = "production"
RUN_ID = "4242"
ACTOR = "dev"
APPROVER = "alice"
ALIAS = "champion"
SEED = 7
HOLDOUT = 0.3
DATA_URI = "sklearn://datasets/iris"
FEATURES = ("sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm")
CLI_TIMEOUT = 60.0
NOTIFY_TIMEOUT = 10.0
NOTIFY_PREFIX = "/modelyard/notifications/"
WEBHOOK_CHANNEL = "deployer"
NOTIFIED_EVENTS = ("model.version.promoted", "model.version.rolled_back", "model.version.validated")
SIGNATURE_TOLERANCE = 300

# The registry policy the admin sets: validation gates, and production's promotion rules.
POLICY: dict[str, Any] = {
    "gates": {
        "thresholds": [{"metric": "accuracy", "min": 0.9}],
        "no_regression": [{"metric": "accuracy", "against": f"stage:{PRODUCTION}", "tolerance": 0.01}],
        "required_metadata": ["data_version", "model_card"],
    },
    "stages": {
        STAGE: {},
        PRODUCTION: {
            "from_stages": [STAGE],
            "min_approvals": 1,
            "prevent_self_approval": True,
            "allowed_refs": ["refs/heads/main"],
            "require_validation": True,
        },
    },
}

COMMAND_INDENT = "    "
OUTPUT_INDENT = "      "

# What would make the CLI talk to something else than the demo's registry, pick up a real
# job's OIDC token or lineage, or write GitHub annotations.
_DROPPED_ENV_PREFIXES = ("MODELYARD_", "GITHUB_", "ACTIONS_", "AWS_")

# ``key   value`` lines of the CLI's text output (keys may contain single spaces).
_KEY_VALUE = re.compile(r"^(\S(?:.*?\S)?)\s{2,}(\S.*)$")


def say(text: str = "") -> None:
    print(text, flush=True)


def indented(text: str, prefix: str = OUTPUT_INDENT) -> str:
    return "\n".join(f"{prefix}{line}".rstrip() for line in text.rstrip().splitlines())


def shell_line(words: list[str], width: int = 100) -> str:
    """``words`` as a shell command; a long one is broken before each ``--option``."""
    line = shlex.join(words)
    if len(line) <= width:
        return line
    groups: list[list[str]] = [[]]
    for word in words:
        if word.startswith("-") and groups[-1]:
            groups.append([])
        groups[-1].append(word)
    return " \\\n    ".join(shlex.join(group) for group in groups)


def key_values(text: str) -> dict[str, str]:
    """The first block of ``key  value`` lines of a CLI answer."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            break
        match = _KEY_VALUE.match(line)
        if match:
            found.setdefault(match.group(1), match.group(2))
    return found


def compact_json(value: Any, indent: str = "", width: int = 90) -> str:
    """``value`` as JSON, each object broken over lines only where it would not fit in ``width``."""
    flat = json.dumps(value)
    if not isinstance(value, dict) or not value or len(indent) + len(flat) <= width:
        return flat
    inner = indent + "  "
    entries = ",\n".join(f"{inner}{json.dumps(k)}: {compact_json(v, inner, width)}" for k, v in value.items())
    return f"{{\n{entries}\n{indent}}}"


def gate_rows(text: str) -> list[list[str]]:
    """The rows of ``modelyard validate``'s gate table: ``[ok|FAIL, check, expected, actual, detail]``."""
    rows = []
    for line in text.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if cells[0] in ("ok", "FAIL") and len(cells) >= 2:
            rows.append(cells + [""] * (5 - len(cells)))
    return rows


def token_claims(token: str) -> dict[str, Any]:
    """The (unverified) payload of a JWT, to show what the issuer put in it."""
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class DemoFailed(Exception):
    """A step did not do what the demo expects; ``detail`` holds the command's output."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


def expect(condition: bool, message: str, detail: str = "") -> None:
    if not condition:
        raise DemoFailed(message, detail)


# -- the webhook receiver ---------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    """One POST the receiver got: its headers (names in lower case) and its raw body."""

    headers: dict[str, str]
    body: bytes
    arrived: float  # time.monotonic()

    def json(self) -> dict[str, Any]:
        payload: dict[str, Any] = json.loads(self.body)
        return payload


class WebhookReceiver:
    """A deployer's webhook endpoint on 127.0.0.1 (a free port), recording every POST; answers 204."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self._arrived = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, name="demo-webhook", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks/modelyard"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(204)
                self.end_headers()
                with receiver._arrived:
                    receiver.received.append(
                        Received({k.lower(): v for k, v in self.headers.items()}, body, time.monotonic())
                    )
                    receiver._arrived.notify_all()

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler

    def wait_for(self, event_type: str, stage: str, timeout: float) -> Received | None:
        """The first delivery of ``event_type`` about ``stage``, waiting up to ``timeout`` seconds for it."""

        def found() -> Received | None:
            for message in self.received:
                data = message.json().get("data") or {}
                if data.get("type") == event_type and (data.get("detail") or {}).get("stage") == stage:
                    return message
            return None

        deadline = time.monotonic() + timeout
        with self._arrived:
            while (message := found()) is None and (left := deadline - time.monotonic()) > 0:
                self._arrived.wait(left)
        return message

    def messages(self) -> list[Received]:
        """What arrived so far, oldest first."""
        with self._arrived:
            return list(self.received)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def signature_problem(secret: str, message: Received, now: float) -> str | None:
    """Why ``message`` is not signed with ``secret`` per Standard Webhooks; None when it is."""
    msg_id = message.headers.get("webhook-id")
    timestamp = message.headers.get("webhook-timestamp")
    signatures = message.headers.get("webhook-signature")
    if not msg_id or not timestamp or not signatures:
        return "webhook-id, webhook-timestamp or webhook-signature is missing"
    if not timestamp.isdigit() or abs(now - int(timestamp)) > SIGNATURE_TOLERANCE:
        return f"webhook-timestamp {timestamp} is not within {SIGNATURE_TOLERANCE} s of now"
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + message.body
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures.split()):
        return f"no signature in {signatures!r} matches {expected!r}"
    return None


# -- training --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One trained model, saved and described the way it will be registered."""

    semver: str
    title: str
    path: Path
    estimator: Any
    params: dict[str, Any]
    metrics: dict[str, float]
    predictions: list[int]


@dataclass(frozen=True)
class Training:
    x_holdout: Any
    y_holdout: Any
    train_rows: int
    data_version: str
    data_digest: str
    candidates: tuple[Candidate, Candidate]


def train(workdir: Path) -> Training:
    """Train a weak and a strong Iris classifier on one fixed holdout split; save both with joblib."""
    import joblib
    import numpy as np
    import sklearn
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import train_test_split

    x, y = load_iris(return_X_y=True)
    x_train, x_holdout, y_train, y_holdout = train_test_split(x, y, test_size=HOLDOUT, random_state=SEED, stratify=y)
    data = hashlib.sha256()
    data.update(np.ascontiguousarray(x_train, dtype=np.float64).tobytes())
    data.update(np.ascontiguousarray(y_train, dtype=np.int64).tobytes())

    specs: list[tuple[str, str, str, Any, dict[str, Any]]] = [
        (
            "1.0.0",
            "logistic regression, heavily regularised (C=0.01)",
            "iris-logreg.joblib",
            LogisticRegression(C=0.01, max_iter=500),
            {"estimator": "LogisticRegression", "C": 0.01, "max_iter": 500},
        ),
        (
            "1.1.0",
            "random forest (100 trees, depth 4)",
            "iris-forest.joblib",
            RandomForestClassifier(n_estimators=100, max_depth=4, random_state=SEED),
            {
                "estimator": "RandomForestClassifier",
                "n_estimators": 100,
                "max_depth": 4,
                "random_state": SEED,
            },
        ),
    ]
    candidates: list[Candidate] = []
    for semver, title, filename, estimator, params in specs:
        estimator.fit(x_train, y_train)
        predicted = estimator.predict(x_holdout)
        metrics = {
            "accuracy": round(float(accuracy_score(y_holdout, predicted)), 4),
            "macro_f1": round(float(f1_score(y_holdout, predicted, average="macro")), 4),
        }
        path = workdir / filename
        joblib.dump(estimator, path)
        candidates.append(Candidate(semver, title, path, estimator, params, metrics, [int(p) for p in predicted]))
    return Training(
        x_holdout=x_holdout,
        y_holdout=y_holdout,
        train_rows=len(y_train),
        data_version=f"sklearn-{sklearn.__version__}/train-{round((1 - HOLDOUT) * 100)}pct-seed-{SEED}",
        data_digest=f"sha256:{data.hexdigest()}",
        candidates=(candidates[0], candidates[1]),
    )


def model_card(candidate: Candidate, training: Training) -> str:
    return "\n".join(
        [
            f"# {MODEL} {candidate.semver}: {candidate.title}",
            "",
            "Predicts the Iris species (setosa, versicolor, virginica) from four flower measurements in cm.",
            "",
            f"- Data: {DATA_URI}, stratified holdout split, random_state={SEED} "
            f"({training.train_rows} training rows, {len(training.y_holdout)} holdout rows)",
            f"- Holdout: accuracy {candidate.metrics['accuracy']}, macro F1 {candidate.metrics['macro_f1']}",
            "- Intended use: demonstrating the modelyard release flow; not for botanical decisions.",
            "",
        ]
    )


# -- the demo --------------------------------------------------------------------------------


class Demo:
    """The steps, in order. Registry calls go through the ``modelyard`` CLI in a subprocess."""

    def __init__(self, workdir: Path, cli_env: Mapping[str, str]) -> None:
        self.workdir = workdir
        self.cli_env = dict(cli_env)
        self.stack: LocalStack | None = None
        self.api_url = ""
        self.tokens: dict[str, str] = {}
        self.step_number = 0
        self.step_title = ""
        self.registered: dict[int, dict[str, str]] = {}
        self.receiver: WebhookReceiver | None = None
        self.webhook_secret = new_webhook_secret()
        # The pipeline's notification lines arrive from its thread; they are shown in the notification step.
        self.notices: list[str] = []
        self.policy_digest = ""
        self.verdicts: dict[int, str] = {}
        self.delivered: list[str] = []
        self.last_stderr = ""
        self.production_digest = ""
        self.validation_digest = ""
        self.promoted_at = 0.0
        self.training_candidates: tuple[Candidate, ...] = ()

    # -- helpers

    def step(self, title: str) -> None:
        self.step_number += 1
        self.step_title = title
        say()
        say(f"{self.step_number:>2}. {title}")

    def note(self, text: str) -> None:
        say(indented(text, COMMAND_INDENT + "-> "))

    def cli(self, *args: str, as_var: str = "MODELYARD_TOKEN", expect_exit: int = 0, echo: bool = True) -> str:
        """Run ``modelyard ARGS`` with ``MODELYARD_URL`` and the token minted as ``as_var``; return stdout.

        Its stderr is kept in ``last_stderr``; ``echo=False`` leaves stdout for the caller to show.
        """
        env = dict(self.cli_env)
        if self.api_url:
            env["MODELYARD_URL"] = self.api_url
        prefix = ""
        env["MODELYARD_TOKEN"] = self.tokens[as_var]
        if as_var != "MODELYARD_TOKEN":
            prefix = f"MODELYARD_TOKEN=${as_var} "
        shown = f"{prefix}modelyard {shlex.join(args)}"
        say(indented(f"$ {prefix}modelyard {shell_line(list(args))}", COMMAND_INDENT))
        result = self._run([sys.executable, "-m", "modelyard", *args], env, shown)
        self.last_stderr = result.stderr
        if echo and result.stdout.strip():
            say(indented(result.stdout))
        if result.stderr.strip():
            say(indented(result.stderr))
        if result.returncode != expect_exit:
            raise DemoFailed(
                f"`{shown}` exited with status {result.returncode} (expected {expect_exit})",
                _outputs(result),
            )
        return result.stdout

    def _run(self, command: list[str], env: Mapping[str, str], shown: str) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(
                command,
                cwd=self.workdir,
                env=env,
                capture_output=True,
                text=True,
                timeout=CLI_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise DemoFailed(f"`{shown}` did not finish within {CLI_TIMEOUT:.0f} s") from exc

    def mint(
        self,
        variable: str,
        repository: str,
        environment: str | None = None,
        claims: Mapping[str, str] | None = None,
    ) -> None:
        """``modelyard dev-token`` in a subprocess, shown as the ``export`` a person would type."""
        args = ["dev-token", "--issuer", self._stack().issuer_url, "--repository", repository]
        if environment:
            args += ["--environment", environment]
        for name, value in (claims or {}).items():
            args += ["--claim", f"{name}={value}"]
        shown = f"export {variable}=$(modelyard {shlex.join(args)})"
        say(f"{COMMAND_INDENT}$ {shown}")
        result = self._run([sys.executable, "-m", "modelyard", *args], self.cli_env, shown)
        token = result.stdout.strip()
        if result.returncode != 0 or token.count(".") != 2:
            raise DemoFailed(f"`{shown}` did not print a token", _outputs(result))
        minted = token_claims(token)
        self.tokens[variable] = token
        shown_claims = ", ".join(
            f"{name}={minted[name]}"
            for name in dict.fromkeys(("repository", "environment", "ref", "actor", *(claims or {})))
            if minted.get(name)
        )
        minutes = round((int(minted["exp"]) - int(minted["iat"])) / 60)
        say(indented(f"{token[:24]}... ({len(token)} chars: an RS256 JWT from {minted['iss']})"))
        say(indented(f"claims: {shown_claims}; audience {minted['aud']}, valid {minutes} min"))

    def _stack(self) -> LocalStack:
        if self.stack is None:
            raise RuntimeError("the local stack is not running")
        return self.stack

    # -- the run

    def run(self) -> None:
        self.start_stack()
        self.step(f"Mint OIDC tokens for {OWNER} from the local issuer")
        self.mint("MODELYARD_TOKEN", OWNER)
        self.mint("STAGING_TOKEN", OWNER, environment=STAGE)
        self.note(f"a GitHub job gets such tokens from Actions OIDC; promotions run in the '{STAGE}' environment")
        self.note(f"every `modelyard` below runs as its own process with MODELYARD_URL={self.api_url}")

        training = self.train()
        self.create_and_register(training)
        self.pointers()
        self.refused()
        self.builtin_rules()
        self.set_policy()
        self.validate()
        self.promote_to_production()
        self.notification()
        self.audit_trail()
        self.download_and_check(training)
        self.summary(training)

    def start_stack(self) -> None:
        from modelyard_local.stack import LocalStack

        self.step("Start the local registry: moto, an OIDC issuer, GitHub, the API and the events pipeline")
        began = time.monotonic()
        self.receiver = WebhookReceiver()
        secret_parameter = f"{NOTIFY_PREFIX}{WEBHOOK_CHANNEL}"
        notifications = {
            # put into (moto's) SSM as a SecureString; the routing config only names it
            "parameters": {secret_parameter: self.webhook_secret},
            "channels": [
                {
                    "type": "webhook",
                    "name": WEBHOOK_CHANNEL,
                    "url": self.receiver.url,
                    "secret_parameter": secret_parameter,
                }
            ],
            "routes": [{"channel": WEBHOOK_CHANNEL, "events": list(NOTIFIED_EVENTS), "validations": "failed"}],
        }
        extra_env = {
            # Server logs (INFO: one line per refused request) would interleave with the demo's output.
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "MODELYARD_ADMIN_REPOSITORIES": ADMIN,
        }
        self.stack = LocalStack(
            port=0,
            issuer_port=0,
            moto_port=0,
            extra_env=extra_env,
            github=True,
            notifications=notifications,
            notify_printer=self.notices.append,
        )
        self.stack.start()
        self.api_url = self.stack.api_url
        with urllib.request.urlopen(f"{self.api_url}/v1/health", timeout=10) as answer:  # noqa: S310 - loopback
            health = json.loads(answer.read())
        expect(health.get("status") == "ok", f"GET /v1/health answered {health!r}")
        say(
            indented(
                "\n".join(
                    [
                        f"API      {self.api_url}   (GET /v1/health -> {json.dumps(health)})",
                        f"issuer   {self.stack.issuer_url}",
                        f"moto     {self.stack.moto_url}  (table {self.stack.table_name}, "
                        f"bucket {self.stack.bucket_name})",
                        f"github   {self.stack.github.url}  (stand-in: who approved which run)",
                        f"admins   {ADMIN}  (MODELYARD_ADMIN_REPOSITORIES)",
                        "events   the table's stream -> events consumer -> bus -> notifier (in-process)",
                        f"webhook  '{WEBHOOK_CHANNEL}' -> {self.receiver.url}  (this demo's receiver)",
                        "         routed: promotions, rollbacks, failed validations; "
                        f"whsec_ secret in SSM {secret_parameter}",
                        f"ready in {time.monotonic() - began:.1f} s (`modelyard dev` runs the same stack)",
                    ]
                )
            )
        )

    def train(self) -> Training:
        self.step("Train two scikit-learn classifiers on the Iris data scikit-learn ships")
        training = train(self.workdir)
        self.training_candidates = training.candidates
        for candidate in training.candidates:
            metrics = ", ".join(f"{k} {v:.4f}" for k, v in candidate.metrics.items())
            size = candidate.path.stat().st_size
            say(indented(f"{candidate.semver}  {candidate.title}"))
            say(indented(f"       holdout {metrics}; saved {candidate.path.name} ({size} bytes)"))
        say(
            indented(
                f"data   {DATA_URI}: {training.train_rows} training / "
                f"{len(training.y_holdout)} holdout rows, stratified, random_state={SEED}"
            )
        )
        say(indented(f"       version {training.data_version}"))
        say(indented(f"       digest  {training.data_digest}  (sha256 of the training arrays)"))
        signature = {
            "inputs": [{"name": name, "type": "float"} for name in FEATURES],
            "outputs": [{"name": "species", "type": "int"}],
        }
        (self.workdir / "signature.json").write_text(json.dumps(signature, indent=2) + "\n", encoding="utf-8")
        for candidate in training.candidates:
            card = self.workdir / f"card-{candidate.semver}.md"
            card.write_text(model_card(candidate, training), encoding="utf-8")
        return training

    def create_and_register(self, training: Training) -> None:
        self.step(f"Create the model {MODEL} (the token's repository becomes its owner)")
        out = self.cli(
            "create-model",
            MODEL,
            "--description",
            "Iris species from flower measurements",
            "--tag",
            "team=demo",
        )
        owners = key_values(out).get("owners")
        expect(owners == OWNER, f"the model's owners are {owners!r}, expected {OWNER}", out)

        for number, candidate in enumerate(training.candidates, start=1):
            self.step(f"Register version {number} ({candidate.semver}): {candidate.title}")
            args = [
                "register",
                MODEL,
                candidate.path.name,
                "--format",
                "joblib",
                "--framework",
                "sklearn",
                "--semver",
                candidate.semver,
                *(arg for key, value in candidate.params.items() for arg in ("--param", f"{key}={value}")),
                *(arg for key, value in candidate.metrics.items() for arg in ("--metric", f"{key}={value}")),
                "--model-card",
                f"card-{candidate.semver}.md",
                "--signature-file",
                "signature.json",
                "--data-uri",
                DATA_URI,
                "--data-version",
                training.data_version,
                "--data-digest",
                training.data_digest,
            ]
            out = self.cli(*args)
            found = key_values(out)
            expect(found.get("version") == str(number), f"registered as version {found.get('version')}", out)
            expect(found.get("status") == "ready", f"version {number} is {found.get('status')}, not ready", out)
            local = sha256_file(candidate.path)
            expect(found.get("sha256") == local, f"the registry holds sha256 {found.get('sha256')}, not {local}")
            accuracy = f"accuracy={candidate.metrics['accuracy']:.6g}"
            expect(accuracy in found.get("metrics", ""), f"the registered metrics lack {accuracy}", out)
            self.registered[number] = found

    def pointers(self) -> None:
        self.step(f"Point the alias '{ALIAS}' at version 2")
        self.pointer_is(self.cli("alias", "set", MODEL, ALIAS, "2"), "2")

        self.step(f"Promote version 1 to {STAGE} (with the {STAGE}-environment token)")
        self.pointer_is(self.cli("promote", MODEL, "1", "--stage", STAGE, as_var="STAGING_TOKEN"), "1")

        self.step(f"Promote version 2 to {STAGE}")
        out = self.cli(
            "promote",
            MODEL,
            "2",
            "--stage",
            STAGE,
            "--comment",
            "forest beats logreg",
            as_var="STAGING_TOKEN",
        )
        self.pointer_is(out, "2", previous="1")

        self.step(f"Roll {STAGE} back (one call: the stage keeps its history)")
        out = self.cli("rollback", MODEL, "--stage", STAGE, "--comment", "demo rollback", as_var="STAGING_TOKEN")
        self.pointer_is(out, "1", previous="2")
        self.note(f"{STAGE} is back at version 1 after the rollback")

        self.step(f"Show the {STAGE} pointer with its history")
        out = self.cli("stage", MODEL, STAGE)
        self.pointer_is(out, "1")
        actions = [line.split()[1] for line in out.splitlines() if re.match(r"^\d{4}-\d\d-\d\dT", line)]
        expect(actions == ["rollback", "promote", "promote"], f"the history shows {actions}", out)

        self.step(f"Resolve models:/{MODEL}@{ALIAS}")
        out = self.cli("resolve", f"models:/{MODEL}@{ALIAS}")
        target = key_values(out).get("resolves to")
        expect(target == f"models:/{MODEL}/2", f"the alias resolves to {target}", out)

    def pointer_is(self, out: str, version: str, previous: str | None = None) -> None:
        found = key_values(out)
        expect(found.get("version") == version, f"the pointer is at {found.get('version')}, not {version}", out)
        if previous is not None:
            expect(found.get("previous") == previous, f"previous is {found.get('previous')}, not {previous}", out)

    def refused(self) -> None:
        self.step(f"Governance: a token for {FORK} tries to promote version 2")
        self.mint("FORK_TOKEN", FORK, environment=STAGE)
        self.cli("promote", MODEL, "2", "--stage", STAGE, as_var="FORK_TOKEN", expect_exit=1)
        self.note(
            f"refused as expected: 403 Not allowed, exit status 1 ({FORK} does not own {MODEL}); "
            f"{STAGE} stays at version 1"
        )

    def builtin_rules(self) -> None:
        self.step(f"No policy yet, and {PRODUCTION} is guarded all the same: the owner's {PRODUCTION} job tries v2")
        self.mint("EARLY_TOKEN", OWNER, environment=PRODUCTION, claims={"run_id": "1", "actor": ACTOR})
        self.cli("promote", MODEL, "2", "--stage", PRODUCTION, as_var="EARLY_TOKEN", expect_exit=1)
        expect(
            "no approvals" in self.last_stderr,
            f"the built-in rules did not refuse an unapproved promotion to {PRODUCTION}",
            self.last_stderr,
        )
        self.note(
            f"refused as expected: by default {PRODUCTION} takes only versions that were in {STAGE}, approved "
            "by someone other than the run's actor (an `environment:` claim alone proves nothing)"
        )

    def set_policy(self) -> None:
        self.step(f"An admin ({ADMIN}) sets the registry policy: validation gates and {PRODUCTION}'s rules")
        self.mint("ADMIN_TOKEN", ADMIN)
        path = self.workdir / "policy.json"
        path.write_text(compact_json(POLICY) + "\n", encoding="utf-8")
        say(f"{COMMAND_INDENT}$ cat policy.json")
        say(indented(path.read_text(encoding="utf-8")))
        out = self.cli("policy", "set", "policy.json", as_var="ADMIN_TOKEN")
        found = key_values(out)
        expect(found.get("revision") == "1", f"the policy is at revision {found.get('revision')}, not 1", out)
        digest = found.get("digest", "")
        expect(digest.startswith("sha256:"), f"the policy's digest is {digest!r}", out)
        self.policy_digest = digest
        self.note(
            f"{PRODUCTION} now takes only validated versions that were in {STAGE}, from main, "
            "approved by someone other than the run's actor"
        )

        say(f"{COMMAND_INDENT}# the model's owner is no admin: {OWNER} tries the same")
        self.cli("policy", "set", "policy.json", expect_exit=1)
        expect(
            "Not allowed" in self.last_stderr and "registry admins" in self.last_stderr,
            "the owner's policy change was not refused as forbidden",
            self.last_stderr,
        )
        self.note(f"refused as expected: 403, exit status 1 (only {ADMIN} may set the registry policy)")

    def validate(self) -> None:
        self.step(f"A release run (run {RUN_ID} of {OWNER}) has the registry validate both versions for {PRODUCTION}")
        self.mint("RELEASE_TOKEN", OWNER, claims={"run_id": RUN_ID, "actor": ACTOR})
        for number, candidate in enumerate(self.training_candidates, start=1):
            passes = candidate.metrics["accuracy"] >= POLICY["gates"]["thresholds"][0]["min"]  # 0.8444, 0.9556
            out = self.cli(
                "validate",
                MODEL,
                str(number),
                "--stage",
                PRODUCTION,
                as_var="RELEASE_TOKEN",
                expect_exit=0 if passes else 1,
            )
            found = key_values(out)
            verdict = found.get("verdict", "")
            self.validation_digest = found.get("policy", "")
            checks = gate_rows(out)
            expect(bool(checks), f"the validation of version {number} shows no gates", out)
            failed = [row for row in checks if row[0] == "FAIL"]
            if passes:
                expect(verdict == "passed" and not failed, f"version {number}'s verdict is {verdict!r}", out)
                self.note(f"version {number} passes all {len(checks)} checks: exit status 0")
            else:
                expect(verdict.startswith("FAILED"), f"version {number}'s verdict is {verdict!r}", out)
                shown = "; ".join(f"{row[1]}: expected {row[2]}, actual {row[3]}" for row in failed)
                accuracy = str(candidate.metrics["accuracy"])
                expect(accuracy in shown, f"the failed check does not show accuracy {accuracy}: {shown}", out)
                self.note(f"version {number} failed as expected (exit status 1) -- {shown}")
            self.verdicts[number] = verdict

    def promote_to_production(self) -> None:
        self.step(f"The run's {PRODUCTION} job promotes version 2: refused, nobody has approved the run yet")
        self.mint("PRODUCTION_TOKEN", OWNER, environment=PRODUCTION, claims={"run_id": RUN_ID, "actor": ACTOR})
        self.cli("promote", MODEL, "2", "--stage", PRODUCTION, as_var="PRODUCTION_TOKEN", expect_exit=1)
        expect(
            "no approvals" in self.last_stderr, "the promotion was not refused for want of approvals", self.last_stderr
        )
        self.note(f"refused as expected: 403 policy-violation, exit status 1; {PRODUCTION} stays empty")

        github = self._stack().github
        self.step(f"{APPROVER} approves the deployment to {PRODUCTION} in GitHub (run {RUN_ID})")
        approval = {
            "repository": OWNER,
            "run_id": RUN_ID,
            "login": APPROVER,
            "environment": PRODUCTION,
            "comment": f"validated, accuracy {self.training_candidates[1].metrics['accuracy']}: ship it",
        }
        body = json.dumps(approval)
        say(f"{COMMAND_INDENT}$ curl -sX POST {github.url}/_local/approvals \\")
        say(f"{COMMAND_INDENT}    -H 'Content-Type: application/json' -d {shlex.quote(body)}")
        request = urllib.request.Request(  # noqa: S310 - the loopback GitHub stand-in
            f"{github.url}/_local/approvals",
            data=body.encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
            status, reply = answer.status, answer.read().decode()
        say(indented(f"{status} {reply}"))
        expect(status == 201, f"the GitHub stand-in answered {status} {reply}")
        self.note("what a reviewer's 'Approve and deploy' does; the registry asks GitHub, as a GitHub App")

        self.step(f"The same job promotes version 2 to {PRODUCTION} again: approved, it goes through")
        self.promoted_at = time.monotonic()
        out = self.cli(
            "promote",
            MODEL,
            "2",
            "--stage",
            PRODUCTION,
            "--comment",
            "release 1.1.0",
            as_var="PRODUCTION_TOKEN",
        )
        self.pointer_is(out, "2")
        say(f"{COMMAND_INDENT}# the promotion's event keeps the evidence (the last event, abridged):")
        out = self.cli("events", MODEL, "--json", echo=False)
        events = json.loads(out)
        expect(isinstance(events, list) and bool(events), "`modelyard events --json` printed no events", out)
        last = events[-1]
        detail = last.get("detail") or {}
        shown = {
            "type": last.get("type"),
            "version": last.get("version"),
            "actor": last.get("actor"),
            "before": last.get("before"),
            "after": last.get("after"),
            "detail": {key: detail.get(key) for key in ("stage", "environment", "ref", "run_id", "approvers")}
            | {"policy_digest": detail.get("policy_digest")},
        }
        say(indented(json.dumps(shown, indent=2)))
        expect(last.get("type") == "model.version.promoted", f"the last event is {last.get('type')}", out)
        expect(detail.get("stage") == PRODUCTION, f"the promotion is to {detail.get('stage')}", out)
        approvers = [entry.get("login") for entry in detail.get("approvers") or []]
        expect(approvers == [APPROVER], f"the promotion names approvers {approvers}", out)
        expect(detail.get("run_id") == RUN_ID, f"the promotion names run {detail.get('run_id')}", out)
        digest = str(detail.get("policy_digest") or "")
        expect(
            digest == self.validation_digest,
            f"the promotion names policy digest {digest!r}, validation {self.validation_digest!r}",
            out,
        )
        self.production_digest = digest
        self.note(
            f"{PRODUCTION} holds version 2, approved by {APPROVER} in run {RUN_ID}, under the effective policy "
            f"{digest[:19]}... that validated it (registry policy {self.policy_digest[:19]}..., no override, "
            "no repository policy)"
        )

    def notification(self) -> None:
        receiver = self.receiver
        if receiver is None:
            raise RuntimeError("the webhook receiver is not running")
        self.step(f"The deployer's webhook gets the {PRODUCTION} release, signed (Standard Webhooks)")
        message = receiver.wait_for("model.version.promoted", PRODUCTION, NOTIFY_TIMEOUT)
        if message is None:
            raise DemoFailed(
                f"no promotion to {PRODUCTION} reached {receiver.url} within {NOTIFY_TIMEOUT:.0f} s",
                "\n".join(self.notices) or "(the pipeline printed nothing)",
            )
        waited = message.arrived - self.promoted_at
        problem = signature_problem(self.webhook_secret, message, time.time())
        expect(problem is None, f"the webhook's signature does not verify: {problem}")
        data = message.json().get("data") or {}
        detail = data.get("detail") or {}
        before = (data.get("before") or {}).get("version") or "-"
        after = (data.get("after") or {}).get("version") or "-"
        approvers = ", ".join(
            f"{entry.get('login')} ({entry.get('comment')!r})" for entry in detail.get("approvers") or []
        )
        metrics_before = detail.get("metrics_before") or {}
        metrics_after = detail.get("metrics_after") or {}
        diff = ", ".join(
            f"{name} {metrics_before.get(name, '-')} -> {metrics_after.get(name, '-')}"
            for name in sorted({*metrics_before, *metrics_after})
        )
        signature = message.headers["webhook-signature"]
        say(
            indented(
                "\n".join(
                    [
                        f"POST {receiver.url}  (arrived {waited:.1f} s after `modelyard promote` started)",
                        f"webhook-id         {message.headers['webhook-id']}",
                        f"webhook-timestamp  {message.headers['webhook-timestamp']}",
                        f"webhook-signature  {signature[:24]}...",
                        'signature          verified: HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}"'
                        " with the whsec_ key",
                        "",
                        f"event      {data.get('type')}",
                        f"model      {data.get('model')}, stage {detail.get('stage')}, version {before} -> {after}",
                        f"by         {data.get('actor')}, run {data.get('run_id')}",
                        f"approved   {approvers or '-'}",
                        f"metrics    {diff or '-'}  "
                        + ("(new: no previous holder)" if before == "-" else f"(against version {before})"),
                        f"policy     {detail.get('policy_digest')}",
                    ]
                )
            )
        )
        expect(data.get("model") == MODEL and after == 2, f"the webhook tells of {data.get('model')} v{after}")
        expect(APPROVER in approvers, f"the webhook names approvers {approvers!r}")

        # Every delivery so far (staging moves, the failed validation) carries a valid signature too.
        now = time.time()
        kinds = []
        for each in receiver.messages():
            each_problem = signature_problem(self.webhook_secret, each, now)
            expect(each_problem is None, f"a webhook's signature does not verify: {each_problem}")
            each_data = each.json().get("data") or {}
            each_detail = each_data.get("detail") or {}
            kinds.append(
                f"{each_data.get('type', '?').removeprefix('model.version.')} "
                f"v{each_data.get('version')} ({each_detail.get('stage')})"
            )
        self.delivered = kinds
        self.note(f"{len(kinds)} webhooks so far, all signatures verified: {', '.join(kinds)}")

        say(f"{COMMAND_INDENT}# what the notifier logged for this release:")
        wanted = f"promoted to {PRODUCTION}"
        deadline = time.monotonic() + NOTIFY_TIMEOUT
        while not (lines := [line for line in list(self.notices) if wanted in line.splitlines()[0]]):
            if time.monotonic() > deadline:
                raise DemoFailed(f"the notifier logged no line about {wanted}", "\n".join(self.notices))
            time.sleep(0.05)
        for line in lines:
            say(indented(line))

    def audit_trail(self) -> None:
        self.step("The audit trail: every change, who made it, before -> after")
        out = self.cli("events", MODEL)
        types = [line.split()[1] for line in out.splitlines() if re.match(r"^\d{4}-\d\d-\d\dT", line)]
        wanted = [
            "model.created",
            "model.version.registered",
            "model.version.ready",
            "model.version.registered",
            "model.version.ready",
            "model.alias.set",
            "model.version.promoted",
            "model.version.promoted",
            "model.version.rolled_back",
            "model.promotion.denied",
            "model.version.validated",
            "model.version.validated",
            "model.promotion.denied",
            "model.version.promoted",
        ]
        expect(types == wanted, f"the events are {types}", out)
        denied = [line for line in out.splitlines() if "model.promotion.denied" in line]
        expect(
            len(denied) == 2 and all(OWNER in line for line in denied), "the owner's refusals are not on record", out
        )
        expect(FORK not in out, f"{FORK}'s refused promotion is in {MODEL}'s own trail", out)
        validated = [
            next((word for word in line.split() if word.startswith("status=")), "-")
            for line in out.splitlines()
            if "model.version.validated" in line
        ]
        expect(validated == ["status=failed", "status=passed"], f"the validations are on record as {validated}", out)
        self.note(
            f"{len(types)} events; the owner's two refused promotions changed nothing but are on record as "
            "denials (the registry policy is not a model's event)"
        )
        say(f"{COMMAND_INDENT}# refusals of outsiders go to the registry's security log, which admins read:")
        log = self.cli("security-log", as_var="ADMIN_TOKEN")
        expect(FORK in log and MODEL in log, f"{FORK}'s refused promotion is not in the security log", log)
        self.note(f"{FORK}'s refused promotion is there: nobody can flood another team's audit trail")

    def download_and_check(self, training: Training) -> None:
        import joblib
        import numpy as np

        self.step(f"Download the {ALIAS} (the CLI checks size and sha256 against the registry)")
        out = self.cli("download", f"models:/{MODEL}@{ALIAS}", "-o", "downloads/champion.joblib")
        path = self.workdir / "downloads" / "champion.joblib"
        found = key_values(out)
        registered = self.registered[2]["sha256"]
        expect("verified" in found, "the CLI did not report a verified download", out)
        expect(found.get("sha256") == registered, f"downloaded sha256 {found.get('sha256')} != {registered}", out)
        expect(sha256_file(path) == registered, "the file on disk does not hash to the registered sha256")
        self.note(f"digest verified: sha256 {registered[:16]}... is what version 2 registered")

        self.step("Load the downloaded model and re-score the holdout")
        model = joblib.load(path)
        predicted = [int(p) for p in model.predict(training.x_holdout)]
        champion = training.candidates[1]
        accuracy = round(float(np.mean(np.asarray(predicted) == training.y_holdout)), 4)
        say(indented(f"model      {type(model).__name__} (loaded with joblib from {path.name})"))
        say(indented(f"holdout    {len(predicted)} rows"))
        say(indented(f"accuracy   {accuracy:.4f} now, {champion.metrics['accuracy']:.4f} registered"))
        expect(accuracy == champion.metrics["accuracy"], f"accuracy {accuracy} != {champion.metrics['accuracy']}")
        expect(predicted == champion.predictions, "the downloaded model predicts unlike the trained one")
        self.note(
            f"the registered accuracy reproduces: {len(predicted)}/{len(predicted)} predictions "
            "identical to the model trained in step 3"
        )

    def summary(self, training: Training) -> None:
        minimum = POLICY["gates"]["thresholds"][0]["min"]
        say()
        say("Summary")
        rows = []
        for number, candidate in enumerate(training.candidates, start=1):
            rows.append(
                f"models:/{MODEL}/{number}  {candidate.semver}  {candidate.params['estimator']:<22}  "
                f"accuracy {candidate.metrics['accuracy']:.4f}"
            )
        lines = [
            f"registered  {rows[0]}",
            *(f"            {row}" for row in rows[1:]),
            f"policy      revision 1, set by {ADMIN}: gates accuracy >= {minimum}, no regression vs {PRODUCTION}, "
            f"data_version + model_card; {PRODUCTION} needs 1 approval",
            f"validated   for {PRODUCTION}: version 1 {self.verdicts.get(1)}: accuracy "
            f"{training.candidates[0].metrics['accuracy']} < {minimum}; version 2 {self.verdicts.get(2)}",
            f"{STAGE:<10}  version 1 (promoted 1 -> 2, rolled back to 1)",
            f"{PRODUCTION:<10}  version 2, approved by {APPROVER} (run {RUN_ID}, policy "
            f"{self.production_digest[:19]}...); refused before the approval",
            f"notified    webhook '{WEBHOOK_CHANNEL}' got the {PRODUCTION} promotion, signature verified "
            f"({len(self.delivered)} deliveries in all, every signature verified)",
            f"{ALIAS:<10}  version 2 (downloaded, digest verified, accuracy reproduced)",
            f"refused     promotion by {FORK} (not an owner of {MODEL}: security log); policy change by {OWNER} "
            f"(not an admin); {PRODUCTION} without approval (built-in rules)",
            f"swagger     {self.api_url}/v1/docs  (valid only while the stack runs)",
        ]
        say(indented("\n".join(lines), "  "))

    def stop(self) -> None:
        stack, self.stack = self.stack, None
        if stack is not None:
            stack.stop()
            say("local stack stopped")
        receiver, self.receiver = self.receiver, None
        if receiver is not None:
            receiver.stop()


def _outputs(result: subprocess.CompletedProcess[str]) -> str:
    return "\n".join(
        [
            "stdout:",
            indented(result.stdout or "(empty)", "  "),
            "stderr:",
            indented(result.stderr or "(empty)", "  "),
        ]
    )


def cli_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without what would point the CLI elsewhere."""
    return {name: value for name, value in environ.items() if not name.startswith(_DROPPED_ENV_PREFIXES)}


def _wait_for_signal() -> None:
    """Block until SIGINT or SIGTERM (also when a non-interactive shell started us with SIGINT ignored)."""
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    while not stop.wait(timeout=1):
        pass
    say("stopping...")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m modelyard_local.demo",
        description="Release a scikit-learn model through a local modelyard registry, end to end.",
    )
    parser.add_argument(
        "--keep-running",
        action="store_true",
        help="keep the local stack up after the demo (browse the Swagger page) until Ctrl-C",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    began = time.monotonic()
    cli_env = cli_environment(os.environ)  # before the stack points this process at moto
    say(f"modelyard demo: {MODEL} from training to {PRODUCTION}, through a local registry")
    with tempfile.TemporaryDirectory(prefix="modelyard-demo-") as workdir:
        demo = Demo(Path(workdir), cli_env)
        finished = False
        try:
            demo.run()
            say(indented(f"took        {time.monotonic() - began:.1f} s", "  "))
            finished = True
            if args.keep_running:
                say(f"\nthe registry stays up at {demo.api_url} (Ctrl-C to stop)")
                _wait_for_signal()
        except KeyboardInterrupt:
            if not finished:
                say("interrupted")
                return 130
        except DemoFailed as failure:
            sys.stdout.flush()
            print(f"\nFAILED at step {demo.step_number} ({demo.step_title}): {failure}", file=sys.stderr)
            if failure.detail:
                print(indented(failure.detail, "  "), file=sys.stderr)
            return 1
        except Exception:
            sys.stdout.flush()
            print(f"\nFAILED at step {demo.step_number} ({demo.step_title}):", file=sys.stderr)
            traceback.print_exc()
            return 1
        finally:
            demo.stop()
    say("demo finished: all steps passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
