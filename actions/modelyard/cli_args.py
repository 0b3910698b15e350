"""What the command line accepts: argument types (checked while parsing) and the files options name.

An argument type raises ``argparse.ArgumentTypeError``, which the parser turns into a usage error
(exit status 2); a file that cannot be read is a :class:`ClientError` (exit status 1).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from modelyard.client_namespaces import GITHUB_ID_PATTERN, NAMESPACE_PATTERN, TEAM_PATTERN
from modelyard.commands.compare import version_uri_of
from modelyard.commands.inputs import checked_metrics, is_ascii_number, number_or_text, parse_json_object
from modelyard.errors import ClientError
from modelyard.queries import ARTIFACT_FORMATS, STATUSES, metric_condition, timestamp
from modelyard.uris import check_name, check_pointer, is_uri, parse_uri, parse_version_ref


class UsageError(Exception):
    """The command line itself is wrong (exit status 2)."""

    def __init__(self, message: str, usage: str = "") -> None:
        super().__init__(message)
        self.usage = usage


class Parser(argparse.ArgumentParser):
    """An argument parser that raises :class:`UsageError` instead of exiting, and takes options only as spelt:
    argparse would otherwise read `--model-p` as `--model-prefix`, a guess a script's typo should not get."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)  # subcommands' parsers are made by this class too
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(message, self.format_usage())


