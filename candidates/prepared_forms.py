"""Forms drawn ahead: an invitation's questions are drawn when it is created, so a start only stamps the clock.

When a cohort presses Start together, drawing each form (the eligible pool with its exposure, the
draw, the choice orders, 25 inserted rows) is most of a start's cost, and it does not depend on the
moment of the start. ``form_prepare`` draws it in a task queued with the invitation and stores it as
a ``PreparedForm``; the start copies its items into the session in one statement
(``prepared_items_take``). The start draws afresh, as before, when no form is prepared yet (the task
has not run, the broker was down), when an item is no longer a published question (a curator retired
or replaced it meanwhile), or after a session reset (the candidate must not see the same form again).

Both lock the invitation row. A start that waited for a preparation holding it reads with a snapshot
taken before the form existed (PostgreSQL, read committed), so it draws its own: the form stays unused,
and the hourly exposure recount leaves it out (its invitation has a session).

A prepared form counts as exposure from the moment it is drawn: forms prepared for a whole cohort at
once then spread over the bank as started sessions do, instead of all preferring the same least-shown
items.
"""

import random
import secrets
from datetime import datetime

from django.db import connection, transaction

from assessments.drawing import DrawError, choices_order, draw_form, sections_shuffle
from assessments.models import PublishedVersion
from candidates.enums import InvitationStatus
from candidates.exposure import exposure_record_on_commit, pool_with_exposure
from candidates.models import Invitation, PreparedForm, PreparedItem, SessionQuestion
from candidates.rows import Columns, hot_cursor, insert_rows, table
from candidates.selectors import SESSION_ITEM_FIELDS
from questionbank.enums import QuestionStatus
from questionbank.models import Question
from questionbank.selectors import questions_for_candidates
from questionbank.services import questions_mark_in_use

# (question_id, position, section_title, points, choice_order): ``selectors.SESSION_ITEM_FIELDS``.
FormRow = tuple[int, int, str, object, list[int]]


def form_draw(version: PublishedVersion, seed: int) -> list[FormRow]:
    """Draw one form of ``version`` from ``seed``: its items in order, as ``SESSION_ITEM_FIELDS`` rows.

    Exposure-aware (``assessments.drawing.draw_form``), sections and choices shuffled as the version
    says; the same seed, bank and exposure counts give the same form. Two queries (the pool with its exposure; the
    questions' choices, none when this process knows them). Raises ``assessments.drawing.DrawError``
    when the bank can no longer satisfy the version's draw rules.
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible draw from a stored seed, not a secret
    pool, exposure = pool_with_exposure(version.spec)
    form = draw_form(version.spec, rng, exposure=exposure, pool=pool)
    if version.shuffle_questions:
        form = sections_shuffle(form, rng)
    questions = questions_for_candidates(d.question_id for d in form)
    return [
        (d.question_id, i, d.section_title, d.points,
         [c.pk for c in choices_order(list(questions[d.question_id].choices),
                                      rng if version.shuffle_choices else None)])
        for i, d in enumerate(form, start=1)
    ]


def form_drawn_record(question_ids: list[int]) -> None:
    """What drawing a form means for the bank: its versions are frozen against in-place edits (now) and
    their exposure grows by one (after commit, outside the transaction: ``candidates.exposure``)."""
    questions_mark_in_use(question_ids=question_ids)
    exposure_record_on_commit(question_ids)


def new_seed() -> int:
    """A fresh 63-bit seed for a draw (fits ``BigIntegerField``)."""
    return secrets.randbits(63)


@transaction.atomic
def form_prepare(*, invitation_id: int, now: datetime) -> bool:
    """Draw and store the form of a pending invitation that has neither a session nor a prepared form.

    Returns whether a form was stored: ``False`` for a missing, started, revoked or expired invitation,
    one already prepared (so the task may run twice), or a version the bank can no longer draw (the
    start then reports it to the candidate as it always did). The invitation row is locked, so a start
    running at the same moment either sees the whole form or none of it.
    """
    invitation = (Invitation.objects.select_for_update(of=("self",)).select_related("published_version")
                  .filter(pk=invitation_id, status=InvitationStatus.PENDING, expires_at__gt=now,
                          test_session__isnull=True, prepared_form__isnull=True).first())
    if invitation is None:
        return False
    seed = new_seed()
    try:
        items = form_draw(invitation.published_version, seed)
    except DrawError:
        return False
    PreparedForm.objects.create(invitation=invitation, seed=seed, item_count=len(items), prepared_at=now)
    insert_rows(PreparedItem, ("form_id", *SESSION_ITEM_FIELDS), [(invitation.pk, *item) for item in items])
    form_drawn_record([item[0] for item in items])
    return True


def prepared_form_usable_sql(invitation_alias: str) -> str:
    """SQL for the seed of the invitation's prepared form when every one of its items is still a published
    question, else NULL; the start reads it with the invitation it locks (one statement)."""
    status = connection.ops.quote_name(Question._meta.get_field("status").column)
    return (
        f"(SELECT f.seed FROM {table(PreparedForm)} f WHERE f.invitation_id = {invitation_alias}.id "  # noqa: S608
        f"AND f.item_count = (SELECT COUNT(*) FROM {table(PreparedItem)} p JOIN {table(Question)} q "
        f"ON q.id = p.question_id WHERE p.form_id = f.invitation_id AND q.{status} = "
        f"'{QuestionStatus.PUBLISHED.value}'))"
    )


_TAKEN = Columns(SessionQuestion, "", only=SESSION_ITEM_FIELDS)
_TAKEN_AT = [_TAKEN.attnames.index(f) for f in SESSION_ITEM_FIELDS]


def prepared_items_take(*, session_id: int, invitation_id: int) -> list[FormRow]:
    """Copy the invitation's prepared items into the session's ``SessionQuestion`` rows (one statement) and
    return them in order, as ``SESSION_ITEM_FIELDS`` rows."""
    fields = ", ".join(connection.ops.quote_name(SessionQuestion._meta.get_field(f).column)
                       for f in SESSION_ITEM_FIELDS)
    with hot_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table(SessionQuestion)} (session_id, {fields}) "  # noqa: S608 - names from the models
            f"SELECT %s, {fields} FROM {table(PreparedItem)} WHERE form_id = %s RETURNING {_TAKEN.sql}",
            [session_id, invitation_id],
        )
        rows = cursor.fetchall()
    # RETURNING gives no order: the position does.
    items = (_TAKEN.values(row) for row in rows)
    return sorted((tuple(values[i] for i in _TAKEN_AT) for values in items), key=lambda item: item[1])
