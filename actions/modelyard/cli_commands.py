"""The CLI's commands: each reads its parsed arguments, runs one command of :mod:`modelyard.commands`
and answers ``(data for --json, text for people)``. No registry calls and no checks of their own here.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING, Any

from modelyard import render, render_reviews
from modelyard.cli_args import metrics_of, model_filters, read_json_object, read_text, version_filters
from modelyard.commands import audit, compare, models, pointers, reviews, roles, search, versions
from modelyard.commands.dev import DEFAULT_DEV_ISSUER, mint_dev_token
from modelyard.commands.inputs import param_value, version_value
from modelyard.errors import ClientError
from modelyard.uris import is_uri, parse_uri

if TYPE_CHECKING:
    from modelyard.client import Client

Output = tuple[Any, str]  # (data for --json, text for people)


def _client(args: argparse.Namespace) -> Client:
    from modelyard.client import Client

    return Client(url=args.url, token=args.token)


def _more(shown: str, more: bool, args: argparse.Namespace) -> str:
    """The table, and when the listing stopped at --limit a note saying so (on stderr with --json)."""
    if not more:
        return shown
    note = f"(first {args.limit}; more match: narrow the filters or raise --limit)"
    if args.json:
        print(note, file=sys.stderr)
    return f"{shown}\n{note}"


def cmd_create_model(args: argparse.Namespace) -> Output:
    result = models.create_model(_client(args), args.name, description=args.description, tags=dict(args.tag))
    return result.data, render.model_view(result.data)


def cmd_register(args: argparse.Namespace) -> Output:
    params: dict[str, Any] = read_json_object(args.params_file, "params") if args.params_file else {}
    for key, value in args.param:
        params[key] = param_value(value)
    result = versions.register(
        _client(args),
        args.name,
        args.path,
        lineage={
            "data_uri": args.data_uri,
            "data_version": args.data_version,
            "data_digest": args.data_digest,
            "parents": list(args.parent),
        },
        format=args.format,
        framework=args.framework,
        semver=args.semver,
        params=params or None,
        metrics=metrics_of(args.metrics_file, args.metric),
        tags=dict(args.tag) or None,
        signature=read_json_object(args.signature_file, "signature") if args.signature_file else None,
        model_card=read_text(args.model_card, "model card") if args.model_card else None,
        description=args.description,
        idempotency_key=args.idempotency_key,
        create_model=args.create_model,
    )
    return result.data, render.version_view(result.data)


def cmd_validate(args: argparse.Namespace) -> Output:
    policy = read_json_object(args.policy_file, "repository policy") if args.policy_file else None
    result = versions.validate(
        _client(args),
        args.name,
        version_value(args.version),
        metrics=metrics_of(args.metrics_file, args.metric),
        repository_policy=policy,
        stage=args.stage,
    )
    if not result.passed:
        args.exit_status = 1  # the verdict failed: print the gate table, then exit 1
    return result.data, render.validation_view(result.data)


def cmd_policy(args: argparse.Namespace) -> Output:
    client = _client(args)
    if args.policy_command == "show":
        shown = audit.show_policy(client, args.model)
        return shown.data, json.dumps(shown.data, indent=2, sort_keys=True)
    if args.policy_command == "history":
        from modelyard.render_audit import policy_history_table

        history = audit.policy_history(client, args.limit)
        return history.data, policy_history_table(history.data)
    document = read_json_object(args.file, "policy")
    result = audit.set_policy(client, document, args.model, args.expected_revision)
    layer = result.layer
    return result.data, render.key_values(
        [("revision", str(layer.get("revision", ""))), ("digest", str(layer.get("digest", "")))]
    )


def cmd_show(args: argparse.Namespace) -> Output:
    client = _client(args)
    if is_uri(args.target):
        found = versions.show_version(client, parse_uri(args.target))
        return found.data, render.version_view(found.data)
    model = models.show_model(client, args.target)
    return model.data, render.model_view(model.data)


def cmd_list(args: argparse.Namespace) -> Output:
    result = models.list_models(_client(args))
    return result.data, render.models_table(result.data)


def cmd_models(args: argparse.Namespace) -> Output:
    result = search.search_models(_client(args), model_filters(args), limit=args.limit)
    return result.data, _more(render.model_hits_table(result.data), result.more, args)


def cmd_versions(args: argparse.Namespace) -> Output:
    result = search.list_versions(_client(args), args.name, version_filters(args), limit=args.limit)
    return result.data, _more(render.versions_table(result.data), result.more, args)


def cmd_search(args: argparse.Namespace) -> Output:
    result = search.search_versions(_client(args), version_filters(args), limit=args.limit)
    return result.data, _more(render.version_hits_table(result.data), result.more, args)


def cmd_compare(args: argparse.Namespace) -> Output:
    from modelyard.render_compare import comparison_view

    base, head = (compare.version_uri_of(args.name, side) for side in (args.base, args.head))  # checked by the parser
    result = compare.compare(_client(args), base, head)
    return result.data, comparison_view(result.data)


def cmd_lineage(args: argparse.Namespace) -> Output:
    from modelyard.render_compare import lineage_view

    result = compare.lineage(_client(args), args.uri, args.depth)
    return result.data, lineage_view(result.data, result.uri)


def cmd_resolve(args: argparse.Namespace) -> Output:
    result = versions.resolve(_client(args), args.uri)
    version = result.data
    text = render.key_values(
        [
            ("uri", result.uri),
            ("resolves to", result.resolved_uri),
            ("version", version.get("version")),
            ("semver", version.get("semver")),
            ("status", version.get("status")),
            ("sha256", (version.get("artifact") or {}).get("sha256")),
        ]
    )
    return result.data, text


def cmd_download(args: argparse.Namespace) -> Output:
    result = versions.download(_client(args), args.uri, args.output, overwrite=args.force)
    text = render.key_values(
        [
            ("downloaded", result.path),
            ("sha256", result.sha256),
            ("size", result.size),
            ("verified", "sha256 and size match the registry"),
        ]
    )
    return result.data, text


def cmd_fetch(args: argparse.Namespace) -> Output:
    from modelyard.fetching import fetch_entry

    entry = fetch_entry(args.uri, client=_client(args))
    data = {"uri": args.uri, "path": str(entry.path), "sha256": entry.sha256, "format": entry.format}
    return data, str(entry.path)


def cmd_import_mlflow(args: argparse.Namespace) -> Output:
    import dataclasses

    from modelyard.mlflow_import import import_models

    results = import_models(
        _client(args), args.tracking_uri, list(args.model) or None, report=lambda line: print(line, file=sys.stderr)
    )
    rows = [
        (r.mlflow_name, r.name, len(r.imported), len(r.already), len(r.aliases), ", ".join(r.stages) or None)
        for r in results
    ]
    text = render.table(["MLFLOW MODEL", "MODEL", "IMPORTED", "ALREADY THERE", "ALIASES SET", "STAGES SET"], rows)
    notes = [f"{r.name}: {note}" for r in results for note in r.notes]
    return [dataclasses.asdict(r) for r in results], "\n".join([text, *notes])


def _registry_url(args: argparse.Namespace) -> str:
    from modelyard.client import NO_URL_HINT

    url = args.url or os.environ.get("MODELYARD_URL", "").strip()
    if not url:
        raise ClientError(NO_URL_HINT)
    return str(url)


def cmd_login(args: argparse.Namespace) -> Output:
    import contextlib

    from modelyard.login import login

    with contextlib.redirect_stdout(sys.stderr):  # the code and the URL to open: --json stays one document
        session = login(_registry_url(args))
    data = {"registry_url": session.registry_url, "login": session.login, "id": session.id}
    return data, f"signed in to {session.registry_url} as {session.login}"


def cmd_logout(args: argparse.Namespace) -> Output:
    from datetime import UTC, datetime

    from modelyard.logout import logout

    result = logout(_registry_url(args))
    data = {"signed_out": result.forgotten, "session_ended": result.ended, "problem": result.problem}
    if not result.forgotten:
        return data, "not signed in"
    if result.ended:
        return data, "signed out"
    until = datetime.fromtimestamp(result.expires_at or 0, UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(
        f"warning: {result.problem}; the session was forgotten here, but a copy of its token stays valid until {until}",
        file=sys.stderr,
    )
    return data, "signed out on this machine only"


def cmd_whoami(args: argparse.Namespace) -> Output:
    me = _client(args).whoami()
    teams = ", ".join(me.get("teams") or []) or "-"
    text = f"{me.get('login') or me.get('subject')} ({me.get('kind')}); teams: {teams}"
    if me.get("repository"):
        text += f"; repository {me['repository']}"
    held = [f"{', '.join(entry.get('roles') or [])} at {entry.get('scope')}" for entry in me.get("roles") or []]
    return me, f"{text}\nroles: {'; '.join(held) or 'none'}"


def cmd_roles(args: argparse.Namespace) -> Output:
    if args.roles_command == "list":
        listed = roles.list_roles(_client(args), args.scope, args.role)
        rows = [
            (g.get("scope"), g.get("role"), g.get("grantee_kind"), g.get("grantee"), g.get("label"))
            for g in listed.data
        ]
        return listed.data, render.table(["scope", "role", "kind", "grantee", "label"], rows, empty="(no grants)")
    grantee = roles.Grantee(team=args.team, person=args.person, repository=args.repository)
    if args.roles_command == "grant":
        granted = roles.grant(_client(args), args.role, args.scope, grantee, args.label)
        verb = "already granted" if granted.already_granted else "granted"
        return granted.data, f"{verb}: {roles.grant_label(granted.data['grant'])}"
    revoked = roles.revoke(_client(args), args.role, args.scope, grantee)
    return revoked.data, f"revoked: {roles.grant_label(revoked.data['revoked'])}"


def cmd_archive(args: argparse.Namespace) -> Output:
    result = versions.archive(
        _client(args), args.name, version_value(args.version), args.reason, deprecate=args.deprecate
    )
    return result.data, render.version_view(result.data)


def cmd_restore(args: argparse.Namespace) -> Output:
    result = versions.restore(_client(args), args.name, version_value(args.version), args.reason)
    return result.data, render.version_view(result.data)


def _expected_version(text: str | None) -> Any:
    """``--expected-version``: left out → unconditional; ``none`` → must be empty (JSON null); else that version."""
    if text is None:
        return pointers.LEFT_OUT
    return None if text == "none" else version_value(text)


def cmd_alias(args: argparse.Namespace) -> Output:
    client = _client(args)
    if args.alias_command == "set":
        expected = _expected_version(args.expected_version)
        moved = pointers.set_alias(
            client, args.name, args.alias, version_value(args.version), expected_version=expected
        )
        return moved.data, render.pointer_view(moved.data, history=False)
    if args.alias_command == "delete":
        moved = pointers.delete_alias(client, args.name, args.alias)
        return moved.data, render.pointer_view(moved.data, history=False)
    state = pointers.get_alias(client, args.name, args.alias)
    return state.data, render.pointer_view(state.data)


def cmd_promote(args: argparse.Namespace) -> Output:
    moved = pointers.promote(
        _client(args),
        args.name,
        version_value(args.version),
        stage=args.stage,
        expected_version=_expected_version(args.expected_version),
        comment=args.comment,
    )
    return moved.data, render.pointer_view(moved.data, history=False)


def cmd_rollback(args: argparse.Namespace) -> Output:
    to = version_value(args.to) if args.to is not None else None
    moved = pointers.rollback(_client(args), args.name, stage=args.stage, to_version=to, comment=args.comment)
    return moved.data, render.pointer_view(moved.data, history=False)


def cmd_stage(args: argparse.Namespace) -> Output:
    state = pointers.get_stage(_client(args), args.name, args.stage)
    return state.data, render.pointer_view(state.data)


def cmd_review(args: argparse.Namespace) -> Output:
    saved = reviews.review(_client(args), args.name, version_value(args.version), args.verdict, args.comment)
    return saved.data, render_reviews.saved_review_view(saved.data)


def cmd_reviews(args: argparse.Namespace) -> Output:
    listing = reviews.reviews(_client(args), args.name, version_value(args.version))
    return listing.data, render_reviews.reviews_view(listing.data)


def cmd_events(args: argparse.Namespace) -> Output:
    log = audit.events(_client(args), args.name)
    return log.data, render.events_table(log.data)


def cmd_security_log(args: argparse.Namespace) -> Output:
    log = audit.security_log(_client(args), args.limit)
    return log.data, render.events_table(log.data)


def cmd_audit(args: argparse.Namespace) -> Output:
    from modelyard.render_audit import audit_table

    trail = audit.governance_trail(
        _client(args),
        kinds=args.kind,
        actor=args.actor,
        after=args.after,
        before=args.before,
        oldest_first=args.oldest_first,
        limit=args.limit,
    )
    return trail.data, audit_table(trail.data)


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
    issuer = args.issuer or os.environ.get("MODELYARD_DEV_ISSUER") or DEFAULT_DEV_ISSUER
    claims: dict[str, Any] = {"repository": args.repository, "environment": args.environment, "actor": args.actor}
    claims.update(dict(args.claim))
    token = mint_dev_token(issuer, claims)
    return token.data, token.value
