"""The audit pages: the registry's governance trail for admins (filters and pages as `GET /v1/audit` has them),
and a model's trail for everyone who can read the model; each entry says when, who, what, which version, why.

In-process on the embedded backend (tests/support/embedded_api.py), as a browser calls the pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from modelyard_local.github import LocalGitHub
from modelyard_local.issuer import LocalIssuer
from tests.support.embedded_api import EmbeddedApi, embedded_api, github_settings
from tests.support.page_calls import page_call, read_page

OWNER, ADMIN = "acme/fraud", "acme/platform"
ADMINS, OPS_TEAM = "acme/platform-team", "acme/sre"
ALEX, PAT = 1001, 4242  # GitHub user ids: Alex is an admin, Pat is on call


@pytest.fixture
def api(
    issuer: LocalIssuer, github: LocalGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[EmbeddedApi]:
    env = {"MODELYARD_ADMIN_REPOSITORIES": ADMIN, **github_settings(github)}
    with embedded_api(monkeypatch, issuer, tmp_path / "data", **env) as running:
        admin = running.workflow(ADMIN)
        running.ok("POST", "/v1/roles", admin, body={"role": "admin", "scope": "*", "team": ADMINS})
        running.ok("POST", "/v1/roles", admin, body={"role": "ops", "scope": "*", "team": OPS_TEAM})
        yield running


def _alex(api: EmbeddedApi) -> str:
    return api.person(ALEX, "alex", teams=(ADMINS,))


def _pat(api: EmbeddedApi) -> str:
    return api.person(PAT, "pat", teams=(OPS_TEAM,))


def _audit(session: str, **query: str) -> object:
    return page_call(session, "GET", "/ui/audit", query=query)


def test_an_admin_reads_the_governance_trail_newest_first_with_who_and_what(api: EmbeddedApi) -> None:
    answer = page_call(_alex(api), "GET", "/ui/audit")
    assert answer.status == 200, answer
    text = read_page(answer).shown
    granted = f"dev via {ADMIN} {ADMIN} workflow run roles.granted registry:roles"
    assert text.count(granted) == 2
    assert text.index(f'"grantee": "{OPS_TEAM}"') < text.index(f'"grantee": "{ADMINS}"')  # newest first
    assert "Kind" in text and "Actor (subject)" in text and "Order" in text  # the filters


def test_the_trail_is_filtered_and_paged_as_the_api_offers(api: EmbeddedApi) -> None:
    alex = _alex(api)
    api.ok("POST", "/v1/namespaces", api.workflow(ADMIN), body={"name": "marketing", "owners": [{"team": "acme/m"}]})
    only = read_page(page_call(alex, "GET", "/ui/audit", query={"kind": "namespace.created", "actor": ""}))
    assert "namespace.created" in only.shown and "roles.granted" not in only.shown

    first = page_call(alex, "GET", "/ui/audit", query={"order": "oldest", "limit": "1"})
    page = read_page(first)
    assert page.shown.count("roles.granted") == 1
    [later] = [link for link in page.hrefs() if "next_token=" in link]
    assert "order=oldest" in later and "limit=1" in later
    path, _, query = later.partition("?")
    from urllib.parse import parse_qsl

    second = page_call(alex, "GET", path, query=parse_qsl(query))
    assert second.status == 200, second
    assert read_page(second).shown.count("roles.granted") == 1
    assert second.raw != first.raw


def test_a_malformed_filter_is_a_400_page_naming_it(api: EmbeddedApi) -> None:
    answer = page_call(_alex(api), "GET", "/ui/audit", query={"after": "yesterday"})
    assert answer.status == 400, answer
    assert "after" in read_page(answer).shown
    assert page_call(_alex(api), "GET", "/ui/audit", query={"colour": "red"}).status == 400


def test_someone_who_is_no_admin_gets_the_domains_403_page(api: EmbeddedApi) -> None:
    answer = page_call(_pat(api), "GET", "/ui/audit")
    assert answer.status == 403, answer
    assert answer.headers["Content-Type"].startswith("text/html")
    assert "reading the governance audit trail is for admins" in read_page(answer).shown


def test_a_models_trail_shows_each_change_with_its_actor_run_and_reason(api: EmbeddedApi) -> None:
    owner = api.workflow(OWNER, environment="production", run_id="777")
    api.ok("POST", "/v1/models", owner, body={"name": "fraud"})
    api.upload("fraud", b"one", owner)
    api.ok(
        "POST",
        "/v1/models/fraud/versions/1/archive",
        api.workflow(OWNER),
        body={"status": "deprecated", "reason": "<b>stale</b> data"},
    )
    reader = api.person(5, "someone")
    answer = page_call(reader, "GET", "/ui/models/fraud/events")
    assert answer.status == 200, answer
    page = read_page(answer)
    assert f"dev via {OWNER} {OWNER} workflow run model.version.deprecated v1 <b>stale</b> data" in page.shown
    assert "&lt;b&gt;stale&lt;/b&gt; data" in answer.raw  # escaped, never markup
    assert any(link.endswith(f"/{OWNER}/actions/runs/777/attempts/1") for link in page.hrefs())  # the run
    assert "/ui/models/fraud/versions/1" in page.hrefs()
    assert "/ui/models/fraud/stages/production/rollback" not in page.hrefs()  # nothing held; and no ops role


def test_a_models_trail_is_paged(api: EmbeddedApi) -> None:
    owner = api.workflow(OWNER)
    api.ok("POST", "/v1/models", owner, body={"name": "fraud"})
    for data in (b"one", b"two"):
        api.upload("fraud", data, owner)
    first = read_page(page_call(_pat(api), "GET", "/ui/models/fraud/events", query={"order": "oldest", "limit": "1"}))
    [later] = [link for link in first.hrefs() if "next_token=" in link]
    assert later.startswith("/ui/models/fraud/events?order=oldest&limit=1&next_token=")


def test_a_models_trail_shows_the_latest_changes_first_by_default(api: EmbeddedApi) -> None:
    owner = api.workflow(OWNER)
    api.ok("POST", "/v1/models", owner, body={"name": "fraud"})
    for data in (b"one", b"two"):
        api.upload("fraud", data, owner)

    newest = read_page(page_call(_pat(api), "GET", "/ui/models/fraud/events", query={"limit": "2"}))
    oldest = read_page(page_call(_pat(api), "GET", "/ui/models/fraud/events", query={"order": "oldest"}))

    assert newest.shown.index("model.version.ready v2") < newest.shown.index("model.version.registered v2")
    assert "model.created" not in newest.shown  # the latest two only
    assert oldest.shown.index("model.created") < oldest.shown.index("model.version.ready v2")


def test_a_models_trail_pages_back_to_older_changes_newest_first(api: EmbeddedApi) -> None:
    owner = api.workflow(OWNER)
    api.ok("POST", "/v1/models", owner, body={"name": "fraud"})
    for data in (b"one", b"two"):
        api.upload("fraud", data, owner)  # five events: created, then registered and ready twice
    pat = _pat(api)
    whole = read_page(page_call(pat, "GET", "/ui/models/fraud/events", query={"limit": "50"})).shown

    shown, address, pages = [], "/ui/models/fraud/events?limit=2", 0
    while address:
        page = read_page(page_call(pat, "GET", urlsplit(address).path, query=parse_qsl(urlsplit(address).query)))
        shown += re.findall(r"model\.[a-z.]+(?: v\d)?", page.shown.split("Events", 1)[1])
        older = [link.attrs["href"] or "" for link in page.with_tag("a") if link.text == "Older changes"]
        address, pages = (older[0] if older else ""), pages + 1

    assert pages == 3
    assert shown == re.findall(r"model\.[a-z.]+(?: v\d)?", whole.split("Events", 1)[1])
    assert shown[0] == "model.version.ready v2" and shown[-1] == "model.created"


def test_a_page_back_past_the_first_change_does_not_say_nothing_happened(api: EmbeddedApi) -> None:
    """An old bookmark or a hand-made before= can page back past the oldest change: the model still has a trail."""
    owner = api.workflow(OWNER)
    api.ok("POST", "/v1/models", owner, body={"name": "fraud"})
    [created] = api.ok("GET", "/v1/models/fraud/events", owner)["items"]

    page = read_page(page_call(_pat(api), "GET", "/ui/models/fraud/events", query={"before": created["id"]}))

    assert "Nothing has happened to this model yet" not in page.shown
    assert "No older changes" in page.shown
    assert page.link_to("/ui/models/fraud/events") == "The latest changes"


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"before": "not-an-event"}, 422),
        ({"before": "01KB7ZQ0000000000000000000", "order": "oldest"}, 400),
        ({"before": "01KB7ZQ0000000000000000000", "next_token": "abc"}, 400),
    ],
)
def test_paging_back_takes_an_event_id_and_the_newest_first_trail_only(
    api: EmbeddedApi, query: dict[str, str], status: int
) -> None:
    api.ok("POST", "/v1/models", api.workflow(OWNER), body={"name": "fraud"})

    assert page_call(_pat(api), "GET", "/ui/models/fraud/events", query=query).status == status


def test_a_missing_model_has_no_trail(api: EmbeddedApi) -> None:
    assert page_call(_pat(api), "GET", "/ui/models/nobody/events").status == 404


def test_the_header_offers_the_governance_trail_to_admins_only(api: EmbeddedApi) -> None:
    def offered(session: str) -> bool:
        return "/ui/audit" in read_page(page_call(session, "GET", "/ui/")).hrefs()

    assert offered(_alex(api)) and not offered(_pat(api))
