"""The CLI's namespace and owner commands (see :mod:`modelyard.cli_commands` for the contract): namespaces,
their owners and policy layer, and a model's owner repositories."""

from __future__ import annotations

import argparse
import json

from modelyard import render
from modelyard.cli_args import read_json_object
from modelyard.cli_commands import Output, _client
from modelyard.commands import namespaces
from modelyard.errors import ClientError


def cmd_namespaces(args: argparse.Namespace) -> Output:
    from modelyard.client_namespaces import grantee
    from modelyard.render_namespaces import namespace_view, namespaces_table

    client, action = _client(args), args.namespaces_command
    if action == "list":
        listing = namespaces.list_namespaces(client)
        return listing.data, namespaces_table(listing.data)
    if action == "create":
        owners = [grantee(team=t) for t in args.owner_team] + [grantee(person=p) for p in args.owner_person]
        owners += [grantee(repository=r) for r in args.owner_repository]
        answer = namespaces.create_namespace(
            client, args.namespace, owners, description=args.description, private=args.private
        )
    elif action == "update":
        answer = namespaces.update_namespace(
            client,
            args.namespace,
            description=args.description,
            private=args.private,
            expected_revision=args.expected_revision,
        )
    elif action == "delete":
        deleted = namespaces.delete_namespace(client, args.namespace, expected_revision=args.expected_revision)
        return deleted.data, _deleted_text(deleted.data)
    elif action == "policy":
        return _namespace_policy(args)
    elif action == "owners":
        owner = grantee(team=args.team, person=args.person, repository=args.repository)
        if args.owners_command == "add":
            answer = namespaces.add_namespace_owner(client, args.namespace, owner, args.label)
        else:
            answer = namespaces.remove_namespace_owner(client, args.namespace, owner)
    else:
        answer = namespaces.show_namespace(client, args.namespace)
    return answer.data, namespace_view(answer.data)


def _deleted_text(answer: dict[str, object]) -> str:
    grants = answer.get("role_grants_removed", 0)
    policy = "its policy layer, " if answer.get("policy_removed") else ""
    return f"deleted namespace {answer.get('deleted')} with {policy}{grants} role grant(s) scoped to it"


def cmd_owners(args: argparse.Namespace) -> Output:
    if args.owners_command == "add":
        if not args.repository_name:
            raise ClientError("adding an owner needs --repository-name OWNER/REPO beside --repository ID")
        changed = namespaces.add_model_owner(_client(args), args.name, args.repository, args.repository_name)
    else:
        changed = namespaces.remove_model_owner(_client(args), args.name, args.repository)
    return changed.data, render.model_view(changed.data)


def _namespace_policy(args: argparse.Namespace) -> Output:
    client = _client(args)
    if args.policy_command == "set":
        document = read_json_object(args.file, "policy")
        layer = namespaces.set_namespace_policy(client, args.namespace, document, args.expected_revision).data
        return layer, render.key_values(
            [("revision", str(layer.get("revision"))), ("digest", str(layer.get("digest")))]
        )
    shown = namespaces.namespace_policy(client, args.namespace).data
    return shown, json.dumps(shown, indent=2, sort_keys=True)
