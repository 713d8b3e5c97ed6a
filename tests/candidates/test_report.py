"""The candidate report: page, charts, PDF (page, API, email attachment)."""

import pytest
from django.core import mail

from candidates.attachments import attachment_render
from candidates.charts import distribution_bins, score_distribution_png, topic_bars_png
from candidates.reports import report_attachments
from tests.candidates.test_results import finish
from tests.factories import SECRET_EXPLANATION, recruiter_create

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def reported(version, recruiter):
    """Three finished sessions (100, 66.67, 33.33 %); the report is the middle one's."""
    finish(version, recruiter, name="Top Tier", email="top@x.org", correct=6)
    finish(version, recruiter, name="Low Lee", email="low@x.org", correct=2)
    return finish(version, recruiter, name="Mid Dle", email="mid@x.org", correct=4, seconds=95)


def test_report_page_shows_score_percentile_charts_and_every_question(client, recruiter, reported):
    client.force_login(recruiter)

    page = client.get(f"/results/{reported.pk}/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Skip to content" in html                                   # the workspace shell
    assert "<strong>4.00 / 6.00</strong> points (66.67%)" in html
    assert '<strong class="pass">pass</strong>' in html
    assert "<strong>50.0</strong> among 3 finished test sessions" in html   # (1 + ½) / 3
    assert page.context["percentile"] == 50.0
    assert "1m 35s" in html                                            # time used
    assert html.count('src="data:image/png;base64,') == 2
    assert 'alt="Bar chart of the percent score per topic: Routing 100.00%, Templates 33.33%.' in html
    assert "Histogram of the percent scores of 3 finished test sessions" in html
    assert html.count('class="card question"') == 6
    assert html.count("(key)") == 6
    assert html.count("chosen (distractor)") == 2
    assert html.count(">chosen</strong>") == 4
    assert html.count(SECRET_EXPLANATION) == 6                         # the recruiter sees explanations
    assert "time 10 s" in html                                         # per question: answer_seconds
    assert f'href="/workspace/sessions/{reported.pk}/report.pdf"' in html
    assert f'href="/workspace/versions/{reported.published_version_id}/results/"' in html
    marked = [b for b in page.context["distribution"] if b["marked"]]
    assert [(b["label"], b["count"]) for b in marked] == [("60–70%", 1)]


def test_report_page_in_progress_has_no_score_and_other_org_gets_404(client, recruiter, version):
    session = finish(version, recruiter, name="Still Going", email="go@x.org", correct=None)
    client.force_login(recruiter)

    page = client.get(f"/results/{session.pk}/")
    client.force_login(recruiter_create())
    other = client.get(f"/results/{session.pk}/")

    assert page.status_code == 200
    assert b"still in progress" in page.content
    assert b"data:image/png" not in page.content
    assert other.status_code == 404


def test_report_pdf_page_and_api(client, recruiter, recruiter_api, reported):
    client.force_login(recruiter)

    page = client.get(f"/workspace/sessions/{reported.pk}/report.pdf")
    api = recruiter_api.get(f"/api/test-sessions/{reported.pk}/report.pdf", HTTP_ACCEPT="application/pdf")

    for response in (page, api):
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert response["Content-Disposition"] == f'attachment; filename="report-{reported.pk}-mid-dle.pdf"'
    assert page.content.count(b"/Subtype /Image") >= 2                    # both charts are in it
    client.force_login(recruiter_create())
    assert client.get(f"/workspace/sessions/{reported.pk}/report.pdf").status_code == 404


def test_report_email_has_the_pdf_attached(version, recruiter, django_capture_on_commit_callbacks, settings):
    settings.REPORT_PDF_ATTACHED = True
    with django_capture_on_commit_callbacks(execute=True):
        session = finish(version, recruiter, name="Mail Able", email="mail@x.org", correct=5)

    reports = [m for m in mail.outbox if m.to == [recruiter.email] and "Mail Able" in m.subject]
    assert len(reports) == 1
    message = reports[0]
    pdf, chart = message.attachments
    filename, content, mimetype = pdf
    assert (filename, mimetype) == (f"report-{session.pk}-mail-able.pdf", "application/pdf")
    assert content.startswith(b"%PDF")
    assert chart["Content-ID"] == f"<topics-{session.pk}>"
    assert chart.get_payload(decode=True).startswith(b"\x89PNG")
    assert message.message().get_content_type() == "multipart/related"
    assert "attached as a PDF" in message.body
    assert "Percentile: 50.0" in message.body
    html, _ = message.alternatives[0]
    assert "attached as a PDF" in html
    assert f'src="cid:topics-{session.pk}"' in html


def test_report_attachment_spec_and_its_errors(reported, settings):
    settings.REPORT_PDF_ATTACHED = True
    assert report_attachments(reported) == [
        {"kind": "session_report_pdf", "session_id": reported.pk},
        {"kind": "session_topic_chart", "session_id": reported.pk, "cid": f"topics-{reported.pk}"}]
    with pytest.raises(ValueError, match="Unknown attachment kind"):
        attachment_render({"kind": "photo"})
    with pytest.raises(ValueError, match="No test session"):
        attachment_render({"kind": "session_report_pdf", "session_id": 10**9})


def test_report_charts_are_png_and_bins_cover_0_to_100():
    assert topic_bars_png([{"topic": "Routing", "percent": "66.67"}]).startswith(PNG)
    assert topic_bars_png([]).startswith(PNG)
    assert score_distribution_png([], None).startswith(PNG)
    bins = distribution_bins([0, 9.99, 10, 55.5, 100], 100)
    assert [b["count"] for b in bins] == [2, 1, 0, 0, 0, 1, 0, 0, 0, 1]
    assert [b["label"] for b in bins if b["marked"]] == ["90–100%"]
