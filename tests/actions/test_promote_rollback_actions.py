"""actions/promote and actions/rollback, from jobs with and without the stage's environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from modelyard.errors import RegistryError
from modelyard_local.stack import LocalStack
from tests.actions.conftest import sdk
from tests.support.actions_runner import Job, Runner


def three_versions(stack: LocalStack, workspace: Path, model: str) -> Any:
    client = sdk(stack)
    for number, auc in enumerate((0.81, 0.86, 0.9), start=1):
        path = workspace / f"v{number}.onnx"
        path.write_bytes(f"model {number}".encode())
        client.register(model, path, metrics={"auc": auc}, create_model=True)
    return client


def stage_version(client: Any, model: str, stage: str) -> int | None:
    try:
        return client.get_stage(model, stage)["version"]
    except RegistryError as exc:
        if exc.status != 404:
            raise
        return None


def test_promote_from_the_stage_environment(
    runner: Runner, workspace: Path, stack: LocalStack, model_name: str
) -> None:
    client = three_versions(stack, workspace, model_name)
    staging = Job(environment="staging")
    first = runner.run(
        "promote", {"api-url": runner.api_url, "model": model_name, "version": "1", "stage": "staging"}, staging
    )
    assert first.ok, str(first)
    assert first.outputs == {"version": "1", "previous-version": "", "changed": "true"}

    client.set_alias(model_name, "champion", 2)
    second = runner.run(
        "promote",
        {
            "api-url": runner.api_url,
            "model": model_name,
            "version": f"models:/{model_name}@champion",
            "stage": "staging",
            "comment": "beats v1 on auc",
        },
        staging,
    )
    assert second.ok, str(second)
    assert second.outputs == {"version": "2", "previous-version": "1", "changed": "true"}
    pointer = client.get_stage(model_name, "staging")
    assert pointer["version"] == 2
    assert [h["comment"] for h in pointer["history"] if h["version"] == 2] == ["beats v1 on auc"]
    assert f"promoted `{model_name}` v2 to `staging`" in second.summary
    assert "| `auc` | 0.86 | 0.81 | +0.05 |" in second.summary
    assert "previous: v1" in second.summary
    page = runner.api_url.rstrip("/") + f"/ui/models/{model_name}/versions/2"
    assert f"| registry page | [v2]({page}) |" in second.summary  # the version's page on the registry it used
    events = [e for e in client.events(model_name) if e["type"] == "model.version.promoted"]
    assert events[-1]["run_id"] == staging.run_id


def test_promoting_what_the_stage_holds_says_so_and_changes_nothing(
    runner: Runner, workspace: Path, stack: LocalStack, model_name: str
) -> None:
    client = three_versions(stack, workspace, model_name)
    inputs = {"api-url": runner.api_url, "model": model_name, "version": "2", "stage": "staging"}
    for number in ("1", "2"):
        assert runner.run("promote", {**inputs, "version": number}, Job(environment="staging")).ok
    events = len(list(client.events(model_name)))
    again = runner.run("promote", inputs, Job(environment="staging"))
    assert again.ok, str(again)
    assert again.outputs == {"version": "2", "previous-version": "2", "changed": "false"}
    assert f"`staging` of `{model_name}` already holds v2" in again.summary
    assert "was v1" not in str(again)
    assert len(list(client.events(model_name))) == events
    outside = runner.run("promote", inputs, Job())
    assert outside.returncode == 1, str(outside)
    assert "environment: staging" in outside.errors[0].message


def test_promotion_from_a_job_without_the_environment_is_refused(
    runner: Runner, workspace: Path, stack: LocalStack, model_name: str
) -> None:
    client = three_versions(stack, workspace, model_name)
    for job in (Job(), Job(environment="staging")):
        result = runner.run(
            "promote", {"api-url": runner.api_url, "model": model_name, "version": "3", "stage": "production"}, job
        )
        assert result.returncode == 1, str(result)
        assert len(result.errors) == 1, str(result)
        error = result.errors[0]
        assert "(HTTP 403)" in error.properties["title"]
        assert "environment: production" in error.message
        assert result.outputs["version"] == ""
    assert stage_version(client, model_name, "production") is None


def test_promote_unknown_model_and_missing_permission(runner: Runner, model_name: str) -> None:
    inputs = {"api-url": runner.api_url, "model": model_name, "version": "1", "stage": "staging"}
    unknown = runner.run("promote", inputs, Job(environment="staging"))
    assert unknown.returncode == 1 and len(unknown.errors) == 1, str(unknown)
    assert "(HTTP 404)" in unknown.errors[0].properties["title"]
    no_token = runner.run("promote", inputs, Job(environment="staging", id_token=False))
    assert no_token.returncode == 1 and len(no_token.errors) == 1, str(no_token)
    assert "id-token: write" in no_token.errors[0].message


def test_rollback_to_the_previous_holder_and_to_a_given_version(
    runner: Runner, workspace: Path, stack: LocalStack, model_name: str
) -> None:
    client = three_versions(stack, workspace, model_name)
    deployer = sdk(stack, environment="staging")
    for number in (1, 2, 3):
        deployer.promote(model_name, number, stage="staging")
    job = Job(environment="staging")
    back = runner.run(
        "rollback",
        {"api-url": runner.api_url, "model": model_name, "stage": "staging", "comment": "v3 drifts"},
        job,
    )
    assert back.ok, str(back)
    assert back.outputs == {"version": "2", "previous-version": "3"}
    assert f"rolled `staging` of `{model_name}` back to v2" in back.summary
    assert "| `auc` | 0.86 | 0.9 | -0.04 |" in back.summary

    to_first = runner.run(
        "rollback", {"api-url": runner.api_url, "model": model_name, "stage": "staging", "to-version": "1"}, job
    )
    assert to_first.ok, str(to_first)
    assert to_first.outputs["version"] == "1"
    assert stage_version(client, model_name, "staging") == 1

    refused = runner.run("rollback", {"api-url": runner.api_url, "model": model_name, "stage": "staging"}, Job())
    assert refused.returncode == 1 and len(refused.errors) == 1, str(refused)
    assert "environment" in refused.errors[0].message
    assert stage_version(client, model_name, "staging") == 1
