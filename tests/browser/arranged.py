"""The registry the page tests look at, arranged once per module through the SDK as its users would make it.

`churn` (tags team=retention, tier=gold) has three versions with metrics, params and a signature: v3 was made
from v2 (its parent) on a known data version and commit. v1, v2 and then v3 went through staging to
production, each with the GitHub App's approval of its workflow run. v2 was validated and signed off by a
reviewer. v2's model card and the model's description are hostile (every markdown injection a card may try),
and so are v2's description and v1's data URI.

`fraud` (team=risk) is there so that finding by tag has something to leave out. `marketing/churn`, a model in
namespace marketing, has two versions (v2 made from v1), both through staging.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelyard.client_namespaces import grantee
from modelyard_local.issuer import local_repository_id
from modelyard_local.stack import LocalStack
from tests.browser.people import ADMIN_REPOSITORY
from tests.e2e.conftest import http, sdk, write_bytes

OWNER = "acme/retention"
MODEL = "churn"
OTHER_MODEL = "fraud"
NAMESPACE = "marketing"
NAMESPACED = f"{NAMESPACE}/churn"
TAG = "team=retention"
COMMIT = "5e1f0c3a9b7d2e4f6a8c0b1d3e5f7a9c2b4d6e8f"
DATA_VERSION = "crm-2026-11"
REVIEWER = "rae"
REVIEWER_TEAM = "acme/model-review"
APPROVER = "carol"
EVIL_HOST = "evil.example"
# Each line is an attempt to run script, load something or escape the card: a browser must show all of it inert.
INJECTION = "\n\n".join(
    (
        "# Churn model card",
        "<script>alert('card script')</script>",
        "<img src=x onerror=alert(1)>",
        "[x](javascript:alert(1))",
        f"![a](https://{EVIL_HOST}/a.png)",
        f'<iframe src="https://{EVIL_HOST}/frame"></iframe>',
        '<a href="javascript:alert(2)">raw link</a> <svg onload=alert(3)></svg>',
        f"[ref][r]\n\n[r]: javascript:alert(4)\n\n![ref image][i]\n\n[i]: https://{EVIL_HOST}/i.png",
        "Intended use: scoring **monthly** churn risk.",
    )
)
HOSTILE_DESCRIPTION = (
    f"Churn risk <script>alert('description')</script> <img src=x onerror=alert(5)> "
    f"![d](https://{EVIL_HOST}/d.png) [click](javascript:alert(6))"
)
HOSTILE_DATA_URI = "javascript://crm%0Aalert(8)"  # v1's lineage: a URL that must never become a link
METRICS = (
    {"auc": 0.81, "recall": 0.62, "log_loss": 0.41},
    {"auc": 0.86, "recall": 0.66, "log_loss": 0.37},
    {"auc": 0.84, "recall": 0.71, "log_loss": 0.39},
)
PARAMS = (
    {"max_depth": 4, "learning_rate": 0.1},
    {"max_depth": 6, "learning_rate": 0.1},
    {"max_depth": 6, "learning_rate": 0.05, "subsample": 0.8},
)
SIGNATURE = {
    "inputs": [
        {"name": "tenure_months", "type": "int64", "shape": [None, 1]},
        {"name": "monthly_spend", "type": "float64", "shape": [None, 1]},
    ],
    "outputs": [{"name": "churn_probability", "type": "float32"}],
}


@dataclass(frozen=True)
class Arranged:
    registry: LocalStack
    admin: Any  # the SDK, as a workflow of the admin repository

    def production(self) -> int | None:
        """The version production holds, as the API says."""
        held = self.admin.get_stage(MODEL, "production").get("version")
        return None if held is None else int(held)

    def events(self, kind: str) -> list[dict[str, Any]]:
        return [event for event in self.admin.events(MODEL) if event["type"] == kind]


def person_sdk(registry: LocalStack, login: str) -> Any:
    """The SDK as `login`, signed in with a GitHub token (the API's own session exchange)."""
    github_token = registry.github.people.token_for(login)
    body = json.dumps({"github_token": github_token}).encode()
    answer = http("POST", f"{registry.api_url}/v1/sessions", body=body, headers={"Content-Type": "application/json"})
    assert answer.status in (200, 201), answer.body
    return sdk(registry, answer.json()["token"])


def arrange(registry: LocalStack, workdir: Path) -> Arranged:
    admin = sdk(registry, registry.mint(repository=ADMIN_REPOSITORY))
    admin.set_policy(
        {
            "gates": {"thresholds": [{"metric": "auc", "min": 0.8}, {"metric": "recall", "min": 0.6}]},
            "stages": {"production": {"min_approvals": 1, "from_stages": ["staging"]}},
        }
    )
    admin.grant_role("reviewer", "*", team=REVIEWER_TEAM, label="Model reviewers")
    registry.github.people.add_person(REVIEWER, teams=(REVIEWER_TEAM,))
    _churn(registry, workdir)
    _released(registry)
    other = sdk(registry, registry.mint(repository="acme/risk"))
    other.create_model(OTHER_MODEL, description="Card fraud scores", tags={"team": "risk"})
    other.register(OTHER_MODEL, write_bytes(workdir / "fraud.bin", b"fraud"), metrics={"auc": 0.9})
    _namespaced(registry, admin, workdir)
    return Arranged(registry, admin)


def _churn(registry: LocalStack, workdir: Path) -> None:
    """churn's three versions, v2 validated for production and signed off."""
    owner = sdk(registry, registry.mint(repository=OWNER, sha=COMMIT))
    owner.create_model(MODEL, description=HOSTILE_DESCRIPTION, tags={"team": "retention", "tier": "gold"})
    for number in (1, 2, 3):
        owner.register(
            MODEL,
            write_bytes(workdir / f"churn-{number}.joblib", f"churn weights {number}".encode()),
            format="joblib",
            framework="sklearn",
            semver=f"1.{number - 1}.0",
            params=PARAMS[number - 1],
            metrics=METRICS[number - 1],
            signature=SIGNATURE,
            model_card=INJECTION if number == 2 else f"# Churn v{number}\n\nRetrained monthly.",
            lineage={
                "data_uri": HOSTILE_DATA_URI if number == 1 else "s3://acme-data/crm/churn",
                "data_version": DATA_VERSION if number == 3 else f"crm-2026-{8 + number:02d}",
                "commit": COMMIT,
                "parents": [f"models:/{MODEL}/{number - 1}"] if number > 1 else [],
            },
            description="<b>bold?</b> retrained on <script>alert(7)</script>" if number == 2 else None,
        )
    owner.validate(MODEL, 2, stage="production")
    person_sdk(registry, REVIEWER).review(MODEL, 2, "approve", comment="card reviewed: data and intended use stated")


def _released(registry: LocalStack) -> None:
    """Each churn version to staging, then to production by its release run once the GitHub App sees it approved."""
    staging = sdk(registry, registry.mint(repository=OWNER, environment="staging"))
    for number in (1, 2, 3):
        staging.promote(MODEL, number, stage="staging")
        run_id = f"90{number}"
        registry.github.approve(OWNER, run_id, APPROVER, "production", comment=f"ship v{number}")
        deployer = sdk(registry, registry.mint(repository=OWNER, environment="production", run_id=run_id))
        deployer.promote(MODEL, number, stage="production", comment=f"release {number}")


def _namespaced(registry: LocalStack, admin: Any, workdir: Path) -> None:
    admin.create_namespace(NAMESPACE, [grantee(repository=local_repository_id(OWNER))])
    owner = sdk(registry, registry.mint(repository=OWNER))
    owner.create_model(NAMESPACED, tags={"team": "growth"})
    for number in (1, 2):
        owner.register(
            NAMESPACED,
            write_bytes(workdir / f"marketing-{number}.bin", f"marketing churn {number}".encode()),
            metrics={"auc": 0.7 + number / 100},
            lineage={"parents": [f"models:/{NAMESPACED}/1"]} if number == 2 else None,
        )
    staging = sdk(registry, registry.mint(repository=OWNER, environment="staging"))
    for number in (1, 2):
        staging.promote(NAMESPACED, number, stage="staging")
