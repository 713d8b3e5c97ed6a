"""The results table of a published version: page, API, CSV and XLSX exports, percentiles, query budget."""

import csv
import io
import re
import zipfile
from datetime import timedelta
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from candidates.models import IntegrityEvent, TestSession
from candidates.services import invitation_create, response_save, session_start, session_submit
from tests.factories import recruiter_create


def finish(version, recruiter, *, name: str, email: str, correct: int | None, seconds: int = 120) -> TestSession:
    """A test session of ``version`` with ``correct`` of its single-choice questions answered with the key
    (the others with a distractor), submitted after ``seconds``; ``correct=None`` leaves it in progress."""
    now = timezone.now() - timedelta(seconds=seconds + 1)
    issued = invitation_create(published_version=version, name=name, email=email,
                               expires_at=now + timedelta(days=7), invited_by=recruiter, now=now)
    session, _ = session_start(invitation=issued.invitation, now=now)
    if correct is None:
        return session
    for i, sq in enumerate(session.session_questions.select_related("question").order_by("position")):
        key, distractor = list(sq.question.choices.order_by("pk"))[:2]  # the factories' choice 0 is the key
        pick = key if i < correct else distractor
        response_save(session=session, question_id=sq.question_id, selected=[pick.pk], seq=1,
                      now=now + timedelta(seconds=10 * (i + 1)))
    return session_submit(session=session, now=now + timedelta(seconds=seconds))


@pytest.fixture
def cohort(version, recruiter):
    """Four finished sessions (100, 50, 50, 33.33 %; pass mark 50) and one in progress.

    Percentiles by hand, N = 4, sorted [33.33, 50, 50, 100]: Eve (0 + ½)/4 = 12.5; Bob and Cy
    (1 + 2·½)/4 = 50.0; Ann (3 + ½)/4 = 87.5; Dee in progress: none.
    """
    sessions = {
        "Ann": finish(version, recruiter, name="Ann Archer", email="ann@alpha.org", correct=6, seconds=300),
        "Bob": finish(version, recruiter, name="Bob Baker", email="bob@beta.org", correct=3, seconds=200),
        "Cy": finish(version, recruiter, name="Cy Cole", email="cy@alpha.org", correct=3, seconds=100),
        "Eve": finish(version, recruiter, name="=Eve Evil", email="eve@evil.org", correct=2, seconds=400),
        "Dee": finish(version, recruiter, name="Dee Dunn", email="dee@delta.org", correct=None),
    }
    now = timezone.now()
    IntegrityEvent.objects.bulk_create(
        [IntegrityEvent(session=sessions["Ann"], kind="focus_lost", occurred_at=now) for _ in range(2)]
        + [IntegrityEvent(session=sessions["Ann"], kind="paste", occurred_at=now),
           IntegrityEvent(session=sessions["Ann"], kind="client_changed", occurred_at=now)]
    )
    return sessions


def _names(rows) -> list[str]:
    return [row["candidate_name"] for row in rows]


# --- page ----------------------------------------------------------------------------------

