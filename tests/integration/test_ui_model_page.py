"""The model page (/ui/models/<name>): stages and aliases with their history, the versions table with the
metric columns a person chooses, the chart of one metric, and what the page refuses.

In-process on the embedded backend (tests/support/embedded_api.py), the page read with a person's session
cookie as a browser sends it; the registry is changed through the API as workflows and people would.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from modelyard_local.github import APP_ID, LocalGitHub
from modelyard_local.issuer import LocalIssuer, local_repository_id
from modelyard_server.ui import links
from tests.support.api_events import ApiResponse
from tests.support.embedded_api import EmbeddedApi, embedded_api
from tests.support.markup_inspection import ParsedMarkup, parse_markup, scheme_of
from tests.support.page_calls import page_call

OWNER, ADMIN, OPS_TEAM = "acme/fraud", "acme/platform", "acme/sre"
PAT, VIEWER = 4242, 5151  # GitHub user ids: Pat is on call, Vic only reads
RUN = "1001"
POLICY = {
    "stages": {
        "staging": {"min_approvals": 0, "prevent_self_approval": False},
        "production": {"min_approvals": 1, "prevent_self_approval": True, "from_stages": []},
    }
}


@pytest.fixture
def api(
    issuer: LocalIssuer, github: LocalGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[EmbeddedApi]:
    env = {
        "MODELYARD_ADMIN_REPOSITORIES": ADMIN,
        "MODELYARD_GITHUB_APP_ID": APP_ID,
        "MODELYARD_GITHUB_APP_PRIVATE_KEY": github.private_key_pem,
        "MODELYARD_GITHUB_API_URL": github.url,
    }
    with embedded_api(monkeypatch, issuer, tmp_path / "data", **env) as running:
        admin = running.workflow(ADMIN)
        running.ok("PUT", "/v1/policy", admin, body={"document": POLICY, "expected_revision": 0})
        running.ok("POST", "/v1/roles", admin, body={"role": "ops", "scope": "*", "team": OPS_TEAM})
        yield running


def _owner(api: EmbeddedApi, environment: str | None = None) -> str:
    return api.workflow(OWNER, environment=environment, run_id=RUN, actor="bob")


def _register(api: EmbeddedApi, name: str, data: bytes, metrics: dict[str, float]) -> int:
    return api.upload(name, data, _owner(api), metrics=metrics)


def _model(api: EmbeddedApi, name: str = "fraud", **fields: Any) -> None:
    api.ok("POST", "/v1/models", _owner(api), body={"name": name, **fields})


def _promote(api: EmbeddedApi, stage: str, number: int, name: str = "fraud") -> None:
    path = f"/v1/models/{name}/stages/{stage}/promote"
    api.ok("POST", path, _owner(api, stage), body={"version": number, "comment": f"ship v{number}"})


def page(api: EmbeddedApi, path: str, *, person: str | None = None, **query: str | list[str]) -> ApiResponse:
    """`path` as a browser asks for it, signed in as `person` (a session token) when given."""
    pairs = [(key, item) for key, value in query.items() for item in ([value] if isinstance(value, str) else value)]
    return page_call(person, "GET", path, query=pairs)


def shown(answer: ApiResponse) -> ParsedMarkup:
    assert answer.status == 200, answer
    assert answer.headers.get("Content-Type", "").startswith("text/html"), answer.headers
    return parse_markup(answer.raw)


def _viewer(api: EmbeddedApi) -> str:
    return api.person(VIEWER, "vic", teams=("acme/analysts",))


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def released(api: EmbeddedApi, github: LocalGitHub) -> EmbeddedApi:
    """fraud: v1..v4 (auc, loss, f1, latency); v1 then v3 promoted to production with alice's approval, then
    rolled back to v1 by Pat (ops) saying why; v2 in staging; alias champion on v3."""
    _model(api, description="Flags card fraud", tags={"team": "risk"})
    for number, auc in enumerate((0.81, 0.84, 0.88, 0.86), start=1):
        metrics = {"auc": auc, "loss": 1 - auc, "f1": auc - 0.1, "latency_ms": 10.0 * number}
        assert _register(api, "fraud", f"v{number}".encode(), metrics) == number
    github.approve(OWNER, RUN, "alice", "production", comment="numbers look right")
    _promote(api, "production", 1)
    _promote(api, "production", 3)
    _promote(api, "staging", 2)
    api.ok("PUT", "/v1/models/fraud/aliases/champion", _owner(api), body={"version": 3})
    pat = api.person(PAT, "pat", teams=(OPS_TEAM,))
    api.ok("POST", "/v1/models/fraud/stages/production/rollback", pat, body={"comment": "v3 flags every refund"})
    return api


def _section(markup: ParsedMarkup, heading: str) -> str:
    """The text of the card whose heading is `heading` (e.g. `Stage production`)."""
    cards = [e for e in markup.with_tag("section") if _words(e.text).startswith(heading)]
    assert len(cards) == 1, [_words(e.text)[:60] for e in markup.with_tag("section")]
    return _words(cards[0].text)


def test_the_page_shows_each_stage_and_alias_with_its_holder_and_history(released: EmbeddedApi) -> None:
    markup = shown(page(released, links.model("fraud"), person=_viewer(released)))

    production = _section(markup, "Stage production")
    assert "Holds version 1" in production
    moves = re.findall(r"(rollback Rolled back to v1|Promoted to v3|Promoted to v1)", production)
    assert moves == ["rollback Rolled back to v1", "Promoted to v3", "Promoted to v1"]  # newest first
    assert "Reason: v3 flags every refund" in production
    assert "by pat (person)" in production
    assert "as an incident action" in production
    assert "Approved by: alice: “numbers look right”" in production
    assert "by bob via acme/fraud" in production
    assert "Comment: ship v3" in production
    staging = _section(markup, "Stage staging")
    assert "Holds version 2" in staging and "Promoted to v2" in staging
    champion = _section(markup, "Alias @champion")
    assert "Holds version 3" in champion and "Set to v3" in champion
    assert "Holds no version" in _section(markup, "Stage development")
    [badge] = [e for e in markup.with_class("badge") if "rollback" in e.classes()]
    assert badge.text == "rollback"
    hrefs = markup.hrefs()
    assert links.version("fraud", 1) in hrefs and links.version("fraud", 3) in hrefs
    assert links.model_audit("fraud") in hrefs
    assert links.compare("models:/fraud/3", "models:/fraud/1") in hrefs  # what the rollback undid
    runs = [
        e
        for e in markup.with_tag("a")
        if (e.attrs.get("href") or "").endswith("/acme/fraud/actions/runs/1001/attempts/1")
    ]
    assert runs and all(e.text == f"workflow run {RUN}" and "noopener" in (e.attrs["rel"] or "") for e in runs)


def test_the_header_shows_the_description_owners_latest_version_and_tags_as_catalog_links(
    released: EmbeddedApi,
) -> None:
    markup = shown(page(released, links.model("fraud"), person=_viewer(released)))

    assert [h.text for h in markup.with_tag("h1")] == ["fraud"]
    assert "Flags card fraud" in markup.text
    hrefs = markup.hrefs()
    assert links.catalog(tag="team=risk") in hrefs
    assert links.catalog(owner=OWNER) in hrefs
    assert links.version("fraud", 4) in hrefs


def _table_rows(markup: ParsedMarkup, css_class: str) -> list[list[str]]:
    """The rows of the table with class `css_class`, each as the texts of its cells (header row first)."""
    html_rows: list[list[str]] = []
    inside = False
    for element in markup.elements:
        if element.tag == "table":
            inside = css_class in element.classes()
        elif inside and element.tag == "tr":
            html_rows.append([])
        elif inside and element.tag in ("th", "td") and html_rows:
            html_rows[-1].append(_words(element.text))
    return html_rows


def test_the_versions_table_shows_three_metric_columns_by_default_and_the_ones_chosen(released: EmbeddedApi) -> None:
    viewer = _viewer(released)
    default = _table_rows(shown(page(released, links.model("fraud"), person=viewer)), "versions")
    assert default[0] == ["Version", "Status", "Created", "Holds", "auc", "f1", "latency_ms"]
    assert [row[0] for row in default[1:]] == ["v4", "v3", "v2", "v1"]
    assert default[2][1] == "ready" and "@champion" in default[2][3]
    assert default[4][3] == "production"

    chosen = shown(page(released, links.model("fraud"), person=viewer, column=["loss", "auc"]))
    rows = _table_rows(chosen, "versions")
    assert rows[0][4:] == ["loss", "auc"]
    assert rows[1][4:] == ["0.14", "0.86"]
    checkboxes = [e for e in chosen.with_tag("input") if e.attrs.get("type") == "checkbox"]
    boxes = {e.attrs["value"]: "checked" in e.attrs for e in checkboxes}
    assert boxes == {"auc": True, "f1": False, "latency_ms": False, "loss": True}


def test_the_chart_draws_the_chosen_metric_with_its_values_as_a_table(released: EmbeddedApi) -> None:
    markup = shown(page(released, links.model("fraud"), person=_viewer(released), metric="loss"))

    [chart] = markup.with_tag("svg")
    assert chart.attrs["role"] == "img"
    assert "loss across versions 1-4" in chart.text
    assert "production" in chart.text and "@champion" in chart.text  # the holders, marked
    values = _table_rows(markup, "chart-values")
    assert values[0] == ["Version", "loss", "Held by"]
    assert values[1] == ["v1", "0.19", "production"]
    assert values[3] == ["v3", "0.12", "@champion"]
    [selected] = [e for e in markup.with_tag("option") if "selected" in e.attrs and e.attrs.get("value") == "loss"]
    assert selected.text == "loss"


def test_the_compare_form_offers_the_versions_of_the_page(released: EmbeddedApi) -> None:
    markup = shown(page(released, links.model("fraud"), person=_viewer(released)))

    [form] = [e for e in markup.with_tag("form") if e.attrs.get("action") == links.COMPARE]
    assert form.attrs["method"] == "get"
    values = [e.attrs.get("value") or "" for e in markup.with_tag("option")]
    options = [value for value in values if value.startswith("models:/")]
    assert options == [f"models:/fraud/{n}" for n in (4, 3, 2, 1)] * 2
    selects = {e.attrs["name"] for e in markup.with_tag("select")}
    assert {"base", "head"} <= selects


def test_versions_come_a_page_at_a_time_with_the_choices_kept(api: EmbeddedApi) -> None:
    _model(api)
    for number in range(1, 28):
        api.register("fraud", f"v{number}".encode(), _owner(api), store=False)
    viewer = _viewer(api)
    first = shown(page(api, links.model("fraud"), person=viewer, column="auc"))
    assert [row[0] for row in _table_rows(first, "versions")[1:]] == [f"v{n}" for n in range(27, 2, -1)]
    [older] = [e.attrs["href"] or "" for e in first.with_tag("a") if e.text == "Older versions"]
    query = parse_qs(urlsplit(older).query)
    assert query["column"] == ["auc"] and query["next_token"]

    second = shown(page(api, urlsplit(older).path, person=viewer, **query))
    assert [row[0] for row in _table_rows(second, "versions")[1:]] == ["v2", "v1"]
    assert [e.text for e in second.with_tag("a") if e.text == "Newest versions"] == ["Newest versions"]


def test_a_namespaced_model_has_its_page_at_two_segments(api: EmbeddedApi) -> None:
    admin = api.workflow(ADMIN)
    owners = [{"repository": local_repository_id(OWNER), "label": OWNER}]
    api.ok("POST", "/v1/namespaces", admin, body={"name": "marketing", "owners": owners})
    _model(api, "marketing/churn")
    _register(api, "marketing/churn", b"one", {"auc": 0.7})

    answer = page(api, "/ui/models/marketing/churn", person=_viewer(api))

    markup = shown(answer)
    assert [h.text for h in markup.with_tag("h1")] == ["marketing/churn"]
    assert "/ui/models/marketing/churn/versions/1" in markup.hrefs()


def test_a_private_namespace_s_model_is_the_missing_page_to_a_non_member(api: EmbeddedApi) -> None:
    admin = api.workflow(ADMIN)
    owners = [{"repository": local_repository_id(OWNER), "label": OWNER}]
    api.ok("POST", "/v1/namespaces", admin, body={"name": "secret", "owners": owners, "private": True})
    _model(api, "secret/churn", description="hidden plans")

    hidden = page(api, "/ui/models/secret/churn", person=_viewer(api))
    missing = page(api, "/ui/models/secret/nothing", person=_viewer(api))

    assert (hidden.status, missing.status) == (404, 404)
    assert "hidden plans" not in hidden.raw
    assert hidden.raw.replace("secret/churn", "X") == missing.raw.replace("secret/nothing", "X")


def test_a_missing_model_is_a_404_page(api: EmbeddedApi) -> None:
    answer = page(api, links.model("nowhere"), person=_viewer(api))

    assert answer.status == 404
    assert answer.headers.get("Content-Type", "").startswith("text/html")
    assert "nowhere" in parse_markup(answer.raw).text


def test_without_a_session_the_page_sends_the_browser_to_sign_in(released: EmbeddedApi) -> None:
    answer = page(released, links.model("fraud"))

    assert answer.status == 303
    assert answer.headers["Location"].startswith(links.SIGN_IN)


def test_an_unknown_query_parameter_is_a_400_page(released: EmbeddedApi) -> None:
    answer = page(released, links.model("fraud"), person=_viewer(released), colour="red")

    assert answer.status == 400
    assert "colour" in answer.raw


HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>"'


def test_hostile_descriptions_tags_and_comments_render_as_text(api: EmbeddedApi, github: LocalGitHub) -> None:
    _model(
        api,
        description=HOSTILE + " [click](javascript:alert(3)) ![x](https://evil.example/t.png)",
        tags={"team": HOSTILE[:60]},
    )
    for data in (b"one", b"two"):
        _register(api, "fraud", data, {HOSTILE[:40]: 1.0})
    github.approve(OWNER, RUN, "alice", "production", comment=HOSTILE)
    _promote(api, "production", 1)
    _promote(api, "production", 2)
    pat = api.person(PAT, "pat", teams=(OPS_TEAM,))
    api.ok("POST", "/v1/models/fraud/stages/production/rollback", pat, body={"comment": HOSTILE})

    markup = shown(page(api, links.model("fraud"), person=_viewer(api), column=HOSTILE[:40]))

    assert not {"script", "img"} & markup.tags()
    assert not [e for e in markup.elements if any(name.startswith("on") for name in e.attrs)]
    assert HOSTILE in markup.text  # shown, as text
    anchors = [e.attrs.get("href") or "" for e in markup.with_tag("a")]
    assert not [href for href in anchors if scheme_of(href) not in (None, "http", "https")]
    assert not [e for e in markup.elements if "src" in e.attrs]  # the image is named, never loaded
