"""`modelyard search`, `versions` and `models`: the filters each option becomes, and the tables printed.

The registry here is a loopback server answering fixed JSON in the shapes docs/api.md plans for
``GET /v1/versions``, ``/v1/models/{name}/versions`` and ``/v1/models``; what a test checks is the
query the CLI sent and the table it printed from the answer.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from modelyard.cli import main
from modelyard.client import Client
from modelyard.errors import ClientError
from modelyard.queries import ModelFilters, VersionFilters, metric_condition, timestamp

HIT_7 = {
    "model": "fraud",
    "version": 7,
    "uri": "models:/fraud/7",
    "status": "ready",
    "size": 2048,
    "format": "onnx",
    "semver": "1.4.0",
    "framework": "sklearn",
    "metrics": {"auc": 0.93},
    "tags": {"team": "risk"},
    "created_at": "2026-11-20T10:00:00Z",
    "lineage": {"data_version": "2026-11"},
    "stages": ["production"],
    "aliases": ["champion"],
}
HIT_6 = {**HIT_7, "version": 6, "uri": "models:/fraud/6", "semver": None, "stages": [], "aliases": ["previous"]}
HIT_6["metrics"] = {"auc": 0.91}
MODEL = {
    "name": "fraud",
    "latest_version": 7,
    "owners": ["acme/models"],
    "description": "card fraud",
    "stages": {"production": {"version": 7}, "staging": {"version": 8}},
}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def rows(out: str) -> list[list[str]]:
    return [line.split() for line in out.splitlines()]


def test_every_search_option_becomes_its_query_parameter(answering: Any, capsys: pytest.CaptureFixture[str]) -> None:
    seen = answering({"items": [HIT_7], "next_token": None})
    code, out, err = run(
        capsys,
        "search",
        "--model-prefix", "fr",
        "--tag", "team=risk",
        "--tag", "tier=1",
        "--metric", "auc >= 0.9",
        "--metric", "latency_ms<20",
        "--framework", "sklearn",
        "--format", "onnx",
        "--status", "ready",
        "--stage", "production",
        "--alias", "champion",
        "--data-uri", "s3://data/fraud",
        "--data-version", "2026-11",
        "--data-digest", "sha256:abc",
        "--commit", "0123456789ab",
        "--workflow", "acme/models/.github/workflows/train.yml",
        "--parent", "models:/fraud/6",
        "--created-after", "2026-11-01",
        "--created-before", "2026-11-30T12:00:00+00:00",
        "--order-by", "metric:auc",
        "--asc",
    )  # fmt: skip
    assert (code, err) == (0, "") and "models:/fraud/7" in out
    assert seen[0].path == "/v1/versions"
    assert seen[0].query == {
        "model_prefix": ["fr"],
        "tag": ["team=risk", "tier=1"],
        "metric": ["auc>=0.9", "latency_ms<20"],
        "framework": ["sklearn"],
        "format": ["onnx"],
        "status": ["ready"],
        "stage": ["production"],
        "alias": ["champion"],
        "data_uri": ["s3://data/fraud"],
        "data_version": ["2026-11"],
        "data_digest": ["sha256:abc"],
        "commit": ["0123456789ab"],
        "workflow": ["acme/models/.github/workflows/train.yml"],
        "parent": ["models:/fraud/6"],
        "created_after": ["2026-11-01T00:00:00Z"],
        "created_before": ["2026-11-30T12:00:00Z"],
        "order_by": ["metric:auc"],
        "order": ["asc"],
    }


def test_search_prints_where_each_hit_is_and_what_it_holds(answering: Any, capsys: pytest.CaptureFixture[str]) -> None:
    seen = answering({"items": [HIT_7, HIT_6], "next_token": None})
    code, out, _ = run(capsys, "search", "--model", "fraud")
    assert code == 0 and seen[0].query == {"model": ["fraud"]}
    assert rows(out) == [
        ["URI", "SEMVER", "STATUS", "STAGES", "ALIASES", "FRAMEWORK", "CREATED", "METRICS"],
        ["models:/fraud/7", "1.4.0", "ready", "production", "champion", "sklearn", "2026-11-20T10:00:00Z", "auc=0.93"],
        ["models:/fraud/6", "-", "ready", "-", "previous", "sklearn", "2026-11-20T10:00:00Z", "auc=0.91"],
    ]
    code, out, _ = run(capsys, "search", "--model", "fraud", "--json")
    assert json.loads(out) == [HIT_7, HIT_6]


def test_search_follows_pages_up_to_its_limit_and_says_more_match(
    answering: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    seen = answering({"items": [HIT_7], "next_token": "t1"}, {"items": [HIT_6], "next_token": "t2"})
    code, out, _ = run(capsys, "search", "--limit", "1")
    assert code == 0
    assert [r[0] for r in rows(out)[1:2]] == ["models:/fraud/7"]
    assert "more match" in out
    code, out, _ = run(capsys, "search", "--metric", "auc>0.5", "--limit", "5")
    assert "models:/fraud/6" in out and "more match" not in out
    assert seen[-1].query["next_token"] == ["t2"]


def test_search_with_no_match_says_so(answering: Any, capsys: pytest.CaptureFixture[str]) -> None:
    answering({"items": [], "next_token": None})
    assert run(capsys, "search", "--data-version", "1999-01") == (0, "(no versions match)\n", "")


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--metric", "auc>>0.9"], "invalid metric condition"),
        (["--metric", "auc>=high"], "is not a number"),
        (["--metric", "auc>=nan"], "finite"),
        (["--tag", "team"], "KEY=VALUE"),
        (["--created-after", "2026-13-01"], "RFC 3339"),
        (["--created-after", "2026-11-01T10:00:00"], "time zone"),
        (["--order-by", "size"], "metric:NAME"),
        (["--parent", "fraud/6"], "invalid model URI"),
        (["--stage", "Prod uction"], "invalid stage name"),
        (["--limit", "0"], "at least 1"),
        (["--limit", "\u00b2"], "whole number"),  # a superscript two: str.isdigit() holds, int() refuses it
        (["--limit", "\u0665"], "whole number"),  # an Arabic-Indic five: the server takes digits 0-9 only
    ],
)
def test_a_malformed_filter_is_a_usage_error_and_nothing_is_sent(
    answering: Any, capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    seen = answering({"items": [], "next_token": None})
    code, _, err = run(capsys, "search", *argv)
    assert code == 2 and says in err
    assert seen == []


def test_versions_takes_the_same_filters_and_shows_stages_and_aliases(
    answering: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    seen = answering({"items": [HIT_7, HIT_6], "next_token": None})
    argv = ["versions", "fraud", "--tag", "team=risk", "--metric", "auc>=0.9", "--stage", "Production"]
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert seen[0].path == "/v1/models/fraud/versions"
    assert seen[0].query == {"tag": ["team=risk"], "metric": ["auc>=0.9"], "stage": ["production"]}
    assert rows(out)[0] == ["VERSION", "SEMVER", "STATUS", "STAGES", "ALIASES", "CREATED", "SHA256", "METRICS"]
    assert rows(out)[1][:5] == ["7", "1.4.0", "ready", "production", "champion"]
    assert rows(out)[2][:5] == ["6", "-", "ready", "-", "previous"]


def test_versions_refuses_model_filters_it_cannot_take(answering: Any, capsys: pytest.CaptureFixture[str]) -> None:
    answering({"items": [], "next_token": None})
    code, _, err = run(capsys, "versions", "fraud", "--model-prefix", "fr")
    assert code == 2 and "--model-prefix" in err


def test_models_filters_and_shows_the_version_in_each_stage(answering: Any, capsys: pytest.CaptureFixture[str]) -> None:
    seen = answering({"items": [MODEL], "next_token": None})
    argv = ["models", "--name-prefix", "fr", "--tag", "team=risk", "--owner", "acme/models", "--stage", "production"]
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert seen[0].path == "/v1/models"
    assert seen[0].query == {
        "name_prefix": ["fr"],
        "tag": ["team=risk"],
        "owner": ["acme/models"],
        "stage": ["production"],
    }
    assert out.splitlines()[0].split() == ["NAME", "LATEST", "STAGES", "OWNERS", "DESCRIPTION"]
    assert out.splitlines()[1].split() == ["fraud", "7", "production=7,", "staging=8", "acme/models", "card", "fraud"]


# -- the SDK's side of the same mapping (pure: nothing is sent) ----------------------


def test_sdk_filters_accept_python_values() -> None:
    from datetime import UTC, datetime

    query = VersionFilters(
        tags={"team": "risk"},
        metrics=["auc>=0.9"],
        stage="Production",  # MLflow's capitalised stage names
        created_after=datetime(2026, 11, 1, 12, tzinfo=UTC),
        order_by="created",
    ).query()
    assert query == {
        "tag": ["team=risk"],
        "metric": ["auc>=0.9"],
        "stage": "production",
        "created_after": "2026-11-01T12:00:00Z",
        "order_by": "created",
    }
    assert VersionFilters().query() == {}
    assert ModelFilters(tags=[("team", "risk"), ("tier", "1")]).query() == {"tag": ["team=risk", "tier=1"]}


@pytest.mark.parametrize(
    ("text", "sent"),
    [("auc>=0.9", "auc>=0.9"), (" auc <= 1 ", "auc<=1"), ("f1!=0.5", "f1!=0.5"), ("n=3", "n=3"), ("l<2e-3", "l<2e-3")],
)
def test_metric_conditions_are_sent_without_spaces(text: str, sent: str) -> None:
    assert metric_condition(text) == sent


def test_timestamps_need_a_zone() -> None:
    assert timestamp("2026-11-01T10:00:00+02:00", "t") == "2026-11-01T10:00:00+02:00"
    with pytest.raises(ValueError, match="time zone"):
        timestamp("2026-11-01T10:00:00", "t")


def test_sdk_refuses_an_unknown_filter_listing_the_accepted_ones(closed_port_url: str) -> None:
    client = Client(url=closed_port_url, token="t")
    with pytest.raises(ClientError, match="unknown filter colour: accepted are model, model_prefix, tags"):
        next(client.search_versions(colour="red"))
    with pytest.raises(ClientError, match="unknown filter model: accepted are name_prefix"):
        next(client.search_models(model="fraud"))
    with pytest.raises(ClientError, match="search_versions filters by model"):
        next(client.list_versions("fraud", model_prefix="fr"))
    with pytest.raises(ClientError, match="invalid owner"):
        next(client.search_models(owner="acme"))


def test_a_parent_named_by_alias_is_resolved_to_its_number_first(
    answering: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    seen = answering({"model": "fraud", "version": 6, "uri": "models:/fraud/6"}, {"items": [HIT_7], "next_token": None})
    code, out, _ = run(capsys, "search", "--parent", "models:/fraud@champion")
    assert code == 0 and "models:/fraud/7" in out
    assert (seen[0].path, seen[0].query) == ("/v1/resolve", {"uri": ["models:/fraud@champion"]})
    assert (seen[1].path, seen[1].query) == ("/v1/versions", {"parent": ["models:/fraud/6"]})


def test_json_stays_json_when_the_limit_cuts_the_listing(answering: Any, capsys: pytest.CaptureFixture[str]) -> None:
    answering({"items": [HIT_7], "next_token": "t1"}, {"items": [HIT_6], "next_token": None})
    code, out, err = run(capsys, "search", "--limit", "1", "--json")
    assert code == 0 and json.loads(out) == [HIT_7]
    assert "more match" in err


def test_versions_lists_every_version_unless_limited(answering: Any, capsys: pytest.CaptureFixture[str]) -> None:
    pages = [{"items": [{**HIT_7, "version": n}], "next_token": f"t{n}"} for n in range(150, 0, -1)]
    pages[-1]["next_token"] = None
    answering(*pages)
    code, out, _ = run(capsys, "versions", "fraud", "--json")
    assert code == 0 and len(json.loads(out)) == 150
