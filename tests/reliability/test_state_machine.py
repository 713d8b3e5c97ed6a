"""Guarantee 16: a Hypothesis state machine over start, save, submit, clock, sweep and extend time."""

import contextlib
from datetime import timedelta
from decimal import Decimal
from itertools import count

from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from candidates.enums import SessionStatus
from candidates.errors import SessionClosed, StaleResponse
from candidates.models import Response, TestSession
from candidates.scoring import score_question
from candidates.services import (
    response_save,
    session_extend_time,
    session_start,
    session_submit,
    sessions_sweep,
)
from tests.factories import invite

ORDER = {SessionStatus.IN_PROGRESS: 0, SessionStatus.SUBMITTED: 1, SessionStatus.TIMED_OUT: 1}


def expected_score(session: TestSession) -> Decimal:
    """The score as a pure function of the stored responses and the keys of the session's versions."""
    answers = dict(Response.objects.filter(session=session).values_list("question_id", "selected"))
    total = Decimal("0")
    for sq in session.session_questions.select_related("question").prefetch_related("question__choices"):
        choices = list(sq.question.choices.all())
        total += score_question(kind=sq.question.kind, points=sq.points, keys={c.pk for c in choices if c.is_key},
                                selected=set(answers.get(sq.question_id, [])), n_choices=len(choices),
                                partial_credit=False, negative_marking=False)
    return total


def test_state_machine_sessions_only_move_forward(version, recruiter):
    emails = count()

    class SessionMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.now = timezone.now()
            issued = invite(version, recruiter=recruiter, email=f"sm{next(emails)}@example.com")
            self.session, _ = session_start(invitation=issued.invitation, now=self.now)
            self.questions = list(self.session.session_questions.values_list("question_id", "choice_order"))
            self.accepted: dict[int, tuple[int, list[int]]] = {}
            self.status = SessionStatus.IN_PROGRESS

        @rule(index=st.integers(0, 5), pick=st.integers(0, 3), seq=st.integers(0, 20))
        def save(self, index, pick, seq):
            question_id, choice_order = self.questions[index]
            try:
                response_save(session=self.session, question_id=question_id, selected=[choice_order[pick]], seq=seq,
                              now=self.now)
            except (SessionClosed, StaleResponse, ValidationError):
                return
            assert self.status == SessionStatus.IN_PROGRESS, "a write was accepted after finish"
            assert seq >= self.accepted.get(question_id, (0, []))[0]
            self.accepted[question_id] = (seq, [choice_order[pick]])

        @rule()
        def submit(self):
            with contextlib.suppress(SessionClosed):
                session_submit(session=self.session, now=self.now)

        @rule(seconds=st.integers(0, 400))
        def advance_clock(self, seconds):
            self.now += timedelta(seconds=seconds)

        @rule()
        def sweep(self):
            sessions_sweep(now=self.now)

        @rule(seconds=st.integers(1, 300))
        def extend_time(self, seconds):
            with contextlib.suppress(SessionClosed):
                session_extend_time(session=self.session, seconds=seconds, reason="test", granted_by=None,
                                    now=self.now)

        @invariant()
        def consistent(self):
            self.session.refresh_from_db()
            assert ORDER[self.session.status] >= ORDER[self.status], "status moved backwards"
            if self.status != SessionStatus.IN_PROGRESS:
                assert self.session.status == self.status, "a finished status changed"
            self.status = self.session.status
            stored = {r.question_id: (r.seq, r.selected) for r in Response.objects.filter(session=self.session)}
            assert stored == self.accepted
            if self.status != SessionStatus.IN_PROGRESS:
                assert self.session.finished_at <= self.session.closes_at
                if self.status == SessionStatus.TIMED_OUT:
                    assert self.session.finished_at == self.session.deadline
                assert self.session.raw_score == expected_score(self.session)

    run_state_machine_as_test(SessionMachine, settings=settings(
        max_examples=300, stateful_step_count=12, deadline=None, derandomize=True,
        suppress_health_check=list(HealthCheck),
    ))
