"""The recruiter's invitations page in headless Chromium: a bulk invite with a bad line, checked with axe-core."""

import pytest
from django.utils import timezone

from candidates.enums import EmailStatus
from candidates.models import Invitation, OutboxEmail, TimeExtension
from candidates.services import session_start
from tests.browser import CHROMIUM, check_page, login

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install -y chromium)"),
]


def test_browser_bulk_invite_reports_the_bad_line_and_invites_the_rest(live_server, desktop, recruiter, version):
    page = desktop.new_page()
    login(page, live_server.url, recruiter)
    page.goto(f"{live_server.url}/workspace/versions/{version.pk}/invitations/")
    check_page(page, "invitations-1-empty")

    page.get_by_label("Candidates, one per line").fill(
        "Ann Lee <ann@example.com>\nbob@\nCy Young, cy@example.com")
    page.get_by_role("button", name="Send invitations").click()
    page.wait_for_url(f"**/workspace/versions/{version.pk}/invitations/")

    result = page.locator("#bulk-result")
    assert "Line 2: 'bob@' is not a valid email address." in result.inner_text()
    rows = page.locator("table.invitations tbody tr")
    assert rows.count() == 2
    assert sorted(rows.locator("td:nth-child(2)").all_inner_texts()) == ["ann@example.com", "cy@example.com"]
    page.locator("table.invitations summary", has_text="Revoke").first.click()   # a folded action opens
    check_page(page, "invitations-2-bulk-result")

    assert Invitation.objects.count() == 2
    assert sorted(OutboxEmail.objects.values_list("to", flat=True)) == ["ann@example.com", "cy@example.com"]
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {EmailStatus.SENT}


def test_browser_extend_time_of_a_running_session(live_server, desktop, recruiter, issued):
    session_start(invitation=issued.invitation, now=timezone.now())
    page = desktop.new_page()
    login(page, live_server.url, recruiter)
    page.goto(f"{live_server.url}/workspace/versions/{issued.invitation.published_version_id}/invitations/")

    page.locator("summary", has_text="Extend time").click()
    page.get_by_label("Extra time").fill("10")
    page.get_by_label("Reason (recorded)").fill("Fire alarm")
    page.get_by_role("button", name="Extend time for Cand Idate").click()

    page.get_by_text("cand@example.com has 10 more minutes").wait_for()
    page.locator("summary", has_text="Reset").click()
    check_page(page, "invitations-3-extended")
    extension = TimeExtension.objects.get()
    assert (extension.seconds, extension.reason, extension.granted_by_id) == (600, "Fire alarm", recruiter.pk)
