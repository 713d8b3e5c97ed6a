"""The candidate's pages in headless Chromium (Debian's chromium, driven by Playwright)."""

import os
import re
from pathlib import Path

import pytest
from django.db import connections

from candidates.models import Response, TestSession
from tests.factories import invite, published_version_make

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install -y chromium)"),
]


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls in the test are still sync.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run",
        ])
        page = browser.new_page(viewport={"width": 390, "height": 800})  # phone width
        yield page
        # ORM connections opened while Playwright's loop runs live in that context: close them here,
        # or the test database cannot be dropped at the end of the run.
        connections.close_all()
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def test_browser_candidate_answers_autosaves_resumes_and_submits(live_server, browser_page, issued):
    page = browser_page
    page.goto(f"{live_server.url}/t/{issued.token}/")
    assert page.url == f"{live_server.url}/take/"
    page.get_by_role("button", name="Start the test").click()
    page.wait_for_url("**/take/test/")
    assert re.fullmatch(r"\d+:\d\d", page.locator("#timer").inner_text())

    first = page.locator("fieldset.question").nth(0)
    first.locator("label.choice").nth(1).click()
    first.locator(".save-state", has_text="Saved").wait_for()
    third = page.locator("fieldset.question").nth(2)
    third.locator("input").nth(0).focus()
    page.keyboard.press("Space")                       # choices are selectable from the keyboard
    third.locator(".save-state", has_text="Saved").wait_for()
    assert Response.objects.count() == 2

    page.reload()
    assert page.locator("fieldset.question").nth(0).locator("input").nth(1).is_checked()

    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    page.get_by_role("button", name="Submit the test").click()
    page.wait_for_url("**/take/done/")
    assert "questions 2, 4, 5, 6" in dialogs[0]
    assert "your test is finished" in page.content()
    assert TestSession.objects.get().status == "submitted"


def test_browser_page_submits_itself_when_the_timer_reaches_zero(live_server, browser_page, organization,
                                                                 recruiter, bank):
    version = published_version_make(organization=organization, recruiter=recruiter, rules=[(bank[0], 2)],
                                      time_limit=10, grace_period=5)
    issued = invite(version, recruiter=recruiter)
    page = browser_page
    page.goto(f"{live_server.url}/t/{issued.token}/")
    page.get_by_role("button", name="Start the test").click()
    page.locator("fieldset.question label.choice").first.click()
    page.locator(".save-state", has_text="Saved").first.wait_for()

    page.wait_for_url("**/take/done/", timeout=20_000)

    session = TestSession.objects.get()
    assert session.status == "submitted"
    assert session.finished_at >= session.deadline
    assert Response.objects.filter(session=session).count() == 1
