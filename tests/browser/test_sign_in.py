"""Signing in to the web pages in a real browser: with the one-time link `modelyard dev` prints, and with
GitHub's web flow (through the GitHub stand-in), which brings the person back to the page they first asked for."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from modelyard_local.stack import LocalStack
from tests.browser.conftest import ADMIN, DEVELOPER, OPS
from tests.browser.reading import signed_in_as, signed_in_locally


def test_the_one_time_link_signs_the_local_user_in_and_works_once(page: Page, registry: LocalStack) -> None:
    link = registry.sign_in_link(DEVELOPER.login)

    page.goto(link)

    expect(page).to_have_url(f"{registry.api_url}/ui/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Models")
    expect(signed_in_as(page)).to_have_text(DEVELOPER.login)

    page.context.clear_cookies()
    answer = page.goto(link)  # the same link again, in a browser signed out
    assert answer is not None and answer.status == 400
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in link not valid")
    expect(signed_in_as(page)).to_have_count(0)
    page.goto("/ui/")
    expect(page).to_have_url(f"{registry.api_url}/ui/sign-in?next=%2Fui%2F")


def test_the_web_flow_signs_in_with_github_and_returns_to_the_page_first_asked_for(
    page: Page, registry: LocalStack
) -> None:
    registry.github.people.sign_in_browser(ADMIN.login)

    asked_for = "/ui/audit?kind=roles.granted&order=oldest"  # a link someone sent: it needs a session first
    page.goto(asked_for)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.get_by_role("link", name="Sign in with GitHub").click()

    expect(page).to_have_url(f"{registry.api_url}{asked_for}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Governance audit trail")
    expect(signed_in_as(page)).to_have_text(ADMIN.login)
    expect(page.get_by_label("Kind")).to_have_value("roles.granted")
    expect(page.get_by_label("Order")).to_have_value("oldest")
    actions = page.locator("table.audit tbody tr td:nth-child(3)")
    expect(actions).to_have_text(["roles.granted", "roles.granted"])  # the registry fixture's two grants


def test_cancelling_on_github_leaves_the_person_signed_out_and_says_so(page: Page, registry: LocalStack) -> None:
    registry.github.people.sign_in_browser(OPS.login)
    registry.github.people.deny_next_authorization()
    page.goto("/ui/sign-in")

    page.get_by_role("link", name="Sign in with GitHub").click()

    expect(page.get_by_role("alert")).to_contain_text("GitHub did not authorize the sign-in")
    expect(signed_in_as(page)).to_have_count(0)


def test_signing_out_ends_the_session_and_back_shows_no_page_of_it(page: Page, registry: LocalStack) -> None:
    signed_in_locally(page, registry, ADMIN.login)
    page.get_by_role("link", name="Audit", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Governance audit trail")
    session = [cookie for cookie in page.context.cookies() if cookie["name"] == "__Host-modelyard-session"]
    assert len(session) == 1

    page.get_by_role("button", name="Sign out").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.go_back()  # pages are no-store: Back asks the registry again, which wants a session
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(signed_in_as(page)).to_have_count(0)
    page.goto("/ui/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.context.add_cookies(session)  # the cookie as it was before signing out (copied, or another tab's)
    page.goto("/ui/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")  # the registry ended that session
    expect(signed_in_as(page)).to_have_count(0)
