"""Incident actions from the pages: an ops person rolls a stage back or archives a version, with a reason and a
confirmation, through the same domain as the API (who may, events, audit trail); every refusal changes nothing.

In-process on the embedded backend (tests/support/embedded_api.py), as a browser calls the pages
(tests/support/page_calls.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from modelyard_local.github import LocalGitHub
from modelyard_local.issuer import LocalIssuer
from tests.support.embedded_api import EmbeddedApi, embedded_api, github_settings
from tests.support.page_calls import csrf_of, page_call, read_page

OWNER, ADMIN = "acme/fraud", "acme/platform"
OPS_TEAM, DEV_TEAM = "acme/sre", "acme/fraud-devs"
PAT, DANA, SAM = 4242, 5151, 6161  # GitHub user ids: Pat is on call, Dana develops fraud, Sam has no role
ROLLBACK = "/ui/models/fraud/stages/production/rollback"
REASON = "v2 flags every refund as fraud"


@pytest.fixture
def api(
    issuer: LocalIssuer, github: LocalGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[EmbeddedApi]:
    env = {"MODELYARD_ADMIN_REPOSITORIES": ADMIN, **github_settings(github)}
    with embedded_api(monkeypatch, issuer, tmp_path / "data", **env) as running:
        _in_production(running)
        yield running


def _admin(api: EmbeddedApi) -> str:
    return api.workflow(ADMIN)


def _in_production(api: EmbeddedApi) -> None:
    """fraud: v1 then v2 in production, v3 registered; ops and developer roles granted to their teams."""
    loose = {"stages": {"production": {"min_approvals": 0, "prevent_self_approval": False, "from_stages": []}}}
    api.ok("PUT", "/v1/policy", _admin(api), body={"document": loose, "expected_revision": 0})
    owner = api.workflow(OWNER, environment="production")
    api.ok("POST", "/v1/models", owner, body={"name": "fraud"})
    for data in (b"one", b"two", b"three"):
        api.upload("fraud", data, owner)
    for number in (1, 2):
        api.ok("POST", "/v1/models/fraud/stages/production/promote", owner, body={"version": number})
    api.ok("POST", "/v1/roles", _admin(api), body={"role": "ops", "scope": "*", "team": OPS_TEAM})
    api.ok("POST", "/v1/roles", _admin(api), body={"role": "developer", "scope": "*", "team": DEV_TEAM})


def _pat(api: EmbeddedApi) -> str:
    return api.person(PAT, "pat", teams=(OPS_TEAM,))


def _dana(api: EmbeddedApi) -> str:
    return api.person(DANA, "dana", teams=(DEV_TEAM,))


def _production(api: EmbeddedApi) -> int:
    return int(api.ok("GET", "/v1/models/fraud", _admin(api))["stages"]["production"]["version"])


def _events(api: EmbeddedApi, kind: str) -> list[dict[str, Any]]:
    items = api.ok("GET", "/v1/models/fraud/events", _admin(api), query={"limit": "100"})["items"]
    return [event for event in items if event["type"] == kind]


def _rollback(session: str, **fields: str) -> Any:
    form = {"csrf": csrf_of(session, ROLLBACK), "expected_version": "2", "reason": REASON, "confirm": "yes"}
    form.update(fields)
    return page_call(session, "POST", ROLLBACK, form={k: v for k, v in form.items() if v is not None})


def test_the_rollback_page_says_what_will_happen_and_asks_for_a_reason_and_a_confirmation(api: EmbeddedApi) -> None:
    answer = page_call(_pat(api), "GET", ROLLBACK)
    assert answer.status == 200, answer
    page = read_page(answer)
    assert "production goes back from v2 to v1" in page.shown
    assert ROLLBACK in page.post_actions()
    assert page.hidden_fields()["expected_version"] == "2"
    assert 'name="reason"' in answer.raw and 'name="confirm"' in answer.raw
    assert "/ui/compare?base=models%3A%2Ffraud%2F2&head=models%3A%2Ffraud%2F1" in page.hrefs()


def test_an_ops_person_rolls_production_back_and_the_trail_shows_who_and_why(api: EmbeddedApi) -> None:
    pat = _pat(api)
    answer = _rollback(pat)
    assert answer.status == 303, answer
    assert answer.headers["Location"] == "/ui/models/fraud/events"
    assert _production(api) == 1
    [event] = _events(api, "model.version.rolled_back")
    assert (event["detail"]["user_id"], event["detail"]["login"]) == (str(PAT), "pat")
    assert event["detail"]["comment"] == REASON
    assert event["detail"]["authority"] == "operate"
    trail = read_page(page_call(pat, "GET", "/ui/models/fraud/events"))
    assert f"pat GitHub user {PAT} model.version.rolled_back (production) v2 → v1 {REASON}" in trail.shown


def test_a_developer_is_refused_the_rollback_as_the_api_refuses_it_and_nothing_moves(api: EmbeddedApi) -> None:
    dana = _dana(api)
    confirmation = read_page(page_call(dana, "GET", ROLLBACK))
    assert ROLLBACK not in confirmation.post_actions()  # no button for who may not use it
    assert "for people with the ops role" in confirmation.shown
    refused = _rollback(dana)
    assert refused.status == 403, refused
    assert refused.headers["Content-Type"].startswith("text/html")
    assert "ops role" in read_page(refused).shown
    assert _production(api) == 2
    assert _events(api, "model.version.rolled_back") == []
    [denied] = _events(api, "model.promotion.denied")  # an owner-side refusal stays in the model's trail
    assert denied["detail"]["user_id"] == str(DANA)


def test_a_person_with_no_role_is_refused_and_the_refusal_is_in_the_security_log(api: EmbeddedApi) -> None:
    sam = api.person(SAM, "sam", teams=("acme/finance",))
    refused = _rollback(sam)
    assert refused.status == 403, refused
    assert "is for ops or admins" in read_page(refused).shown
    assert _production(api) == 2
    log = api.ok("GET", "/v1/security/events", _admin(api))["items"]
    assert [(e["model"], e["detail"]["action"], e["detail"]["user_id"]) for e in log] == [
        ("fraud", "roll back production", str(SAM))
    ]


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"reason": ""}, "Say why"),
        ({"reason": "   "}, "Say why"),
        ({"confirm": None}, "I confirm"),
        ({"confirm": "no"}, "I confirm"),
    ],
)
def test_no_reason_or_no_confirmation_shows_the_form_again_and_changes_nothing(
    api: EmbeddedApi, fields: dict[str, str | None], error: str
) -> None:
    pat = _pat(api)
    form = {"csrf": csrf_of(pat, ROLLBACK), "expected_version": "2", "reason": REASON, "confirm": "yes", **fields}
    answer = page_call(pat, "POST", ROLLBACK, form={k: v for k, v in form.items() if v is not None})
    assert answer.status == 422, answer
    page = read_page(answer)
    assert "Nothing was changed" in page.shown and error in page.shown
    assert ROLLBACK in page.post_actions()  # the form again, to correct
    assert _production(api) == 2
    assert _events(api, "model.version.rolled_back") == []


@pytest.mark.parametrize(
    ("csrf", "headers"),
    [
        ("", {}),  # no token
        ("forged", {}),
        (None, {"sec-fetch-site": "cross-site"}),  # the right token, but posted from another site
    ],
)
def test_a_post_without_this_sessions_token_or_from_another_site_is_refused(
    api: EmbeddedApi, csrf: str | None, headers: dict[str, str]
) -> None:
    pat = _pat(api)
    token = csrf_of(pat, ROLLBACK) if csrf is None else csrf
    form = {"csrf": token, "expected_version": "2", "reason": REASON, "confirm": "yes"}
    answer = page_call(pat, "POST", ROLLBACK, form=form, headers=headers)
    assert answer.status == 403, answer
    assert _production(api) == 2
    assert _events(api, "model.version.rolled_back") == []


def test_another_sessions_token_is_refused(api: EmbeddedApi) -> None:
    pat, other = _pat(api), api.person(PAT + 1, "pat-too", teams=(OPS_TEAM,))
    form = {"csrf": csrf_of(other, ROLLBACK), "expected_version": "2", "reason": REASON, "confirm": "yes"}
    assert page_call(pat, "POST", ROLLBACK, form=form).status == 403
    assert _production(api) == 2


def test_a_stage_that_moved_since_the_page_was_read_is_not_rolled_back(api: EmbeddedApi) -> None:
    pat = _pat(api)
    seen = read_page(page_call(pat, "GET", ROLLBACK)).hidden_fields()
    owner = api.workflow(OWNER, environment="production")
    api.ok("POST", "/v1/models/fraud/stages/production/promote", owner, body={"version": 3})
    answer = page_call(pat, "POST", ROLLBACK, form={**seen, "reason": REASON, "confirm": "yes"})
    assert answer.status == 409, answer
    assert "holds version 3, not 2" in read_page(answer).shown
    assert _production(api) == 3
    assert _events(api, "model.version.rolled_back") == []


def test_an_ops_person_archives_a_version_with_a_reason(api: EmbeddedApi) -> None:
    pat = _pat(api)
    path = "/ui/models/fraud/versions/3/archive"
    confirmation = read_page(page_call(pat, "GET", path))
    assert path in confirmation.post_actions()
    csrf = confirmation.hidden_fields()["csrf"]
    form = {"csrf": csrf, "status": "archived", "reason": "trained on leaked labels", "confirm": "yes"}
    answer = page_call(pat, "POST", path, form=form)
    assert answer.status == 303, answer
    assert api.ok("GET", "/v1/models/fraud/versions/3", _admin(api))["status"] == "archived"
    [event] = _events(api, "model.version.archived")
    assert (event["detail"]["user_id"], event["detail"]["reason"]) == (str(PAT), "trained on leaked labels")


def test_archiving_a_held_version_is_refused_and_changes_nothing(api: EmbeddedApi) -> None:
    pat = _pat(api)
    path = "/ui/models/fraud/versions/2/archive"
    confirmation = read_page(page_call(pat, "GET", path))
    assert "held by stage production" in confirmation.shown
    form = {"csrf": confirmation.hidden_fields()["csrf"], "status": "archived", "reason": "bad", "confirm": "yes"}
    assert page_call(pat, "POST", path, form=form).status == 409
    assert api.ok("GET", "/v1/models/fraud/versions/2", _admin(api))["status"] == "ready"


def test_archiving_without_a_reason_shows_the_form_again(api: EmbeddedApi) -> None:
    pat = _pat(api)
    path = "/ui/models/fraud/versions/3/archive"
    form = {"csrf": csrf_of(pat, path), "status": "archived", "reason": "", "confirm": "yes"}
    answer = page_call(pat, "POST", path, form=form)
    assert answer.status == 422
    assert api.ok("GET", "/v1/models/fraud/versions/3", _admin(api))["status"] == "ready"


def test_the_model_trail_offers_rollback_only_to_who_may_operate(api: EmbeddedApi) -> None:
    assert ROLLBACK in read_page(page_call(_pat(api), "GET", "/ui/models/fraud/events")).hrefs()
    assert ROLLBACK not in read_page(page_call(_dana(api), "GET", "/ui/models/fraud/events")).hrefs()


def test_signed_out_the_action_is_a_sign_in_and_nothing_moves(api: EmbeddedApi) -> None:
    answer = page_call(None, "POST", ROLLBACK, form={"csrf": "", "reason": REASON, "confirm": "yes"})
    assert answer.status == 303
    assert answer.headers["Location"].startswith("/ui/sign-in")
    assert _production(api) == 2


def test_a_namespaced_models_stage_is_rolled_back_from_its_two_segment_page(api: EmbeddedApi) -> None:
    owner = {"repository": api.repository_id(OWNER)}
    api.ok("POST", "/v1/namespaces", _admin(api), body={"name": "marketing", "owners": [owner]})
    token = api.workflow(OWNER, environment="production")
    api.ok("POST", "/v1/models", token, body={"name": "marketing/churn"})
    for data in (b"churn one", b"churn two"):
        number = api.upload("marketing/churn", data, token)
        api.ok("POST", "/v1/models/marketing/churn/stages/production/promote", token, body={"version": number})
    pat, path = _pat(api), "/ui/models/marketing/churn/stages/production/rollback"
    confirmation = read_page(page_call(pat, "GET", path))
    assert "production goes back from v2 to v1" in confirmation.shown and path in confirmation.post_actions()
    answer = page_call(pat, "POST", path, form={**confirmation.hidden_fields(), "reason": REASON, "confirm": "yes"})
    assert answer.status == 303, answer
    assert answer.headers["Location"] == "/ui/models/marketing/churn/events"
    trail = read_page(page_call(pat, "GET", "/ui/models/marketing/churn/events"))
    assert f"model.version.rolled_back (production) v2 → v1 {REASON}" in trail.shown
    assert api.ok("GET", "/v1/models/marketing/churn", _admin(api))["stages"]["production"]["version"] == 1


def test_the_model_page_offers_rollback_and_the_version_page_archiving_to_who_may(api: EmbeddedApi) -> None:
    held = _production(api)

    def offered(session: str, path: str) -> list[str]:
        shown = read_page(page_call(session, "GET", path)).hrefs()
        return [link for link in shown if link.endswith(("/rollback", "/archive"))]

    assert offered(_pat(api), "/ui/models/fraud") == ["/ui/models/fraud/stages/production/rollback"]
    assert offered(_dana(api), "/ui/models/fraud") == []
    assert offered(_dana(api), "/ui/models/fraud/versions/3") == ["/ui/models/fraud/versions/3/archive"]
    assert offered(api.person(SAM, "sam"), "/ui/models/fraud/versions/3") == []
    assert offered(_pat(api), "/ui/models/fraud/versions/3") == ["/ui/models/fraud/versions/3/archive"]
    assert offered(_pat(api), f"/ui/models/fraud/versions/{held}") == []  # production holds it
