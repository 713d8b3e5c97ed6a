"""The candidate report as a PDF (xhtml2pdf, like ``assessments.kit_pdf``): the page's content on A4."""

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.text import slugify

from candidates.charts import report_charts
from candidates.models import TestSession
from candidates.reports import format_seconds, result_url
from candidates.results import session_report
from config.pdf import html_to_pdf


def session_report_pdf(session: TestSession) -> bytes:
    """PDF bytes of one test session's report: score, pass/fail, percentile, per-topic and distribution
    charts (PNG) with their tables, integrity signals, and every question with the candidate's choice,
    the key, the time used and the explanation. An in-progress session gives a one-page "in progress"
    report. Raises ``RuntimeError`` if rendering fails."""
    report = session_report(session)
    context = {**report, "url": result_url(session), "time_used_text": format_seconds(report["time_used"])}
    if report["result"] is not None:
        context.update(report_charts(breakdown=report["result"].topic_breakdown, scores=report["scores"],
                                     marked=session.percent_score))
    html = render_to_string("workspace/report_pdf.html", context)
    return html_to_pdf(html)


def report_filename(session: TestSession) -> str:
    """``report-<session id>-<candidate name slug>.pdf``: ASCII only, safe in a Content-Disposition."""
    name = slugify(session.invitation.candidate.name)[:60] or "candidate"
    return f"report-{session.pk}-{name}.pdf"


def session_report_pdf_response(session: TestSession) -> HttpResponse:
    """The report PDF of ``session`` as a download; served by the workspace page and the API alike."""
    response = HttpResponse(session_report_pdf(session), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report_filename(session)}"'
    return response
