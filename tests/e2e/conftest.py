"""Browser tests: Playwright driving Debian's Chromium against live_server.

They run with `make e2e` (and in CI), not with `make test`: they need
Debian's `chromium` package, which `make e2e` installs when it is missing.
"""

import os
import shutil
import time

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps calling Google's
# hosts, which this sandbox (and a CI runner offline) refuses.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in the test's thread; the ORM
    # calls the tests make around it are still plain synchronous ones. Set
    # here, not at import, so it never leaks into the rest of the suite.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make e2e`, which installs Debian's chromium.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
        )
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def web(browser, live_server):
    """A fresh browser tab on the live server (French browser locale)."""
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    # The pages run under the site's Content-Security-Policy: what it blocks is a fault, not a detail.
    refused = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    yield page
    context.close()
    assert refused == [], "\n".join(refused)


@pytest.fixture
def live_tree(transactional_db):
    """The shared page tree, committed for the live server's thread.

    Not the module-scoped `tree`: that one lives in a transaction the live
    server's connection cannot see, and `serialized_rollback` would restore
    the home page of the migrations over it (numchild 0, no children).
    """
    from tests.fixtures.tree import build_tree

    return build_tree()


# Payments: a localstripe of the session, its webhook pointed at the live server.

from tests.checkout.conftest import (  # noqa: E402 (with the fixtures it serves)
    PUBLISHABLE_KEY,
    SECRET_KEY,
    WEBHOOK_SECRET,
    LocalStripe,
    localstripe_url,  # noqa: F401 (the session's localstripe, a fixture)
    webhook_inbox_url,  # noqa: F401 (a sink for webhooks, a fixture)
)

# localstripe sends each event's webhooks one second after the event, to
# the URL registered at sending time.
WEBHOOK_DELAY = 1.0


@pytest.fixture
def live_stripe(localstripe_url, webhook_inbox_url, live_server, settings):
    """localstripe flushed, the live server's gateway pointed at it, its webhook registered with it.

    At the end, the webhook is pointed away from the live server and the
    events still waiting are let go: a late webhook of one test would
    otherwise reach the live server while the next test builds its pages on
    the connection the server's thread shares with it.
    """
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = PUBLISHABLE_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = localstripe_url
    local = LocalStripe(localstripe_url)
    assert local._call("DELETE", "/_config/data", key=None)[0] == 200
    status, _ = local._call(
        "POST",
        "/_config/webhooks/e2e",
        {"url": f"{live_server.url}/checkout/webhooks/stripe/", "secret": WEBHOOK_SECRET},
        key=None,
    )
    assert status == 200
    yield local
    local._call("POST", "/_config/webhooks/e2e", {"url": webhook_inbox_url, "secret": WEBHOOK_SECRET}, key=None)
    time.sleep(WEBHOOK_DELAY + 0.5)
