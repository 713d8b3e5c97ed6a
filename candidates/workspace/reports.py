"""Workspace pages: the candidate report of one test session (``/results/<id>/``, the address the
report emails link to, routed from ``candidates.urls``) and its PDF."""

from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from assessments.workspace.access import recruiter_required
from candidates.charts import report_charts
from candidates.models import TestSession
from candidates.report_pdf import session_report_pdf_response
from candidates.reports import format_seconds
from candidates.results import session_report
from candidates.selectors import session_get_for_recruiter
from candidates.services import sessions_sweep


def _session(request, session_id: int) -> TestSession:
    """The organisation's test session after lazy expiry; ``Http404`` for any other."""
    sessions_sweep(now=timezone.now(), organization_id=request.organization.pk)
    return session_get_for_recruiter(organization=request.organization, session_id=session_id)


@recruiter_required
@require_GET
def recruiter_session_result(request, session_id: int):
    """The candidate report: score, pass/fail, percentile, per-topic and distribution charts (PNG with a
    table each), time per question, every question with choice, key and explanation, integrity
    signals and interviews. 404 outside the recruiter's organisation."""
    session = _session(request, session_id)
    report = session_report(session)
    context = {**report, "time_used_text": format_seconds(report["time_used"]), "nav": "results"}
    if report["result"] is not None:
        context.update(report_charts(breakdown=report["result"].topic_breakdown, scores=report["scores"],
                                     marked=session.percent_score))
    return render(request, "workspace/report.html", context)


@recruiter_required
@require_GET
def report_pdf(request, session_id: int):
    """The candidate report as a PDF download (``candidates.report_pdf``)."""
    return session_report_pdf_response(_session(request, session_id))


urlpatterns = [
    path("sessions/<id:session_id>/report.pdf", report_pdf, name="workspace-report-pdf"),
]
