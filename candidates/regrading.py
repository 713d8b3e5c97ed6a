"""Regrading: carry a corrected key (a new version of a question) to the sessions that used the old one.

Always two steps. ``regrade_preview``/``regrade_create`` is a dry run that changes no score; only
``regrade_apply`` writes, records what it changed and tells each affected session's recruiter.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from candidates.enums import SessionStatus
from candidates.models import Regrade, SessionQuestion, TestSession
from candidates.outbox import outbox_enqueue
from candidates.reports import result_url, session_score
from questionbank.models import Question


def _key_overrides(old: Question, new: Question) -> set[int]:
    """The old version's choice ids that the new version marks as keys (choices matched by order)."""
    old_choices = list(old.choices.order_by("order", "id"))
    new_choices = list(new.choices.order_by("order", "id"))
    if new.family != old.family or new.version <= old.version:
        raise ValidationError({"new_question": ["Pick a later version of the same question."]})
    if len(old_choices) != len(new_choices):
        raise ValidationError({"new_question": ["The versions have different numbers of choices: no mapping."]})
    keys = {o.pk for o, n in zip(old_choices, new_choices, strict=True) if n.is_key}
    if not keys:
        raise ValidationError({"new_question": ["The new version has no key."]})
    return keys


def _rows(old: Question, new: Question) -> tuple[list[dict], int, dict[int, object]]:
    keys = _key_overrides(old, new)
    session_ids = SessionQuestion.objects.filter(question=old).values_list("session_id", flat=True)
    sessions = (TestSession.objects.filter(pk__in=session_ids).exclude(status=SessionStatus.IN_PROGRESS)
                .select_related("published_version", "invitation__candidate", "invitation__invited_by"))
    rows, results, checked = [], {}, 0
    for session in sessions:
        checked += 1
        result = session_score(session=session, key_overrides={old.pk: keys})
        if (result.raw_score, result.passed) == (session.raw_score, session.passed):
            continue
        results[session.pk] = (session, result)
        rows.append({
            "session": session.pk, "candidate": session.invitation.candidate.name,
            "old_raw": str(session.raw_score), "new_raw": str(result.raw_score),
            "old_percent": str(session.percent_score), "new_percent": str(result.percent_score),
            "old_passed": session.passed, "new_passed": result.passed,
        })
    return rows, checked, results


@transaction.atomic
def regrade_create(*, old_question: Question, new_question: Question, created_by, now: datetime) -> Regrade:
    """Dry run: record how every finished session that used ``old_question`` would change. No score moves.

    Raises ``ValidationError`` unless ``new_question`` is a later version of the same question with as
    many choices (matched by order) and at least one key.
    """
    rows, checked, _ = _rows(old_question, new_question)
    return Regrade.objects.create(old_question=old_question, new_question=new_question, rows=rows,
                                  sessions_checked=checked, created_by=created_by, created_at=now)


@transaction.atomic
def regrade_apply(*, regrade: Regrade, applied_by, now: datetime) -> Regrade:
    """Apply a draft regrade: rescore each affected session (afresh, not from the preview), record the
    changes on the regrade and email each session's recruiter. Applying twice changes nothing more.
    """
    regrade = Regrade.objects.select_for_update().get(pk=regrade.pk)
    if regrade.status == Regrade.Status.APPLIED:
        return regrade
    rows, checked, results = _rows(regrade.old_question, regrade.new_question)
    for session, result in results.values():
        TestSession.objects.filter(pk=session.pk).update(
            raw_score=result.raw_score, max_score=result.max_score, percent_score=result.percent_score,
            passed=result.passed, topic_breakdown=result.topic_breakdown, scored_at=now,
        )
        recruiter = session.invitation.invited_by
        if recruiter and recruiter.email:
            candidate = session.invitation.candidate.name
            outbox_enqueue(
                dedup_key=f"regrade:{regrade.pk}:session:{session.pk}", to=recruiter.email,
                subject=f"Score corrected: {candidate}, {session.published_version.title}",
                body_text=(
                    f"A key in \"{session.published_version.title}\" was corrected and {candidate}'s result "
                    f"was regraded: {session.raw_score} → {result.raw_score} points "
                    f"({session.percent_score}% → {result.percent_score}%, "
                    f"{'pass' if result.passed else 'fail'}).\n\nFull result: {result_url(session)}\n"
                ),
            )
    regrade.rows, regrade.sessions_checked = rows, checked
    regrade.status, regrade.applied_by, regrade.applied_at = Regrade.Status.APPLIED, applied_by, now
    regrade.save()
    return regrade
