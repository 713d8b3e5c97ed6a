"""Recruiter API: the results table of a published version (JSON, CSV, XLSX) and the report PDF.

Same parameters as the workspace page (``status``, ``outcome``, ``q``, ``sort``; see
``candidates.results.results_query_parse``), plus ``limit``/``offset`` for the JSON list. Each
format has its own path (``results/``, ``results.csv``, ``results.xlsx``): DRF reserves ``?format=``
for content negotiation. Other organisations' versions and sessions are 404; bad parameters 400
naming the parameter.
"""

import json

from django.urls import path, reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import renderers, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.views import APIView

from assessments.api.permissions import IsRecruiter
from assessments.models import PublishedVersion
from assessments.selectors import published_version_get
from candidates.enums import SessionStatus
from candidates.exports import XLSX, results_csv_response, results_xlsx_response
from candidates.report_pdf import session_report_pdf_response
from candidates.results import (
    COLUMNS,
    OUTCOME_FILTERS,
    STATUS_FILTERS,
    ResultsQuery,
    ResultsQueryError,
    finished_scores,
    result_row,
    result_rows,
    result_rows_all,
    results_query_parse,
)
from candidates.selectors import session_get_for_recruiter
from candidates.services import sessions_sweep
from config.pagination import BoundedLimitOffsetPagination

QUERY_PARAMETERS = [
    OpenApiParameter("status", str, enum=list(STATUS_FILTERS), description="Test session status; "
                     "`finished` = submitted or timed out."),
    OpenApiParameter("outcome", str, enum=list(OUTCOME_FILTERS), description="Pass/fail."),
    OpenApiParameter("q", str, description="Part of the candidate's name or email (case-insensitive)."),
    OpenApiParameter("sort", str, enum=[c for key in COLUMNS for c in (key, f"-{key}")],
                     description="Column to sort by; a leading `-` sorts descending. Default `-percent`."),
]


class _FileRenderer(renderers.BaseRenderer):
    """Lets a client ask for the file's own type (``Accept: text/csv``) without a 406. Files are returned
    as Django responses and never reach a renderer; only error bodies (dicts) do, as JSON."""

    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return json.dumps(data).encode()


class CsvRenderer(_FileRenderer):
    media_type, format = "text/csv", "csv"


class XlsxRenderer(_FileRenderer):
    media_type, format = XLSX, "xlsx"


class PdfRenderer(_FileRenderer):
    media_type, format = "application/pdf", "pdf"


class ResultRowOutput(serializers.Serializer):
    id = serializers.IntegerField(help_text="Test session id.")
    candidate_name = serializers.CharField()
    candidate_email = serializers.EmailField()
    status = serializers.ChoiceField(choices=SessionStatus.choices)
    raw_score = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    max_score = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    percent_score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    passed = serializers.BooleanField(allow_null=True)
    provisional = serializers.BooleanField()
    percentile = serializers.FloatField(allow_null=True, help_text=(
        "Percentile rank 0–100 among the version's finished test sessions: 100 × (below + ½·equal) / N; "
        "null while in progress."))
    time_used = serializers.IntegerField(allow_null=True, help_text="Seconds from start to finish.")
    integrity_events = serializers.IntegerField(source="signals", help_text=(
        "Integrity signals reported by the browser (focus lost, tab hidden, paste, left full screen)."))
    client_changes = serializers.IntegerField(help_text="Changes of IP address or browser seen by the server.")
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    report_url = serializers.SerializerMethodField()

    def get_report_url(self, row) -> str:
        return reverse("recruiter-session-result", kwargs={"session_id": row["id"]})


class ResultPageOutput(serializers.Serializer):
    """One page of results as ``BoundedLimitOffsetPagination`` answers it (DRF's limit/offset shape)."""

    count = serializers.IntegerField(help_text="Rows matching the filters, on all pages.")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ResultRowOutput(many=True)


def _version_and_query(request, version_id: int) -> tuple[PublishedVersion, ResultsQuery]:
    """The organisation's version (404 otherwise, checked before the parameters so nothing is revealed)
    and the parsed query (``ValidationError`` → 400 naming the parameter). Applies lazy expiry first."""
    sessions_sweep(now=timezone.now(), organization_id=request.organization.pk)
    version = published_version_get(organization=request.organization, version_id=version_id)
    try:
        return version, results_query_parse(request.query_params)
    except ResultsQueryError as exc:
        raise ValidationError(exc.errors) from exc


class VersionResultsApi(APIView):
    permission_classes = [IsRecruiter]

    @extend_schema(parameters=QUERY_PARAMETERS, responses=ResultPageOutput,
                   summary="Results of a published version: filter, sort, search, paginated (limit/offset)")
    def get(self, request, version_id: int):
        version, query = _version_and_query(request, version_id)
        scores = finished_scores(version_id=version.pk)
        paginator = BoundedLimitOffsetPagination()
        page = paginator.paginate_queryset(result_rows(version=version, query=query), request, view=self)
        return paginator.get_paginated_response(
            ResultRowOutput([result_row(row, scores) for row in page], many=True).data
        )


class VersionResultsCsvApi(APIView):
    permission_classes = [IsRecruiter]
    renderer_classes = [renderers.JSONRenderer, CsvRenderer]

    @extend_schema(parameters=QUERY_PARAMETERS, responses={(200, "text/csv"): OpenApiTypes.BINARY},
                   operation_id="published_versions_results_csv",
                   summary="Results of a published version as CSV (every matching row, streamed)")
    def get(self, request, version_id: int):
        version, query = _version_and_query(request, version_id)
        return results_csv_response(version, result_rows_all(version=version, query=query))


class VersionResultsXlsxApi(APIView):
    permission_classes = [IsRecruiter]
    renderer_classes = [renderers.JSONRenderer, XlsxRenderer]

    @extend_schema(parameters=QUERY_PARAMETERS, responses={(200, XLSX): OpenApiTypes.BINARY},
                   operation_id="published_versions_results_xlsx",
                   summary="Results of a published version as an Excel workbook (every matching row)")
    def get(self, request, version_id: int):
        version, query = _version_and_query(request, version_id)
        return results_xlsx_response(version, result_rows_all(version=version, query=query))


class SessionReportPdfApi(APIView):
    permission_classes = [IsRecruiter]
    renderer_classes = [renderers.JSONRenderer, PdfRenderer]

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY}, operation_id="test_sessions_report_pdf",
                   summary="The candidate report of a test session (PDF)")
    def get(self, request, session_id: int):
        sessions_sweep(now=timezone.now(), organization_id=request.organization.pk)
        return session_report_pdf_response(
            session_get_for_recruiter(organization=request.organization, session_id=session_id))


urlpatterns = [
    path("published-versions/<id:version_id>/results/", VersionResultsApi.as_view(), name="api-version-results"),
    path("published-versions/<id:version_id>/results.csv", VersionResultsCsvApi.as_view(),
         name="api-version-results-csv"),
    path("published-versions/<id:version_id>/results.xlsx", VersionResultsXlsxApi.as_view(),
         name="api-version-results-xlsx"),
    path("test-sessions/<id:session_id>/report.pdf", SessionReportPdfApi.as_view(), name="api-test-session-report-pdf"),
]
