"""The deployment package's contents check: development tooling and oversize packages are refused."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from modelyard_local.bundle import bundle_problems, deploy_template
from modelyard_local.bundle_lock import LOCK, REQUIREMENTS, deployed_target
from modelyard_local.template_resources import load_template


def _zip(path: Path, names: list[str], size: int = 10) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name in names:
            archive.writestr(name, b"x" * size)
    return path


def test_a_runtime_only_package_passes(tmp_path: Path) -> None:
    names = ["modelyard_server/__init__.py", "pydantic/__init__.py", "pynamodb-6.1.0.dist-info/METADATA"]
    assert bundle_problems(_zip(tmp_path / "ok.zip", names)) == []


@pytest.mark.parametrize(
    "name",
    [
        "modelyard_local/issuer.py",
        "modelyard_local/github.py",
        "release_demo/__main__.py",
        "moto/__init__.py",
        "pytest/__init__.py",
        "_pytest/runner.py",
        "moto-5.1.0.dist-info/METADATA",
    ],
)
def test_development_tooling_is_refused(tmp_path: Path, name: str) -> None:
    problems = bundle_problems(_zip(tmp_path / "dev.zip", ["modelyard_server/__init__.py", name]))
    assert len(problems) == 1
    assert "development tooling" in problems[0]


def test_a_package_over_the_unzipped_limit_is_refused(tmp_path: Path) -> None:
    path = _zip(tmp_path / "big.zip", ["modelyard_server/__init__.py", "blob.bin"], size=600)
    assert bundle_problems(path, limit_bytes=2000) == []
    assert "over Lambda's limit" in bundle_problems(path, limit_bytes=1000)[0]


def test_the_lock_pins_every_requirement_with_hashes_for_the_deployed_runtime() -> None:
    lock = LOCK.read_text()
    assert f"py{deployed_target().python_version}-{deployed_target().platform}" in lock
    pinned = {line.split("==")[0] for line in lock.splitlines() if "==" in line and not line.startswith("#")}
    for requirement in REQUIREMENTS.read_text().splitlines():
        if requirement and not requirement.startswith("#"):
            name = requirement.split("[")[0].split("=")[0].split(">")[0].split("<")[0].strip().lower()
            assert name in pinned, f"{name} is in requirements.txt but not pinned in requirements.lock (make lock)"
    entries = lock.split("==")[1:]
    assert all("--hash=sha256:" in entry for entry in entries)


def test_the_deploy_template_is_the_template_with_every_function_on_the_bundle(tmp_path: Path) -> None:
    (tmp_path / "lambda").mkdir()
    bundle = _zip(tmp_path / "lambda" / "modelyard.zip", ["modelyard_server/__init__.py"])
    written = json.loads(deploy_template(bundle, tmp_path / "template.json").read_text())
    original = load_template()
    functions = [k for k, v in original["Resources"].items() if v["Type"] == "AWS::Serverless::Function"]
    assert len(functions) == 5
    for logical_id in functions:
        assert written["Resources"][logical_id]["Properties"]["CodeUri"] == "lambda/modelyard.zip"
        written["Resources"][logical_id]["Properties"]["CodeUri"] = "../lambdas/"
    assert written == original
