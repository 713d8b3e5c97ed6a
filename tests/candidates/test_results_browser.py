"""A recruiter reads the results and a candidate report in headless Chromium (axe-core on each page)."""

import pytest

from tests.browser import CHROMIUM, check_page, login
from tests.candidates.test_results import finish

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install -y chromium)"),
]


def _names(rows) -> list[str]:
    """Candidate names down the table (each name is the link to the report)."""
    return [rows.nth(i).locator("th").inner_text() for i in range(rows.count())]


def test_results_browser_sort_search_and_read_a_report(live_server, desktop, recruiter, version):
    for name, email, correct in [("Ann Archer", "ann@alpha.org", 6), ("Bob Baker", "bob@beta.org", 3),
                                 ("Cy Cole", "cy@alpha.org", 4), ("Eve Early", "eve@x.org", 1)]:
        finish(version, recruiter, name=name, email=email, correct=correct)
    finish(version, recruiter, name="Dee Dunn", email="dee@delta.org", correct=None)
    page = desktop.new_page()
    login(page, live_server.url, recruiter)

    page.goto(f"{live_server.url}/workspace/versions/{version.pk}/results/")
    rows = page.locator("table.results tbody tr")
    assert _names(rows) == ["Ann Archer", "Cy Cole", "Bob Baker", "Eve Early", "Dee Dunn"]  # highest percent first
    check_page(page, "results-1-table")

    page.get_by_role("link", name="Percent score").click()               # sorted already: flips to ascending
    page.wait_for_url("**sort=percent**")
    assert page.locator('th[aria-sort="ascending"]').inner_text().startswith("Percent score")
    assert _names(rows)[0] == "Eve Early"

    page.get_by_label("Name or email").fill("alpha")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**q=alpha**")
    assert _names(rows) == ["Cy Cole", "Ann Archer"]
    check_page(page, "results-2-searched")

    page.get_by_role("link", name="Cy Cole", exact=True).click()
    page.wait_for_url("**/results/*/")
    assert page.get_by_role("heading", level=1).inner_text() == "Cy Cole"
    summary = page.locator("section", has=page.get_by_role("heading", name="Summary")).inner_text()
    assert "4.00 / 6.00 points (66.67%)" in summary
    assert "62.5 among 4 finished test sessions" in summary             # (2 + ½) / 4
    for chart in page.locator("img.chart").all():
        assert chart.get_attribute("src").startswith("data:image/png;base64,")
        assert chart.evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.locator("section.question").count() == 6
    assert page.locator("ul.review li.key").count() == 6
    page.get_by_text("Counts per band").click()                          # the chart's table equivalent
    assert page.locator("tr.marked th").inner_text() == "60–70%"
    check_page(page, "results-3-report")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename.endswith("-cy-cole.pdf")