def test_results_page_sorted_by_percent_with_percentiles_and_integrity(client, recruiter, version, cohort):
    client.force_login(recruiter)

    page = client.get(f"/workspace/versions/{version.pk}/results/")

    assert page.status_code == 200
    rows = page.context["rows"]
    # Highest first; ties by newest session; in-progress (no score) last.
    assert _names(rows) == ["Ann Archer", "Cy Cole", "Bob Baker", "=Eve Evil", "Dee Dunn"]
    assert [r["percentile"] for r in rows] == [87.5, 50.0, 50.0, 12.5, None]
    ann = rows[0]
    assert (ann["signals"], ann["client_changes"], ann["time_used"]) == (3, 1, 300)
    assert rows[-1]["time_used"] is None
    html = page.content.decode()
    assert 'aria-sort="descending"' in html
    assert "87.5" in html
    assert "5m 00s" in html
    assert f'href="/results/{cohort["Ann"].pk}/"' in html
    assert page["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(("params", "expected"), [
    ({"sort": "candidate", "q": "a"}, ["Ann Archer", "Bob Baker", "Cy Cole", "Dee Dunn"]),
    ({"sort": "-time_used"}, ["=Eve Evil", "Ann Archer", "Bob Baker", "Cy Cole", "Dee Dunn"]),
    ({"sort": "signals", "status": "finished"}, ["Bob Baker", "Cy Cole", "=Eve Evil", "Ann Archer"]),
    ({"status": "in_progress"}, ["Dee Dunn"]),
    ({"outcome": "failed"}, ["=Eve Evil"]),
    ({"outcome": "passed", "sort": "percentile"}, ["Bob Baker", "Cy Cole", "Ann Archer"]),
    ({"q": "ALPHA.org"}, ["Ann Archer", "Cy Cole"]),
    ({"q": "bob"}, ["Bob Baker"]),
    ({"q": "nobody"}, []),
])
def test_results_page_filter_sort_search(client, recruiter, version, cohort, params, expected):
    client.force_login(recruiter)

    page = client.get(f"/workspace/versions/{version.pk}/results/", params)

    assert page.status_code == 200
    assert _names(page.context["rows"]) == expected


def test_results_page_paginates_and_keeps_the_filters(client, recruiter, version, cohort, monkeypatch):
    monkeypatch.setattr("candidates.workspace.results.PAGE_SIZE", 2)
    client.force_login(recruiter)

    first = client.get(f"/workspace/versions/{version.pk}/results/", {"status": "finished", "sort": "percent"})
    second = client.get(f"/workspace/versions/{version.pk}/results/", {"status": "finished", "sort": "percent",
                                                                        "page": 2})

    assert _names(first.context["rows"]) == ["=Eve Evil", "Bob Baker"]
    assert _names(second.context["rows"]) == ["Cy Cole", "Ann Archer"]
    assert 'href="?status=finished&amp;sort=percent&amp;page=2" rel="next"' in first.content.decode()
    assert "Page 2 of 2" in second.content.decode()


def test_results_page_invalid_parameters_are_400_and_named(client, recruiter, version, cohort):
    client.force_login(recruiter)

    page = client.get(f"/workspace/versions/{version.pk}/results/", {"sort": "salary", "status": "lost"})

    assert page.status_code == 400
    assert set(page.context["errors"]) == {"sort", "status"}
    assert "Unknown column &#x27;salary&#x27;." in page.content.decode()


def test_results_exports_invalid_parameters_are_400_and_named(client, recruiter, version, cohort):
    client.force_login(recruiter)

    for suffix in ("results.csv", "results.xlsx"):
        response = client.get(f"/workspace/versions/{version.pk}/{suffix}", {"sort": "salary"})

        assert response.status_code == 400, suffix
        assert "Unknown column 'salary'." in response.content.decode(), suffix


def test_results_page_other_organisation_is_404(client, version, cohort):
    client.force_login(recruiter_create())

    assert client.get(f"/workspace/versions/{version.pk}/results/").status_code == 404
    assert client.get(f"/workspace/versions/{version.pk}/results.csv").status_code == 404
    assert client.get(f"/workspace/versions/{version.pk}/results.xlsx").status_code == 404


def test_results_page_anonymous_goes_to_login(client, version):
    response = client.get(f"/workspace/versions/{version.pk}/results/")

    assert response.status_code == 302
    assert "/workspace/login/" in response["Location"]


# --- API -----------------------------------------------------------------------------------

