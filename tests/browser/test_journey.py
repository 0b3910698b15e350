"""The issue's journey through the real pages, as people do it with a mouse: find a model by tag, open a version,
follow its lineage to the parent, compare two versions; an ops person rolls production back with a reason and a
confirmation and finds it in the audit trail; a developer is shown no such control and is refused the action.

The registry is arranged once (tests/browser/arranged.py). What the API answers is the judge of state: a page's
words are what a person reads, the API what a deployment follows.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from playwright.sync_api import Page, expect

from modelyard_local.stack import LocalStack
from modelyard_server.ui import links
from tests.browser.arranged import MODEL, OTHER_MODEL, TAG, Arranged
from tests.browser.conftest import DEVELOPER, OPS
from tests.browser.reading import signed_in_locally, table_rows

REASON = "v3 marks every annual-plan customer as churning"


def test_a_person_finds_a_model_by_tag_opens_a_version_follows_lineage_and_compares(
    page: Page, registry: LocalStack, arranged: Arranged
) -> None:
    signed_in_locally(page, registry, DEVELOPER.login)
    catalog = page.locator("table.catalog")
    expect(catalog.get_by_role("link", name=OTHER_MODEL, exact=True)).to_be_visible()

    page.get_by_label("Tag", exact=True).fill(TAG)
    page.get_by_role("button", name="Find").click()

    expect(page.get_by_label("Tag", exact=True)).to_have_value(TAG)
    assert [row[0].split()[0] for row in table_rows(catalog)] == [MODEL]
    catalog.get_by_role("link", name=MODEL, exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(MODEL)
    expect(page.get_by_role("link", name=f"Models tagged {TAG}")).to_be_visible()
    page.locator("table.versions").get_by_role("link", name="v3", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{MODEL} version 3")
    lineage = page.locator("section", has=page.get_by_role("heading", name="Lineage"))
    expect(lineage).to_contain_text("crm-2026-11")
    lineage.get_by_role("link", name=f"{MODEL} v2", exact=True).click()

    expect(page).to_have_url(f"{registry.api_url}{links.version(MODEL, 2)}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{MODEL} version 2")
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name=MODEL).click()

    compare = page.get_by_role("form", name="Compare two versions")
    compare.get_by_label("Base version").select_option(label="v1 (ready)")
    compare.get_by_label("Head version").select_option(label="v2 (ready)")
    compare.get_by_role("button", name="Compare").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Compare two versions")
    assert table_rows(page.locator("table.metrics")) == [
        ["auc", "0.81", "0.86", "+0.05", "+6.17 %"],
        ["log_loss", "0.41", "0.37", "-0.04", "-9.76 %"],
        ["recall", "0.62", "0.66", "+0.04", "+6.45 %"],
    ]
    assert table_rows(page.locator("table.params")) == [["max_depth", "changed", "4", "6"]]


def test_a_version_downloads_the_bytes_whose_digest_its_page_shows(
    page: Page, registry: LocalStack, arranged: Arranged
) -> None:
    signed_in_locally(page, registry, DEVELOPER.login)
    page.locator("table.catalog").get_by_role("link", name=MODEL, exact=True).click()
    page.locator("table.versions").get_by_role("link", name="v2", exact=True).click()
    shown = page.locator("code.digest").inner_text()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download churn-2.joblib").click()

    assert download.value.suggested_filename == "churn-2.joblib"
    data = Path(download.value.path()).read_bytes()
    assert shown == "sha256:" + hashlib.sha256(data).hexdigest()
    assert data == b"churn weights 2"


def test_the_model_page_charts_the_metric_chosen_and_shows_the_columns_ticked(
    page: Page, registry: LocalStack, arranged: Arranged
) -> None:
    signed_in_locally(page, registry, DEVELOPER.login)
    page.locator("table.catalog").get_by_role("link", name=MODEL, exact=True).click()

    page.get_by_role("combobox", name="Metric").select_option("recall")
    page.get_by_role("button", name="Draw").click()

    expect(page.locator("figure.metric-figure svg")).to_be_visible()
    assert [row[:2] for row in table_rows(page.locator("table.chart-values"))] == [
        ["v1", "0.62"],
        ["v2", "0.66"],
        ["v3", "0.71"],
    ]
    page.get_by_role("checkbox", name="log_loss").uncheck()
    page.get_by_role("button", name="Show these columns").click()

    headers = page.locator("table.versions thead th")
    expect(headers).to_have_text(["Version", "Status", "Created", "Holds", "auc", "recall"])
    expect(page.get_by_role("combobox", name="Metric")).to_have_value("recall")  # the chart's choice is kept


def test_an_ops_person_rolls_production_back_and_the_trail_shows_them_and_the_reason(
    page: Page, registry: LocalStack, arranged: Arranged
) -> None:
    assert arranged.production() == 3
    signed_in_locally(page, registry, OPS.login)
    page.locator("table.catalog").get_by_role("link", name=MODEL, exact=True).click()
    page.get_by_role("link", name=f"Audit trail of {MODEL}").click()
    page.get_by_role("link", name="Roll back production…").click()

    expect(page.locator("p.plan")).to_have_text("production goes back from v3 to v2.")
    page.get_by_label("Reason (recorded in the audit trail)").fill(REASON)
    page.get_by_label("I confirm").check()
    page.get_by_role("button", name="Roll back production to v2").click()

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
