"""``modelyard`` — the command line. Every command prints a readable result, or JSON with ``--json``.

Exit codes: 0 success, 1 the operation failed, 2 the command line was wrong.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from modelyard.errors import ClientError, ModelyardError, RegistryError
from modelyard.uris import check_name, check_pointer, is_uri, parse_uri, parse_version_ref
from modelyard.version import __version__

if TYPE_CHECKING:
    from modelyard.client import Client

DEFAULT_DEV_ISSUER = "http://127.0.0.1:8643"


class UsageError(Exception):
    """The command line itself is wrong (exit status 2)."""

    def __init__(self, message: str, usage: str = "") -> None:
        super().__init__(message)
        self.usage = usage


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message, self.format_usage())


# -- argument types (argparse turns their ValueErrors into usage errors) -------------


def _name_arg(text: str) -> str:
    if is_uri(text):
        raise argparse.ArgumentTypeError(
            f"expected a model NAME, got the URI {text!r}: commands that act on a version take NAME VERSION "
            "(e.g. `fraud 7`; VERSION may be a number, a semver label or a models:/ URI)"
        )
    try:
        return check_name(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _pointer_arg(kind: str) -> Callable[[str], str]:
    def convert(text: str) -> str:
        try:
            return check_pointer(text, kind)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = kind
    return convert


def _uri_arg(text: str) -> str:
    try:
        return str(parse_uri(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _version_arg(text: str) -> str:
    """A version number, a semver label or a models:/ URI (checked now, resolved later)."""
    try:
        if is_uri(text):
            return str(parse_uri(text))
        return str(parse_version_ref(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{exc} (a VERSION is a number, a semver label or a models:/ URI)") from None


def _name_or_uri_arg(text: str) -> str:
    return _uri_arg(text) if is_uri(text) else _name_arg(text)


def _pair_arg(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key.strip(), value


def _version_value(text: str) -> int | str:
    """What the client accepts for a version: a number, or the label/URI string."""
    return int(text) if text.isdigit() else text


def _param_value(text: str) -> Any:
    """``--param`` values: JSON scalars when they parse (1, 0.5, true, null), else strings."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, int | float | bool | str) or value is None else text


