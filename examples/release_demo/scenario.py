"""Who does what in the demo, and the registry policy the admin sets."""

from __future__ import annotations

from typing import Any

MODEL = "iris-classifier"
OWNER = "acme/fraud-models"  # the repository that creates, registers and releases the model
FORK = "evil/fork"  # a repository that does not own the model
ADMIN = "acme/platform"  # a registry admin (MODELYARD_ADMIN_REPOSITORIES)
ACTOR = "dev"  # who started the release run
APPROVER = "alice"  # the reviewer who approves the run's production deployment in GitHub
RUN_ID = "4242"
SECOND_RUN_ID = "4343"  # the release run of 1.2.0
REVIEWER, REVIEWER_ID, REVIEW_TEAM = "carol", 5005, "acme/model-review"  # signs model cards off in the registry
ON_CALL, ON_CALL_ID, OPS_TEAM = "dave", 6006, "acme/sre"  # the engineer on call for the model's service
INCIDENT = "p99 latency doubled after 1.2.0 shipped; back to 1.1.0 while we look"
STAGE = "staging"
PRODUCTION = "production"
ALIAS = "champion"

WEBHOOK_CHANNEL = "deployer"
NOTIFIED_EVENTS = ("model.version.promoted", "model.version.rolled_back", "model.version.validated")

ACCURACY_GATE = 0.9
POLICY: dict[str, Any] = {
    "gates": {
        "thresholds": [{"metric": "accuracy", "min": ACCURACY_GATE}],
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
            "min_reviews": 1,
        },
    },
}
