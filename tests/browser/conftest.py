"""Browser tests: Debian's chromium driven by Playwright against the embedded local stack.

Fixtures (see tests/README.md):

* ``browser`` (session): headless chromium, one per xdist worker.
* ``registry`` (module): ``LocalStack(github=True)``, embedded, with three people at the GitHub
  stand-in: ``ADMIN`` (registry admin), ``OPS`` (ops role through team acme/sre) and ``DEVELOPER``
  (developer role through team acme/ml). Nobody is signed in at "GitHub" when a test starts.
* ``arranged`` (module): the registry with the models of tests/browser/arranged.py (churn and fraud).
* ``site_origins``: (the registry's origin, the origins allowed for sign-in navigations): what
  ``page`` holds requests to. A module that serves something else overrides it.
* ``context`` (function): a fresh browser context (no cookies), at desktop width.
* ``requests_seen`` (function): the context's ``RequestLog``.
* ``page`` (function): a page of that context. At teardown the test FAILS if any request left
  the registry's origin (GitHub's origin is allowed only for top-level navigations).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from modelyard_local.stack import LocalStack
from tests.browser.arranged import Arranged, arrange
from tests.browser.harness import CHROMIUM, CHROMIUM_ARGS, DESKTOP_WIDTH, HEIGHTS, RequestLog
from tests.browser.people import ADMIN, ADMIN_REPOSITORY, DEVELOPER, OPS, PEOPLE, Person
from tests.e2e.conftest import sdk

__all__ = ["ADMIN", "ADMIN_REPOSITORY", "DEVELOPER", "OPS", "PEOPLE", "Person"]  # the tests import them from here


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"browser tests need Debian's chromium at {CHROMIUM}: `make test` installs it (apt-get)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS))
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    env = {"MODELYARD_ADMIN_REPOSITORIES": ADMIN_REPOSITORY, "MODELYARD_ADMIN_SUBJECTS": f"github-user:{ADMIN.user_id}"}
    data_dir: Path = tmp_path_factory.mktemp("registry")
    with LocalStack(port=0, issuer_port=0, github=True, data_dir=data_dir, extra_env=env) as stack:
        for person in PEOPLE:
            stack.github.people.add_person(person.login, user_id=person.user_id, teams=(person.team,))
        admin = sdk(stack, stack.mint(repository=ADMIN_REPOSITORY))
        admin.grant_role("ops", "*", team=OPS.team, label="SRE on call")
        admin.grant_role("developer", "*", team=DEVELOPER.team, label="ML engineers")
        yield stack


@pytest.fixture(scope="module")
def arranged(registry: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> Arranged:
    return arrange(registry, tmp_path_factory.mktemp("artifacts"))


@pytest.fixture
def site_origins(registry: LocalStack) -> tuple[str, tuple[str, ...]]:
    return registry.api_url, (registry.github.url,)


@pytest.fixture
def requests_seen(site_origins: tuple[str, tuple[str, ...]]) -> RequestLog:
    site, sign_in = site_origins
    return RequestLog(site, sign_in)


@pytest.fixture
def context(
    request: pytest.FixtureRequest,
    browser: Browser,
    site_origins: tuple[str, tuple[str, ...]],
    requests_seen: RequestLog,
) -> Iterator[BrowserContext]:
    if "registry" in request.fixturenames:  # a fresh browser is signed in nowhere, GitHub included
        request.getfixturevalue("registry").github.people.sign_in_browser(None)
    fresh = browser.new_context(
        base_url=site_origins[0], viewport={"width": DESKTOP_WIDTH, "height": HEIGHTS[DESKTOP_WIDTH]}
    )
    requests_seen.watch(fresh)
    yield fresh
    fresh.close()


@pytest.fixture
def page(context: BrowserContext, requests_seen: RequestLog) -> Iterator[Page]:
    opened = context.new_page()
    yield opened
    wrong = requests_seen.off_origin()
    if wrong:
        pytest.fail("the page made requests off the registry's origin:\n" + "\n".join(f"  {r}" for r in wrong))
