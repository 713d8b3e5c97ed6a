"""The results table as CSV (streamed) and XLSX (XlsxWriter in constant-memory mode).

Both take the rows of ``candidates.results.result_rows_all`` and write the same columns. Text that
a spreadsheet would run as a formula (a candidate named ``=HYPERLINK(…)``) is neutralised: CSV
cells starting with ``= + - @`` (or a tab / carriage return) get a leading apostrophe, the OWASP
advice for CSV injection; XLSX cells are written as strings, never formulas.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from decimal import Decimal

import xlsxwriter
from django.http import HttpResponse, StreamingHttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# (header, row key, kind) — kind picks the XLSX cell type and format.
EXPORT_COLUMNS = [
    ("Test session", "id", "int"),
    ("Candidate", "candidate_name", "text"),
    ("Email", "candidate_email", "text"),
    ("Status", "status_label", "text"),
    ("Raw score", "raw_score", "number"),
    ("Max score", "max_score", "number"),
    ("Percent score", "percent_score", "number"),
    ("Passed", "passed", "bool"),
    ("Percentile", "percentile", "number"),
    ("Time used (s)", "time_used", "int"),
    ("Integrity signals", "signals", "int"),
    ("Client changes", "client_changes", "int"),
    ("Provisional", "provisional", "bool"),
    ("Started (UTC)", "started_at", "datetime"),
    ("Finished (UTC)", "finished_at", "datetime"),
]
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _text(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _csv_cell(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == "bool":
        return "yes" if value else "no"
    if kind == "datetime":
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    if kind == "text":
        return _text(value)
    return str(value)


class _Echo:
    """A file-like object whose ``write`` returns the line, so ``csv.writer`` can feed a generator."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[dict]) -> Iterator[str]:
    """CSV lines (header first, ``\\r\\n`` endings) of ``rows``, one at a time: for a
    ``StreamingHttpResponse``. Booleans are ``yes``/``no``, times UTC ``YYYY-MM-DD HH:MM:SS``."""
    writer = csv.writer(_Echo())
    yield writer.writerow([header for header, _, _ in EXPORT_COLUMNS])
    for row in rows:
        yield writer.writerow([_csv_cell(row.get(key), kind) for _, key, kind in EXPORT_COLUMNS])


def xlsx_bytes(rows: Iterable[dict], *, title: str = "Results") -> bytes:
    """An XLSX workbook (one sheet, header row frozen) of ``rows``.

    Constant-memory mode flushes each row to a temporary file as soon as the next starts, so memory
    stays flat however many rows; rows must therefore be written in order, which they are.
    """
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {
        "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
        "strings_to_numbers": False,
    })
    sheet = workbook.add_worksheet(title[:31])  # Excel's sheet-name limit
    bold = workbook.add_format({"bold": True})
    when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    decimal = workbook.add_format({"num_format": "0.00"})
    for col, (header, _, kind) in enumerate(EXPORT_COLUMNS):
        sheet.write_string(0, col, header, bold)
        sheet.set_column(col, col, 22 if kind in ("text", "datetime") else 12)
    sheet.freeze_panes(1, 0)
    for r, row in enumerate(rows, start=1):
        for col, (_, key, kind) in enumerate(EXPORT_COLUMNS):
            value = row.get(key)
            if value is None:
                continue
            if kind == "text":
                sheet.write_string(r, col, str(value))
            elif kind == "bool":
                sheet.write_boolean(r, col, bool(value))
            elif kind == "datetime":
                sheet.write_datetime(r, col, _naive_utc(value), when)
            elif kind == "number":
                sheet.write_number(r, col, float(value) if isinstance(value, Decimal) else value, decimal)
            else:
                sheet.write_number(r, col, value)
    workbook.close()
    return out.getvalue()


def _naive_utc(value: datetime) -> datetime:
    # Excel has no time zones: cells hold UTC wall time, as the header says.
    return value.astimezone(UTC).replace(tzinfo=None)


def export_filename(version, extension: str) -> str:
    """``results-<version id>-v<number>.<extension>``: ASCII only, safe in a Content-Disposition."""
    return f"results-{version.pk}-v{version.number}.{extension}"


def results_csv_response(version, rows: Iterable[dict]) -> StreamingHttpResponse:
    """The download of ``rows`` (``result_rows_all``) as CSV, streamed row by row; served by the
    workspace page and the API alike."""
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(version, "csv")}"'
    return response


def results_xlsx_response(version, rows: Iterable[dict]) -> HttpResponse:
    """The download of ``rows`` (``result_rows_all``) as an XLSX workbook (sheet ``v<number>``)."""
    response = HttpResponse(xlsx_bytes(rows, title=f"v{version.number}"), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{export_filename(version, "xlsx")}"'
    return response
