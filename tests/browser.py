"""Headless Chromium for page tests: Debian's chromium driven by Playwright for Python.

The fixtures (``browser``, ``context`` phone-width, ``desktop``) reach every test through
``tests/conftest.py``; import ``CHROMIUM``, ``check_page`` and ``login`` from here. Each checked
page is run through axe-core (npm) and photographed into ``var/screenshots/``.
"""

import json
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls in the test are still sync.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run",
        ])
        yield browser
        # ORM connections opened while Playwright's loop runs live in that context: close them here,
        # or the test database cannot be dropped at the end of the run.
        connections.close_all()
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def _csp_checked(browser, viewport: dict):
    """A browser context that fails the test if any page logs a Content Security Policy violation."""
    ctx = browser.new_context(viewport=viewport)
    errors: list[str] = []
    ctx.on("page", lambda page: page.on(
        "console", lambda msg: errors.append(msg.text) if msg.type == "error" else None))
    yield ctx
    ctx.close()
    assert [e for e in errors if "Content Security Policy" in e] == []


@pytest.fixture
def context(browser):
    """A phone-width browser context (the candidate's pages); fails on CSP violations."""
    yield from _csp_checked(browser, {"width": 390, "height": 844})


@pytest.fixture
def desktop(browser):
    """A laptop-width browser context for the recruiter's workspace; fails on CSP violations."""
    yield from _csp_checked(browser, {"width": 1280, "height": 900})


def login(page, base_url: str, user, password: str = "pw-for-tests-123") -> None:  # noqa: S107 - the factories' password
    """Sign ``user`` in through the workspace's login page."""
    page.goto(f"{base_url}/workspace/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/workspace/")


def check_page(page, name: str) -> None:
    """No serious or critical axe-core violations, no horizontal overflow; screenshot saved."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), f"{name} overflows"
    if not AXE.exists():
        pytest.skip("axe-core not installed (npm ci)")
    # Evaluated through the DevTools protocol: the page's CSP (rightly) refuses injected script tags.
    page.evaluate(AXE.read_text())
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    bad = [(v["id"], v["impact"], len(v["nodes"])) for v in result["violations"]
           if v["impact"] in ("serious", "critical")]
    assert bad == [], f"{name}: {json.dumps(bad)}"


