"""`make demo` runs to the end: a real scikit-learn release through the local registry."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _demo_environment() -> dict[str, str]:
    # Nothing of a surrounding CI job or registry may steer the demo's CLI calls.
    dropped = ("GITHUB_", "ACTIONS_", "MODELYARD_", "AWS_")
    env = {name: value for name, value in os.environ.items() if not name.startswith(dropped)}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "actions"), str(REPO / "lambdas"), str(REPO / "local")])
    return env


def test_demo_releases_a_model_end_to_end() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "modelyard_local.demo"],
        cwd=REPO,
        env=_demo_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out = result.stdout
    assert result.returncode == 0, f"stdout:\n{out}\nstderr:\n{result.stderr}"

    # both versions registered, with their semver labels, and ready
    assert re.search(r"^\s+uri\s+models:/iris-classifier/1$", out, re.MULTILINE)
    assert re.search(r"^\s+uri\s+models:/iris-classifier/2$", out, re.MULTILINE)
    assert re.search(r"^\s+semver\s+1\.0\.0$", out, re.MULTILINE)
    assert re.search(r"^\s+semver\s+1\.1\.0$", out, re.MULTILINE)
    assert out.count("status     ready") == 2
    # promote 1, promote 2, roll back: staging is at version 1 again
    assert "staging is back at version 1 after the rollback" in out
    assert re.search(r"^\s+staging\s+version 1 ", out, re.MULTILINE)
    # the champion alias resolves to version 2, which is what was downloaded and verified
    assert re.search(r"^\s+resolves to\s+models:/iris-classifier/2$", out, re.MULTILINE)
    assert "verified    sha256 and size match the registry" in out
    assert "digest verified" in out
    assert "the registered accuracy reproduces" in out
    # the audit trail has the rollback, the validations, and the fork's promotion was refused
    assert "model.version.rolled_back" in out
    assert "model.version.validated" in out
    assert "error: Not allowed: repository 'evil/fork' does not own model 'iris-classifier'" in out
    assert "refused as expected" in out
    # an admin sets the registry policy; the model's owner may not
    assert re.search(r"^\s+revision\s+1$", out, re.MULTILINE)
    assert "error: Not allowed: setting the registry policy is for registry admins" in out
    # the registry validates for production: version 1 fails the accuracy gate (exit 1), version 2 passes
    assert re.search(r"^\s+verdict\s+FAILED \(1 of 4 checks\)$", out, re.MULTILINE)
    assert re.search(r"^\s+FAIL\s+accuracy >= 0\.9\s+>= 0\.9\s+0\.8444\b", out, re.MULTILINE)
    assert "version 1 failed as expected (exit status 1)" in out
    assert re.search(r"^\s+verdict\s+passed$", out, re.MULTILINE)
    assert "version 2 passes all 4 checks: exit status 0" in out
    # production is refused without an approval, then promoted once alice has approved run 4242
    assert "run 4242 has no approvals" in out
    assert "refused as expected: 403 policy-violation" in out
    assert re.search(r"^\s+stage\s+iris-classifier/production\n\s+version\s+2$", out, re.MULTILINE)
    assert "production holds version 2, approved by alice in run 4242" in out
    assert re.search(r"^\s+production\s+version 2, approved by alice \(run 4242, policy sha256:", out, re.MULTILINE)
    # the webhook got the production promotion, and its Standard Webhooks signature verified
    assert re.search(r"^\s+signature\s+verified: HMAC-SHA256", out, re.MULTILINE)
    assert re.search(r"^\s+model\s+iris-classifier, stage production, version - -> 2$", out, re.MULTILINE)
    assert re.search(r"^\s+approved\s+alice\b", out, re.MULTILINE)
    assert "[notify → webhook:deployer] iris-classifier v2 promoted to production" in out
    assert "got the production promotion, signature verified" in out
    assert "swagger" in out and "/v1/docs" in out
    assert "local stack stopped" in out
    assert "demo finished: all steps passed" in out
