"""The candidate's pages in headless Chromium (Debian's chromium driven by Playwright for Python).

Each page is checked with axe-core (npm) and photographed into ``var/screenshots/``.
"""

import re

import pytest

from candidates.models import IntegrityEvent, Response, TestSession
from questionbank.models import Choice
from tests.browser import CHROMIUM, check_page
from tests.factories import invite, published_version_make

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install -y chromium)"),
]


def tab_to(page, js_predicate: str, limit: int = 80) -> None:
    """Press Tab until ``js_predicate`` (over ``el = document.activeElement``) holds."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!({js_predicate}); }})()"):
            return
    raise AssertionError(f"never reached {js_predicate}")


def start(page, url: str, token: str) -> None:
    page.goto(f"{url}/t/{token}/")
    page.get_by_role("button", name="Start the test").click()
    page.wait_for_url("**/take/test/")


def current(page):
    return page.locator("fieldset.question.current")


def test_browser_whole_test_by_keyboard_with_accessibility_checks(live_server, context, issued):
    page = context.new_page()
    page.goto(f"{live_server.url}/t/{issued.token}/")
    assert page.url == f"{live_server.url}/take/"
    check_page(page, "1-instructions")
    tab_to(page, "el.textContent.trim() === 'Start the test'")
    page.keyboard.press("Enter")
    page.wait_for_url("**/take/test/")
    assert re.fullmatch(r"\d+:\d\d", page.locator("#timer").inner_text())
    check_page(page, "2-test")

    for n in range(1, 7):
        assert current(page).get_attribute("id") == f"q{n}"
        tab_to(page, "el.type === 'radio' && el.closest('fieldset.current')")
        page.keyboard.press("ArrowDown")                  # move to (and select) the next choice
        page.keyboard.press("Space")
        current(page).locator(".save-state.saved").wait_for()
        if n == 2:
            tab_to(page, "el.classList.contains('flag') && el.closest('fieldset.current')")
            page.keyboard.press("Enter")
            assert page.locator('nav [data-target="q2"]').get_attribute("aria-label") == (
                "Question 2, answered, flagged for review")
        if n < 6:
            tab_to(page, "el.classList.contains('next') && el.closest('fieldset.current')")
            page.keyboard.press("Enter")
    check_page(page, "3-test-answered")

    page.on("dialog", lambda d: d.accept())
    tab_to(page, "el.id === 'submit-btn'")
    page.keyboard.press("Enter")
    page.wait_for_url("**/take/done/")
    check_page(page, "4-finished")
    session = TestSession.objects.get()
    assert session.status == "submitted"
    assert [len(r) for r in Response.objects.filter(session=session).values_list("selected", flat=True)] == [1] * 6


def test_browser_reload_mid_test_keeps_every_answer_and_flag(live_server, context, issued):
    page = context.new_page()
    start(page, live_server.url, issued.token)
    chosen = {}
    for n in range(3):
        label = current(page).locator("label.choice").nth(n + 1)
        label.click()
        chosen[n + 1] = label.locator("input").get_attribute("value")
        current(page).locator(".save-state.saved").wait_for()
        current(page).get_by_role("button", name="Next").click()
    page.locator('nav [data-target="q5"]').click()
    current(page).get_by_role("button", name="Flag for review").click()

    page.reload()

    for n, value in chosen.items():
        assert page.locator(f'#q{n} input[value="{value}"]').is_checked()
    assert "flagged" in page.locator('nav [data-target="q5"]').get_attribute("class")
    assert "answered" in page.locator('nav [data-target="q3"]').get_attribute("class")
    assert "answered" not in page.locator('nav [data-target="q4"]').get_attribute("class")


def test_browser_network_cut_answers_queue_and_are_all_saved_in_order(live_server, context, issued):
    page = context.new_page()
    start(page, live_server.url, issued.token)
    page.route("**/api/candidate/session/responses/**", lambda route: route.abort())
    expected = {}
    for _ in range(3):
        fieldset = current(page)
        fieldset.locator("label.choice").nth(2).click()
        expected[int(fieldset.get_attribute("data-question"))] = [
            int(fieldset.locator("input").nth(2).get_attribute("value"))]
        fieldset.locator(".save-state", has_text="Not saved yet").wait_for()
        fieldset.get_by_role("button", name="Next").click()
    assert "Connection lost" in page.locator("#net-status").inner_text()
    assert Response.objects.count() == 0

    page.unroute("**/api/candidate/session/responses/**")

    page.wait_for_function("() => document.querySelectorAll('.save-state.saved').length === 3", timeout=20_000)
    assert dict(Response.objects.values_list("question_id", "selected")) == expected
    assert page.locator("#net-status").inner_text() == ""


def test_browser_second_tab_stale_write_never_overwrites_newer_answer(live_server, context, issued):
    tab_a = context.new_page()
    start(tab_a, live_server.url, issued.token)
    tab_b = context.new_page()
    tab_b.goto(f"{live_server.url}/take/test/")
    tab_b.route("**/api/candidate/session/responses/**", lambda route: route.abort())
    question = int(current(tab_a).get_attribute("data-question"))
    choices = list(Choice.objects.filter(question_id=question).order_by("order").values_list("pk", flat=True))

    current(tab_b).locator(f'input[value="{choices[0]}"]').check()            # older change, stuck offline
    current(tab_b).locator(".save-state", has_text="Not saved yet").wait_for()
    current(tab_a).locator(f'input[value="{choices[2]}"]').check()            # newer change, saved
    current(tab_a).locator(".save-state.saved").wait_for()
    tab_b.unroute("**/api/candidate/session/responses/**")

    current(tab_b).locator(".save-state", has_text="another window").wait_for(timeout=20_000)
    assert Response.objects.get(question_id=question).selected == [choices[2]]
    assert current(tab_b).locator(f'input[value="{choices[2]}"]').is_checked()


def test_browser_page_submits_itself_when_the_timer_reaches_zero(live_server, context, organization, recruiter,
                                                                 bank):
    version = published_version_make(organization=organization, recruiter=recruiter, rules=[(bank[0], 2)],
                                      time_limit=10, grace_period=5)
    issued = invite(version, recruiter=recruiter)
    page = context.new_page()
    start(page, live_server.url, issued.token)
    current(page).locator("label.choice").first.click()
    current(page).locator(".save-state.saved").wait_for()

    page.wait_for_url("**/take/done/", timeout=20_000)

    session = TestSession.objects.get()
    assert session.status == "submitted"
    assert session.finished_at >= session.deadline
    assert Response.objects.filter(session=session).count() == 1


def test_browser_integrity_events_reach_the_server(live_server, context, issued):
    page = context.new_page()
    start(page, live_server.url, issued.token)

    # Headless Chromium has no window manager to take focus away: the browser events are dispatched.
    # Wait on the replies, not by polling: on SQLite the live server shares the test's connection.
    for script in ("window.dispatchEvent(new Event('blur'))",
                   "document.dispatchEvent(new ClipboardEvent('paste', {clipboardData: new DataTransfer()}))"):
        with page.expect_response("**/api/candidate/session/events/") as reply:
            page.evaluate(script)
        assert reply.value.status == 201
    assert sorted(IntegrityEvent.objects.values_list("kind", "detail")) == [
        ("focus_lost", ""), ("paste", "0 characters")]
    assert IntegrityEvent.objects.filter(ip="127.0.0.1").count() == 2


def test_browser_unavailable_link_page_is_accessible(live_server, context, db):
    page = context.new_page()
    page.goto(f"{live_server.url}/t/not-a-token/")
    assert "not valid" in page.content()
    check_page(page, "5-link-not-valid")
