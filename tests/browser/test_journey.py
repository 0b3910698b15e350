"""The issue's journey through the real pages, as people do it with a mouse: find a model by tag, open a version,
follow its lineage to the parent, compare two versions; download a version, chart a metric. Reading only: the
incident actions are in test_incident_actions.py. The registry is arranged once (tests/browser/arranged.py).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from playwright.sync_api import Page, expect

from modelyard_local.stack import LocalStack
from modelyard_server.ui import links
from tests.browser.arranged import MODEL, NAMESPACE, NAMESPACED, OTHER_MODEL, TAG, Arranged
from tests.browser.conftest import DEVELOPER
from tests.browser.reading import signed_in_locally, table_rows


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


def test_a_namespaced_model_is_found_by_namespace_and_its_pages_link_to_each_other(
    page: Page, registry: LocalStack, arranged: Arranged
) -> None:
    signed_in_locally(page, registry, DEVELOPER.login)
    page.get_by_label("Namespace").fill(NAMESPACE)
    page.get_by_role("button", name="Find").click()

    catalog = page.locator("table.catalog")
    assert [row[0] for row in table_rows(catalog)] == [NAMESPACED]
    catalog.get_by_role("link", name=NAMESPACED).click()
    expect(page).to_have_url(f"{registry.api_url}/ui/models/{NAMESPACED}")
    page.locator("table.versions").get_by_role("link", name="v2", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{NAMESPACED} version 2")
    page.get_by_role("link", name="Compare with parent").click()

    assert table_rows(page.locator("table.metrics")) == [["auc", "0.71", "0.72", "+0.01", "+1.41 %"]]
    page.get_by_role("link", name=f"{NAMESPACED} v1", exact=True).click()
    expect(page).to_have_url(f"{registry.api_url}{links.version(NAMESPACED, 1)}")


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
