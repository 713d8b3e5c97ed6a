"""Scores and reports of sessions: the scored question list, the emails' content."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from candidates.models import Invitation, OutboxEmail, Response, SessionQuestion, TestSession
from candidates.scoring import QuestionScore, answer_score, percent, topic_breakdown


@dataclass(frozen=True)
class ScoredQuestion:
    """A session question with its choices (in the candidate's order), the answer and its score."""

    session_question: SessionQuestion
    choices: list  # questionbank Choice rows in the candidate's order
    selected: list[int]
    score: QuestionScore
    text: str = ""
    rating: int | None = None


@dataclass(frozen=True)
class ScoreResult:
    """A session's score: raw and maximum points, percent (0–100), pass/fail, per-topic rows."""

    raw_score: Decimal
    max_score: Decimal
    percent_score: Decimal
    passed: bool
    topic_breakdown: list[dict]
    questions: list[ScoredQuestion]
    provisional: bool = False


def session_score(*, session: TestSession, key_overrides: dict[int, set[int]] | None = None) -> ScoreResult:
    """Score ``session`` from its stored responses (three queries whatever the test length).

    Formulas: ``candidates.scoring``. The question versions are the ones the session was given;
    ``key_overrides`` (question id → key choice ids of that version) re-scores with corrected keys.
    """
    version = session.published_version
    session_questions = list(
        SessionQuestion.objects.filter(session=session).select_related("question__topic")
        .prefetch_related("question__choices").order_by("position")
    )
    answers = {qid: (selected, text, rating) for qid, selected, text, rating in Response.objects.filter(
        session=session).values_list("question_id", "selected", "text", "rating")}
    scored, provisional = [], False
    for sq in session_questions:
        question = sq.question
        by_id = {c.pk: c for c in question.choices.all()}
        keys = (key_overrides or {}).get(question.pk) or {c.pk for c in by_id.values() if c.is_key}
        selected, text, rating = answers.get(question.pk, ([], "", None))
        outcome = answer_score(kind=question.kind, points=sq.points, keys=keys, n_choices=len(by_id),
                               selected=selected, text=text, rating=rating, partial_credit=version.partial_credit,
                               negative_marking=version.negative_marking)
        provisional |= outcome.ungraded
        scored.append(ScoredQuestion(
            session_question=sq, text=text, rating=rating,
            choices=[by_id[cid] for cid in sq.choice_order if cid in by_id],
            selected=selected,
            score=QuestionScore(
                question_id=question.pk, topic_slug=question.topic.slug, topic_name=question.topic.name,
                points=sq.points, score=outcome.score, correct=outcome.correct, answered=outcome.answered,
            ),
        ))
    raw = sum((s.score.score for s in scored), Decimal("0.00"))
    maximum = sum((s.score.points for s in scored), Decimal("0.00"))
    pct = percent(raw, maximum)
    return ScoreResult(
        raw_score=raw, max_score=maximum, percent_score=pct, passed=pct >= version.pass_mark,
        topic_breakdown=topic_breakdown([s.score for s in scored]), questions=scored, provisional=provisional,
    )


def report_email_state(session: TestSession) -> dict | None:
    """Delivery of the session's report email: ``{"status", "to", "attempts", "last_error"}``, or ``None``."""
    row = (
        OutboxEmail.objects.filter(dedup_key=f"report:session:{session.pk}")
        .values("status", "to", "attempts", "last_error").first()
    )
    return row


def session_time_used(session: TestSession) -> int | None:
    """Seconds from start to finish (``None`` while in progress)."""
    if not session.finished_at:
        return None
    return max(0, int((session.finished_at - session.started_at).total_seconds()))


def format_seconds(seconds: int | None) -> str:
    """``1h 02m 05s`` / ``12m 05s`` / ``45s``; ``—`` for ``None``."""
    if seconds is None:
        return "—"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m {secs:02d}s"
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def result_url(session: TestSession) -> str:
    """Absolute URL of the recruiter's full result page."""
    return settings.SITE_URL + reverse("recruiter-session-result", kwargs={"session_id": session.pk})


def invitation_email_render(*, invitation: Invitation, link: str) -> tuple[str, str, str]:
    """``(subject, text, html)`` of the candidate's invitation email."""
    version = invitation.published_version
    context = {
        "candidate": invitation.candidate, "version": version, "link": link,
        "organization": invitation.organization, "expires_at": invitation.expires_at,
        "time_limit": format_seconds(version.time_limit),
    }
    subject = f"Your invitation: {version.title}"
    return (
        subject,
        render_to_string("candidates/email/invitation.txt", context),
        render_to_string("candidates/email/invitation.html", context),
    )


def report_attachments(session: TestSession) -> list[dict]:
    """Attachment specs of the recruiter's report email (rendered at send time by
    ``candidates.attachments.attachment_render``): the candidate report PDF and the per-topic chart
    shown inline, unless the ``REPORT_PDF_ATTACHED`` setting turns them off."""
    if not settings.REPORT_PDF_ATTACHED:
        return []
    return [{"kind": "session_report_pdf", "session_id": session.pk},
            {"kind": "session_topic_chart", "session_id": session.pk, "cid": f"topics-{session.pk}"}]


def session_report_email(*, session_id: int) -> tuple[str, str, str]:
    """``(subject, text, html)`` of a finished session's report, rendered when the outbox sends it, so
    finishing a cohort never waits for thousands of renders. Raises ``TestSession.DoesNotExist``."""
    session = TestSession.objects.select_related(
        "invitation__candidate", "invitation__invited_by", "published_version").get(pk=session_id)
    return report_email_render(session=session, result=session_score(session=session))


def report_email_render(*, session: TestSession, result: ScoreResult) -> tuple[str, str, str]:
    """``(subject, text, html)`` of the recruiter's report: score, percentile, per topic, time used,
    link; the text says the full report is attached as a PDF (``report_attachments``)."""
    candidate = session.invitation.candidate
    from candidates.percentiles import percentile_rank
    from candidates.results import finished_scores  # results read reports: import late
    from candidates.score_bands import score_band  # statistics read scores: import late

    attachments = report_attachments(session)
    context = {
        "session": session, "candidate": candidate, "version": session.published_version, "result": result,
        "time_used": format_seconds(session_time_used(session)), "url": result_url(session),
        "status": session.get_status_display(), "band": score_band(session),
        # The session is scored and stored before this renders, so its own score is in the list.
        "percentile": percentile_rank(result.percent_score, finished_scores(version_id=session.published_version_id)),
        "pdf_attached": any(a["kind"] == "session_report_pdf" for a in attachments),
        "chart_cid": next((a["cid"] for a in attachments if a["kind"] == "session_topic_chart"), None),
    }
    verdict = "passed" if result.passed else "did not pass"
    subject = f"{candidate.name} {verdict} {session.published_version.title}: {result.percent_score}%"
    return (
        subject,
        render_to_string("candidates/email/report.txt", context),
        render_to_string("candidates/email/report.html", context),
    )
