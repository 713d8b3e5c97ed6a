"""Tokens out of logs, throttling per candidate and by real address, login lock-out, headers, no tracebacks, no
mass assignment, sanitised Markdown, deploy checks."""

import io
import logging
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from assessments.models import TestTemplate
from candidates.api.throttling import CountingScopedRateThrottle
from candidates.models import Invitation, TestSession
from candidates.tokens import invitation_token_hash
from config.cache import cache_count
from config.settings.base import BASE_DIR
from questionbank.services import ChoiceData, QuestionData, question_create
from tests.factories import OrganizationFactory, TopicFactory, invite, published_version_make

STRONG_KEY = "k8Fj2mQ9xLr4Tz7Wc1Vb6Ny3Hs5Pd0Ga8Ue2Io4Kl7Mn9Bq1Zx3Cv5aa"


def test_hardening_tokens_are_masked_in_access_logs(issued):
    handler = logging.getLogger("django.server").handlers[0]
    stream, handler.stream = handler.stream, io.StringIO()
    try:
        logging.getLogger("django.server").info('"GET /t/%s/ HTTP/1.1" 302 0', issued.token)
        logging.getLogger("assay").warning("auth header Invitation %s refused", issued.token)
        written = handler.stream.getvalue()
    finally:
        handler.stream = stream
    assert issued.token not in written
    assert '"GET /t/***/ HTTP/1.1" 302 0' in written
    assert "Invitation *** refused" in written


@pytest.fixture
def low_rates(monkeypatch, settings):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"candidate": "5/min", "auth": "100/min"})
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


def test_hardening_candidate_throttle_is_each_candidates_own(candidate_api, version, recruiter, low_rates):
    def get(client, spoofed: str, proxy_seen: str = "198.51.100.7"):
        return client.get("/api/candidate/session/", HTTP_X_FORWARDED_FOR=f"{spoofed}, {proxy_seen}").status_code

    neighbour = APIClient()  # another candidate in the same hall, behind the same address
    token = invite(version, recruiter=recruiter, email="n@x.org").token
    neighbour.credentials(HTTP_AUTHORIZATION=f"Invitation {token}")

    codes = [get(candidate_api, f"203.0.113.{i}") for i in range(6)]
    elsewhere = get(candidate_api, "203.0.113.99", proxy_seen="198.51.100.8")

    assert codes == [404] * 5 + [429]             # rotating addresses, spoofed or real, does not help
    assert elsewhere == 429
    assert [get(neighbour, "203.0.113.1") for _ in range(5)] == [404] * 5


def test_hardening_requests_naming_no_invitation_are_limited_by_real_address(low_rates):
    def put(client, spoofed: str, proxy_seen: str):
        return client.put("/api/candidate/session/responses/1/", {"selected": [], "seq": 1}, format="json",
                          HTTP_X_FORWARDED_FOR=f"{spoofed}, {proxy_seen}").status_code

    stranger = APIClient()

    codes = [put(stranger, f"203.0.113.{i}", "198.51.100.7") for i in range(6)]
    other_address = put(stranger, "203.0.113.99", "198.51.100.8")

    assert codes == [401] * 5 + [429]             # rotating the client-supplied part does not help
    assert other_address == 401


@pytest.mark.parametrize(("rate", "counted"), [("600/min", 10), ("100/min", 1)])
def test_hardening_candidate_throttle_counts_a_lease_of_the_rate_at_a_time(candidate_api, issued, monkeypatch, rate,
                                                                           counted):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"candidate": rate})
    key = CountingScopedRateThrottle.cache_format % {
        "scope": "candidate", "ident": f"token_hash-{invitation_token_hash(issued.token)}"}

    candidate_api.get("/api/candidate/session/")

    assert cache_count(key, 60, 0)[0] == counted  # a sixtieth of the rate; rates under 120 a period exactly


def test_hardening_candidate_throttle_says_when_to_retry(candidate_api, low_rates):
    codes = [candidate_api.get("/api/candidate/session/") for _ in range(6)]

    assert [r.status_code for r in codes] == [404] * 5 + [429]
    assert 0 < int(codes[-1]["Retry-After"]) <= 60


def test_hardening_login_locks_out_after_failures(recruiter, low_rates):
    client = APIClient()

    wrong = [client.post("/api/auth/token/", {"username": recruiter.username, "password": "nope"}).status_code
             for _ in range(5)]
    right = client.post("/api/auth/token/", {"username": recruiter.username, "password": "pw-for-tests-123"})

    assert wrong == [401] * 4 + [429]            # the fifth failure locks the username on this address
    assert right.status_code == 429
    assert not Token.objects.filter(user=recruiter).exists()


