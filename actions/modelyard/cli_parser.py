"""The command line's grammar: every command, its arguments, and the handler in :mod:`modelyard.cli_commands`."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from modelyard import cli_commands as c
from modelyard import cli_namespaces as cn
from modelyard.cli_args import (
    Parser,
    compare_side_arg,
    github_id_arg,
    model_uri_arg,
    name_arg,
    name_or_uri_arg,
    namespace_arg,
    pair_arg,
    pointer_arg,
    positive_int_arg,
    stage_filter_arg,
    tag_filter_arg,
    team_arg,
    uri_arg,
    version_arg,
    version_filter_options,
)
from modelyard.client_roles import ROLES
from modelyard.commands.dev import DEFAULT_DEV_ISSUER
from modelyard.queries import ARTIFACT_FORMATS
from modelyard.version import __version__

Command = Callable[[str, Callable[[argparse.Namespace], c.Output], str], Parser]
PAIR: dict[str, Any] = {"type": pair_arg, "action": "append", "default": [], "metavar": "KEY=VALUE"}
FORMATS = list(ARTIFACT_FORMATS)


def _global_options(*, suppress: bool) -> Parser:
    """--url/--token/--json, accepted before and after the command."""
    parent = Parser(add_help=False)
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
    parser = Parser(
        prog="modelyard",
        description="modelyard: a model registry run from GitHub Actions.",
        epilog="Commands that act on a version take NAME VERSION; VERSION is a number (7), a semver label "
        "(1.4.0) or a models:/ URI (models:/fraud@champion). Commands that only read take a models:/ URI.",
        parents=[_global_options(suppress=False)],
    )
    parser.add_argument("--version", action="version", version=f"modelyard {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, handler: Callable[[argparse.Namespace], c.Output], help_text: str) -> Parser:
        sub: Parser = commands.add_parser(name, help=help_text, description=help_text, parents=common)
        sub.set_defaults(handler=handler)
        return sub

    _add_model_commands(command)
    _add_finding_commands(command)
    _add_pointer_commands(command, common)
    _add_review_commands(command)
    _add_admin_commands(command)
    _add_role_commands(command, common)
    _add_namespace_commands(command, common)
    _add_import_commands(command)
    _add_session_commands(command)
    _add_dev_commands(command, commands)
    return parser


def _add_admin_commands(command: Command) -> None:
    p = command("restore", c.cmd_restore, "restore an archived or deprecated version (registry admins)")
    p.add_argument("name", type=name_arg, metavar="NAME")
    p.add_argument("version", type=version_arg, metavar="VERSION")
    p.add_argument("--reason", required=True)

    p = command("security-log", c.cmd_security_log, "show refused writes by non-owners, newest first (admins)")
    p.add_argument("--limit", type=int, default=200, help="at most this many entries (default 200)")

    p = command(
        "audit",
        c.cmd_audit,
        "show the governance trail: policy, notification-route and role changes, newest first (admins)",
    )
    p.add_argument(
        "--kind",
        action="append",
        default=[],
        metavar="KIND",
        help="only this kind of change, e.g. policy.registry.set, policy.model.set, notifications.set, roles.granted, "
        "roles.revoked (repeatable)",
    )
    p.add_argument(
        "--actor", metavar="SUBJECT", help="only changes by this subject (github-user:<id>, repo:org/repo:...)"
    )
    p.add_argument("--after", metavar="TIME", help="only changes at or after this RFC 3339 time")
    p.add_argument("--before", metavar="TIME", help="only changes before this RFC 3339 time")
    p.add_argument("--oldest-first", action="store_true", help="oldest change first")
    p.add_argument("--limit", type=positive_int_arg, default=50, help="at most this many changes (default 50)")


def _add_role_commands(command: Command, common: list[Parser]) -> None:
    p = command("roles", c.cmd_roles, "list, grant or revoke roles, registry-wide or per namespace (admins)")
    actions = p.add_subparsers(dest="roles_command", metavar="ACTION", required=True)
    a = actions.add_parser("list", help="every grant, registry-wide (*) first", parents=common)
    a.add_argument("--scope", metavar="SCOPE", help="only grants at this scope: * or a namespace")
    a.add_argument("--role", choices=ROLES, help="only grants of this role")
    for action, help_text in (
        ("grant", "grant ROLE at --scope to one team, person or repository"),
        ("revoke", "take a grant back"),
    ):
        a = actions.add_parser(action, help=help_text, description=help_text, parents=common)
        a.add_argument("role", choices=ROLES, metavar="ROLE", help=f"one of {', '.join(ROLES)}")
        a.add_argument("--scope", required=True, metavar="SCOPE", help="* (the whole registry) or a namespace")
        grantee = a.add_mutually_exclusive_group(required=True)
        grantee.add_argument("--team", metavar="ORG/TEAM", help="a GitHub team, e.g. acme/ml-ops")
        grantee.add_argument("--person", metavar="USER_ID", help="a person's GitHub user id (not their login)")
        grantee.add_argument("--repository", metavar="REPOSITORY_ID", help="a repository's id (not its name)")
        if action == "grant":
            a.add_argument("--label", help="a name to show with the grant (a login, a repository); never matched")


def _owner_options(parser: Parser, *, label: bool) -> None:
    owner = parser.add_mutually_exclusive_group(required=True)
    owner.add_argument("--team", type=team_arg, metavar="ORG/TEAM", help="a GitHub team (its slug)")
    owner.add_argument("--person", type=github_id_arg, metavar="USER_ID", help="a person, by GitHub user id")
    owner.add_argument("--repository", type=github_id_arg, metavar="REPO_ID", help="a repository, by id")
    if label:
        parser.add_argument("--label", help="a readable name shown beside the id (a login, owner/repo)")


def _add_namespace_commands(command: Command, common: list[Parser]) -> None:
    p = command("namespaces", cn.cmd_namespaces, "list, show, create and change namespaces and their owners")
    actions = p.add_subparsers(dest="namespaces_command", metavar="ACTION", required=True)
    actions.add_parser("list", help="the namespaces you can see", parents=common)
    a = actions.add_parser("show", help="a namespace with its owners", parents=common)
    a.add_argument("namespace", type=namespace_arg, metavar="NAMESPACE")
    a = actions.add_parser("create", help="create a namespace (registry admins)", parents=common)
    a.add_argument("namespace", type=namespace_arg, metavar="NAMESPACE")
    a.add_argument("--description")
    a.add_argument("--private", action="store_true", help="hide its models from everyone but its members")
    for kind, kind_type, meta in (("team", team_arg, "ORG/TEAM"), ("person", github_id_arg, "USER_ID")):
        a.add_argument(f"--owner-{kind}", type=kind_type, action="append", default=[], metavar=meta)
    a.add_argument("--owner-repository", type=github_id_arg, action="append", default=[], metavar="REPO_ID")
    a = actions.add_parser("update", help="change the description or privacy (admins, owners)", parents=common)
    a.add_argument("namespace", type=namespace_arg, metavar="NAMESPACE")
    a.add_argument("--description")
    privacy = a.add_mutually_exclusive_group()
    privacy.add_argument("--private", dest="private", action="store_const", const=True, default=None)
    privacy.add_argument("--public", dest="private", action="store_const", const=False)
    a.add_argument("--expected-revision", type=int, help="refuse if the namespace moved past this revision")
    a = actions.add_parser("delete", help="delete an empty namespace (admins, owners)", parents=common)
    a.add_argument("namespace", type=namespace_arg, metavar="NAMESPACE")
    a.add_argument("--expected-revision", type=int, help="refuse if the namespace moved past this revision")
    a = actions.add_parser("policy", help="show or set a namespace's policy layer (admins set)", parents=common)
    policy_actions = a.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    o = policy_actions.add_parser("show", help="the namespace's layer", parents=common)
    o.add_argument("namespace", type=namespace_arg, metavar="NAMESPACE")
    o = policy_actions.add_parser("set", help="replace the namespace's layer (admins)", parents=common)
    o.add_argument("namespace", type=namespace_arg, metavar="NAMESPACE")
    o.add_argument("file", metavar="FILE", help="JSON policy document")
    o.add_argument("--expected-revision", type=int, help="refuse if the layer moved past this revision")
    a = actions.add_parser("owners", help="add or remove an owner (admins, owners)", parents=common)
    owner_actions = a.add_subparsers(dest="owners_command", metavar="ACTION", required=True)
    for action, label in (("add", True), ("remove", False)):
        o = owner_actions.add_parser(action, help=f"{action} an owner (never the last)", parents=common)
        o.add_argument("namespace", type=namespace_arg, metavar="NAMESPACE")
        _owner_options(o, label=label)

    p = command("owners", cn.cmd_owners, "add or remove a model's owner repository (admins, namespace owners)")
    owner_actions = p.add_subparsers(dest="owners_command", metavar="ACTION", required=True)
    for action in ("add", "remove"):
        o = owner_actions.add_parser(action, help=f"{action} an owner repository of a model", parents=common)
        o.add_argument("name", type=name_arg, metavar="MODEL")
        o.add_argument("--repository", type=github_id_arg, required=True, metavar="REPO_ID", help="its id")
        if action == "add":
            o.add_argument("--repository-name", metavar="OWNER/REPO", help="its full name (required to add)")


def _add_model_commands(command: Command) -> None:
    p = command("create-model", c.cmd_create_model, "create a model")
    p.add_argument("name", type=name_arg, metavar="NAME")
    p.add_argument("--description")
    p.add_argument("--tag", **PAIR, help="a tag (repeatable)")

    p = command("register", c.cmd_register, "register a model file or directory as a new version")
    p.add_argument("name", type=name_arg, metavar="NAME")
    p.add_argument("path", metavar="PATH", help="model file, or a directory (packed as a reproducible tar.gz)")
    p.add_argument("--format", choices=FORMATS)
    p.add_argument("--framework", help="e.g. sklearn, pytorch, xgboost")
    p.add_argument("--semver", help="a semver label for this version, unique per model")
    p.add_argument("--description")
    p.add_argument("--params-file", metavar="FILE", help="JSON object of training parameters")
    p.add_argument("--param", **PAIR, help="a training parameter (repeatable; wins over --params-file)")
    p.add_argument("--metrics-file", metavar="FILE", help="JSON object of numeric metrics")
    p.add_argument("--metric", **PAIR, help="a metric (repeatable; wins over --metrics-file)")
    p.add_argument("--tag", **PAIR, help="a tag (repeatable)")
    p.add_argument("--model-card", metavar="FILE", help="Markdown model card")
    p.add_argument("--signature-file", metavar="FILE", help='JSON {"inputs": [...], "outputs": [...]}')
    p.add_argument("--data-uri", help="training data location")
    p.add_argument("--data-version", help="training data version")
    p.add_argument("--data-digest", help="training data digest, e.g. sha256:...")
    p.add_argument("--parent", type=uri_arg, action="append", default=[], metavar="URI", help="parent version")
    p.add_argument("--idempotency-key", help="retrying with the same key never creates a second version")
    p.add_argument(
        "--create-model",
        action="store_true",
        help="create the model first if it does not exist (this repository becomes its owner)",
    )

    p = command("validate", c.cmd_validate, "have the registry check a version against its gates (exit 1 if any fails)")
    p.add_argument("name", type=name_arg, metavar="NAME")
    p.add_argument("version", type=version_arg, metavar="VERSION")
    p.add_argument("--metrics-file", metavar="FILE", help="JSON object of evaluation metrics")
    p.add_argument("--metric", **PAIR, help="a metric (repeatable; wins over --metrics-file)")
    p.add_argument(
        "--policy-file", metavar="FILE", help="the repository's policy (e.g. .modelyard/policy.json); may only tighten"
    )
    p.add_argument("--stage", type=pointer_arg("stage"), help="the stage this run means to promote to")

    p = command("show", c.cmd_show, "show a model (NAME) or a version (models:/ URI)")
    p.add_argument("target", type=name_or_uri_arg, metavar="NAME_OR_URI")

    command("list", c.cmd_list, "list models")

    p = command("resolve", c.cmd_resolve, "show which version a models:/ URI points at")
    p.add_argument("uri", type=uri_arg, metavar="URI")

    p = command("download", c.cmd_download, "download and verify a version's artifact")
    p.add_argument("uri", type=uri_arg, metavar="URI")
    p.add_argument("-o", "--output", metavar="PATH", help="file or directory (default: current directory)")
    p.add_argument("--force", action="store_true", help="replace the file if it exists")

    p = command("fetch", c.cmd_fetch, "fetch a version into the local cache (verified, unpacked); print its path")
    p.add_argument("uri", type=uri_arg, metavar="URI")

    p = command("archive", c.cmd_archive, "archive (or deprecate) a version; nothing is deleted")
    p.add_argument("name", type=name_arg, metavar="NAME")
    p.add_argument("version", type=version_arg, metavar="VERSION")
    p.add_argument("--reason", required=True)
    p.add_argument("--deprecate", action="store_true", help="mark deprecated instead of archived")


def _add_finding_commands(command: Command) -> None:
    p = command(
        "versions", c.cmd_versions, "list a model's versions (newest first) with the stages and aliases they hold"
    )
    p.add_argument("name", type=name_arg, metavar="NAME")
    version_filter_options(p, across_models=False)

    p = command("search", c.cmd_search, "find versions across the registry (filters combine with AND)")
    version_filter_options(p, across_models=True)

    p = command("models", c.cmd_models, "find models by name prefix, tag, owner or a stage they fill")
    p.add_argument("--name-prefix", metavar="PREFIX")
    p.add_argument(
        "--tag", type=tag_filter_arg, action="append", default=[], metavar="KEY=VALUE", help="has this tag (repeatable)"
    )
    p.add_argument("--owner", metavar="OWNER/REPO", help="owned by this repository")
    p.add_argument("--stage", type=stage_filter_arg, help="has a version in this stage (shown)")
    p.add_argument("--limit", type=positive_int_arg, default=100, help="at most this many (default 100)")

    p = command("compare", c.cmd_compare, "compare two versions of a model: HEAD (the candidate) against BASE")
    p.add_argument("name", type=name_arg, metavar="NAME")
    p.add_argument(
        "base",
        type=compare_side_arg,
        metavar="BASE",
        help="a version (6), semver, stage (production), @alias, latest or URI",
    )
    p.add_argument("head", type=compare_side_arg, metavar="HEAD", help="the same forms as BASE")

    p = command("lineage", c.cmd_lineage, "print a version's ancestors and descendants as a tree")
    p.add_argument("uri", type=model_uri_arg, metavar="URI", help="a models:/ URI, e.g. models:/fraud/7")
    p.add_argument("--depth", type=positive_int_arg, help="levels each way (default: the registry's)")


def _add_pointer_commands(command: Command, common: list[Parser]) -> None:
    p = command("policy", c.cmd_policy, "show or set the registry's stage rules and validation gates")
    policy_commands = p.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    a = policy_commands.add_parser(
        "show", help="the registry policy (with --model: that model's layers)", parents=common
    )
    a.add_argument("--model", type=name_arg, help="a model's registry layer and override")
    a = policy_commands.add_parser("history", help="the registry policy's revisions, newest first", parents=common)
    a.add_argument("--limit", type=positive_int_arg, default=20, help="at most this many revisions (default 20)")
    a = policy_commands.add_parser(
        "set", help="replace the registry policy or a model's override (admins)", parents=common
    )
    a.add_argument("file", metavar="FILE", help="JSON policy document")
    a.add_argument("--model", type=name_arg, help="set this model's override instead")
    a.add_argument("--expected-revision", type=int, help="refuse if the policy moved past this revision")

    p = command("alias", c.cmd_alias, "set, get or delete an alias")
    alias_commands = p.add_subparsers(dest="alias_command", metavar="ACTION", required=True)
    a = alias_commands.add_parser("set", help="point ALIAS at VERSION", parents=common)
    a.add_argument("name", type=name_arg, metavar="NAME")
    a.add_argument("alias", type=pointer_arg("alias"), metavar="ALIAS")
    a.add_argument("version", type=version_arg, metavar="VERSION")
    _expected_version_option(a, "alias")
    a = alias_commands.add_parser("get", help="print ALIAS with its history", parents=common)
    a.add_argument("name", type=name_arg, metavar="NAME")
    a.add_argument("alias", type=pointer_arg("alias"), metavar="ALIAS")
    a = alias_commands.add_parser("delete", help="clear ALIAS", parents=common)
    a.add_argument("name", type=name_arg, metavar="NAME")
    a.add_argument("alias", type=pointer_arg("alias"), metavar="ALIAS")

    p = command("promote", c.cmd_promote, "point a stage at a version")
    p.add_argument("name", type=name_arg, metavar="NAME")
    p.add_argument("version", type=version_arg, metavar="VERSION")
    p.add_argument("--stage", required=True, type=pointer_arg("stage"))
    p.add_argument("--comment")
    _expected_version_option(p, "stage")

    p = command("rollback", c.cmd_rollback, "move a stage back to its previous version (or --to VERSION)")
    p.add_argument("name", type=name_arg, metavar="NAME")
    p.add_argument("--stage", required=True, type=pointer_arg("stage"))
    p.add_argument("--to", type=version_arg, metavar="VERSION")
    p.add_argument("--comment")

    p = command("stage", c.cmd_stage, "show a stage pointer with its history")
    p.add_argument("name", type=name_arg, metavar="NAME")
    p.add_argument("stage", type=pointer_arg("stage"), metavar="STAGE")

    p = command("events", c.cmd_events, "show a model's audit trail, oldest first")
    p.add_argument("name", type=name_arg, metavar="NAME")


def _add_review_commands(command: Command) -> None:
    p = command("review", c.cmd_review, "approve a version or request changes, with a comment (reviewers)")
    p.add_argument("name", type=name_arg, metavar="NAME")
    p.add_argument("version", type=version_arg, metavar="VERSION")
    verdict = p.add_mutually_exclusive_group(required=True)
    verdict.add_argument("--approve", dest="verdict", action="store_const", const="approve", help="sign it off")
    verdict.add_argument(
        "--request-changes", dest="verdict", action="store_const", const="request_changes", help="block it"
    )
    p.add_argument("--comment", help="what you found (required with --request-changes; at most 4000 characters)")

    p = command("reviews", c.cmd_reviews, "show each reviewer's latest review of a version, and the sign-offs")
    p.add_argument("name", type=name_arg, metavar="NAME")
    p.add_argument("version", type=version_arg, metavar="VERSION")


def _add_import_commands(command: Command) -> None:
    p = command(
        "import-mlflow",
        c.cmd_import_mlflow,
        "copy registered models, versions, aliases and stages from an MLflow server (re-runs copy only what is new)",
    )
    p.add_argument("--tracking-uri", required=True, metavar="URL", help="the MLflow server, e.g. http://mlflow:5000")
    p.add_argument(
        "--model", action="append", default=[], metavar="NAME", help="an MLflow model (repeatable; default: all)"
    )


def _add_session_commands(command: Command) -> None:
    command("login", c.cmd_login, "sign in with GitHub (device flow); the session is kept in ~/.config/modelyard")
    command("logout", c.cmd_logout, "end this machine's session on the registry, then forget it here")
    command(
        "whoami", c.cmd_whoami, "who the registry takes you for: a person (login, teams) or a workflow, and your roles"
    )


def _expected_version_option(parser: argparse.ArgumentParser, kind: str) -> None:
    parser.add_argument(
        "--expected-version",
        metavar="VERSION|none",
        help=f"only move if the {kind} holds this version now ('none': only if it is empty)",
    )


def _add_dev_commands(command: Command, commands: Any) -> None:
    # `dev` takes the local stack's own options (one parser owns them): they are passed through unparsed
    commands.add_parser(
        "dev",
        help="run the local registry until Ctrl-C (needs modelyard[local]; options: modelyard dev --help)",
        add_help=False,
    ).set_defaults(handler=c.cmd_dev)

    p = command("dev-token", c.cmd_dev_token, "mint a token from the local issuer")
    p.add_argument("--issuer", help=f"issuer URL (default: $MODELYARD_DEV_ISSUER or {DEFAULT_DEV_ISSUER})")
    p.add_argument("--repository", metavar="OWNER/REPO")
    p.add_argument("--environment", metavar="ENVIRONMENT")
    p.add_argument("--actor", metavar="LOGIN")
    p.add_argument("--claim", **PAIR, help="an extra claim (repeatable)")