def test_results_api_rows_with_percentile_time_used_and_integrity_counts(recruiter_api, version, cohort):
    response = recruiter_api.get(f"/api/published-versions/{version.pk}/results/")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 5
    ann = body["results"][0]
    assert ann | {"started_at": None, "finished_at": None} == {
        "id": cohort["Ann"].pk, "candidate_name": "Ann Archer", "candidate_email": "ann@alpha.org",
        "status": "submitted", "raw_score": "6.00", "max_score": "6.00", "percent_score": "100.00", "passed": True,
        "provisional": False, "percentile": 87.5, "time_used": 300, "integrity_events": 3, "client_changes": 1,
        "started_at": None, "finished_at": None, "report_url": f"/results/{cohort['Ann'].pk}/",
    }
    assert [r["percentile"] for r in body["results"]] == [87.5, 50.0, 50.0, 12.5, None]


def test_results_api_filter_sort_search_and_limit_offset(recruiter_api, version, cohort):
    url = f"/api/published-versions/{version.pk}/results/"

    by_name = recruiter_api.get(url, {"sort": "-candidate", "q": "a", "limit": 2, "offset": 1}).json()
    failed = recruiter_api.get(url, {"outcome": "failed"}).json()
    searched = recruiter_api.get(url, {"q": "alpha", "sort": "percent"}).json()

    assert (by_name["count"], _names(by_name["results"])) == (4, ["Cy Cole", "Bob Baker"])
    assert _names(failed["results"]) == ["=Eve Evil"]
    assert _names(searched["results"]) == ["Cy Cole", "Ann Archer"]


@pytest.mark.parametrize(("params", "errors"), [
    ({"sort": "x"}, {"sort": ["Unknown column 'x'."]}),
    ({"sort": "-"}, {"sort": ["Unknown column ''."]}),
    ({"status": "done"}, {"status": ["Unknown status 'done'; use one of in_progress, submitted, timed_out, "
                                     "finished."]}),
    ({"outcome": "maybe"}, {"outcome": ["Unknown outcome 'maybe'; use passed or failed."]}),
    ({"q": "x" * 201}, {"q": ["Search at most 200 characters."]}),
    ({"q": "a\x00b"}, {"q": ["Search text cannot contain NUL characters."]}),
])
def test_results_api_invalid_parameter_is_400_naming_it(recruiter_api, version, params, errors):
    for suffix in ("results/", "results.csv", "results.xlsx"):
        response = recruiter_api.get(f"/api/published-versions/{version.pk}/{suffix}", params)

        assert response.status_code == 400, suffix
        assert response.json() == errors


def test_results_api_other_organisation_is_404_before_parameters_are_checked(version, cohort):
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=recruiter_create()).key}")

    for suffix in ("results/", "results.csv", "results.xlsx"):
        assert other.get(f"/api/published-versions/{version.pk}/{suffix}", {"sort": "x"}).status_code == 404
    assert other.get(f"/api/test-sessions/{cohort['Ann'].pk}/report.pdf").status_code == 404


# --- exports -------------------------------------------------------------------------------

