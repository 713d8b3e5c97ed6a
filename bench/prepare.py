"""Data for the benchmarks, written straight to the benchmark database (run by bench/run.py).

    python bench/prepare.py invitations N TOKENS.json   # org, recruiter, a published 25-question test, N invitations
                                                        # with their forms drawn ahead
    python bench/prepare.py cohort N SECONDS            # N started sessions closing in SECONDS
    python bench/prepare.py finished N                  # N finished sessions, every question answered
    python bench/prepare.py cohort-lags SINCE_ISO       # lags of the cohort: JSON on stdout
"""

import json
import os
import random
import sys
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.utils import timezone  # noqa: E402

from assessments.models import Membership, Organization, PublishedVersion  # noqa: E402
from assessments.services import DrawRuleData, SectionData, test_template_create, test_template_publish  # noqa: E402
from candidates.enums import EmailStatus  # noqa: E402
from candidates.models import (  # noqa: E402
    Candidate,
    Invitation,
    OutboxEmail,
    Response,
    SessionQuestion,
    TestSession,
)
from candidates.prepared_forms import form_prepare  # noqa: E402
from candidates.services import invitation_create, session_start  # noqa: E402
from candidates.tokens import invitation_token_new  # noqa: E402
from questionbank.models import Topic  # noqa: E402

random.seed(42)
TOPICS = ["basics", "routing-requests-responses", "templates-jinja2", "structure-blueprints",
          "contexts-hooks-signals", "configuration-cli", "databases-orm", "auth-security"]


def version() -> PublishedVersion:
    org, _ = Organization.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    user, _ = get_user_model().objects.get_or_create(username="bench", defaults={"email": "bench@example.com"})
    Membership.objects.get_or_create(user=user, defaults={"organization": org})
    existing = PublishedVersion.objects.filter(organization=org).first()
    if existing:
        return existing
    topics = {t.slug: t for t in Topic.objects.filter(slug__in=TOPICS)}
    counts = [4, 3, 3, 3, 3, 3, 3, 3]                      # 25 questions
    template = test_template_create(
        organization=org, created_by=user,
        settings={"title": "Bench test", "time_limit": 3600, "grace_period": 30},
        sections=[SectionData(title="All", rules=[DrawRuleData(topic=topics[s], count=n)
                                                  for s, n in zip(TOPICS, counts, strict=True)])],
    )
    return test_template_publish(template=template, published_by=user)


def invitations(count: int, out: str) -> None:
    v = version()
    now = timezone.now()
    issued = [invitation_create(published_version=v, name=f"Bench {i}", email=f"bench{i}@example.com",
                                expires_at=now + timedelta(days=1), invited_by=None, now=now)
              for i in range(count)]
    # As the worker does after each invitation (its queued tasks then find the forms there and stop): the
    # benchmarks measure starts of invitations whose forms were drawn ahead, as a cohort's are.
    for one in issued:
        form_prepare(invitation_id=one.invitation.pk, now=now)
    # Nobody reads the bench's invitation emails: sending 1,500 of them would load the worker through the
    # scenarios that follow (bench/run.py empties the queue too), and the beat's resend sweep would send them.
    OutboxEmail.objects.filter(dedup_key__startswith="invitation:", status=EmailStatus.PENDING).update(
        status=EmailStatus.SENT, sent_at=now)
    Path(out).write_text(json.dumps([one.token for one in issued]))