def _read_json_object(path: str, what: str) -> dict[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ClientError(f"cannot read the {what} file {path}: {exc.strerror or exc}") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ClientError(f"the {what} file {path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ClientError(f"the {what} file {path} must hold a JSON object ({{...}})")
    return data


def _read_text(path: str, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ClientError(f"cannot read the {what} file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ClientError(f"the {what} file {path} is not UTF-8 text") from None


def _metrics(args: argparse.Namespace) -> dict[str, float] | None:
    metrics: dict[str, Any] = _read_json_object(args.metrics_file, "metrics") if args.metrics_file else {}
    for key, value in args.metric:
        metrics[key] = value
    checked: dict[str, float] = {}
    for key, value in metrics.items():
        if isinstance(value, bool):
            raise ClientError(f"metric {key!r} must be a number, got {value!r}")
        try:
            checked[key] = float(value) if isinstance(value, str) else value
        except ValueError:
            raise ClientError(f"metric {key!r} must be a number, got {value!r}") from None
        if not isinstance(checked[key], int | float):
            raise ClientError(f"metric {key!r} must be a number, got {value!r}")
    return checked or None


# -- commands ------------------------------------------------------------------------

Output = tuple[Any, str]  # (data for --json, text for people)


def _client(args: argparse.Namespace) -> Client:
    from modelyard.client import Client

    return Client(url=args.url, token=args.token)


def cmd_create_model(args: argparse.Namespace) -> Output:
    from modelyard.render import model_view

    model = _client(args).create_model(args.name, description=args.description, tags=dict(args.tag) or None)
    return model, model_view(model)


def cmd_register(args: argparse.Namespace) -> Output:
    from modelyard.render import version_view

    params: dict[str, Any] = _read_json_object(args.params_file, "params") if args.params_file else {}
    for key, value in args.param:
        params[key] = _param_value(value)
    lineage: dict[str, Any] = {
        "data_uri": args.data_uri,
        "data_version": args.data_version,
        "data_digest": args.data_digest,
        "parents": list(args.parent) or None,
    }
    version = _client(args).register(
        args.name,
        args.path,
        format=args.format,
        framework=args.framework,
        semver=args.semver,
        params=params or None,
        metrics=_metrics(args),
        tags=dict(args.tag) or None,
        signature=_read_json_object(args.signature_file, "signature") if args.signature_file else None,
        model_card=_read_text(args.model_card, "model card") if args.model_card else None,
        lineage={k: v for k, v in lineage.items() if v},
        description=args.description,
        idempotency_key=args.idempotency_key,
        create_model=args.create_model,
    )
    return version, version_view(version)


def cmd_validate(args: argparse.Namespace) -> Output:
    from modelyard.render import validation_view

    policy = _read_json_object(args.policy_file, "repository policy") if args.policy_file else None
    report = _client(args).validate(
        args.name, _version_value(args.version), metrics=_metrics(args), repository_policy=policy, stage=args.stage
    )
    if not report.get("passed"):
        args.exit_status = 1  # the verdict failed: print the gate table, then exit 1
    return report, validation_view(report)


def cmd_policy(args: argparse.Namespace) -> Output:
    from modelyard.render import key_values

    client = _client(args)
    if args.policy_command == "show":
        policy = client.get_policy(args.model)
        return policy, json.dumps(policy, indent=2, sort_keys=True)
    document = _read_json_object(args.file, "policy")
    expected = args.expected_revision
    if expected is None:  # read-modify-write: the revision we replace is the one in force now
        current = client.get_policy(args.model)
        layer = current.get("override") if args.model else current
        expected = int((layer or {}).get("revision", 0))
    answer = client.set_policy(document, name=args.model, expected_revision=expected)
    shown = answer.get("override") if args.model else answer
    shown = shown or {}
    text = key_values([("revision", str(shown.get("revision", ""))), ("digest", str(shown.get("digest", "")))])
    return answer, text


def cmd_show(args: argparse.Namespace) -> Output:
    from modelyard.render import model_view, version_view

    client = _client(args)
    if is_uri(args.target):
        uri = parse_uri(args.target)
        version = client.get_version(uri.name, uri.ref) if uri.ref is not None else client.resolve(uri)
        return version, version_view(version)
    model = client.get_model(args.target)
    return model, model_view(model)


def cmd_list(args: argparse.Namespace) -> Output:
    from modelyard.render import models_table

    models = list(_client(args).list_models())
    return models, models_table(models)


def cmd_versions(args: argparse.Namespace) -> Output:
    from modelyard.render import versions_table

    versions = list(_client(args).list_versions(args.name, status=args.status, tags=dict(args.tag) or None))
    return versions, versions_table(versions)


def cmd_resolve(args: argparse.Namespace) -> Output:
    from modelyard.render import key_values

    version = _client(args).resolve(args.uri)
    artifact = version.get("artifact") or {}
    text = key_values(
        [
            ("uri", args.uri),
            # the answer's own "uri" may echo the request: build the version's URI from its fields
            ("resolves to", f"models:/{version.get('model')}/{version.get('version')}"),
            ("version", version.get("version")),
            ("semver", version.get("semver")),
            ("status", version.get("status")),
            ("sha256", artifact.get("sha256")),
        ]
    )
    return version, text


def cmd_download(args: argparse.Namespace) -> Output:
    from modelyard.render import key_values

    # refused (and no file left) unless size and sha256 match what the registry declared
    digest = _client(args).download_verified(args.uri, args.output, overwrite=args.force)
    path = digest.path
    data = {
        "uri": args.uri,
        "path": str(path),
        "sha256": digest.sha256,
        "size": digest.size,
        "verified": True,
    }
    text = key_values(
        [
            ("downloaded", path),
            ("sha256", digest.sha256),
            ("size", digest.size),
            ("verified", "sha256 and size match the registry"),
        ]
    )
    return data, text


def cmd_archive(args: argparse.Namespace) -> Output:
    from modelyard.render import version_view

    version = _client(args).archive_version(
        args.name, _version_value(args.version), args.reason, deprecate=args.deprecate
    )
    return version, version_view(version)


def cmd_restore(args: argparse.Namespace) -> Output:
    from modelyard.render import version_view

    version = _client(args).restore_version(args.name, _version_value(args.version), args.reason)
    return version, version_view(version)


def cmd_alias(args: argparse.Namespace) -> Output:
    from modelyard.render import pointer_view

    client = _client(args)
    if args.alias_command == "set":
        expected = _expected_version(args.expected_version)
        pointer = client.set_alias(args.name, args.alias, _version_value(args.version), expected_version=expected)
        return pointer, pointer_view(pointer, history=False)
    if args.alias_command == "delete":
        pointer = client.delete_alias(args.name, args.alias)
        return pointer, pointer_view(pointer, history=False)
    pointer = client.get_alias(args.name, args.alias)
    return pointer, pointer_view(pointer)


def _expected_version(text: str | None) -> Any:
    """``--expected-version``: left out → unconditional; ``none`` → must be empty (JSON null); else that version."""
    from modelyard.client import UNSET

    if text is None:
        return UNSET
    return None if text == "none" else _version_value(text)


def cmd_promote(args: argparse.Namespace) -> Output:
    from modelyard.render import pointer_view

    pointer = _client(args).promote(
        args.name,
        _version_value(args.version),
        stage=args.stage,
        expected_version=_expected_version(args.expected_version),
        comment=args.comment,
    )
    return pointer, pointer_view(pointer, history=False)


def cmd_rollback(args: argparse.Namespace) -> Output:
    from modelyard.render import pointer_view

    to = _version_value(args.to) if args.to is not None else None
    pointer = _client(args).rollback(args.name, stage=args.stage, to_version=to, comment=args.comment)
    return pointer, pointer_view(pointer, history=False)


def cmd_stage(args: argparse.Namespace) -> Output:
    from modelyard.render import pointer_view

    pointer = _client(args).get_stage(args.name, args.stage)
    return pointer, pointer_view(pointer)


def cmd_events(args: argparse.Namespace) -> Output:
    from modelyard.render import events_table

    events = list(_client(args).events(args.name))
    return events, events_table(events)


def cmd_security_log(args: argparse.Namespace) -> Output:
    import itertools

    from modelyard.render import events_table

    events = list(itertools.islice(_client(args).security_events(), args.limit))
    return events, events_table(events)


def cmd_dev(args: argparse.Namespace) -> Output:
    import importlib.util

    # The package ships with the client; what it runs on (the server, uvicorn) comes with the extra.
    if any(importlib.util.find_spec(name) is None for name in ("modelyard_local", "modelyard_server", "uvicorn")):
        raise ClientError(
            "`modelyard dev` runs the local registry, which is not installed here: pip install 'modelyard[local]'"
        )
    command = [sys.executable, "-m", "modelyard_local", *args.dev_args]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, command)  # noqa: S606 - replaces this process with the local stack


def cmd_dev_token(args: argparse.Namespace) -> Output:
    from modelyard.errors import RegistryUnreachable
    from modelyard.transport import RetryPolicy, Transport

    issuer = args.issuer or os.environ.get("MODELYARD_DEV_ISSUER") or DEFAULT_DEV_ISSUER
    query: dict[str, Any] = {
        "repository": args.repository,
        "environment": args.environment,
        "actor": args.actor,
    }
    for key, value in args.claim:
        query[key] = value
    transport = Transport(issuer, None, retry=RetryPolicy(attempts=3, base_delay=0.2, timeout=10.0))
    try:
        answer = transport.request("GET", "/mint", query=query, auth=False)
    except RegistryUnreachable as exc:
        raise ClientError(
            f"no local token issuer at {exc.url} ({exc.reason}); start one with `modelyard dev` "
            "or point --issuer / MODELYARD_DEV_ISSUER at it"
        ) from None
    value = answer.get("value") if isinstance(answer, dict) else None
    if not isinstance(value, str) or not value:
        raise ClientError(f'the issuer at {issuer} answered without a token (expected {{"value": "<jwt>"}})')
    return answer, value


# -- parser --------------------------------------------------------------------------


def _global_options(*, suppress: bool) -> _Parser:
    """--url/--token/--json, accepted before and after the command."""
    parent = _Parser(add_help=False)
    default: Any = argparse.SUPPRESS if suppress else None
    parent.add_argument("--url", default=default, help="registry URL (default: $MODELYARD_URL)")
    parent.add_argument(
        "--token", default=default, help="bearer token (default: $MODELYARD_TOKEN, or the job's OIDC token)"
    )
    parent.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS if suppress else False, help="print JSON"
    )
    return parent


def build_parser() -> argparse.ArgumentParser:
    common = [_global_options(suppress=True)]
    parser = _Parser(
        prog="modelyard",
        description="modelyard: a model registry run from GitHub Actions.",
        epilog="Commands that act on a version take NAME VERSION; VERSION is a number (7), a semver label "
        "(1.4.0) or a models:/ URI (models:/fraud@champion). Commands that only read take a models:/ URI.",
        parents=[_global_options(suppress=False)],
    )
    parser.add_argument("--version", action="version", version=f"modelyard {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, handler: Callable[[argparse.Namespace], Output], help_text: str) -> _Parser:
        sub: _Parser = commands.add_parser(name, help=help_text, description=help_text, parents=common)
        sub.set_defaults(handler=handler)
        return sub

    _add_model_commands(command)
    _add_pointer_commands(command, common)
    _add_admin_commands(command)
    _add_dev_commands(command, commands)
    return parser


Command = Callable[[str, Callable[[argparse.Namespace], Output], str], "_Parser"]
PAIR: dict[str, Any] = {"type": _pair_arg, "action": "append", "default": [], "metavar": "KEY=VALUE"}


def _add_admin_commands(command: Command) -> None:
    p = command("restore", cmd_restore, "restore an archived or deprecated version (registry admins)")
    p.add_argument("name", type=_name_arg, metavar="NAME")
    p.add_argument("version", type=_version_arg, metavar="VERSION")
    p.add_argument("--reason", required=True)

    p = command("security-log", cmd_security_log, "show refused writes by non-owners, newest first (admins)")
    p.add_argument("--limit", type=int, default=200, help="at most this many entries (default 200)")


def _add_model_commands(command: Command) -> None:
    pair = PAIR
    p = command("create-model", cmd_create_model, "create a model")
    p.add_argument("name", type=_name_arg, metavar="NAME")
    p.add_argument("--description")
    p.add_argument("--tag", **pair, help="a tag (repeatable)")

    p = command("register", cmd_register, "register a model file or directory as a new version")
    p.add_argument("name", type=_name_arg, metavar="NAME")
    p.add_argument("path", metavar="PATH", help="model file, or a directory (packed as a reproducible tar.gz)")
    p.add_argument("--format", choices=["onnx", "safetensors", "joblib", "pickle", "tarball", "other"])
    p.add_argument("--framework", help="e.g. sklearn, pytorch, xgboost")
    p.add_argument("--semver", help="a semver label for this version, unique per model")
    p.add_argument("--description")
    p.add_argument("--params-file", metavar="FILE", help="JSON object of training parameters")
    p.add_argument("--param", **pair, help="a training parameter (repeatable; wins over --params-file)")
    p.add_argument("--metrics-file", metavar="FILE", help="JSON object of numeric metrics")
    p.add_argument("--metric", **pair, help="a metric (repeatable; wins over --metrics-file)")
    p.add_argument("--tag", **pair, help="a tag (repeatable)")
    p.add_argument("--model-card", metavar="FILE", help="Markdown model card")
    p.add_argument("--signature-file", metavar="FILE", help='JSON {"inputs": [...], "outputs": [...]}')
    p.add_argument("--data-uri", help="training data location")
    p.add_argument("--data-version", help="training data version")
    p.add_argument("--data-digest", help="training data digest, e.g. sha256:...")
    p.add_argument("--parent", type=_uri_arg, action="append", default=[], metavar="URI", help="parent version")
    p.add_argument("--idempotency-key", help="retrying with the same key never creates a second version")
    p.add_argument(
        "--create-model",
        action="store_true",
        help="create the model first if it does not exist (this repository becomes its owner)",
    )

    p = command("validate", cmd_validate, "have the registry check a version against its gates (exit 1 if any fails)")
    p.add_argument("name", type=_name_arg, metavar="NAME")
    p.add_argument("version", type=_version_arg, metavar="VERSION")
    p.add_argument("--metrics-file", metavar="FILE", help="JSON object of evaluation metrics")
    p.add_argument("--metric", **pair, help="a metric (repeatable; wins over --metrics-file)")
    p.add_argument(
        "--policy-file", metavar="FILE", help="the repository's policy (e.g. .modelyard/policy.json); may only tighten"
    )
    p.add_argument("--stage", type=_pointer_arg("stage"), help="the stage this run means to promote to")

    p = command("show", cmd_show, "show a model (NAME) or a version (models:/ URI)")
    p.add_argument("target", type=_name_or_uri_arg, metavar="NAME_OR_URI")

    command("list", cmd_list, "list models")

    p = command("versions", cmd_versions, "list a model's versions, newest first")
    p.add_argument("name", type=_name_arg, metavar="NAME")
    p.add_argument("--status", choices=["pending_upload", "ready", "archived", "deprecated"])
    p.add_argument("--tag", **pair, help="only versions with this tag (repeatable)")

    p = command("resolve", cmd_resolve, "show which version a models:/ URI points at")
    p.add_argument("uri", type=_uri_arg, metavar="URI")

    p = command("download", cmd_download, "download and verify a version's artifact")
    p.add_argument("uri", type=_uri_arg, metavar="URI")
    p.add_argument("-o", "--output", metavar="PATH", help="file or directory (default: current directory)")
    p.add_argument("--force", action="store_true", help="replace the file if it exists")

    p = command("archive", cmd_archive, "archive (or deprecate) a version; nothing is deleted")
    p.add_argument("name", type=_name_arg, metavar="NAME")
    p.add_argument("version", type=_version_arg, metavar="VERSION")
    p.add_argument("--reason", required=True)
    p.add_argument("--deprecate", action="store_true", help="mark deprecated instead of archived")


def _add_pointer_commands(command: Command, common: list[_Parser]) -> None:
    p = command("policy", cmd_policy, "show or set the registry's stage rules and validation gates")
    policy_commands = p.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    a = policy_commands.add_parser(
        "show", help="the registry policy (with --model: that model's layers)", parents=common
    )
    a.add_argument("--model", type=_name_arg, help="a model's registry layer and override")
    a = policy_commands.add_parser(
        "set", help="replace the registry policy or a model's override (admins)", parents=common
    )
    a.add_argument("file", metavar="FILE", help="JSON policy document")
    a.add_argument("--model", type=_name_arg, help="set this model's override instead")
    a.add_argument("--expected-revision", type=int, help="refuse if the policy moved past this revision")

    p = command("alias", cmd_alias, "set, get or delete an alias")
    alias_commands = p.add_subparsers(dest="alias_command", metavar="ACTION", required=True)
    a = alias_commands.add_parser("set", help="point ALIAS at VERSION", parents=common)
    a.add_argument("name", type=_name_arg, metavar="NAME")
    a.add_argument("alias", type=_pointer_arg("alias"), metavar="ALIAS")
    a.add_argument("version", type=_version_arg, metavar="VERSION")
    _expected_version_option(a, "alias")
    a = alias_commands.add_parser("get", help="print ALIAS with its history", parents=common)
    a.add_argument("name", type=_name_arg, metavar="NAME")
    a.add_argument("alias", type=_pointer_arg("alias"), metavar="ALIAS")
    a = alias_commands.add_parser("delete", help="clear ALIAS", parents=common)
    a.add_argument("name", type=_name_arg, metavar="NAME")
    a.add_argument("alias", type=_pointer_arg("alias"), metavar="ALIAS")

    p = command("promote", cmd_promote, "point a stage at a version")
    p.add_argument("name", type=_name_arg, metavar="NAME")
    p.add_argument("version", type=_version_arg, metavar="VERSION")
    p.add_argument("--stage", required=True, type=_pointer_arg("stage"))
    p.add_argument("--comment")
    _expected_version_option(p, "stage")

    p = command("rollback", cmd_rollback, "move a stage back to its previous version (or --to VERSION)")
    p.add_argument("name", type=_name_arg, metavar="NAME")
    p.add_argument("--stage", required=True, type=_pointer_arg("stage"))
    p.add_argument("--to", type=_version_arg, metavar="VERSION")
    p.add_argument("--comment")

    p = command("stage", cmd_stage, "show a stage pointer with its history")
    p.add_argument("name", type=_name_arg, metavar="NAME")
    p.add_argument("stage", type=_pointer_arg("stage"), metavar="STAGE")

    p = command("events", cmd_events, "show a model's audit trail, oldest first")
    p.add_argument("name", type=_name_arg, metavar="NAME")


def _expected_version_option(parser: argparse.ArgumentParser, kind: str) -> None:
    parser.add_argument(
        "--expected-version",
        metavar="VERSION|none",
        help=f"only move if the {kind} holds this version now ('none': only if it is empty)",
    )


def _add_dev_commands(command: Command, commands: Any) -> None:
    pair = PAIR
    # `dev` takes the local stack's own options (one parser owns them): they are passed through unparsed
    commands.add_parser(
        "dev",
        help="run the local registry until Ctrl-C (needs modelyard[local]; options: modelyard dev --help)",
        add_help=False,
    ).set_defaults(handler=cmd_dev)

    p = command("dev-token", cmd_dev_token, "mint a token from the local issuer")
    p.add_argument("--issuer", help=f"issuer URL (default: $MODELYARD_DEV_ISSUER or {DEFAULT_DEV_ISSUER})")
    p.add_argument("--repository", metavar="OWNER/REPO")
    p.add_argument("--environment", metavar="ENVIRONMENT")
    p.add_argument("--actor", metavar="LOGIN")
    p.add_argument("--claim", **pair, help="an extra claim (repeatable)")


# -- error reporting -----------------------------------------------------------------


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _report(command: str, lines: list[str], problem: dict[str, Any] | None = None) -> None:
    """``error: ...`` on stderr (with ``--json``: the ``problem`` JSON); in GitHub Actions also an annotation."""
    if problem is not None:
        print(json.dumps(problem, indent=2, ensure_ascii=False), file=sys.stderr)
    else:
        for line in lines:
            print(line, file=sys.stderr)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        message = "\n".join(line.removeprefix("error: ") for line in lines)
        title = _escape_property(f"modelyard {command}".strip())
        sys.stdout.write(f"::error title={title}::{_escape_data(message)}\n")
        sys.stdout.flush()


def _error_lines(exc: BaseException) -> list[str]:
    if isinstance(exc, RegistryError):
        hint = [f"hint: {exc.hint}"] if exc.hint else []
        return [f"error: {exc.message}", *(f"  {err}" for err in exc.errors), *hint]
    return [f"error: {exc}"]


def _problem(exc: BaseException, title: str = "Client error", **extra: Any) -> dict[str, Any]:
    """What ``--json`` prints for an error: the registry's problem JSON, or one in its shape for ours."""
    if isinstance(exc, RegistryError):
        return exc.problem
    return {"type": "about:blank", "title": title, "detail": str(exc), **extra}


def _command_name(argv: Sequence[str]) -> str:
    """The command words for annotations, found without trusting the parse."""
    words = [a for a in argv if not a.startswith("-")]
    if not words:
        return ""
    if words[0] == "alias" and len(words) > 1:
        return f"alias {words[1]}"
    return words[0]


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the exit status (0 ok, 1 failed, 2 bad command line)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args, passed_on = parser.parse_known_args(arguments)
        if passed_on and args.handler is not cmd_dev:
            parser.error(f"unrecognized arguments: {' '.join(passed_on)}")
        args.dev_args = passed_on
    except UsageError as exc:
        if "--json" in arguments:
            _report(_command_name(arguments), [f"error: {exc}"], _problem(exc, "Usage error", usage=exc.usage))
            return 2
        sys.stderr.write(exc.usage)
        _report(_command_name(arguments), [f"error: {exc}"])
        return 2
    except SystemExit as exc:  # --help / --version
        return exc.code if isinstance(exc.code, int) else 0
    command = args.command + (f" {args.alias_command}" if getattr(args, "alias_command", None) else "")
    try:
        data, text = args.handler(args)
    except (ModelyardError, ValueError) as exc:
        _report(command, _error_lines(exc), _problem(exc) if args.json else None)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    try:
        if args.json:
            from modelyard.render import as_json

            print(as_json(data))
        elif text:
            print(text)
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. `modelyard list | head -1`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    status: int = getattr(args, "exit_status", 0)
    return status
