"""Item exposure: how many forms (started sessions and forms prepared ahead) each question version is in.

Counts feed the exposure-aware draw (``assessments.drawing``). They are bumped after a draw (a start, or
a form prepared ahead) commits, outside its transaction, so simultaneous starts never queue on the same
counter rows; a lost bump (a crash between commit and bump) only makes the draw slightly less even, and
the hourly statistics task recounts from ``SessionQuestion`` and ``PreparedItem``, the record of what was
drawn.
"""

from collections import Counter

from django.db import connection, transaction
from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone

from assessments.drawing import eligible_questions, pool_of
from candidates.enums import InvitationStatus
from candidates.models import ItemExposure, PreparedItem, SessionQuestion

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
    """Recount every question's exposure from the drawn forms: the sessions' items, and the items of forms
    prepared for invitations that may still start (pending, not expired, no session yet). Returns how many
    questions have one."""
    counts = Counter(dict(
        SessionQuestion.objects.values("question_id").annotate(n=Count("id")).values_list("question_id", "n")))
    counts.update(dict(
        PreparedItem.objects.filter(form__invitation__status=InvitationStatus.PENDING,
                                    form__invitation__expires_at__gt=timezone.now(),
                                    form__invitation__test_session__isnull=True)
        .values("question_id").annotate(n=Count("id")).values_list("question_id", "n")))
    rows = [ItemExposure(question_id=qid, drawn=n) for qid, n in counts.items()]
    ItemExposure.objects.all().delete()
    ItemExposure.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
