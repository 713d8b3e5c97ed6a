"""Invitations in the recruiter's hands: parsing pasted lists and CSV files, bulk invite, resend (token
rotation), revoke, extend time, session reset — through the services, the workspace page and the API."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from candidates.enums import EmailStatus, InvitationStatus, SessionStatus
from candidates.invitations import (
    MAX_BATCH_ROWS,
    InviteeRow,
    LineError,
    invitation_expiry,
    invitation_resend,
    invitations_bulk_create,
    invitees_parse_csv,
    invitees_parse_text,
    session_reset,
)
from candidates.models import Candidate, Invitation, OutboxEmail, SessionReset, TestSession, TimeExtension
from candidates.selectors import invitation_get_by_token
from candidates.services import response_save, session_start, session_submit
from tests.factories import invite, published_version_make, recruiter_create

LINK = re.compile(r"/t/([\w-]+)/")


def page_url(version) -> str:
    return f"/workspace/versions/{version.pk}/invitations/"


@pytest.fixture
def browser_client(recruiter):
    client = Client()
    client.force_login(recruiter)
    return client


@pytest.fixture
def other_recruiter(db):
    return recruiter_create()


# --- Parsing ---------------------------------------------------------------------------------

def test_parse_text_accepts_every_documented_line_format():
    text = "\n".join([
        "Jane Doe <Jane@Example.com>",
        "Bob Stone, bob@example.com",
        "carol@example.com, Carol King",
        "dave@example.com",
        '"Doe, Eve", eve@example.com',
        "Frank Tab\tfrank@example.com",
        "Gina Semi; gina@example.com",
        '"Hal, Jr." <hal@example.com>',
        "Ivy Trail, ivy@example.com,",
    ])

    rows, errors = invitees_parse_text(text=text)

    assert errors == []
    assert [(r.line, r.name, r.email) for r in rows] == [
        (1, "Jane Doe", "jane@example.com"), (2, "Bob Stone", "bob@example.com"),
        (3, "Carol King", "carol@example.com"), (4, "", "dave@example.com"), (5, "Doe, Eve", "eve@example.com"),
        (6, "Frank Tab", "frank@example.com"), (7, "Gina Semi", "gina@example.com"),
        (8, "Hal, Jr.", "hal@example.com"), (9, "Ivy Trail", "ivy@example.com"),
    ]


def test_parse_text_skips_blank_lines_and_a_header_but_keeps_line_numbers():
    rows, errors = invitees_parse_text(text="name,email\n\nAnn, ann@example.com\n   \nBen <ben@example.com>\n")

    assert errors == []
    assert [(r.line, r.email) for r in rows] == [(3, "ann@example.com"), (5, "ben@example.com")]


def test_parse_text_reports_bad_lines_by_number_and_keeps_the_good_ones():
    rows, errors = invitees_parse_text(text="Ann, ann@example.com\nBob, bob@\nJo <>\na, b, c@example.com\n, \n"
                                            f"{'x' * 201}, long@example.com")

    assert [r.email for r in rows] == ["ann@example.com"]
    assert [str(e) for e in errors] == [
        "Line 2: 'bob@' is not a valid email address.",
        "Line 3: could not read 'Name <email>'.",
        "Line 4: expected 'Name <email>', 'Name, email' or an email address, found 3 fields.",
        "Line 5: no email address found.",
        "Line 6: the name is longer than 200 characters.",
    ]


def test_parse_text_over_the_cap_is_refused_as_a_whole():
    text = "\n".join(f"c{n}@example.com" for n in range(MAX_BATCH_ROWS + 1))

    with pytest.raises(ValidationError) as caught:
        invitees_parse_text(text=text)

    assert "at most 1,000 candidates" in caught.value.message_dict["text"][0]
    assert len(invitees_parse_text(text="\n".join(text.splitlines()[:MAX_BATCH_ROWS]))[0]) == MAX_BATCH_ROWS


def test_parse_csv_with_bom_semicolons_any_column_order_and_extra_columns():
    data = ("\ufeffEmail;Team;Name\r\nann@example.com;core;Ann Lee\r\n\r\nbob@;x;Bob\r\n"
            '"c@example.com";;"Lee; C"\r\n')

    rows, errors = invitees_parse_csv(data=data.encode("utf-8"))

    assert [(r.line, r.name, r.email) for r in rows] == [(2, "Ann Lee", "ann@example.com"),
                                                          (5, "Lee; C", "c@example.com")]
    assert [str(e) for e in errors] == ["Line 4: 'bob@' is not a valid email address."]


def test_parse_csv_comma_without_bom_and_without_name_column():
    rows, errors = invitees_parse_csv(data=b"email\nann@example.com\n")

    assert (errors, [(r.line, r.name, r.email) for r in rows]) == ([], [(2, "", "ann@example.com")])


@pytest.mark.parametrize(("data", "message"), [
    (b"ann@example.com,Ann\n", "The first row must name the columns"),
    ("name,email\nÅsa,asa@example.com\n".encode("latin-1"), "not UTF-8"),
    (b"name,email\n" + b"".join(b"c,c%d@example.com\n" % n for n in range(MAX_BATCH_ROWS + 1)), "at most 1,000"),
])
def test_parse_csv_refuses_the_file_as_a_whole(data, message):
    with pytest.raises(ValidationError) as caught:
        invitees_parse_csv(data=data)

    assert message in caught.value.message_dict["file"][0]


def test_expiry_is_days_from_now_or_the_end_of_a_day_utc():
    now = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)

    assert invitation_expiry(now=now, days=3) == datetime(2025, 3, 4, 10, 0, tzinfo=UTC)
    assert invitation_expiry(now=now) == datetime(2025, 3, 8, 10, 0, tzinfo=UTC)
    assert invitation_expiry(now=now, on=date(2025, 3, 1)) == datetime(2025, 3, 1, 23, 59, 59, tzinfo=UTC)
    for kwargs, key in [({"on": date(2025, 2, 28)}, "expires_at"), ({"days": 0}, "expires_in_days"),
                        ({"on": date(2027, 1, 1)}, "expires_at"), ({"days": 2, "on": date(2025, 3, 5)}, "expires_at")]:
        with pytest.raises(ValidationError) as caught:
            invitation_expiry(now=now, **kwargs)
        assert key in caught.value.message_dict


# --- Bulk invite -----------------------------------------------------------------------------

def test_bulk_invite_emails_each_good_row_once_and_reports_the_rest(version, recruiter, issued,
                                                                  django_capture_on_commit_callbacks):
    now = timezone.now()
    rows, rejected = invitees_parse_text(text="Ann <ann@example.com>\nbob@\nAnn Again, ANN@example.com\n"
                                              "Cand, cand@example.com\nzoe@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        result = invitations_bulk_create(published_version=version, rows=rows, rejected=rejected, invited_by=recruiter,
                                         expires_at=now + timedelta(days=2), now=now)

    assert [(r.line, r.issued.invitation.candidate.email) for r in result.invited] == [
        (1, "ann@example.com"), (5, "zoe@example.com")]
    assert [str(e) for e in result.errors] == [
        "Line 2: 'bob@' is not a valid email address.",
        "Line 3: ann@example.com is a duplicate of line 1.",
        "Line 4: cand@example.com already has a pending invitation to this test.",
    ]
    assert Candidate.objects.get(email="zoe@example.com").name == "zoe"      # a bare address: the local part
    sent = OutboxEmail.objects.exclude(dedup_key=f"invitation:{issued.invitation.pk}")
    assert sorted(sent.values_list("to", flat=True)) == ["ann@example.com", "zoe@example.com"]
    assert sorted(m.to[0] for m in mail.outbox) == ["ann@example.com", "zoe@example.com"]
    for row in result.invited:
        assert invitation_get_by_token(token=row.issued.token) == row.issued.invitation
        assert (row.issued.invitation.sent_count, row.issued.invitation.last_sent_at) == (1, now)


def test_bulk_invite_allows_a_candidate_whose_earlier_invitation_expired_or_finished(version, recruiter):
    old = invite(version, email="old@example.com")
    Invitation.objects.filter(pk=old.invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    now = timezone.now()

    result = invitations_bulk_create(published_version=version, rows=[InviteeRow(1, "", "old@example.com")],
                                     expires_at=now + timedelta(days=1), now=now)

    assert (len(result.invited), result.errors) == (1, [])
    assert Candidate.objects.get(email="old@example.com").name == "Cand Idate"   # an empty name keeps the name


def test_bulk_invite_refused_as_a_whole_writes_nothing(version, recruiter):
    now = timezone.now()
    rows = [InviteeRow(1, "Ann", "ann@example.com")]

    with pytest.raises(ValidationError) as caught:
        invitations_bulk_create(published_version=version, rows=rows, expires_at=now, now=now)
    assert "expires_at" in caught.value.message_dict
    with pytest.raises(ValidationError):
        invitations_bulk_create(published_version=version, rows=rows * (MAX_BATCH_ROWS + 1),
                                expires_at=now + timedelta(days=1), now=now)

    assert (Candidate.objects.count(), Invitation.objects.count(), OutboxEmail.objects.count()) == (0, 0, 0)


def test_page_bulk_invite_shows_line_errors_and_leaves_no_half_written_rows(browser_client, version,
                                                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = browser_client.post(f"{page_url(version)}bulk/", {
            "text": "Ann Lee <ann@example.com>\nBob, bob@\nCy, cy@example.com", "expires_in_days": "3",
        })

    assert response.status_code == 302
    page = browser_client.get(response["Location"])
    html = page.content.decode()
    assert "Line 2: &#x27;bob@&#x27; is not a valid email address." in html
    assert "2 invitations sent." in html
    assert "1 line was not invited" in html
    assert sorted(Candidate.objects.values_list("email", flat=True)) == ["ann@example.com", "cy@example.com"]
    assert OutboxEmail.objects.count() == len(mail.outbox) == 2
    assert "Last bulk invite" not in browser_client.get(page_url(version)).content.decode()   # shown once


def test_page_bulk_invite_from_a_csv_file_and_date_expiry(browser_client, version):
    upload = SimpleUploadedFile("people.csv", "\ufeffname,email\nAnn,ann@example.com\n".encode(),
                                content_type="text/csv")
    day = (timezone.now() + timedelta(days=3)).date()

    response = browser_client.post(f"{page_url(version)}bulk/", {"file": upload, "expires_in_days": "7",
                                                                 "expires_on": day.isoformat()})

    assert response.status_code == 302
    assert Invitation.objects.get().expires_at == datetime.combine(day, datetime.max.time(), tzinfo=UTC).replace(
        microsecond=0)


def test_page_bulk_invite_refusals_re_render_the_form(browser_client, version):
    empty = browser_client.post(f"{page_url(version)}bulk/", {"text": "  ", "expires_in_days": "7"})
    too_many = browser_client.post(f"{page_url(version)}bulk/", {
        "text": "\n".join(f"c{n}@example.com" for n in range(MAX_BATCH_ROWS + 1)), "expires_in_days": "7"})
    past = browser_client.post(f"{page_url(version)}bulk/", {"text": "a@example.com", "expires_on": "2000-01-01"})

    assert [r.status_code for r in (empty, too_many, past)] == [400, 400, 400]
    assert "Paste at least one candidate" in empty.content.decode()
    assert "Jane Doe &lt;jane@example.com&gt;" in empty.content.decode()     # help text escaped
    assert "at most 1,000 candidates" in too_many.content.decode()
    assert "The expiry must be in the future." in past.content.decode()
    assert Invitation.objects.count() == 0


def test_page_single_invite_and_already_invited(browser_client, version, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = browser_client.post(f"{page_url(version)}invite/", {"name": "Ann", "email": "Ann@example.com",
                                                                   "expires_in_days": "7"})
    again = browser_client.post(f"{page_url(version)}invite/", {"name": "Ann", "email": "ann@example.com",
                                                               "expires_in_days": "7"})

    assert first.status_code == 302
    assert [m.to for m in mail.outbox] == [["ann@example.com"]]
    assert again.status_code == 400
    assert "ann@example.com already has a pending invitation to this test." in again.content.decode()
    assert Invitation.objects.count() == 1


def test_page_lists_invitations_without_a_query_per_row(browser_client, version, recruiter,
                                                        django_assert_max_num_queries):
    for n in range(3):
        issued = invite(version, email=f"c{n}@example.com")
        session_start(invitation=issued.invitation, now=timezone.now())
    with django_assert_max_num_queries(12) as few:
        browser_client.get(page_url(version))
    for n in range(3, 13):
        invite(version, email=f"c{n}@example.com")

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = browser_client.get(page_url(version))

    assert response.status_code == 200
    assert response.content.decode().count('<tr id="invitation-') == 13
    assert "Extend time…" in response.content.decode()


# --- Resend ----------------------------------------------------------------------------------

def test_resend_rotates_the_token_and_emails_once_per_resend(issued, recruiter, django_capture_on_commit_callbacks):
    first_email = OutboxEmail.objects.get()    # never sent: on-commit work does not run in this test's transaction
    now = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        second = invitation_resend(invitation=issued.invitation, sent_by=recruiter, now=now)
    with django_capture_on_commit_callbacks(execute=True):
        third = invitation_resend(invitation=issued.invitation, sent_by=recruiter, now=now)

    assert invitation_get_by_token(token=issued.token) is None
    assert invitation_get_by_token(token=second.token) is None
    assert invitation_get_by_token(token=third.token).pk == issued.invitation.pk
    invitation = Invitation.objects.get()
    assert (invitation.sent_count, invitation.last_sent_at) == (3, now)
    assert sorted(OutboxEmail.objects.values_list("dedup_key", flat=True)) == [
        f"invitation:{invitation.pk}", f"invitation:{invitation.pk}:2", f"invitation:{invitation.pk}:3"]
    first_email.refresh_from_db()
    assert first_email.status == EmailStatus.FAILED                     # its link is dead: never sent
    assert [LINK.search(m.body).group(1) for m in mail.outbox] == [second.token, third.token]


def test_resend_of_an_expired_invitation_gives_it_more_time(issued):
    Invitation.objects.filter(pk=issued.invitation.pk).update(expires_at=timezone.now() - timedelta(days=1))
    now = timezone.now()

    invitation_resend(invitation=Invitation.objects.get(), now=now)

    assert Invitation.objects.get().expires_at == now + timedelta(days=7)


def test_resend_refuses_anything_but_pending(issued):
    session_start(invitation=issued.invitation, now=timezone.now())

    with pytest.raises(ValidationError) as caught:
        invitation_resend(invitation=issued.invitation, now=timezone.now())

    assert "Only a pending invitation can be resent" in caught.value.message_dict["status"][0]
    assert invitation_get_by_token(token=issued.token) is not None


def test_page_resend(browser_client, issued):
    response = browser_client.post(f"/workspace/invitations/{issued.invitation.pk}/resend/", {"page": "1"})

    assert response.status_code == 302
    assert response["Location"] == page_url(issued.invitation.published_version)
    assert "A new link was sent to cand@example.com" in browser_client.get(response["Location"]).content.decode()
    assert Invitation.objects.get().sent_count == 2


# --- Revoke and extend -----------------------------------------------------------------------

def test_page_revoke_records_who_and_when(browser_client, issued, recruiter):
    response = browser_client.post(f"/workspace/invitations/{issued.invitation.pk}/revoke/")

    invitation = Invitation.objects.get()
    assert response.status_code == 302
    assert (invitation.status, invitation.revoked_by, invitation.revoked_at is not None) == (
        InvitationStatus.REVOKED, recruiter, True)
    assert invitation_get_by_token(token=issued.token).status == InvitationStatus.REVOKED


def test_page_extend_time_records_who_and_why(browser_client, issued, recruiter):
    session, _ = session_start(invitation=issued.invitation, now=timezone.now())

    response = browser_client.post(f"/workspace/invitations/{issued.invitation.pk}/extend/",
                                   {"amount": "5", "unit": "minutes", "reason": "Fire alarm"})
    refused = browser_client.post(f"/workspace/invitations/{issued.invitation.pk}/extend/",
                                  {"amount": "5", "unit": "minutes", "reason": ""}, follow=True)

    extension = TimeExtension.objects.get()
    assert response.status_code == 302
    assert (extension.seconds, extension.reason, extension.granted_by) == (300, "Fire alarm", recruiter)
    assert TestSession.objects.get().deadline == session.deadline + timedelta(minutes=5)
    assert "Time not extended. Reason: This field is required." in refused.content.decode()


def test_page_extend_without_a_session_says_so(browser_client, issued):
    response = browser_client.post(f"/workspace/invitations/{issued.invitation.pk}/extend/",
                                   {"amount": "5", "unit": "minutes", "reason": "x"}, follow=True)

    assert "has not started the test" in response.content.decode()


# --- Reset -----------------------------------------------------------------------------------

def test_reset_requires_a_reason_and_a_session(issued, recruiter):
    for reason, key in [("  ", "reason"), ("Network outage", "session")]:
        with pytest.raises(ValidationError) as caught:
            session_reset(invitation=issued.invitation, reason=reason, reset_by=recruiter, now=timezone.now())
        assert key in caught.value.message_dict
    assert SessionReset.objects.count() == 0


def test_reset_snapshots_the_session_and_lets_the_candidate_start_again(issued, recruiter):
    started = timezone.now() - timedelta(minutes=20)
    session, _ = session_start(invitation=issued.invitation, now=started)
    question = session.session_questions.order_by("position").first()
    response_save(session=session, question_id=question.question_id, selected=[question.choice_order[0]], seq=1,
                  now=started + timedelta(minutes=1))
    session_submit(session=session, now=started + timedelta(minutes=2))
    Invitation.objects.filter(pk=issued.invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    now = timezone.now()

    reset = session_reset(invitation=Invitation.objects.get(), reason="Power cut", reset_by=recruiter, now=now)

    snapshot = reset.snapshot
    assert (reset.reason, reset.reset_by, reset.reset_at) == ("Power cut", recruiter, now)
    assert (snapshot["session_id"], snapshot["status"], snapshot["raw_score"]) == (session.pk, "submitted", "1.00")
    assert (snapshot["questions"][0], len(snapshot["questions"])) == (question.question_id, 6)
    assert snapshot["responses"] == [{"question_id": question.question_id, "selected": [question.choice_order[0]],
                                      "text": "", "rating": None,
                                      "saved_at": (started + timedelta(minutes=1)).isoformat()}]
    assert not TestSession.objects.exists()
    invitation = Invitation.objects.get()
    assert (invitation.status, invitation.expires_at) == (InvitationStatus.PENDING, now + timedelta(days=7))
    again, created = session_start(invitation=invitation_get_by_token(token=issued.token), now=timezone.now())
    assert (created, again.status) == (True, SessionStatus.IN_PROGRESS)


def test_page_reset_requires_a_reason(browser_client, issued, recruiter):
    session_start(invitation=issued.invitation, now=timezone.now())
    url = f"/workspace/invitations/{issued.invitation.pk}/reset/"

    refused = browser_client.post(url, {"reason": ""}, follow=True)
    assert "Session not reset. Say why the session is reset." in refused.content.decode()
    assert TestSession.objects.exists()

    done = browser_client.post(url, {"reason": "Browser crashed"}, follow=True)
    assert "they can start again with the same link" in done.content.decode()
    assert SessionReset.objects.get().reset_by == recruiter
    assert not TestSession.objects.exists()


# --- API -------------------------------------------------------------------------------------

def test_api_bulk_from_text_rows_and_file(recruiter_api, version, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        text = recruiter_api.post("/api/invitations/bulk/", {
            "published_version": version.pk, "text": "Ann <ann@example.com>\nbob@", "expires_in_days": 3})
        rows = recruiter_api.post("/api/invitations/bulk/", {
            "published_version": version.pk, "rows": [{"name": "Cy", "email": "cy@example.com"}, {"email": "x"}],
            "expires_at": (timezone.now() + timedelta(days=2)).date().isoformat()})
        upload = SimpleUploadedFile("p.csv", b"name,email\nDee,dee@example.com\n", content_type="text/csv")
        file = recruiter_api.post("/api/invitations/bulk/", {"published_version": version.pk, "file": upload},
                                  format="multipart")
    nothing = recruiter_api.post("/api/invitations/bulk/", {"published_version": version.pk, "text": "bob@"})

    assert (text.status_code, rows.status_code, file.status_code, nothing.status_code) == (201, 201, 201, 200)
    assert [(r["line"], r["candidate_email"]) for r in text.json()["invited"]] == [(1, "ann@example.com")]
    assert "/t/" in text.json()["invited"][0]["link"]
    assert text.json()["errors"] == [{"line": 2, "message": "'bob@' is not a valid email address."}]
    assert rows.json()["errors"] == [{"line": 2, "message": "'x' is not a valid email address."}]
    assert rows.json()["invited"][0]["expires_at"].endswith("23:59:59Z")
    assert file.json()["invited"][0]["line"] == 2
    assert len(mail.outbox) == 3


def test_api_bulk_bad_input_is_400_with_field_messages(recruiter_api, version, other_recruiter, bank):
    foreign = published_version_make(organization=other_recruiter.membership.organization,
                                     recruiter=other_recruiter, rules=[(bank[0], 2)])
    cases = [
        ({"text": "a@example.com"}, "published_version"),
        ({"published_version": foreign.pk, "text": "a@example.com"}, "published_version"),
        ({"published_version": version.pk}, "text"),
        ({"published_version": version.pk, "text": "a@example.com", "rows": [{"email": "b@example.com"}]}, "text"),
        ({"published_version": version.pk, "text": "a@example.com", "expires_at": "soon"}, "expires_at"),
        ({"published_version": version.pk, "text": "a@example.com", "expires_in_days": 0}, "expires_in_days"),
        ({"published_version": version.pk, "text": "\n".join(f"c{n}@x.org" for n in range(1001))}, "text"),
        ({"published_version": version.pk, "rows": [{"email": "a@x.org"}] * 1001}, "rows"),
    ]
    for body, key in cases:
        response = recruiter_api.post("/api/invitations/bulk/", body)
        assert (response.status_code, key in response.json()) == (400, True), (body, response.json())
    assert Invitation.objects.count() == 0


def test_api_detail_resend_revoke_reset(recruiter_api, issued, recruiter, django_capture_on_commit_callbacks):
    base = f"/api/invitations/{issued.invitation.pk}/"

    with django_capture_on_commit_callbacks(execute=True):
        resent = recruiter_api.post(f"{base}resend/")
    assert resent.status_code == 200
    assert (resent.json()["sent_count"], len(mail.outbox)) == (2, 1)
    new_token = resent.json()["link"].rstrip("/").rsplit("/", 1)[1]
    assert invitation_get_by_token(token=new_token).pk == issued.invitation.pk

    session_start(invitation=issued.invitation, now=timezone.now())
    detail = recruiter_api.get(base).json()
    assert (detail["status"], detail["test_session"]["status"]) == ("started", "in_progress")
    assert recruiter_api.post(f"{base}resend/").status_code == 400

    no_reason = recruiter_api.post(f"{base}reset/", {"reason": ""})
    assert (no_reason.status_code, "reason" in no_reason.json()) == (400, True)
    reset = recruiter_api.post(f"{base}reset/", {"reason": "Wrong test"})
    assert (reset.status_code, reset.json()["reason"], reset.json()["reset_by"]) == (200, "Wrong test", recruiter.pk)
    assert recruiter_api.get(base).json()["test_session"] is None
    again = recruiter_api.post(f"{base}reset/", {"reason": "Again"})
    assert (again.status_code, "session" in again.json()) == (400, True)

    revoked = recruiter_api.post(f"{base}revoke/")
    assert (revoked.status_code, revoked.json()["status"], revoked.json()["revoked_by"]) == (200, "revoked",
                                                                                             recruiter.pk)
    assert recruiter_api.post(f"{base}revoke/").status_code == 200                 # idempotent


def test_api_revoke_of_a_finished_invitation_is_refused(recruiter_api, issued):
    session, _ = session_start(invitation=issued.invitation, now=timezone.now())
    session_submit(session=session, now=timezone.now())

    response = recruiter_api.post(f"/api/invitations/{issued.invitation.pk}/revoke/")

    assert (response.status_code, "status" in response.json()) == (400, True)


# --- Other organisations ---------------------------------------------------------------------

def test_another_organisation_gets_404_everywhere(issued, version, other_recruiter):
    session_start(invitation=issued.invitation, now=timezone.now())
    page = Client()
    page.force_login(other_recruiter)
    from rest_framework.test import APIClient
    api = APIClient()
    api.force_authenticate(other_recruiter)
    pk = issued.invitation.pk

    assert page.get(page_url(version)).status_code == 404
    for action in ("invite", "bulk"):
        assert page.post(f"{page_url(version)}{action}/", {"text": "a@example.com"}).status_code == 404
    for action, body in [("resend", {}), ("revoke", {}), ("extend", {"amount": 5, "unit": "minutes", "reason": "x"}),
                         ("reset", {"reason": "x"})]:
        assert page.post(f"/workspace/invitations/{pk}/{action}/", body).status_code == 404
        if action != "extend":
            assert api.post(f"/api/invitations/{pk}/{action}/", body).status_code == 404
    assert api.get(f"/api/invitations/{pk}/").status_code == 404
    invitation = Invitation.objects.get()
    assert (invitation.status, invitation.sent_count, TimeExtension.objects.count()) == ("started", 1, 0)
    assert TestSession.objects.exists()


def test_line_error_text():
    assert str(LineError(3, "'bob@' is not a valid email address.")) == (
        "Line 3: 'bob@' is not a valid email address.")
