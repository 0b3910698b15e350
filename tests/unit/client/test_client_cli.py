"""The `modelyard` command line: output, exit codes and messages."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from client_fakes import FakeRegistry

from conftest import Answer, Seen
from modelyard.cli import main

ACTIONS_DIR = str(Path(__file__).resolve().parents[3] / "actions")


def kv(out: str) -> dict[str, str]:
    """The aligned ``key  value`` lines of a result (stops at the first blank line)."""
    pairs = {}
    for line in out.split("\n\n", maxsplit=1)[0].splitlines():
        key, value = re.split(r"\s{2,}", line, maxsplit=1)
        pairs[key] = value
    return pairs


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_register_show_and_json(registry: FakeRegistry, tmp_path: Path, capsys) -> None:
    model = tmp_path / "model.onnx"
    model.write_bytes(b"onnx" * 100)
    (tmp_path / "metrics.json").write_text('{"auc": 0.91, "f1": 0.8}')
    (tmp_path / "card.md").write_text("# Fraud\nScores card payments.")
    code, out, err = run(
        capsys,
        "register",
        "--create-model",
        "fraud",
        str(model),
        "--framework",
        "sklearn",
        "--semver",
        "1.4.0",
        "--metrics-file",
        str(tmp_path / "metrics.json"),
        "--metric",
        "f1=0.85",
        "--param",
        "C=1.5",
        "--param",
        "kernel=rbf",
        "--tag",
        "team=risk",
        "--model-card",
        str(tmp_path / "card.md"),
        "--data-uri",
        "s3://data/fraud",
        "--parent",
        "models:/fraud/1.0.0",
    )
    assert (code, err) == (0, "")
    shown = kv(out)
    assert shown["uri"] == "models:/fraud/1"
    assert shown["status"] == "ready"
    assert shown["metrics"] == "auc=0.91, f1=0.85"
    assert shown["sha256"] == hashlib.sha256(model.read_bytes()).hexdigest()
    version = registry.versions["fraud"][0]
    assert version["params"] == {"C": 1.5, "kernel": "rbf"}
    assert version["metrics"] == {"auc": 0.91, "f1": 0.85}
    assert version["model_card"].startswith("# Fraud")
    assert version["lineage"] == {"data_uri": "s3://data/fraud", "parents": ["models:/fraud/1.0.0"]}

    code, out, _ = run(capsys, "--json", "show", "models:/fraud/1.4.0")
    assert code == 0
    assert json.loads(out)["artifact"]["format"] == "onnx"

    code, out, _ = run(capsys, "show", "fraud", "--json")
    assert code == 0 and json.loads(out)["latest_version"] == 1


def test_pointer_commands(registry: FakeRegistry, tmp_path: Path, capsys) -> None:
    for n in range(2):
        (tmp_path / f"m{n}.onnx").write_bytes(os.urandom(50))
        assert run(capsys, "register", "--create-model", "fraud", str(tmp_path / f"m{n}.onnx"))[0] == 0
    assert run(capsys, "alias", "set", "fraud", "champion", "1")[0] == 0
    code, out, _ = run(capsys, "promote", "fraud", "models:/fraud@champion", "--stage", "production")
    assert code == 0 and kv(out)["version"] == "1"
    assert run(capsys, "promote", "fraud", "2", "--stage", "production", "--comment", "better")[0] == 0
    code, out, _ = run(capsys, "rollback", "fraud", "--stage", "production")
    assert code == 0 and kv(out)["version"] == "1" and kv(out)["previous"] == "2"
    code, out, _ = run(capsys, "stage", "fraud", "production")
    assert code == 0
    assert "ACTION" in out and "promote" in out and "rollback" in out
    code, out, _ = run(capsys, "resolve", "models:/fraud/stage/production")
    assert code == 0 and kv(out)["resolves to"] == "models:/fraud/1"
    code, out, _ = run(capsys, "show", "fraud")
    assert "production" in out and "champion" in out
    code, out, _ = run(capsys, "versions", "fraud")
    assert out.splitlines()[0].split() == ["VERSION", "SEMVER", "STATUS", "CREATED", "SHA256", "METRICS"]
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["2", "1"]
    assert run(capsys, "archive", "fraud", "2", "--reason", "bad data")[0] == 0
    assert registry.versions["fraud"][1]["status"] == "archived"
    code, out, _ = run(capsys, "events", "fraud")
    assert code == 0 and "model.version.registered" in out
    assert run(capsys, "alias", "delete", "fraud", "champion")[0] == 0
    code, out, _ = run(capsys, "list")
    assert code == 0 and out.splitlines()[1].startswith("fraud")


def test_download_command(registry: FakeRegistry, tmp_path: Path, capsys) -> None:
    model = tmp_path / "model.onnx"
    model.write_bytes(b"weights" * 1000)
    run(capsys, "register", "--create-model", "fraud", str(model))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    code, out, err = run(capsys, "download", "models:/fraud/1", "-o", str(out_dir))
    assert (code, err) == (0, "")
    assert (out_dir / "model.onnx").read_bytes() == model.read_bytes()
    assert kv(out)["downloaded"] == str(out_dir / "model.onnx")


def test_registry_error_prints_title_detail_and_fields(registry: FakeRegistry, capsys) -> None:
    code, out, err = run(capsys, "show", "models:/ghost/9")
    assert code == 1
    assert out == ""
    assert err == "error: Model not found: no model 'ghost'\n"


def test_field_errors_are_listed(loopback, clean_env, tmp_path: Path, capsys, monkeypatch) -> None:
    problem = {
        "type": "https://modelyard.dev/problems/validation",
        "title": "Validation failed",
        "status": 422,
        "detail": "2 fields are invalid",
        "errors": [
            {"field": "body.metrics.auc", "message": "Input should be a valid number"},
            {"field": "body.semver", "message": "semver 1.4.0 is taken"},
        ],
    }
    server = loopback(lambda seen: Answer(422, problem, {"Content-Type": "application/problem+json"}))
    (tmp_path / "m.onnx").write_bytes(b"x")
    code, _, err = run(capsys, "--url", server.url, "--token", "t", "register", "fraud", str(tmp_path / "m.onnx"))
    assert code == 1
    assert err.splitlines() == [
        "error: Validation failed: 2 fields are invalid",
        "  body.metrics.auc: Input should be a valid number",
        "  body.semver: semver 1.4.0 is taken",
    ]


def test_usage_errors_exit_2(registry: FakeRegistry, capsys) -> None:
    for argv in (
        [],
        ["show"],
        ["show", "models:/../x"],
        ["show", "Bad Name"],
        ["promote", "fraud", "latest", "--stage", "production"],
        ["promote", "fraud", "1"],
        ["alias", "set", "fraud", "Champion", "1"],
        ["register", "fraud", "m.onnx", "--tag", "novalue"],
        ["review", "fraud", "1"],  # neither --approve nor --request-changes
        ["review", "fraud", "1", "--approve", "--request-changes", "--comment", "both"],
        ["no-such-command"],
    ):
        code, out, err = run(capsys, *argv)
        assert code == 2, argv
        assert "usage: modelyard" in err
        assert "error: " in err
        assert out == ""


def test_help_and_version_exit_0(capsys) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "register" in out and "dev-token" in out
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("modelyard ")


def test_local_problems_exit_1_with_advice(registry: FakeRegistry, tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "register", "fraud", str(tmp_path / "missing.onnx"))
    assert code == 1 and err.startswith("error: artifact not found:")
    (tmp_path / "m.onnx").write_bytes(b"x")
    code, _, err = run(capsys, "register", "fraud", str(tmp_path / "m.onnx"), "--metric", "auc=high")
    assert code == 1 and "metric 'auc' must be a finite number" in err
    code, _, err = run(capsys, "register", "fraud", str(tmp_path / "m.onnx"), "--params-file", str(tmp_path / "m.onnx"))
    assert code == 1 and "is not valid JSON" in err


def test_unreachable_registry(clean_env, closed_port_url: str, capsys, monkeypatch) -> None:
    monkeypatch.setenv("MODELYARD_MAX_ATTEMPTS", "2")
    code, _, err = run(capsys, "--url", closed_port_url, "--token", "secret-xyz", "list")
    assert code == 1
    expected = f"registry unreachable at {closed_port_url}/v1/models after 2 attempts: Connection refused"
    assert err == f"error: {expected}\n"
    assert "secret-xyz" not in err


def test_github_actions_annotation(clean_env, capsys, monkeypatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("MODELYARD_URL", "http://127.0.0.1:9")
    code, out, err = run(capsys, "promote", "fraud", "3", "--stage", "production")
    assert code == 1
    assert "permissions: id-token: write" in err
    (line,) = out.splitlines()
    assert line.startswith("::error title=modelyard promote::this GitHub Actions job cannot ask for an OIDC token")


def test_dev_token_mints_from_the_local_issuer(loopback, clean_env, capsys) -> None:
    def issuer(seen: Seen) -> Answer:
        claims = {k: v[0] for k, v in seen.query.items()}
        return Answer(200, {"value": "jwt." + json.dumps(claims, sort_keys=True)})

    server = loopback(issuer)
    code, out, _ = run(
        capsys,
        "dev-token",
        "--issuer",
        server.url,
        "--repository",
        "acme/fraud",
        "--environment",
        "production",
        "--claim",
        "ref=refs/heads/main",
    )
    assert code == 0
    assert server.seen[0].path == "/mint"
    assert server.seen[0].query == {
        "repository": ["acme/fraud"],
        "environment": ["production"],
        "ref": ["refs/heads/main"],
    }
    assert out == 'jwt.{"environment": "production", "ref": "refs/heads/main", "repository": "acme/fraud"}\n'


def test_dev_token_without_issuer_says_to_start_dev(clean_env, closed_port_url: str, capsys) -> None:
    code, _, err = run(capsys, "dev-token", "--issuer", closed_port_url)
    assert code == 1 and "modelyard dev" in err


def test_dev_without_the_local_extra_explains_how_to_install(tmp_path: Path) -> None:
    # -S: no site-packages, so only the stdlib client is importable, as after `pip install modelyard`
    result = subprocess.run(
        [sys.executable, "-S", "-c", "import sys; from modelyard.cli import main; sys.exit(main(['dev']))"],
        env={"PYTHONPATH": ACTIONS_DIR, "PATH": os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 1
    assert "pip install 'modelyard[local]'" in result.stderr


def test_import_is_cheap_and_never_touches_the_server_package() -> None:
    code = (
        "import sys, modelyard, modelyard.cli; "
        "heavy = [m for m in ('modelyard_server', 'urllib.request', 'tarfile', 'concurrent.futures', "
        "'modelyard.client', 'ssl') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": ACTIONS_DIR},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert result.stdout.strip() == ""


@pytest.mark.parametrize("version", ["\u00b2", "\u0663"])  # digits int() refuses or reads as another number
def test_a_version_in_other_digits_is_a_usage_error_not_a_crash(
    registry: FakeRegistry, capsys: pytest.CaptureFixture[str], version: str
) -> None:
    code, out, err = run(capsys, "archive", "fraud", version, "--reason", "gone")
    assert code == 2, (out, err)
    assert "version" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ("search", "--model-p", "fraud"),  # --model-prefix, abbreviated
        ("register", "fraud", "model.onnx", "--framew", "sklearn"),  # --framework
        ("whoami", "--js"),  # --json
    ],
)
def test_an_abbreviated_option_is_a_usage_error_not_a_guess(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2, (out, err)
    assert "unrecognized arguments" in err or "unrecognized" in err
