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
        },
    },
}