def _csv(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_results_csv_is_the_filtered_sorted_table(client, recruiter, version, cohort):
    client.force_login(recruiter)

    response = client.get(f"/workspace/versions/{version.pk}/results.csv", {"status": "finished", "sort": "-percent"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="results-{version.pk}-v{version.number}.csv"'
    header, *rows = _csv(response)
    assert header[:10] == ["Test session", "Candidate", "Email", "Status", "Raw score", "Max score", "Percent score",
                           "Passed", "Percentile", "Time used (s)"]
    assert [r[1] for r in rows] == ["Ann Archer", "Cy Cole", "Bob Baker", "'=Eve Evil"]  # no formula injection
    assert rows[0][:12] == [str(cohort["Ann"].pk), "Ann Archer", "ann@alpha.org", "Submitted", "6.00", "6.00",
                            "100.00", "yes", "87.5", "300", "3", "1"]
    assert rows[-1][7:9] == ["no", "12.5"]


def test_results_api_csv_streams_with_the_page_parameters(recruiter_api, version, cohort):
    response = recruiter_api.get(f"/api/published-versions/{version.pk}/results.csv", {"q": "alpha"},
                                 HTTP_ACCEPT="text/csv")

    assert response.status_code == 200
    assert [r[1] for r in _csv(response)[1:]] == ["Ann Archer", "Cy Cole"]


def xlsx_rows(content: bytes) -> list[list]:
    """The first sheet's cells by row (strings, numbers as floats, booleans as bools): enough of the
    SpreadsheetML format to check an export without another dependency."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        shared = []
        if "xl/sharedStrings.xml" in book.namelist():
            root = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))  # noqa: S314 - our own export
            shared = ["".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t")) for si in root.findall("m:si", ns)]
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))  # noqa: S314 - our own export
    rows = []
    for row in sheet.iter(f"{{{ns['m']}}}row"):
        cells = {}
        for cell in row.findall("m:c", ns):
            col = re.match(r"[A-Z]+", cell.get("r")).group()
            index = sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(col))) - 1
            kind, value = cell.get("t"), cell.find("m:v", ns)
            if kind == "inlineStr":
                cells[index] = "".join(t.text or "" for t in cell.iter(f"{{{ns['m']}}}t"))
            elif kind == "s":
                cells[index] = shared[int(value.text)]
            elif kind == "b":
                cells[index] = value.text == "1"
            elif kind in ("str",):
                cells[index] = value.text
            else:
                cells[index] = float(value.text)
        rows.append([cells.get(i) for i in range(max(cells) + 1)] if cells else [])
    return rows


def test_results_xlsx_is_the_filtered_sorted_table(client, recruiter, version, cohort):
    client.force_login(recruiter)

    response = client.get(f"/workspace/versions/{version.pk}/results.xlsx", {"sort": "percent"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    header, *rows = xlsx_rows(response.content)
    assert header[1] == "Candidate"
    assert header[8] == "Percentile"
    assert [r[1] for r in rows] == ["=Eve Evil", "Bob Baker", "Cy Cole", "Ann Archer", "Dee Dunn"]  # text, no formula
    eve = rows[0]
    assert eve[2:10] == ["eve@evil.org", "Submitted", 2.0, 6.0, 33.33, False, 12.5, 400.0]
    assert rows[-1][4:10] == [None] * 6                        # in progress: no score, percentile or time used
    assert isinstance(rows[0][13], float)                      # started: an Excel date number


def test_results_api_xlsx(recruiter_api, version, cohort):
    response = recruiter_api.get(f"/api/published-versions/{version.pk}/results.xlsx", {"outcome": "passed"})

    assert response.status_code == 200
    assert [r[1] for r in xlsx_rows(response.content)[1:]] == ["Ann Archer", "Cy Cole", "Bob Baker"]


# --- query budget --------------------------------------------------------------------------

def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = fn()
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_results_queries_do_not_grow_with_rows(client, recruiter, recruiter_api, version):
    client.force_login(recruiter)
    calls = {
        "page": lambda: client.get(f"/workspace/versions/{version.pk}/results/"),
        "csv": lambda: client.get(f"/workspace/versions/{version.pk}/results.csv"),
        "xlsx": lambda: client.get(f"/workspace/versions/{version.pk}/results.xlsx"),
        "api": lambda: recruiter_api.get(f"/api/published-versions/{version.pk}/results/"),
    }

    def make(n: int, start: int) -> None:
        for i in range(start, start + n):
            session = finish(version, recruiter, name=f"C{i}", email=f"c{i}@x.org", correct=i % 7)
            IntegrityEvent.objects.create(session=session, kind="paste", occurred_at=timezone.now())

    make(1, 0)
    one = {name: _queries(call) for name, call in calls.items()}
    make(2, 1)
    three = {name: _queries(call) for name, call in calls.items()}

    assert one == three
    assert max(one.values()) <= 12, one


def test_results_percent_scores_are_decimals_sorted_once(version, recruiter, cohort):
    from candidates.results import finished_scores

    assert finished_scores(version_id=version.pk) == [Decimal("33.33"), Decimal("50.00"), Decimal("50.00"),
                                                      Decimal("100.00")]
