"""One headless Debian chromium per test session, driven by Playwright's sync API.

Never downloads a browser: without /usr/bin/chromium the tests skip, unless
FACTURO_REQUIRE_BROWSER=1 (CI), where a missing browser is a failure."""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = "Debian chromium not installed at /usr/bin/chromium (apt-get install chromium)"
        if os.environ.get("FACTURO_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login(page):
    def log_in(username: str, password: str) -> None:
        page.goto("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url("**/")

    return log_in



def _load_vat_tables() -> None:
    """The VAT tables come from a data migration; the live server's flush empties them."""
    from facturo.catalog.reference import ensure_vat_tables

    ensure_vat_tables()


@pytest.fixture(autouse=True)
def vat_tables(transactional_db):
    _load_vat_tables()


@pytest.fixture(autouse=True, scope="module")
def vat_tables_after_module(django_db_setup, django_db_blocker):
    """Put the tables back after the last flush, for the test modules that run after these."""
    yield
    with django_db_blocker.unblock():
        _load_vat_tables()
