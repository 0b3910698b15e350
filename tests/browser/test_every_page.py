"""Every page of the web UI in a real browser, at 1280 px and at a phone's 390 px: a screenshot of each (kept as
test artifacts, stable names `<page>-desktop` and `<page>-phone`), no page scrolling sideways on the phone (a
wide table scrolls inside its own wrapper), every control with an accessible name the browser computes, and
headings that never skip a level."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from modelyard_local.stack import LocalStack
from modelyard_server.ui import links
from tests.browser.arranged import MODEL, Arranged
from tests.browser.conftest import ADMIN
from tests.browser.harness import at_phone_width, screenshot
from tests.browser.reading import headings, sideways_overflow, signed_in_locally, unnamed_controls


@dataclass(frozen=True)
class Stop:
    """A page of the tour: its screenshot name, its address, who looks at it, and the status it answers."""

    name: str
    path: str
    heading: str
    viewer: str | None = ADMIN.login  # an admin sees every control there is
    status: int = 200

    def __str__(self) -> str:
        return self.name


VERSION = Stop("version", links.version(MODEL, 2), f"{MODEL} version 2")  # its model card is arranged.INJECTION
TOUR = (
    Stop("catalog", links.catalog(), "Models"),
    Stop("model", links.model(MODEL), MODEL),
    VERSION,
    Stop("compare", links.compare(links.version_uri(MODEL, 1), links.version_uri(MODEL, 3)), "Compare two versions"),
    Stop("audit", links.REGISTRY_AUDIT, "Governance audit trail"),
    Stop("model-audit", links.model_audit(MODEL), f"Audit trail of {MODEL}"),
    Stop("rollback", links.rollback(MODEL, "production"), f"Roll back production of {MODEL}"),
    Stop("archive", links.archive(MODEL, 1), f"Archive v1 of {MODEL}"),
    Stop("sign-in", links.sign_in(), "Sign in", viewer=None),
    Stop("error", links.model("no-such-model"), "Model not found", status=404),
)


def _open(page: Page, registry: LocalStack, stop: Stop) -> Page:
    if stop.viewer is not None:
        signed_in_locally(page, registry, stop.viewer)
    answer = page.goto(stop.path)
    assert answer is not None
    assert answer.status == stop.status, page.content()[:2000]
    expect(page.get_by_role("heading", level=1)).to_contain_text(stop.heading)
    return page


@pytest.mark.parametrize("stop", TOUR, ids=str)
def test_each_page_fits_a_phone_without_scrolling_sideways(
    page: Page, registry: LocalStack, arranged: Arranged, stop: Stop
) -> None:
    _open(page, registry, stop)
    screenshot(page, f"{stop.name}-desktop")

    at_phone_width(page)

    screenshot(page, f"{stop.name}-phone")
    assert sideways_overflow(page) == 0


@pytest.mark.parametrize("stop", TOUR, ids=str)
def test_every_control_has_an_accessible_name_and_the_headings_go_down_in_order(
    page: Page, registry: LocalStack, arranged: Arranged, stop: Stop
) -> None:
    _open(page, registry, stop)

    assert [str(control) for control in unnamed_controls(page)] == []
    levels = [level for level, _ in headings(page)]
    assert levels.count(1) == 1
    skipped = [(before, after) for before, after in itertools.pairwise(levels) if after > before + 1]
    assert skipped == [], headings(page)


def test_a_model_cards_headings_sit_under_the_model_card_heading(
    page: Page, registry: LocalStack, arranged: Arranged
) -> None:
    _open(page, registry, VERSION)

    shown = headings(page)
    card = shown.index((2, "Model card"))
    assert shown[card + 1] == (3, "Churn model card")
