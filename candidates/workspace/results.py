"""Workspace pages: the results table of a published version, and its CSV / XLSX exports.

Filtering, sorting, searching and paging are plain GET parameters (``status``, ``outcome``, ``q``,
``sort``, ``page``; see ``candidates.results.results_query_parse``): links and a GET form, no script.
"""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from assessments.models import PublishedVersion
from assessments.selectors import published_version_get
from assessments.workspace.access import recruiter_required
from candidates.exports import results_csv_response, results_xlsx_response
from candidates.reports import format_seconds
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
from candidates.services import sessions_sweep

PAGE_SIZE = 50
NUMERIC = {"raw_score", "percent", "percentile", "time_used", "signals", "client_changes"}


def _version(request, version_id: int) -> PublishedVersion:
    # Lazy expiry first, as every recruiter view does: a timed-out session shows as finished.
    sessions_sweep(now=timezone.now(), organization_id=request.organization.pk)
    return published_version_get(organization=request.organization, version_id=version_id)


def _headers(query: ResultsQuery) -> list[dict]:
    """Column headers with their sort link (same filters, this column, the other direction when it is
    already the sort) and ``aria_sort`` for the sorted one."""
    headers = []
    for key, (label, _) in COLUMNS.items():
        active = key == query.sort
        descending = not query.descending if active else key in NUMERIC  # numbers: highest first
        params = {**query.params(), "sort": f"-{key}" if descending else key}
        headers.append({
            "key": key, "label": label, "numeric": key in NUMERIC, "url": "?" + urlencode(params),
            "aria_sort": ("descending" if query.descending else "ascending") if active else "",
            "next": "descending" if descending else "ascending",
        })
    return headers


@recruiter_required
@require_GET
def results(request, version_id: int):
    """The version's test sessions: filter, sort, search, 50 per page, with percentile and integrity
    counts; invalid parameters show the page with the defaults, the errors, and status 400."""
    version = _version(request, version_id)
    errors: dict[str, list[str]] = {}
    try:
        query = results_query_parse(request.GET)
    except ResultsQueryError as exc:
        errors, query = exc.errors, ResultsQuery()
    scores = finished_scores(version_id=version.pk)
    page = Paginator(result_rows(version=version, query=query), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [result_row(row, scores) for row in page.object_list]
    for row in rows:
        row["time_used_text"] = format_seconds(row["time_used"])
    params = query.params()
    return render(request, "workspace/results.html", {
        "version": version, "query": query, "errors": errors, "rows": rows, "page": page,
        "headers": _headers(query), "finished_count": len(scores), "nav": "results",
        "status_filters": STATUS_FILTERS, "outcome_filters": OUTCOME_FILTERS,
        "export_query": "?" + urlencode(params) if params else "",
        "page_url": "?" + urlencode({**params, "page": ""}),
    }, status=400 if errors else 200)


def _export(request, version_id: int, respond):
    """The filtered, sorted table (every matching row) handed to ``respond(version, rows)``; 400 on a bad query."""
    version = _version(request, version_id)
    try:
        query = results_query_parse(request.GET)
    except ResultsQueryError as exc:
        return HttpResponseBadRequest(str(exc.errors), content_type="text/plain")
    return respond(version, result_rows_all(version=version, query=query))


@recruiter_required
@require_GET
def results_csv(request, version_id: int):
    """The filtered, sorted table as CSV, streamed row by row (``candidates.exports``)."""
    return _export(request, version_id, results_csv_response)


@recruiter_required
@require_GET
def results_xlsx(request, version_id: int):
    """The filtered, sorted table as an XLSX workbook (``candidates.exports``)."""
    return _export(request, version_id, results_xlsx_response)


urlpatterns = [
    path("versions/<id:version_id>/results/", results, name="workspace-results"),
    path("versions/<id:version_id>/results.csv", results_csv, name="workspace-results-csv"),
    path("versions/<id:version_id>/results.xlsx", results_xlsx, name="workspace-results-xlsx"),
]
