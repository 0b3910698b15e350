"""Importing from a real ``mlflow server`` (MLflow in its own virtualenv, installed on first use).

MLflow's own client seeds the server (a registered model with three versions logged from runs,
an alias, an archived version); the importer copies it into the local registry; a second MLflow
version then arrives and a re-run imports only that one. The registry's state is checked, not the
importer's narration.
"""

from __future__ import annotations

import os
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from modelyard.errors import ClientError
from modelyard.mlflow_import import import_models
from tests.e2e.conftest import Cli
from tests.perf.bench_servers import MLFLOW_QUIET, MlflowServer
from tests.perf.mlflow_env import mlflow_executable, mlflow_python

SEED = """
import sys
from pathlib import Path
import mlflow
from mlflow import MlflowClient

url, workdir, first, last, name = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
mlflow.set_tracking_uri(url)
client = MlflowClient()
if first == 1:
    client.create_registered_model(name, tags={"team": "risk"}, description="Flags card fraud")
for number in range(first, last + 1):
    with mlflow.start_run() as run:
        mlflow.log_param("max_depth", str(3 + number))
        mlflow.log_metric("auc", 0.8 + number / 100)
        folder = workdir / name / f"model-{number}"
        (folder / "weights").mkdir(parents=True)
        (folder / "MLmodel").write_text(f"flavors: {{}}\\nversion: {number}\\n")
        (folder / "weights" / "model.pkl").write_bytes(bytes([number]) * 4096)
        mlflow.log_artifacts(str(folder), artifact_path="model")
        client.create_model_version(
            name, source=f"{run.info.artifact_uri}/model", run_id=run.info.run_id,
            tags={"reviewed": "yes"}, description=f"candidate {number}",
        )
if first == 1:
    client.set_registered_model_alias(name, "Champion", "2")
    client.transition_model_version_stage(name, "1", "Archived")
    if last >= 3:
        client.transition_model_version_stage(name, "3", "Production")
"""


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    workdir = tmp_path_factory.mktemp("mlflow")
    with MlflowServer(mlflow_executable(), workdir) as server:
        yield server.start()


def seed(server: MlflowServer, workdir: Path, first: int, last: int, name: str = "Fraud Detector") -> None:
    env = {**os.environ, **MLFLOW_QUIET}
    command = [str(mlflow_python()), "-c", SEED, server.url, str(workdir), str(first), str(last), name]
    done = subprocess.run(command, check=False, env=env, timeout=300, capture_output=True, text=True)
    assert done.returncode == 0, f"seeding MLflow failed:\n{done.stderr}"


def unpacked(client: Any, name: str, version: int, scratch: Path) -> dict[str, bytes]:
    target = client.download(f"models:/{name}/{version}", scratch / f"{name}-{version}.tar.gz")
    with tarfile.open(target) as archive:
        return {
            member.name: archive.extractfile(member).read()  # type: ignore[union-attr]
            for member in archive.getmembers()
            if member.isfile()
        }


def test_import_copies_models_versions_and_aliases_then_only_what_is_new(
    mlflow_server: MlflowServer, client: Any, tmp_path: Path
) -> None:
    seed(mlflow_server, tmp_path, 1, 3)

    first = import_models(client, mlflow_server.url)

    [model] = first
    assert (model.name, model.created, model.imported) == ("fraud-detector", True, {1: 1, 2: 2, 3: 3})
    registered = client.get_model("fraud-detector")
    assert (registered["description"], registered["tags"]) == ("Flags card fraud", {"team": "risk"})
    statuses = {v["version"]: v["status"] for v in client.list_versions("fraud-detector")}
    assert statuses == {1: "archived", 2: "ready", 3: "ready"}
    third = client.get_version("fraud-detector", 3)
    assert third["metrics"] == {"auc": pytest.approx(0.83)}
    assert third["params"] == {"max_depth": "6"}
    assert third["description"] == "candidate 3"
    assert third["tags"]["reviewed"] == "yes"
    assert (third["tags"]["mlflow.model"], third["tags"]["mlflow.version"]) == ("Fraud Detector", "3")
    files = unpacked(client, "fraud-detector", 3, tmp_path)
    assert sorted(files) == ["MLmodel", "weights/model.pkl"]
    assert files["weights/model.pkl"] == bytes([3]) * 4096
    assert files["MLmodel"].startswith(b"flavors: {}\nversion: 3")
    assert client.get_alias("fraud-detector", "champion")["version"] == 2
    # production is promoted from a job in the production environment, never by an import: left, and said why
    assert client.get_stage("fraud-detector", "production")["version"] is None
    assert [note for note in model.notes if note.startswith("stage production (MLflow v3) not set")]

    seed(mlflow_server, tmp_path, 4, 4)
    second = import_models(client, mlflow_server.url, ["Fraud Detector"])

    assert (second[0].created, second[0].already, second[0].imported) == (False, {1: 1, 2: 2, 3: 3}, {4: 4})
    assert second[0].aliases == {}  # champion already pointed at the right version
    assert sorted(v["version"] for v in client.list_versions("fraud-detector")) == [1, 2, 3, 4]
    assert import_models(client, mlflow_server.url)[0].imported == {}


def test_cli_imports_one_model_then_fetches_its_champion_unpacked(
    mlflow_server: MlflowServer, cli: Cli, client: Any, tmp_path: Path
) -> None:
    seed(mlflow_server, tmp_path, 1, 2, name="Churn Model")

    imported = cli.run("import-mlflow", "--tracking-uri", mlflow_server.url, "--model", "Churn Model", "--json").json()

    assert [(m["name"], m["imported"]) for m in imported] == [("churn-model", {"1": 1, "2": 2})]
    assert client.get_alias("churn-model", "champion")["version"] == 2
    fetched = cli.run("fetch", "models:/churn-model@champion", env={"MODELYARD_CACHE_DIR": str(tmp_path / "cache")})
    folder = Path(fetched.stdout.strip())
    assert (folder / "weights" / "model.pkl").read_bytes() == bytes([2]) * 4096


def test_an_unknown_mlflow_model_is_an_error_that_imports_nothing(mlflow_server: MlflowServer, client: Any) -> None:
    with pytest.raises(ClientError, match="RESOURCE_DOES_NOT_EXIST"):
        import_models(client, mlflow_server.url, ["No Such Model"])
    assert [m["name"] for m in client.list_models() if m["name"] == "no-such-model"] == []


def test_a_tracking_uri_that_is_not_http_is_refused() -> None:
    with pytest.raises(ClientError, match="tracking-uri"):
        import_models(None, "file:///tmp/mlruns")  # type: ignore[arg-type]
