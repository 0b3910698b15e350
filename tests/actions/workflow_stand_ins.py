"""Local stand-ins for the third-party actions model-release.yml uses, and a caller repository to check out.

Each stand-in does, on this machine, what the real action does on a GitHub runner, and checks the
inputs the workflow gives it. They are simulations, named as such:

* ``actions/checkout``: copies the caller repository's files (a directory the test prepares) into
  the workspace. It insists on ``persist-credentials: false``.
* ``actions/download-artifact``: copies an artifact (a directory the test prepares, standing in for
  what the caller's training job uploaded) to ``path``.
* ``actions/setup-python``: creates a virtual environment of this machine's Python (whatever the
  requested ``python-version``) and puts it first on PATH, so ``python``/``pip`` install into it, as
  they do into the interpreter setup-python provides (unlike ubuntu-24.04's system Python, whose pip
  refuses to install: PEP 668).
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path

from tests.support.workflow_runner import JobContext, StandIn


def _copy(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, target, dirs_exist_ok=True)


def checkout(caller_repository: Path) -> StandIn:
    def run(job: JobContext, inputs: Mapping[str, str]) -> dict[str, str]:
        assert inputs.get("persist-credentials") == "false", f"{job.name}: checkout must not persist credentials"
        unknown = set(inputs) - {"persist-credentials"}
        assert not unknown, f"{job.name}: checkout inputs {sorted(unknown)} are not modelled"
        _copy(caller_repository, job.workspace)
        return {}

    return run


def download_artifact(artifacts: Mapping[str, Path]) -> StandIn:
    def run(job: JobContext, inputs: Mapping[str, str]) -> dict[str, str]:
        assert set(inputs) == {"name", "path"}, f"{job.name}: download-artifact inputs {sorted(inputs)}"
        source = artifacts.get(inputs["name"])
        assert source is not None, f"{job.name}: no artifact named {inputs['name']!r} was uploaded"
        target = (job.workspace / inputs["path"]).resolve()
        assert target.is_relative_to(job.workspace), f"{job.name}: artifact path {inputs['path']} leaves the workspace"
        _copy(source, target)
        return {"download-path": str(target)}

    return run


def setup_python(job: JobContext, inputs: Mapping[str, str]) -> dict[str, str]:
    assert inputs.get("python-version"), f"{job.name}: setup-python without a python-version"
    assert set(inputs) == {"python-version"}, f"{job.name}: setup-python inputs {sorted(inputs)} are not modelled"
    base = Path(sys.base_prefix) / "bin" / "python3"
    venv = job.temp / "python"
    subprocess.run([str(base), "-m", "venv", str(venv)], check=True, capture_output=True)
    job.path.insert(0, str(venv / "bin"))
    return {"python-version": ".".join(map(str, sys.version_info[:3])), "python-path": str(venv / "bin" / "python")}


def stand_ins(caller_repository: Path, artifacts: Mapping[str, Path]) -> dict[str, StandIn]:
    return {
        "actions/checkout": checkout(caller_repository),
        "actions/download-artifact": download_artifact(artifacts),
        "actions/setup-python": setup_python,
    }


def wheel(directory: Path, name: str, version: str, module_source: str) -> Path:
    """A pure-Python wheel holding one module: an evaluation dependency pip can install offline."""
    dist_info = f"{name}-{version}.dist-info"
    files = {
        f"{name}.py": module_source.encode(),
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{dist_info}/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: modelyard-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(target, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return target
