"""Browser tests: Playwright drives Debian's chromium against a live dashboard and the sandbox over real HTTP."""

import os
import shutil
import uuid

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000
PASSWORD = "correct horse battery staple"

# Playwright's sync API runs an event loop in the test thread; the test's own ORM calls are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser(require_service):
    require_service("Chromium", os.path.exists(CHROMIUM), f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class CspWatch:
    """Collects Content-Security-Policy violations reported in a browser context's console."""

    def __init__(self) -> None:
        self.violations: list[str] = []

    def attach(self, context) -> None:
        context.on("console", self._console)

    def _console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            where = (message.location or {}).get("url", "")
            self.violations.append(f"{where}: {message.text}")


@pytest.fixture
def new_context(browser, live):
    """`new_context(**options)`: a fresh browser context (own cookies), closed after the test and before
    the live server's database is emptied.

    Every context fails the test at teardown if a page broke the Content-Security-Policy (a blocked
    script or style is a page that silently does not work)."""
    contexts = []

    def make(**options):
        context = browser.new_context(accept_downloads=True, **options)
        context.set_default_timeout(TIMEOUT_MS)
        watch = CspWatch()
        watch.attach(context)
        contexts.append((context, watch))
        return context

    yield make
    violations = [v for _, watch in contexts for v in watch.violations]
    for context, _ in contexts:
        context.close()
    assert not violations, f"Content-Security-Policy violations: {violations}"


@pytest.fixture
def page(new_context):
    return new_context().new_page()


@pytest.fixture
def live(live_server, upstream, transactional_db, settings):
    """The live dashboard wired to the sandbox, with the read model filled; links it makes point at itself."""
    from portal_ui.mirror.services import mirror_sync_full

    settings.SITE_URL = live_server.url
    mirror_sync_full()
    return live_server


@pytest.fixture
def techlink(upstream):
    """The dashboard's own TechLink client, pointed at the sandbox: to prepare data and check writes."""
    from portal_ui.core.upstream import techlink_client

    return techlink_client()


@pytest.fixture
def tag():
    """A short token unique to the test, to tell its own records apart in the shared sandbox."""
    return uuid.uuid4().hex[:6]


def log_in(page, live, user, password=PASSWORD):
    page.goto(f"{live.url}/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live.url}/")


def make_site(techlink, name: str):
    """A site created upstream and copied into the read model, as a sync would do."""
    from portal_ui.mirror.services import mirror_site_refresh

    site = techlink.site_create(
        name=name,
        address1="12 Harbor Road",
        city="Portland",
        state="OR",
        zip="97201",
        country="US",
        primary_contact_name="Dana Reyes",
        primary_contact_phone="503-555-0142",
        primary_contact_email="dana@example.com",
    )
    mirror_site_refresh(site_id=site.id)
    return site
