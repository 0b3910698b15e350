"""The workload through MLflow's own client, run by the MLflow virtualenv's python.

``python mlflow_driver.py TRACKING_URI VERSIONS SCRATCH REPORT``. A version is registered as
MLflow users register one: a run, its artifact logged to it (through the server's artifact
proxy), then a model version whose source is that artifact.
"""

from __future__ import annotations

import sys
from pathlib import Path

import mlflow
import registry_workload
from mlflow import MlflowClient


class MlflowRegistry:
    def __init__(self, tracking_uri: str) -> None:
        mlflow.set_tracking_uri(tracking_uri)
        self.client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
        self.experiments: dict[str, str] = {}

    def create_model(self, name: str) -> None:
        self.client.create_registered_model(name)
        self.experiments[name] = self.client.create_experiment(name)

    def register(self, name: str, artifact: Path) -> int:
        run = self.client.create_run(self.experiments[name])
        self.client.log_artifact(run.info.run_id, str(artifact), artifact_path="model")
        source = f"{run.info.artifact_uri}/model"
        return int(self.client.create_model_version(name, source, run_id=run.info.run_id).version)

    def set_alias(self, name: str, alias: str, version: int) -> None:
        self.client.set_registered_model_alias(name, alias, str(version))

    def resolve_alias(self, name: str, alias: str) -> int:
        return int(self.client.get_model_version_by_alias(name, alias).version)

    def get_version(self, name: str, version: int) -> int:
        return int(self.client.get_model_version(name, str(version)).version)

    def list_page(self, name: str, size: int) -> int:
        return len(self.client.search_model_versions(f"name = '{name}'", max_results=size))


if __name__ == "__main__":
    tracking_uri, versions, scratch, report = sys.argv[1:5]
    registry_workload.main(MlflowRegistry(tracking_uri), "bench", int(versions), Path(scratch), Path(report))