def _checked(check: Callable[[str], Any], text: str, advice: str = "") -> Any:
    try:
        return check(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{exc}{advice}") from None


def name_arg(text: str) -> str:
    if is_uri(text):
        raise argparse.ArgumentTypeError(
            f"expected a model NAME, got the URI {text!r}: commands that act on a version take NAME VERSION "
            "(e.g. `fraud 7`; VERSION may be a number, a semver label or a models:/ URI)"
        )
    return str(_checked(check_name, text))


def _matching(pattern: str, what: str) -> Callable[[str], str]:
    compiled = re.compile(pattern)

    def convert(text: str) -> str:
        if not compiled.match(text):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return text

    return convert


namespace_arg = _matching(NAMESPACE_PATTERN, "a namespace: lowercase letters, digits, '_' and '-'")
team_arg = _matching(TEAM_PATTERN, "a team as ORG/TEAM (its slug, lowercase)")
github_id_arg = _matching(GITHUB_ID_PATTERN, "a numeric GitHub id (not a login or a name)")


def pointer_arg(kind: str) -> Callable[[str], str]:
    def convert(text: str) -> str:
        return str(_checked(lambda value: check_pointer(value, kind), text))

    convert.__name__ = kind
    return convert


def stage_filter_arg(text: str) -> str:
    """A stage to filter on, in any case (MLflow's ``Production`` is our ``production``)."""
    return str(_checked(lambda value: check_pointer(value.lower(), "stage"), text))


def uri_arg(text: str) -> str:
    return str(_checked(parse_uri, text))


def model_uri_arg(text: str) -> str:
    """A ``models:/`` URI, passed on as written: the registry also resolves MLflow's forms (``/latest``)."""
    if not is_uri(text.strip()):
        raise argparse.ArgumentTypeError(f"expected a models:/ URI (e.g. models:/fraud/7), got {text!r}")
    return text.strip()


def compare_side_arg(text: str) -> str:
    """What ``compare NAME BASE HEAD`` takes for a side: checked now, made a URI of NAME's later."""
    _checked(lambda value: version_uri_of("m", value), text, " (a version, semver, stage, @alias, latest or URI)")
    return text


def version_arg(text: str) -> str:
    """A version number, a semver label or a models:/ URI (checked now, resolved later)."""
    check = parse_uri if is_uri(text) else parse_version_ref
    return str(_checked(check, text, " (a VERSION is a number, a semver label or a models:/ URI)"))


def name_or_uri_arg(text: str) -> str:
    return uri_arg(text) if is_uri(text) else name_arg(text)


def pair_arg(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key.strip(), value


def tag_filter_arg(text: str) -> str:
    key, value = pair_arg(text)
    return f"{key}={value}"


def metric_condition_arg(text: str) -> str:
    return str(_checked(metric_condition, text))


def timestamp_arg(text: str) -> str:
    return str(_checked(lambda value: timestamp(value, "time"), text))


def order_arg(text: str) -> str:
    if text != "created" and not (text.startswith("metric:") and len(text) > len("metric:")):
        raise argparse.ArgumentTypeError(f"expected 'created' or 'metric:NAME' (e.g. metric:accuracy), got {text!r}")
    return text


def positive_int_arg(text: str) -> int:
    if not is_ascii_number(text) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def read_text(path: str, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ClientError(f"cannot read the {what} file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ClientError(f"the {what} file {path} is not UTF-8 text") from None


def read_json_object(path: str, what: str) -> dict[str, Any]:
    try:
        return parse_json_object(read_text(path, what), f"the {what} file {path}")
    except ValueError as exc:
        raise ClientError(str(exc)) from None


def metrics_of(metrics_file: str | None, metric_pairs: Sequence[tuple[str, str]]) -> dict[str, float] | None:
    """``--metrics-file`` overlaid by each ``--metric KEY=VALUE``; None when neither was given."""
    metrics: dict[str, Any] = read_json_object(metrics_file, "metrics") if metrics_file else {}
    for key, value in metric_pairs:
        metrics[key] = number_or_text(value)
    try:
        return checked_metrics(metrics) or None
    except ValueError as exc:
        raise ClientError(str(exc)) from None


def version_filter_options(parser: argparse.ArgumentParser, *, across_models: bool) -> None:
    """The version filters of ``search`` (``across_models``: also --model/--model-prefix) and ``versions``."""
    if across_models:
        parser.add_argument("--model", type=name_arg, metavar="NAME", help="only this model")
        parser.add_argument("--model-prefix", metavar="PREFIX", help="only models whose name starts with PREFIX")
    parser.add_argument(
        "--tag", type=tag_filter_arg, action="append", default=[], metavar="KEY=VALUE", help="has this tag (repeatable)"
    )
    parser.add_argument(
        "--metric",
        type=metric_condition_arg,
        action="append",
        default=[],
        metavar="COND",
        help="a metric condition, e.g. 'accuracy>=0.9' (ops < <= = >= > !=; repeatable)",
    )
    parser.add_argument("--framework")
    parser.add_argument("--format", choices=ARTIFACT_FORMATS)
    parser.add_argument("--status", choices=STATUSES)
    parser.add_argument("--stage", type=stage_filter_arg, help="holds this stage now")
    parser.add_argument("--alias", type=pointer_arg("alias"), help="holds this alias now")
    parser.add_argument("--data-uri", help="trained on this data location")
    parser.add_argument("--data-version", help="trained on this data version")
    parser.add_argument("--data-digest", help="trained on data with this digest")
    parser.add_argument("--commit", help="built from this commit (a prefix of at least 7 characters)")
    parser.add_argument("--workflow", help="built by this workflow, OWNER/REPO/.github/workflows/FILE")
    parser.add_argument("--parent", type=uri_arg, metavar="URI", help="names this version as a parent")
    parser.add_argument("--created-after", type=timestamp_arg, metavar="TIME", help="RFC 3339 or a date")
    parser.add_argument("--created-before", type=timestamp_arg, metavar="TIME", help="RFC 3339 or a date")
    parser.add_argument("--order-by", type=order_arg, metavar="created|metric:NAME", help="default: created")
    parser.add_argument("--asc", action="store_true", help="ascending (default: descending)")
    # a model's own listing shows every version by default, as it always has; a registry-wide search stops at 100
    limit = "at most this many (default 100)" if across_models else "at most this many (default: all)"
    parser.add_argument("--limit", type=positive_int_arg, default=100 if across_models else None, help=limit)


def version_filters(args: argparse.Namespace) -> dict[str, Any]:
    """The filters given on the command line, as :meth:`Client.search_versions` keywords."""
    found: dict[str, Any] = {
        "model": getattr(args, "model", None),
        "model_prefix": getattr(args, "model_prefix", None),
        "tags": list(args.tag) or None,
        "metrics": list(args.metric) or None,
        "framework": args.framework,
        "format": args.format,
        "status": args.status,
        "stage": args.stage,
        "alias": args.alias,
        "data_uri": args.data_uri,
        "data_version": args.data_version,
        "data_digest": args.data_digest,
        "commit": args.commit,
        "workflow": args.workflow,
        "parent": args.parent,
        "created_after": args.created_after,
        "created_before": args.created_before,
        "order_by": args.order_by,
        "ascending": args.asc or None,
    }
    return {key: value for key, value in found.items() if value is not None}


def model_filters(args: argparse.Namespace) -> dict[str, Any]:
    found: dict[str, Any] = {
        "name_prefix": args.name_prefix,
        "tags": list(args.tag) or None,
        "owner": args.owner,
        "stage": args.stage,
    }
    return {key: value for key, value in found.items() if value is not None}
