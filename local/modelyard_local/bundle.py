"""Build the Lambda deployment package from ``lambdas/`` and the hash-pinned ``requirements.lock``.

The zip is reproducible: the same lock and sources give the same bytes (entries sorted, every
timestamp 1980-01-01, fixed permissions, no ``.pyc``), so its sha256 says what was deployed.
:func:`bundle_problems` is the contents check every build runs: no development tooling (the local
server, issuer, GitHub stand-in, demo, moto, pytest) and under Lambda's 250 MB unzipped limit.

``python -m modelyard_local.bundle`` builds the template's runtime and architecture (``make bundle``);
``--host`` builds for this interpreter, which is what MiniStack's local Lambda workers run;
``--deploy-template`` also writes ``build/template.json``, the template with every function's
``CodeUri`` on the bundle, which ``make deploy`` hands to ``sam deploy`` (it uploads the zip as is).
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from modelyard_local.bundle_lock import LOCK, REPO, Target, deployed_target, host_target
from modelyard_local.template_resources import load_template

SOURCES = REPO / "lambdas"
PACKAGES = ("modelyard_server",)
BUILD_DIR = REPO / "build" / "lambda"
UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024  # Lambda: 250 MB for the function and its layers, unzipped
# Top-level names that are development tooling: none may reach the deployment package.
DEV_TOOLING = frozenset(
    {"modelyard_local", "release_demo", "modelyard", "moto", "pytest", "_pytest", "uvicorn", "sklearn", "mypy", "ruff"}
)
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Bundle:
    path: Path
    zipped_bytes: int
    unzipped_bytes: int
    files: int
    sha256: str

    def summary(self) -> str:
        mib = 1024 * 1024
        shown = self.path.relative_to(REPO) if self.path.is_relative_to(REPO) else self.path
        return (
            f"{shown}: {self.zipped_bytes / mib:.1f} MiB zipped, "
            f"{self.unzipped_bytes / mib:.1f} MiB unzipped (limit {UNZIPPED_LIMIT_BYTES // mib} MiB), "
            f"{self.files} files, sha256 {self.sha256}"
        )


class BundleRejected(RuntimeError):
    """The package holds development tooling or is over Lambda's size limit."""


def _install_requirements(target: Target, into: Path, lock: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--require-hashes",
            "--no-deps",
            "--no-compile",
            *target.pip_arguments(),
            "--target",
            str(into),
            "-r",
            str(lock),
        ],
        check=True,
    )
    # Console scripts: nothing in Lambda runs them, and their shebang names this machine's interpreter,
    # so they and their RECORD lines go (else the zip's bytes would depend on where it was built).
    shutil.rmtree(into / "bin", ignore_errors=True)
    for record in into.glob("*.dist-info/RECORD"):
        lines = record.read_text().splitlines(keepends=True)
        record.write_text("".join(line for line in lines if not line.startswith("../../bin/")))


def _copy_sources(into: Path) -> None:
    for package in PACKAGES:
        shutil.copytree(
            SOURCES / package, into / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo")
        )


def _write_zip(staging: Path, destination: Path) -> None:
    files = sorted(path for path in staging.rglob("*") if path.is_file())
    with zipfile.ZipFile(destination, "w") as archive:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(staging).as_posix(), date_time=_ZIP_EPOCH)
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes(), compresslevel=9)


def bundle_problems(path: Path, limit_bytes: int = UNZIPPED_LIMIT_BYTES) -> list[str]:
    """What makes this zip unfit to deploy (empty when it is fine)."""
    with zipfile.ZipFile(path) as archive:
        entries = archive.infolist()
    problems = []
    top_level = {entry.filename.split("/", 1)[0].removesuffix(".py") for entry in entries}
    for name in sorted(top_level & DEV_TOOLING):
        problems.append(f"development tooling in the bundle: {name}")
    for name in sorted(name for name in top_level if name.endswith(".dist-info")):
        project = name.split("-", 1)[0].lower()
        if project in DEV_TOOLING:
            problems.append(f"development tooling in the bundle: {name}")
    unzipped = sum(entry.file_size for entry in entries)
    if unzipped > limit_bytes:
        problems.append(f"{unzipped} bytes unzipped, over Lambda's limit of {limit_bytes}")
    return problems


def describe(path: Path) -> Bundle:
    with zipfile.ZipFile(path) as archive:
        entries = archive.infolist()
    return Bundle(
        path=path,
        zipped_bytes=path.stat().st_size,
        unzipped_bytes=sum(entry.file_size for entry in entries),
        files=len(entries),
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
    )


def build_bundle(target: Target, out_dir: Path = BUILD_DIR, lock: Path = LOCK) -> Bundle:
    """Build, check and describe the package for ``target``; raise :class:`BundleRejected` if unfit."""
    out_dir.mkdir(parents=True, exist_ok=True)
    destination = out_dir / f"modelyard-{target.label}.zip"
    with tempfile.TemporaryDirectory(prefix="modelyard-bundle-") as scratch:
        staging = Path(scratch)
        _install_requirements(target, staging, lock)
        _copy_sources(staging)
        _write_zip(staging, destination)
    problems = bundle_problems(destination)
    if problems:
        raise BundleRejected("; ".join(problems))
    return describe(destination)


def deploy_template(bundle: Path, destination: Path) -> Path:
    """infra/template.yaml with every function's code in ``bundle`` (a path relative to ``destination``)."""
    template = copy.deepcopy(load_template())  # the parsed template is cached and shared: not ours to change
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = bundle.relative_to(destination.parent).as_posix()
    destination.write_text(json.dumps(template, indent=2) + "\n")
    return destination


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", action="store_true", help="build for this interpreter (the emulator's workers)")
    parser.add_argument("--deploy-template", action="store_true", help="also write build/template.json for sam deploy")
    arguments = parser.parse_args(argv)
    target = host_target() if arguments.host else deployed_target()
    bundle = build_bundle(target)
    print(bundle.summary())
    if arguments.deploy_template:
        written = deploy_template(bundle.path, REPO / "build" / "template.json")
        print(f"{written.relative_to(REPO)}: infra/template.yaml with every function's CodeUri on the bundle")


if __name__ == "__main__":
    main()
