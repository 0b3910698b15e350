"""The CLI, run as a subprocess, against the local stack: what a workflow step sees."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from modelyard_local.stack import LocalStack
from tests.e2e.conftest import Cli, deployer_token, write_bytes


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_register_show_versions_download_round_trip(cli: Cli, model_name: str, tmp_path: Path) -> None:
    data = os.urandom(300_000)
    model = write_bytes(tmp_path / "in" / "model.onnx", data)

    registered = cli.run(
        "register",
        model_name,
        str(model),
        "--create-model",
        "--framework",
        "sklearn",
        "--semver",
        "1.0.0",
        "--metric",
        "accuracy=0.91",
        "--param",
        "C=0.5",
        "--tag",
        "team=risk",
        "--json",
    ).json()
    assert registered["version"] == 1
    assert registered["status"] == "ready"
    assert registered["uri"] == f"models:/{model_name}/1"
    assert registered["artifact"]["sha256"] == _sha(data)
    assert registered["artifact"]["size"] == len(data)
    assert registered["artifact"]["format"] == "onnx"
    assert registered["metrics"] == {"accuracy": 0.91}
    assert registered["params"] == {"C": 0.5}
    assert registered["provenance"]["repository"] == "acme/models"

    shown = cli.run("show", f"models:/{model_name}/1.0.0")
    assert _value(shown.stdout, "version") == "1"
    assert _value(shown.stdout, "status") == "ready"
    assert _value(shown.stdout, "sha256") == _sha(data)
    assert _value(shown.stdout, "framework") == "sklearn"

    model_view = cli.run("show", model_name, "--json").json()
    assert model_view["name"] == model_name
    assert model_view["latest_version"] == 1
    assert model_view["owners"] == ["acme/models"]

    second = write_bytes(tmp_path / "in" / "model-2.onnx", data + b"tail")
    cli.run("register", model_name, str(second), "--semver", "1.1.0")

    table = cli.run("versions", model_name).stdout.splitlines()
    assert table[0].split()[:3] == ["VERSION", "SEMVER", "STATUS"]
    assert [line.split()[:3] for line in table[1:]] == [["2", "1.1.0", "ready"], ["1", "1.0.0", "ready"]]
    listed = cli.run("versions", model_name, "--json").json()
    assert [v["version"] for v in listed] == [2, 1]

    out_dir = tmp_path / "out"
    out_dir.mkdir()
    downloaded = cli.run("download", f"models:/{model_name}/1", "-o", str(out_dir), "--json").json()
    assert downloaded["sha256"] == _sha(data)
    assert Path(downloaded["path"]) == out_dir / "model.onnx"
    assert (out_dir / "model.onnx").read_bytes() == data

    # human output of download names the file and its digest; default destination is the cwd
    human = cli.run("download", f"models:/{model_name}/2")
    assert _sha(data + b"tail") in human.stdout
    assert (cli.cwd / "model-2.onnx").read_bytes() == data + b"tail"


def _tree(root: Path, files: dict[str, bytes]) -> Path:
    for name, content in files.items():
        write_bytes(root / name, content)
    return root


def test_same_directory_twice_is_the_same_artifact_and_skips_the_upload(
    cli: Cli, stack: LocalStack, model_name: str, tmp_path: Path
) -> None:
    from modelyard.client import Client

    files = {
        "model/weights.bin": os.urandom(50_000),
        "model/config.json": b'{"layers": 3}',
        "tokenizer/vocab.txt": b"a\nb\nc\n",
    }
    tree = _tree(tmp_path / "export", files)
    first = cli.run("register", model_name, str(tree), "--create-model", "--json").json()
    assert first["status"] == "ready"
    assert first["artifact"]["format"] == "tarball"
    assert first["artifact"]["filename"] == "export.tar.gz"

    # the same files written again, later, elsewhere: the packed bytes do not change
    copy = _tree(tmp_path / "again" / "export", files)
    os.utime(copy / "model" / "weights.bin", (1, 1))

    # register it through the API by hand to see the upload plan the registry chooses
    sdk = Client(url=stack.api_url, token=cli.token, progress=False, env={})
    from modelyard.artifacts import prepared_artifact

    with prepared_artifact(copy) as artifact:
        assert artifact.sha256 == first["artifact"]["sha256"]
        answer = sdk._request("POST", f"/v1/models/{model_name}/versions", body={"artifact": artifact.as_payload()})
    assert answer["upload"]["method"] == "none"
    assert not answer["upload"].get("url")
    assert not answer["upload"].get("parts")
    assert answer["version"]["status"] == "pending_upload"
    assert answer["version"]["artifact"]["sha256"] == first["artifact"]["sha256"]
    done = sdk.complete_version(model_name, answer["version"]["version"])
    assert done["status"] == "ready"
    assert done["version"] == 2

    # and through the CLI, the third registration of the same tree is ready at once too
    third = cli.run("register", model_name, str(copy), "--json").json()
    assert third["version"] == 3
    assert third["artifact"]["sha256"] == first["artifact"]["sha256"]

    # one changed byte → a new digest
    (copy / "tokenizer" / "vocab.txt").write_bytes(b"a\nb\nd\n")
    changed = cli.run("register", model_name, str(copy), "--json").json()
    assert changed["artifact"]["sha256"] != first["artifact"]["sha256"]
    assert changed["status"] == "ready"

    # the first version still downloads as the original tree
    out = tmp_path / "first.tar.gz"
    cli.run("download", f"models:/{model_name}/1", "-o", str(out))
    assert _sha(out.read_bytes()) == first["artifact"]["sha256"]


def test_alias_stage_rollback_and_resolve(cli: Cli, stack: LocalStack, model_name: str, tmp_path: Path) -> None:
    for n in (1, 2, 3):
        path = write_bytes(tmp_path / f"m{n}.joblib", f"model {n}".encode() * 100)
        extra = ["--create-model"] if n == 1 else []
        cli.run("register", model_name, str(path), "--semver", f"1.{n}.0", *extra)

    alias = cli.run("alias", "set", model_name, "champion", "1.2.0")
    assert _value(alias.stdout, "alias") == f"{model_name}/champion"
    assert _value(alias.stdout, "version") == "2"

    resolved = cli.run("resolve", f"models:/{model_name}@champion")
    assert _value(resolved.stdout, "resolves to") == f"models:/{model_name}/2"
    assert _value(resolved.stdout, "semver") == "1.2.0"

    deployer = deployer_token(stack, "staging")
    first = cli.run("promote", model_name, "1", "--stage", "staging", token=deployer)
    assert _value(first.stdout, "version") == "1"
    second = cli.run("promote", model_name, f"models:/{model_name}@champion", "--stage", "staging", token=deployer)
    assert _value(second.stdout, "version") == "2"
    assert _value(second.stdout, "previous") == "1"
    third = cli.run("promote", model_name, "3", "--stage", "staging", "--expected-version", "2", token=deployer)
    assert _value(third.stdout, "version") == "3"

    staged = cli.run("resolve", f"models:/{model_name}/stage/staging")
    assert _value(staged.stdout, "resolves to") == f"models:/{model_name}/3"

    back = cli.run("rollback", model_name, "--stage", "staging", "--comment", "bad canary", token=deployer)
    assert _value(back.stdout, "version") == "2"
    assert _value(back.stdout, "previous") == "3"
    assert cli.run("resolve", f"models:/{model_name}/stage/staging", "--json").json()["version"] == 2

    to = cli.run("rollback", model_name, "--stage", "staging", "--to", "1", token=deployer)
    assert _value(to.stdout, "version") == "1"

    history = cli.run("stage", model_name, "staging").stdout
    rows = [line.split() for line in history.splitlines() if line.split()[1:2] in (["promote"], ["rollback"])]
    assert [(row[1], row[2]) for row in rows] == [  # newest first
        ("rollback", "1"),
        ("rollback", "2"),
        ("promote", "3"),
        ("promote", "2"),
        ("promote", "1"),
    ]

    model = cli.run("show", model_name).stdout
    assert "champion" in model
    assert "staging" in model

    cli.run("alias", "delete", model_name, "champion")
    gone = cli.run("resolve", f"models:/{model_name}@champion", expect=1)
    assert "champion" in gone.stderr


def _value(text: str, key: str) -> str:
    """The value of a ``key   value`` line of the CLI's human output."""
    for line in text.splitlines():
        if line.startswith(key + "  "):
            return line[len(key) :].strip()
    raise AssertionError(f"no {key!r} line in:\n{text}")


def test_promoting_what_the_stage_holds_says_nothing_changed(
    cli: Cli, stack: LocalStack, model_name: str, tmp_path: Path
) -> None:
    cli.run("register", model_name, str(write_bytes(tmp_path / "m.bin", b"weights")), "--create-model")
    staging = deployer_token(stack, "staging")
    first = cli.run("promote", model_name, "1", "--stage", "staging", token=staging)
    assert "nothing changed" not in first.stdout
    again = cli.run("promote", model_name, "1", "--stage", "staging", token=staging)
    assert "already held version 1; nothing changed" in again.stdout
    assert cli.run("promote", model_name, "1", "--stage", "staging", "--json", token=staging).json()["already_held"]
