"""Item exposure: how many sessions each question version has been drawn into.

Counts feed the exposure-aware draw (``assessments.drawing``). They are bumped after a start
commits, outside its transaction, so simultaneous starts never queue on the same counter rows;
a lost bump (a crash between commit and bump) only makes the draw slightly less even, and the
hourly statistics task recounts from ``SessionQuestion``, the record of what was drawn.
"""

from django.db import connection, transaction
from django.db.models import Count, OuterRef, Subquery

from assessments.drawing import eligible_questions, pool_of
from candidates.models import ItemExposure, SessionQuestion

_BUMP_SQL = (
    "INSERT INTO {table} (question_id, drawn) VALUES {rows} "
    "ON CONFLICT (question_id) DO UPDATE SET drawn = {table}.drawn + 1"
)


def pool_with_exposure(spec: dict) -> tuple[dict[tuple[int, str], list[int]], dict[int, int]]:
    """What a start draws from, in one query: the spec's eligible pool (``assessments.drawing.eligible_pool``'s
    shape) and ``{question_id: times drawn}`` for the eligible questions ever drawn."""
    drawn = ItemExposure.objects.filter(question_id=OuterRef("pk")).values("drawn")
    rows = list(eligible_questions(spec).annotate(drawn=Subquery(drawn)).values_list(
        "id", "topic_id", "difficulty", "drawn"))
    return pool_of(row[:3] for row in rows), {row[0]: row[3] for row in rows if row[3]}


def exposure_record(question_ids: list[int]) -> None:
    """Add one to the drawn count of each question (one statement, in autocommit).

    Ids are sorted so concurrent bumps lock rows in the same order and cannot deadlock.
    """
    ids = sorted(set(question_ids))
    if not ids:
        return
    sql = _BUMP_SQL.format(table=ItemExposure._meta.db_table, rows=", ".join(["(%s, 1)"] * len(ids)))
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)


def exposure_record_on_commit(question_ids: list[int]) -> None:
    """Bump the counts once the current transaction commits; a failure is logged, never raised."""
    transaction.on_commit(lambda: exposure_record(question_ids), robust=True)


@transaction.atomic
def exposure_reconcile() -> int:
    """Recount every question's exposure from the drawn forms; returns how many questions have one."""
    counts = SessionQuestion.objects.values("question_id").annotate(n=Count("id")).values_list("question_id", "n")
    rows = [ItemExposure(question_id=qid, drawn=n) for qid, n in counts]
    ItemExposure.objects.all().delete()
    ItemExposure.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
