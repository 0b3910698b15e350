"""MLflow in a virtualenv of its own (``.venv-mlflow``, git-ignored), created on first use.

MLflow is no dependency of modelyard: it is installed only for the comparison benchmark, pinned,
so figures from different days compare one MLflow with itself.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

MLFLOW_VERSION = "3.17.2"
REPO = Path(__file__).resolve().parents[2]
VENV = REPO / ".venv-mlflow"
INSTALL_TIMEOUT = 1800


def mlflow_venv() -> Path:
    """The virtualenv's directory, with ``mlflow==MLFLOW_VERSION`` installed."""
    stamp = VENV / f".installed-mlflow-{MLFLOW_VERSION}"
    if not stamp.exists():
        if not (VENV / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        pip = [str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*pip, f"mlflow=={MLFLOW_VERSION}"], check=True, timeout=INSTALL_TIMEOUT)
        stamp.touch()
    return VENV


def mlflow_python() -> Path:
    return mlflow_venv() / "bin" / "python"


def mlflow_executable() -> Path:
    return mlflow_venv() / "bin" / "mlflow"
