"""Interview kits and scorecards: publish and version, autosave and lock, amendments, agreement, report."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessments.interview_kits import KitDrawRule, interview_kit_create, interview_kit_publish
from candidates.scorecards import (
    interview_report,
    scorecard_amend,
    scorecard_rate,
    scorecard_start,
    scorecard_submit,
)
from candidates.services import response_save, session_start, session_submit
from questionbank.services import QuestionData, question_create
from tests.factories import TopicFactory, recruiter_create


@pytest.fixture
def kit_version(organization, recruiter, bank):
    for n, topic in enumerate(bank):
        question_create(data=QuestionData(stem=f"Explain {topic.slug} {n}.", topic=topic, kind="free_text",
                                          status="published", model_answer="A model answer."))
    kit = interview_kit_create(organization=organization, title="Backend interview", created_by=recruiter,
                               rules=[KitDrawRule(topic=bank[0], count=1), KitDrawRule(topic=bank[1], count=1)])
    return interview_kit_publish(kit=kit, published_by=recruiter)


def test_kit_rules_name_the_shortfall_and_publish_versions(organization, recruiter, kit_version):
    with pytest.raises(ValidationError, match="short by 4"):
        interview_kit_create(organization=organization, title="Too big",
                             rules=[KitDrawRule(topic=TopicFactory(slug="routing"), count=5)])
    again = interview_kit_publish(kit=kit_version.kit)

    assert (kit_version.number, again.number, len(kit_version.question_ids)) == (1, 2, 2)


def test_scorecard_autosaves_then_locks_on_submit_and_records_amendments(issued, recruiter, kit_version):
    card = scorecard_start(kit_version=kit_version, candidate=issued.invitation.candidate, interviewer=recruiter)
    first, second = kit_version.question_ids
    now = timezone.now()
    scorecard_rate(scorecard=card, question_id=first, rating=1, notes="shaky", now=now)
    scorecard_rate(scorecard=card, question_id=first, rating=2, notes="recovered", now=now)

    with pytest.raises(ValidationError, match="unrated"):
        scorecard_submit(scorecard=card, recommendation="yes", notes="", now=now)
    scorecard_rate(scorecard=card, question_id=second, rating=3, notes="", now=now)
    scorecard_submit(scorecard=card, recommendation="yes", notes="Good.", now=now)
    with pytest.raises(ValidationError, match="submitted"):
        scorecard_rate(scorecard=card, question_id=first, rating=0, notes="", now=now)
    amendment = scorecard_amend(scorecard=card, question_id=first, rating=1, reason="misheard", by=recruiter, now=now)

    assert card.ratings.count() == 2
    assert (amendment.old_value, amendment.new_value, amendment.reason) == ("2", "1", "misheard")
    assert card.ratings.get(question_id=first).rating == 1
    assert scorecard_start(kit_version=kit_version, candidate=issued.invitation.candidate,
                           interviewer=recruiter).pk == card.pk


def test_interview_report_shows_each_interviewer_agreement_and_combined_topics(issued, recruiter, organization,
                                                                                kit_version):
    other = recruiter_create(organization)
    first, second = kit_version.question_ids
    now = timezone.now()
    for interviewer, ratings in ((recruiter, (3, 1)), (other, (1, 1))):
        card = scorecard_start(kit_version=kit_version, candidate=issued.invitation.candidate, interviewer=interviewer)
        for qid, value in zip((first, second), ratings, strict=True):
            scorecard_rate(scorecard=card, question_id=qid, rating=value, notes="", now=now)
        scorecard_submit(scorecard=card, recommendation="yes", notes="", now=now)
    session, _ = session_start(invitation=issued.invitation, now=now)
    sq = session.session_questions.filter(question__topic__slug="routing").first()
    response_save(session=session, question_id=sq.question_id,
                  selected=[sq.question.choices.get(is_key=True).pk], seq=1, now=now)
    session_submit(session=session, now=now)

    report = interview_report(candidate=issued.invitation.candidate, kit_version=kit_version)

    assert len(report["scorecards"]) == 2
    assert [(q["ratings"], q["spread"]) for q in report["questions"]] == [([3, 1], 2), ([1, 1], 0)]
    assert report["topics"]["routing"] == {"interview_percent": 66.7, "test_percent": 33.3}
    assert report["topics"]["templates"] == {"interview_percent": 33.3, "test_percent": 0.0}


def test_scorecard_refuses_candidates_of_another_organization(recruiter, kit_version):
    from tests.factories import invite, published_version_make

    outsider = recruiter_create()
    topic = TopicFactory(slug="elsewhere")
    from tests.factories import question_make

    question_make(topic)
    version = published_version_make(organization=outsider.membership.organization, recruiter=outsider,
                                     rules=[(topic, 1)])
    stranger = invite(version, email="s@x.org").invitation.candidate

    with pytest.raises(ValidationError):
        scorecard_start(kit_version=kit_version, candidate=stranger, interviewer=recruiter)


def test_free_text_in_a_timed_test_is_provisional_until_graded(organization, recruiter, bank, recruiter_api,
                                                               django_capture_on_commit_callbacks):
    from assessments import services as assessment_services
    from assessments.services import DrawRuleData, FixedQuestionData, SectionData
    from candidates.models import OutboxEmail
    from tests.factories import invite

    written = question_create(data=QuestionData(stem="Explain the request context.", topic=bank[0], kind="free_text",
                                                status="published", model_answer="Pushed per request."))
    template = assessment_services.test_template_create(
        organization=organization, created_by=recruiter, settings={"title": "Mixed", "time_limit": 600},
        sections=[SectionData(title="All", rules=[DrawRuleData(topic=bank[0], count=1)],
                              fixed=[FixedQuestionData(question=written, points=3)])],
    )
    version = assessment_services.test_template_publish(template=template, published_by=recruiter)
    issued = invite(version, recruiter=recruiter)
    client = _candidate(issued)
    client.post("/api/candidate/session/start/")
    saved = client.put(f"/api/candidate/session/responses/{written.pk}/", {"text": "It holds request and session.",
                                                                          "seq": 1}, format="json")
    wrong_shape = client.put(f"/api/candidate/session/responses/{written.pk}/", {"selected": [1], "seq": 2},
                             format="json")
    client.post("/api/candidate/session/submit/")
    session_id = recruiter_api.get("/api/test-sessions/").json()["results"][0]["id"]

    before = recruiter_api.get(f"/api/test-sessions/{session_id}/").json()
    with django_capture_on_commit_callbacks(execute=True):
        graded = recruiter_api.put(f"/api/test-sessions/{session_id}/grades/{written.pk}/", {"rating": 2},
                                   format="json")

    assert (saved.status_code, wrong_shape.status_code) == (200, 400)
    assert (before["provisional"], before["raw_score"], before["max_score"]) == (True, "0.00", "4.00")
    assert graded.status_code == 200
    after = graded.json()
    assert (after["provisional"], after["raw_score"]) == (False, "2.00")     # 3 points × 2/3
    assert OutboxEmail.objects.filter(dedup_key=f"final:session:{session_id}").count() == 1


def _candidate(issued):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Invitation {issued.token}")
    return client


def test_printable_kit_pdf_holds_the_questions_and_answers(recruiter_api, kit_version):
    import io

    from pypdf import PdfReader

    response = recruiter_api.get(f"/api/interview-kit-versions/{kit_version.pk}/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Explain routing 0." in text
    assert "A model answer." in text
    assert "never show it to the candidate" in text


def test_result_page_combines_the_timed_test_and_the_interviews(issued, recruiter, kit_version, client):
    now = timezone.now()
    card = scorecard_start(kit_version=kit_version, candidate=issued.invitation.candidate, interviewer=recruiter)
    for qid in kit_version.question_ids:
        scorecard_rate(scorecard=card, question_id=qid, rating=3, notes="", now=now)
    scorecard_submit(scorecard=card, recommendation="strong_yes", notes="", now=now)
    session, _ = session_start(invitation=issued.invitation, now=now)
    session_submit(session=session, now=now)
    client.force_login(recruiter)

    page = client.get(f"/results/{session.pk}/").content.decode()

    assert "Interview: Backend interview v1" in page
    assert "strong_yes" in page
    assert "100.0%" in page
