"""Browser tests: Debian's Chromium, driven by Playwright, against a live server.

The server is pytest-django's `live_server` (a real threaded HTTP server) on the
test database, which holds the demo clinic. Without /usr/bin/chromium these
tests are skipped, unless KETACLINIC_REQUIRE_BROWSER=1 (as in CI): then they fail.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django would
# otherwise refuse the test's own database queries as "async unsafe".
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
TABLET = {"width": 820, "height": 1180}
# Long enough for a slow CI machine, short enough that a broken page fails fast.
TIMEOUT_MS = 10_000


def _browser_required() -> bool:
    return os.environ.get("KETACLINIC_REQUIRE_BROWSER", "").strip() == "1"


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium package."
        if _browser_required():
            pytest.fail(f"KETACLINIC_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def demo(transactional_db, settings):
    """The demo clinic, loaded fresh for each test (the database is emptied after)."""
    from ketaclinic.core.demo import load_demo

    load_demo(password=settings.KETACLINIC_DEMO_PASSWORD)
    return settings.KETACLINIC_DEMO_PASSWORD


@pytest.fixture
def new_page(browser, live_server, demo) -> Iterator[Callable]:
    """new_page(viewport=DESKTOP, **options) -> a page in a fresh browser context
    (own cookies); options go to the context (a time zone, for example)."""
    contexts = []

    def make(viewport: dict[str, int] = DESKTOP, **options):
        context = browser.new_context(
            base_url=live_server.url, viewport=viewport, locale="en-US", **options
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page(DESKTOP)


@pytest.fixture
def tablet_page(new_page):
    return new_page(TABLET)


@pytest.fixture
def sign_in(demo) -> Callable:
    """sign_in(page, "nurse"): through the real sign-in form, with the demo password."""

    def sign_in_as(page, username: str) -> None:
        from playwright.sync_api import expect

        page.goto("/sign-in/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(demo)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    return sign_in_as
