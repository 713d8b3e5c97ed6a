"""The recruiter builds, previews and publishes a test in headless Chromium (axe-core on every page)."""

import re

import pytest

from assessments.models import PublishedVersion, TestTemplate
from questionbank.models import Question
from tests.browser import CHROMIUM, check_page, login

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install -y chromium)"),
]


def test_browser_build_preview_and_publish_a_test(live_server, desktop, recruiter, bank):
    from playwright.sync_api import expect

    page = desktop.new_page()
    login(page, live_server.url, recruiter)
    page.get_by_role("link", name="New test").click()
    page.wait_for_url("**/workspace/tests/new/")
    check_page(page, "builder-1-new")

    page.get_by_label("Title", exact=True).fill("Flask for backend developers")
    page.get_by_label("Time limit (minutes)").fill("12")
    page.get_by_label("Pass mark (%)").fill("70")
    page.get_by_label("Shuffle choices").uncheck()
    page.get_by_label("Section 1 title").fill("Routing")

    eligible = page.locator("#s0-r0-eligible")
    expect(eligible).to_have_text("—")
    page.get_by_label("Section 1, rule 1: topic").select_option("routing")
    expect(eligible).to_have_text("6 eligible")
    page.get_by_label("Section 1, rule 1: count").fill("8")
    expect(eligible).to_contain_text("short by 2")
    expect(page.locator("#stat-shortfalls")).to_contain_text("short by 2")
    page.get_by_label("Section 1, rule 1: difficulty").select_option("hard")
    expect(eligible).to_contain_text("0 eligible")
    page.get_by_label("Section 1, rule 1: difficulty").select_option("easy")
    page.get_by_label("Section 1, rule 1: count").fill("3")
    expect(eligible).to_have_text("6 eligible")
    expect(page.locator("#stat-forms")).to_have_text("20")          # C(6, 3)
    expect(page.locator("#stat-duration")).to_have_text("about 2 min")  # 3 easy × 45 s

    # A fixed question from the bank search (the page keeps everything typed so far).
    wanted = Question.objects.get(stem__startswith="Question templates 2?")
    page.get_by_label("Search", exact=True).first.fill("templates 2")
    page.get_by_role("button", name=f"Add question {wanted.pk} to section 1").click()
    expect(page.get_by_label("Section 1, fixed question 1: question id")).to_have_value(str(wanted.pk))
    expect(page.get_by_label("Title", exact=True)).to_have_value("Flask for backend developers")
    expect(page.locator("#stat-questions")).to_have_text("4")
    expect(page.locator("#stat-forms")).to_have_text("20")
    check_page(page, "builder-2-filled")

    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r".*/workspace/tests/\d+/$"))
    expect(page.locator("ul.messages")).to_contain_text("Saved.")
    expect(page.get_by_text("Draft — not published yet")).to_be_visible()
    template = TestTemplate.objects.get()
    assert (template.time_limit, template.pass_mark, template.shuffle_choices) == (720, 70, False)
    check_page(page, "builder-3-saved")

    page.get_by_role("link", name="Preview as a candidate").click()
    page.wait_for_url("**/preview/")
    expect(page.locator("fieldset.question")).to_have_count(4)
    expect(page.locator("fieldset.question input:enabled")).to_have_count(0)
    check_page(page, "builder-4-preview")
    page.get_by_role("link", name="Draw another sample").click()
    page.wait_for_url(re.compile(r".*/preview/\?seed=\d+$"))
    expect(page.locator("fieldset.question")).to_have_count(4)
    page.get_by_role("link", name="Back to the builder").click()

    page.get_by_role("button", name="Publish").click()
    page.wait_for_url(re.compile(r".*/workspace/versions/\d+/$"))
    expect(page.locator("ul.messages")).to_contain_text("Published as v1.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("v1")
    expect(page.locator("main input, main textarea, main select")).to_have_count(0)  # read-only
    check_page(page, "builder-5-version")
    version = PublishedVersion.objects.get()
    assert (version.question_count, version.spec["sections"][0]["fixed"][0]["question_id"]) == (4, wanted.pk)

    page.get_by_role("link", name="Tests", exact=True).click()
    expect(page.get_by_text("Published as v1")).to_be_visible()
    check_page(page, "builder-6-list")
