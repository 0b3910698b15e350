"""Run a script in a fresh interpreter started as a Lambda function starts: the handlers' environment, no
modules loaded yet. The script's last line of output is its JSON report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any


def cold_start(script: str, *args: str, **environment: str) -> Any:
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    env.update(
        MODELYARD_TABLE="modelyard-registry",
        MODELYARD_BUCKET="modelyard-artifacts",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_REGION="us-east-1",
        **environment,
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])
