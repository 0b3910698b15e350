"""Incident actions in a real browser: an ops person rolls production back with a reason and a confirmation and
finds it in the audit trail with their login; the browser itself will not send the form without them; a
developer is shown no rollback control and a forged submission is refused; an ops person archives a version
from the compare page.

What the API answers is the judge of state: a page's words are what a person reads, the API what a deployment
follows.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from modelyard_local.stack import LocalStack
from modelyard_server.ui import links
from tests.browser.arranged import MODEL, NAMESPACED, Arranged
from tests.browser.conftest import DEVELOPER, OPS
from tests.browser.harness import RequestLog
from tests.browser.reading import signed_in_locally, table_rows

REASON = "v3 marks every annual-plan customer as churning"


def confirm_with_reason(page: Page, reason: str, button: str) -> None:
    """What every incident form asks of a person: a reason, the confirmation ticked, then its button."""
    page.get_by_label("Reason (recorded in the audit trail)").fill(reason)
    page.get_by_label("I confirm").check()
    page.get_by_role("button", name=button).click()


def test_the_browser_will_not_send_a_rollback_without_a_reason_and_a_confirmation(
    page: Page, registry: LocalStack, arranged: Arranged, requests_seen: RequestLog
) -> None:
    before = arranged.production()
    signed_in_locally(page, registry, OPS.login)
    page.goto(links.model_audit(MODEL))
    page.get_by_role("link", name="Roll back production…").click()
    roll_back = page.get_by_role("button", name="Roll back production to")

    roll_back.click()  # nothing filled in
    page.get_by_label("Reason (recorded in the audit trail)").fill(REASON)
    roll_back.click()  # a reason, not confirmed

    expect(page.get_by_label("I confirm")).not_to_be_checked()
    assert [r.url for r in requests_seen.seen if r.method == "POST"] == []
    assert arranged.production() == before


def test_an_ops_person_rolls_production_back_and_the_trail_shows_them_and_the_reason(
    page: Page, registry: LocalStack, arranged: Arranged
) -> None:
    assert arranged.production() == 3
    signed_in_locally(page, registry, OPS.login)
    page.locator("table.catalog").get_by_role("link", name=MODEL, exact=True).click()
    page.get_by_role("link", name=f"Audit trail of {MODEL}").click()
    page.get_by_role("link", name="Roll back production…").click()

    expect(page.locator("p.plan")).to_have_text("production goes back from v3 to v2.")
    confirm_with_reason(page, REASON, "Roll back production to v2")

    expect(page).to_have_url(f"{registry.api_url}{links.model_audit(MODEL)}")
    assert arranged.production() == 2
    [rolled_back] = arranged.events("model.version.rolled_back")
    assert (rolled_back["detail"]["login"], rolled_back["detail"]["comment"]) == (OPS.login, REASON)
    trail = [row[1:] for row in table_rows(page.locator("table.audit")) if "rolled_back" in row[2]]
    assert trail == [
        [f"{OPS.login} GitHub user {OPS.user_id}", "model.version.rolled_back (production)", "v3 → v2", REASON]
    ]

    page.get_by_role("heading", level=1).get_by_role("link", name=MODEL).click()
    production = page.locator("section.pointer", has=page.get_by_role("heading", name="Stage production"))
    expect(production.locator("p.holder")).to_contain_text("Holds version 2")
    expect(production.locator("li.move").first).to_contain_text("rollback Rolled back to v2 (was v3)")
    expect(production.locator("li.move").first).to_contain_text(f"Reason: {REASON}")


def test_an_ops_person_rolls_back_a_namespaced_models_stage(
    page: Page, registry: LocalStack, arranged: Arranged
) -> None:
    signed_in_locally(page, registry, OPS.login)
    page.locator("table.catalog").get_by_role("link", name=NAMESPACED).click()
    page.get_by_role("link", name=f"Audit trail of {NAMESPACED}").click()
    page.get_by_role("link", name="Roll back staging…").click()

    confirm_with_reason(page, "v2 scores every lead zero", "Roll back staging to v1")

    expect(page).to_have_url(f"{registry.api_url}{links.model_audit(NAMESPACED)}")
    assert arranged.admin.get_stage(NAMESPACED, "staging")["version"] == 1


def test_a_developer_is_shown_no_rollback_and_a_forged_submission_is_refused(
    page: Page, registry: LocalStack, arranged: Arranged
) -> None:
    before = arranged.production()
    rollbacks_before = len(arranged.events("model.version.rolled_back"))
    signed_in_locally(page, registry, DEVELOPER.login)
    page.locator("table.catalog").get_by_role("link", name=MODEL, exact=True).click()
    page.get_by_role("link", name=f"Audit trail of {MODEL}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Audit trail of {MODEL}")
    expect(page.get_by_role("link", name="Roll back production…")).to_have_count(0)

    page.goto(links.rollback(MODEL, "production"))  # the address, typed in or shared by a colleague
    expect(page.get_by_text("for people with the ops role")).to_be_visible()
    expect(page.get_by_role("button", name="Roll back production")).to_have_count(0)
    # What a person with the browser's developer tools (or curl) can still send: the form, with their own
    # session's CSRF token (the sign-out form holds it), posted to the page's address.
    with page.expect_response(lambda answer: answer.request.method == "POST") as refused:
        page.evaluate(
            """([action, expected]) => {
                const form = document.createElement('form');
                form.method = 'post';
                form.action = action;
                const fields = {expected_version: expected, reason: 'forged', confirm: 'yes',
                                csrf: document.querySelector('form.who input[name=csrf]').value};
                for (const [name, value] of Object.entries(fields)) {
                    const input = document.createElement('input');
                    input.type = 'hidden'; input.name = name; input.value = value;
                    form.appendChild(input);
                }
                document.body.appendChild(form);
                form.submit();
            }""",
            [links.rollback(MODEL, "production"), str(before)],
        )

    assert refused.value.status == 403
    expect(page.locator("p.status")).to_have_text("Error 403")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert arranged.production() == before
    assert len(arranged.events("model.version.rolled_back")) == rollbacks_before


def test_an_ops_person_archives_a_version_from_the_compare_page(
    page: Page, registry: LocalStack, arranged: Arranged
) -> None:
    signed_in_locally(page, registry, OPS.login)
    page.goto(links.model(MODEL))
    compare = page.get_by_role("form", name="Compare two versions")
    compare.get_by_label("Base version").select_option(label="v1 (ready)")
    compare.get_by_role("button", name="Compare").click()
    page.get_by_role("link", name=f"Archive {MODEL} v1…").click()

    page.get_by_role("radio", name="archived").check()
    confirm_with_reason(page, "trained on the leaky September extract", "Mark v1")

    expect(page).to_have_url(f"{registry.api_url}{links.model_audit(MODEL)}")
    assert arranged.admin.get_version(MODEL, 1)["status"] == "archived"
    archived = [row[1:] for row in table_rows(page.locator("table.audit")) if "archived" in row[2]]
    assert len(archived) == 1
    assert archived[0][0] == f"{OPS.login} GitHub user {OPS.user_id}"
    assert archived[0][3] == "trained on the leaky September extract"
    page.locator("table.audit tr", has_text="archived").get_by_role("link", name="v1", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("trained on the leaky September extract")
