"""The compare page: two versions side by side as `GET /v1/compare` compares them (metrics with their change,
params, lineage and signature diffs, latest validations), hostile values inert, malformed URIs refused.

In-process on the embedded backend (tests/support/embedded_api.py), as a browser calls the pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from modelyard_local.issuer import LocalIssuer
from tests.support.embedded_api import EmbeddedApi, embedded_api
from tests.support.markup_inspection import parse_markup
from tests.support.page_calls import page_call, read_page

OWNER, ADMIN = "acme/fraud", "acme/platform"
NO_VALUE = "\u2013"  # what a page shows for a value a side does not have
HOSTILE = '<script>alert("x")</script>'


@pytest.fixture
def api(issuer: LocalIssuer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmbeddedApi]:
    with embedded_api(monkeypatch, issuer, tmp_path / "data", MODELYARD_ADMIN_REPOSITORIES=ADMIN) as running:
        owner = running.workflow(OWNER)
        running.ok("POST", "/v1/models", owner, body={"name": "fraud"})
        _register(
            running,
            b"one",
            metrics={"auc": 0.8, "loss": 0.5, "old": 1.0},
            params={"depth": 6, "lr": 0.1},
            inputs=[{"name": "amount", "type": "float"}, {"name": "country", "type": "str"}],
            lineage={"data_version": "2026-10", "commit": "a" * 40},
        )
        _register(
            running,
            b"two",
            metrics={"auc": 0.85, "loss": 0.4, "new": 2.0},
            params={"depth": 8, HOSTILE: True},
            inputs=[{"name": "amount", "type": "double"}, {"name": "merchant", "type": "str"}],
            lineage={"data_version": "2026-11", "commit": "b" * 40, "parents": ["models:/fraud/1"]},
        )
        yield running


def _register(
    api: EmbeddedApi,
    data: bytes,
    *,
    metrics: dict[str, float],
    params: dict[str, Any],
    inputs: list[dict[str, str]],
    lineage: dict[str, Any],
) -> None:
    token = api.workflow(OWNER, sha=lineage["commit"])  # the lineage's commit is the registering run's
    api.upload("fraud", data, token, metrics=metrics, params=params, signature={"inputs": inputs}, lineage=lineage)


def _person(api: EmbeddedApi) -> str:
    return api.person(31, "riley")


def _compare(api: EmbeddedApi, base: str, head: str) -> Any:
    return page_call(_person(api), "GET", "/ui/compare", query={"base": base, "head": head})


def _rows(raw: str, table: str) -> list[str]:
    """The text of each body row of the table with class `table`, its "no value" dashes written `n/a`."""
    section = raw.split(f'<table class="{table}">', 1)[1].split("</table>", 1)[0]
    body = section.split("<tbody>", 1)[1]
    return [" ".join(parse_markup(row).shown.replace(NO_VALUE, "n/a").split()) for row in body.split("<tr>")[1:]]


def test_two_versions_side_by_side_with_metric_changes_signed(api: EmbeddedApi) -> None:
    answer = _compare(api, "models:/fraud/1", "models:/fraud/2")
    assert answer.status == 200, answer
    assert _rows(answer.raw, "metrics") == [
        "auc 0.8 0.85 +0.05 +6.25 %",
        "loss 0.5 0.4 -0.1 -20.00 %",
        "new n/a 2 n/a n/a",
        "old 1 n/a n/a n/a",
    ]
    # a rise and a fall are marked as such, never as better or worse: the page cannot know which is good
    assert 'class="number change rise">+0.05<' in answer.raw
    assert 'class="number change fall">-0.1<' in answer.raw
    page = read_page(answer)
    assert "/ui/models/fraud/versions/1" in page.hrefs() and "/ui/models/fraud/versions/2" in page.hrefs()


def test_params_lineage_and_signature_show_only_what_differs(api: EmbeddedApi) -> None:
    raw = _compare(api, "models:/fraud/1", "models:/fraud/2").raw
    assert _rows(raw, "params") == [
        f"{HOSTILE} added n/a true",
        "depth changed 6 8",
        "lr removed 0.1 n/a",
    ]
    assert _rows(raw, "lineage-diff") == [
        "data_version 2026-10 2026-11",
        f"commit {'a' * 40} {'b' * 40}",
        "parent n/a models:/fraud/1",
    ]
    assert _rows(raw, "signature") == [
        "input amount type changed float double",
        "input country removed str n/a",
        "input merchant added n/a str",
    ]


def test_hostile_names_are_shown_as_text(api: EmbeddedApi) -> None:
    raw = _compare(api, "models:/fraud/1", "models:/fraud/2").raw
    assert "<script" not in raw
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in raw


def test_a_uri_naming_a_stage_or_alias_compares_the_version_it_names_now(api: EmbeddedApi) -> None:
    api.ok("PUT", "/v1/models/fraud/aliases/champion", api.workflow(OWNER), body={"version": 1})
    page = read_page(_compare(api, "models:/fraud@champion", "models:/fraud/2"))
    assert "fraud v1 models:/fraud/1" in page.shown


def test_without_uris_the_page_is_a_form_to_type_them(api: EmbeddedApi) -> None:
    for query in ({}, {"base": "", "head": ""}):
        answer = page_call(_person(api), "GET", "/ui/compare", query=query)
        assert answer.status == 200, answer
        assert 'name="base"' in answer.raw and 'name="head"' in answer.raw
        assert '<table class="metrics">' not in answer.raw


@pytest.mark.parametrize(
    "query",
    [
        {"base": "models:/fraud/1", "head": ""},
        {"base": "fraud/1", "head": "models:/fraud/2"},
        {"base": "models:/fraud/1", "head": "models:/../2"},
    ],
)
def test_a_malformed_uri_is_a_400_page(api: EmbeddedApi, query: dict[str, str]) -> None:
    answer = page_call(_person(api), "GET", "/ui/compare", query=query)
    assert answer.status == 400, answer
    assert answer.headers["Content-Type"].startswith("text/html")
    assert "is not a model URI" in read_page(answer).shown


def test_a_missing_version_is_a_404_page_and_an_unknown_parameter_a_400(api: EmbeddedApi) -> None:
    assert _compare(api, "models:/fraud/1", "models:/fraud/9").status == 404
    assert _compare(api, "models:/fraud/1", "models:/nobody/1").status == 404
    unknown = page_call(_person(api), "GET", "/ui/compare", query={"base": "models:/fraud/1", "colour": "red"})
    assert unknown.status == 400


def test_signed_out_the_page_is_a_sign_in(api: EmbeddedApi) -> None:
    answer = page_call(None, "GET", "/ui/compare", query={"base": "models:/fraud/1", "head": "models:/fraud/2"})
    assert answer.status == 303
    assert answer.headers["Location"].startswith("/ui/sign-in")


def test_archiving_is_offered_to_the_models_developers_only(api: EmbeddedApi) -> None:
    api.ok(
        "POST", "/v1/roles", api.workflow(ADMIN), body={"role": "developer", "scope": "*", "team": "acme/fraud-devs"}
    )
    developer = api.person(32, "dana", teams=("acme/fraud-devs",))
    query = {"base": "models:/fraud/1", "head": "models:/fraud/2"}
    offered = read_page(page_call(developer, "GET", "/ui/compare", query=query)).hrefs()
    assert "/ui/models/fraud/versions/1/archive" in offered and "/ui/models/fraud/versions/2/archive" in offered
    reader = read_page(page_call(_person(api), "GET", "/ui/compare", query=query)).hrefs()
    assert not [link for link in reader if link.endswith("/archive")]