def test_hardening_admin_login_locks_out_after_failures(recruiter):
    recruiter.is_staff = True
    recruiter.save()
    client = Client()
    for _ in range(5):
        client.post("/admin/login/", {"username": recruiter.username, "password": "nope"})

    response = client.post("/admin/login/", {"username": recruiter.username, "password": "pw-for-tests-123"})

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_hardening_api_token_obtain_and_revoke(recruiter):
    client = APIClient()
    token = client.post("/api/auth/token/", {"username": recruiter.username, "password": "pw-for-tests-123"})
    assert token.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert client.get("/api/test-templates/").status_code == 200

    assert client.delete("/api/auth/token/").status_code == 204

    assert client.get("/api/test-templates/").status_code == 401


def test_hardening_security_headers_on_pages(issued, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    client = Client()
    client.get(f"/t/{issued.token}/")

    for url in ("/take/", "/admin/login/", "/api/docs/"):
        response = client.get(url, secure=True)
        csp = response["Content-Security-Policy"]
        script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
        assert "'unsafe-inline'" not in script_src, url
        assert "frame-ancestors 'none'" in csp
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_hardening_debug_off_shows_no_traceback(issued, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("candidates.views.invitation_get_by_token", explode)
    client = Client(raise_request_exception=False)

    response = client.get(f"/t/{issued.token}/")

    assert response.status_code == 500
    assert b"secret internals" not in response.content
    assert b"Traceback" not in response.content


def test_hardening_mass_assignment_is_ignored(recruiter_api, bank, candidate_api, issued, organization):
    other = OrganizationFactory()
    created = recruiter_api.post("/api/test-templates/", {
        "title": "T", "time_limit": 600, "organization": other.pk, "id": 999, "created_by": 1,
        "sections": [{"title": "S", "draw_rules": [{"topic": "routing", "count": 1, "is_key": True}]}],
    }, format="json")
    invited = recruiter_api.post("/api/invitations/", {
        "published_version": recruiter_api.post(f"/api/test-templates/{created.json()['id']}/publish/").json()["id"],
        "name": "N", "email": "n@example.com", "status": "finished", "organization": other.pk, "is_staff": True,
        "token_hash": "0" * 64,
    }, format="json")
    candidate_api.post("/api/candidate/session/start/", {"deadline": "2100-01-01T00:00:00Z", "status": "submitted",
                                                         "seed": 1}, format="json")

    template = TestTemplate.objects.get(pk=created.json()["id"])
    assert template.organization == organization
    invitation = Invitation.objects.get(pk=invited.json()["id"])
    assert (invitation.status, invitation.organization, invitation.token_hash != "0" * 64) == (
        "pending", organization, True)
    session = TestSession.objects.get(invitation=issued.invitation)
    assert (session.status, session.seed != 1) == ("in_progress", True)
    assert session.deadline < timezone.now() + timedelta(hours=1)


def test_hardening_markdown_in_items_renders_inert(organization, recruiter):
    topic = TopicFactory(slug="evil")
    question_create(data=QuestionData(
        stem='Hi <script>alert(1)</script><img src=x onerror="alert(2)"> [x](javascript:alert(3))',
        topic=topic, status="published",
        choices=[ChoiceData(text='<a href="javascript:alert(4)">a</a>', is_key=True),
                 ChoiceData(text="<b onmouseover=alert(5)>b</b>")],
    ))
    version = published_version_make(organization=organization, recruiter=recruiter, rules=[(topic, 1)])
    issued = invite(version)
    client = Client()
    client.get(f"/t/{issued.token}/")
    client.post("/take/start/")

    page = client.get("/take/test/").content.decode()

    for bad in ("<script>alert", "onerror", "javascript:", "onmouseover"):
        assert bad not in page


def test_hardening_deploy_check_passes_with_production_settings():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production", "SECRET_KEY": STRONG_KEY,
           "ALLOWED_HOSTS": "assay.example.com", "DEBUG": "false"}

    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stdout + result.stderr


def test_hardening_curator_and_recruiter_groups_are_separate(db):
    from django.contrib.auth.models import Group

    curators = set(Group.objects.get(name="Curators").permissions.values_list("codename", flat=True))
    recruiters = set(Group.objects.get(name="Recruiters").permissions.values_list("codename", flat=True))

    assert "change_question" in curators
    assert "change_question" not in recruiters
    assert "add_testtemplate" in recruiters
    assert not {p for p in curators if "testtemplate" in p or "invitation" in p}