def _sessions(count: int, *, started_at, deadline, closes_at) -> list[TestSession]:
    """``count`` started sessions sharing one drawn form, via bulk inserts (fast enough for 10,000)."""
    v = version()
    now = timezone.now()
    template_invitation = invitation_create(published_version=v, name="Template", email=f"t{now.timestamp()}@x.org",
                                            expires_at=now + timedelta(days=1), invited_by=None, now=now).invitation
    template, _ = session_start(invitation=template_invitation, now=now)
    questions = list(template.session_questions.all())
    candidate = Candidate.objects.create(organization=v.organization, name="Cohort",
                                         email=f"cohort{now.timestamp()}@x.org")
    recruiter = get_user_model().objects.get(username="bench")
    invitations = Invitation.objects.bulk_create([
        Invitation(organization=v.organization, published_version=v, candidate=candidate, status="started",
                   invited_by=recruiter,
                   token_hash=invitation_token_new()[1], expires_at=now + timedelta(days=1))
        for _ in range(count)
    ], batch_size=2000)
    sessions = TestSession.objects.bulk_create([
        TestSession(organization=v.organization, invitation=inv, published_version=v, seed=1, started_at=started_at,
                    deadline=deadline, closes_at=closes_at)
        for inv in invitations
    ], batch_size=2000)
    SessionQuestion.objects.bulk_create([
        SessionQuestion(session=s, question_id=q.question_id, position=q.position, points=q.points,
                        choice_order=q.choice_order)
        for s in sessions for q in questions
    ], batch_size=5000)
    return sessions


def cohort(count: int, seconds: float) -> None:
    """``count`` started sessions all closing ``seconds`` after they exist (the closing time is set in one
    UPDATE once every row is written, so a slow insert cannot eat into the measured lag)."""
    now = timezone.now()
    later = now + timedelta(days=1)
    sessions = _sessions(count, started_at=now - timedelta(minutes=30), deadline=later, closes_at=later)
    closes = timezone.now() + timedelta(seconds=seconds)
    TestSession.objects.filter(closes_at=later).update(deadline=closes - timedelta(seconds=30), closes_at=closes)
    # As the starts would have: the deadline fast path, scheduled once for the closing second.
    from candidates.queueing import _executor
    from candidates.services import _deadline_task_schedule

    _deadline_task_schedule(session_id=sessions[0].pk, closes_at=closes)
    _executor().shutdown(wait=True)
    print(json.dumps({"closes_at": closes.isoformat()}))


def finished(count: int) -> None:
    now = timezone.now()
    sessions = _sessions(count, started_at=now - timedelta(hours=2), deadline=now - timedelta(hours=1),
                         closes_at=now - timedelta(hours=1))
    orders = {sq.question_id: sq.choice_order for sq in SessionQuestion.objects.filter(session=sessions[0])}
    Response.objects.bulk_create([
        Response(session=s, question_id=qid, selected=[random.choice(order)], saved_at=now, first_saved_at=now)
        for s in sessions for qid, order in orders.items()
    ], batch_size=5000)
    TestSession.objects.filter(pk__in=[s.pk for s in sessions]).update(
        status="submitted", finished_at=now - timedelta(hours=1), raw_score=10, max_score=25, percent_score=40,
        passed=False, scored_at=now)


def reset() -> None:
    """Between scenarios: no sessions, invitations' sessions or emails left from the one before."""
    TestSession.objects.all().delete()
    OutboxEmail.objects.all().delete()


def cohort_lags(since: str) -> None:
    closes = datetime.fromisoformat(since)
    rows = TestSession.objects.filter(closes_at=closes)
    scored = rows.exclude(scored_at=None).values_list("scored_at", flat=True)
    lags = sorted((s - closes).total_seconds() for s in scored)
    queued = OutboxEmail.objects.filter(created_at__gte=closes, dedup_key__startswith="report:").count()
    print(json.dumps({"sessions": rows.count(), "finished": len(lags), "report_rows": queued,
                      "p50": lags[len(lags) // 2] if lags else None,
                      "p95": lags[int(len(lags) * 0.95) - 1] if lags else None, "max": lags[-1] if lags else None,
                      "timed_out_at_deadline": rows.filter(status="timed_out").count()}))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"invitations": lambda: invitations(int(args[0]), args[1]), "cohort": lambda: cohort(int(args[0]), float(args[1])),
     "finished": lambda: finished(int(args[0])), "cohort-lags": lambda: cohort_lags(args[0]),
     "reset": reset}[command]()
