"""Webhooks against a real HTTP receiver on loopback: signing, recording in the finishing
transaction, delivery, retries on the schedule, claims, SSRF refusal, the API, pages and admin."""

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from candidates import webhooks
from candidates.enums import SessionStatus
from candidates.models import WebhookDelivery, WebhookEndpoint
from candidates.services import session_finish, session_start
from candidates.webhooks import (
    webhook_body,
    webhook_deliver,
    webhook_due_ids,
    webhook_endpoint_create,
    webhook_ping,
    webhook_retry_now,
    webhook_signature_header,
    webhook_signature_verify,
    webhook_url_validate,
)
from tests.factories import recruiter_create
from tests.smtp import free_port

Status = WebhookDelivery.Status


class Receiver:
    """An HTTP server on 127.0.0.1 that records every request and answers with scripted statuses (then 200)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.replies: list[int] = []
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"headers": dict(self.headers), "body": body, "path": self.path,
                                          "received_at": datetime.now(UTC)})
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.replies.pop(0) if receiver.replies else 200
                reply = b"x" * 5000 if status >= 400 else b"ok"
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                except OSError:
                    pass  # the sender gave up (timeout) and closed the connection

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def endpoint(organization, recruiter, receiver):
    return webhook_endpoint_create(organization=organization, url=receiver.url, description="ATS",
                                   created_by=recruiter)


def _finish(issued, *, now=None):
    now = now or timezone.now()
    session, _ = session_start(invitation=issued.invitation, now=now)
    session_finish(session_id=session.pk, status=SessionStatus.SUBMITTED, finished_at=now, now=now)
    return session


def _ping(endpoint, now) -> WebhookDelivery:
    with transaction.atomic():
        return webhook_ping(endpoint=endpoint, now=now)


# --- signing ------------------------------------------------------------------------------


def test_webhooks_signature_verify_accepts_the_right_signature_and_rejects_the_rest():
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    secret, body = "s" * 64, b'{"id":"1","type":"ping"}'
    header = webhook_signature_header(secret=secret, body=body, timestamp=int(now.timestamp()))

    assert header.startswith(f"t={int(now.timestamp())},v1=")
    assert webhook_signature_verify(secret=secret, header=header, body=body, now=now)
    assert webhook_signature_verify(secret=secret, header=header, body=body.decode(), now=now + timedelta(seconds=299))
    assert not webhook_signature_verify(secret=secret, header=header, body=body.replace(b"ping", b"pong"), now=now)
    assert not webhook_signature_verify(secret="t" * 64, header=header, body=body, now=now)
    assert not webhook_signature_verify(secret=secret, header=header, body=body, now=now + timedelta(seconds=301))
    assert not webhook_signature_verify(secret=secret, header=header, body=body, now=now - timedelta(seconds=301))
    assert not webhook_signature_verify(secret=secret, header="t=abc,v1=00", body=body, now=now)
    assert not webhook_signature_verify(secret=secret, header="garbage", body=body, now=now)
    # Several v1 values (a receiver during secret rotation): one matching is enough.
    assert webhook_signature_verify(secret=secret, header=f"{header},v1=deadbeef", body=body, now=now)


# --- recording in the finishing transaction ------------------------------------------------


def test_webhooks_finished_session_records_one_delivery_per_active_endpoint(
    organization, recruiter, issued, django_capture_on_commit_callbacks
):
    active = [webhook_endpoint_create(organization=organization, url=f"https://hooks.example.com/{n}")
              for n in range(2)]
    inactive = webhook_endpoint_create(organization=organization, url="https://hooks.example.com/off")
    inactive.is_active = False
    inactive.save()
    other_org = recruiter_create().membership.organization
    webhook_endpoint_create(organization=other_org, url="https://hooks.example.com/other")

    with django_capture_on_commit_callbacks() as callbacks:
        session = _finish(issued)

    deliveries = list(WebhookDelivery.objects.order_by("endpoint_id"))
    assert [d.endpoint_id for d in deliveries] == [e.pk for e in active]
    assert len({d.event_id for d in deliveries}) == 1                      # one event, one id
    assert {d.status for d in deliveries} == {Status.PENDING}
    assert len(callbacks) >= 2                                              # sent after commit, not before
    payload = deliveries[0].payload
    session.refresh_from_db()
    assert payload["id"] == str(deliveries[0].event_id)
    assert payload["type"] == "session.finished"
    assert payload["created"].endswith("Z")
    data = payload["data"]
    assert data["session"] == {
        "id": session.pk, "status": "submitted", "started_at": webhooks._iso(session.started_at),
        "finished_at": webhooks._iso(session.finished_at), "deadline": webhooks._iso(session.deadline),
        "raw_score": str(session.raw_score), "max_score": str(session.max_score),
        "percent_score": str(session.percent_score), "passed": session.passed, "provisional": False,
        "topic_breakdown": session.topic_breakdown,
    }
    assert isinstance(data["session"]["raw_score"], str)
    assert data["candidate"] == {"name": "Cand Idate", "email": "cand@example.com"}
    version = session.published_version
    assert data["published_version"] == {"id": version.pk, "title": version.title, "number": version.number}
    assert data["report_url"].startswith("http")
    assert data["report_url"].endswith(f"/{session.pk}/")
    assert issued.token not in json.dumps(payload)
    assert issued.invitation.token_hash not in json.dumps(payload)


def test_webhooks_rolled_back_finish_records_and_sends_nothing(endpoint, issued, receiver,
                                                             django_capture_on_commit_callbacks):
    class Boom(Exception):
        pass

    def finish_then_fail():
        with transaction.atomic():
            _finish(issued)
            assert WebhookDelivery.objects.count() == 1
            raise Boom

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Boom):
        finish_then_fail()

    assert WebhookDelivery.objects.count() == 0
    assert receiver.requests == []


# --- delivery ------------------------------------------------------------------------------


def test_webhooks_delivery_on_2xx_is_signed_and_verifiable(endpoint, issued, receiver,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _finish(issued)

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    headers = request["headers"]
    delivery = WebhookDelivery.objects.get()
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == "Assay-Webhooks/1"
    assert headers["Assay-Event-Id"] == str(delivery.event_id)
    assert headers["Assay-Event-Type"] == "session.finished"
    assert webhook_signature_verify(secret=endpoint.secret, header=headers["Assay-Signature"], body=request["body"],
                                    now=request["received_at"])
    assert not webhook_signature_verify(secret="0" * 64, header=headers["Assay-Signature"], body=request["body"],
                                        now=request["received_at"])
    assert json.loads(request["body"]) == delivery.payload
    assert request["body"] == webhook_body(delivery)
    assert issued.token.encode() not in request["body"]
    assert (delivery.status, delivery.attempts, delivery.last_status_code, delivery.last_error) == (
        Status.DELIVERED, 1, 200, "")
    assert delivery.delivered_at is not None


def test_webhooks_500_then_200_is_retried_on_the_schedule_with_the_same_event_id(endpoint, receiver):
    t0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    receiver.replies = [500]
    delivery = _ping(endpoint, t0)

    assert webhook_deliver(delivery_id=delivery.pk, now=t0) == "retry"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (Status.PENDING, 1, 500)
    assert delivery.next_attempt_at == t0 + timedelta(seconds=30)
    assert delivery.last_error.startswith("HTTP 500: xxx")
    assert len(delivery.last_error) <= 500                                # an excerpt, not the 5 kB body

    # Not due yet: neither a stray task nor the sweep sends it.
    assert webhook_deliver(delivery_id=delivery.pk, now=t0 + timedelta(seconds=29)) == "skipped"
    assert webhook_due_ids(now=t0 + timedelta(seconds=29)) == []
    assert len(receiver.requests) == 1

    # The beat sweep picks it up once due (eager Celery: the enqueued task runs inline).
    from candidates.tasks import deliver_due_webhooks

    with time_machine.travel(t0 + timedelta(seconds=31), tick=False):
        assert deliver_due_webhooks.delay().get() == 1

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (Status.DELIVERED, 2, 200)
    assert [r["headers"]["Assay-Event-Id"] for r in receiver.requests] == [str(delivery.event_id)] * 2
    assert receiver.requests[0]["body"] == receiver.requests[1]["body"]
    second = receiver.requests[1]
    assert webhook_signature_verify(secret=endpoint.secret, header=second["headers"]["Assay-Signature"],
                                    body=second["body"], now=t0 + timedelta(seconds=31))


def test_webhooks_next_attempts_follow_the_default_schedule(endpoint, receiver, settings):
    assert settings.WEBHOOK_RETRY_SCHEDULE == [30, 120, 600, 3600, 21600, 86400]
    receiver.replies = [503] * 7
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    delivery = _ping(endpoint, now)
    waits = []
    for _ in range(6):
        assert webhook_deliver(delivery_id=delivery.pk, now=now) == "retry"
        delivery.refresh_from_db()
        waits.append(int((delivery.next_attempt_at - now).total_seconds()))
        now = delivery.next_attempt_at

    assert waits == [30, 120, 600, 3600, 21600, 86400]
    assert webhook_deliver(delivery_id=delivery.pk, now=now) == "failed"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.FAILED, 7)


def test_webhooks_exhausting_a_short_schedule_marks_failed(endpoint, receiver, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [1, 2]
    receiver.replies = [500, 502, 500, 500]
    t0 = timezone.now()
    delivery = _ping(endpoint, t0)

    results = [webhook_deliver(delivery_id=delivery.pk, now=t0 + timedelta(seconds=s)) for s in (0, 1, 3)]

    assert results == ["retry", "retry", "failed"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (Status.FAILED, 3, 500)
    assert webhook_deliver(delivery_id=delivery.pk, now=t0 + timedelta(days=2)) == "skipped"
    assert webhook_due_ids(now=t0 + timedelta(days=2)) == []
    assert len(receiver.requests) == 3


def test_webhooks_redirects_are_not_followed(endpoint, receiver):
    receiver.replies = [302]
    delivery = _ping(endpoint, timezone.now())

    assert webhook_deliver(delivery_id=delivery.pk, now=timezone.now()) == "retry"
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert delivery.last_status_code == 302


def test_webhooks_timeout_counts_as_a_failed_attempt(endpoint, receiver, monkeypatch):
    monkeypatch.setattr(webhooks, "TIMEOUT", (1, 0.3))                   # (connect, read) seconds
    receiver.delay = 1.0
    delivery = _ping(endpoint, timezone.now())

    assert webhook_deliver(delivery_id=delivery.pk, now=timezone.now()) == "retry"

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (Status.PENDING, 1, None)
    assert delivery.last_error.startswith("Timeout")


def test_webhooks_connection_refused_counts_as_a_failed_attempt(organization, db):
    closed = webhook_endpoint_create(organization=organization, url=f"http://127.0.0.1:{free_port()}/hook")
    delivery = _ping(closed, timezone.now())

    assert webhook_deliver(delivery_id=delivery.pk, now=timezone.now()) == "retry"

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (Status.PENDING, 1, None)
    assert "ConnectionError" in delivery.last_error


def test_webhooks_a_delivery_is_sent_once_whoever_calls(endpoint, receiver):
    now = timezone.now()
    delivery = _ping(endpoint, now)

    assert [webhook_deliver(delivery_id=delivery.pk, now=now) for _ in range(2)] == ["delivered", "skipped"]
    assert len(receiver.requests) == 1


def test_webhooks_fresh_claim_is_left_alone_and_stale_claim_is_taken_over(endpoint, receiver, settings):
    now = timezone.now()
    delivery = _ping(endpoint, now)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=Status.DELIVERING, claimed_at=now, attempts=1)

    assert webhook_deliver(delivery_id=delivery.pk, now=now + timedelta(seconds=10)) == "skipped"
    assert webhook_due_ids(now=now + timedelta(seconds=10)) == []
    assert receiver.requests == []

    later = now + timedelta(seconds=settings.WEBHOOK_STALE_CLAIM + 1)
    assert webhook_due_ids(now=later) == [delivery.pk]
    assert webhook_deliver(delivery_id=delivery.pk, now=later) == "delivered"
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.DELIVERED, 2)


def test_webhooks_deliver_task_is_quiet_when_the_row_is_gone(db):
    from candidates.tasks import deliver_webhook

    assert deliver_webhook.delay(delivery_id=999_999).get() == "skipped"


def test_webhooks_inactive_endpoint_gets_no_sends(endpoint, receiver):
    delivery = _ping(endpoint, timezone.now())
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)

    assert webhook_deliver(delivery_id=delivery.pk, now=timezone.now()) == "failed"
    assert receiver.requests == []
    endpoint.refresh_from_db()
    with pytest.raises(ValidationError):
        webhook_ping(endpoint=endpoint, now=timezone.now())


def test_webhooks_retry_now_resends_a_failed_delivery(endpoint, receiver, settings,
                                                      django_capture_on_commit_callbacks):
    settings.WEBHOOK_RETRY_SCHEDULE = []
    receiver.replies = [500]
    delivery = _ping(endpoint, timezone.now())
    assert webhook_deliver(delivery_id=delivery.pk, now=timezone.now()) == "failed"

    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_retry_now(delivery_ids=[delivery.pk], now=timezone.now()) == 1

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(receiver.requests)) == (Status.DELIVERED, 2, 2)
    assert webhook_retry_now(delivery_ids=[delivery.pk], now=timezone.now()) == 0   # delivered: left alone


# --- SSRF ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/hook", "https://localhost/hook", "https://10.1.2.3/", "https://192.168.0.10/",
    "https://172.16.5.4/", "https://169.254.169.254/latest/meta-data/", "https://[::1]/", "https://[fd00::1]/",
    "https://[::ffff:127.0.0.1]/", "https://100.64.0.1/", "https://0.0.0.0/",
])
def test_webhooks_private_addresses_are_refused_when_not_allowed(url, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False

    with pytest.raises(ValidationError) as exc:
        webhook_url_validate(url=url)

    assert "private" in exc.value.message_dict["url"][0]


@pytest.mark.parametrize(("url", "message"), [
    ("http://8.8.8.8/hook", "https"), ("ftp://8.8.8.8/", "valid"), ("not a url", "valid"),
    ("https://user:pw@8.8.8.8/", "Credentials"), ("https://8.8.8.8:99999/", "port"),
])
def test_webhooks_bad_urls_are_refused(url, message, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False

    with pytest.raises(ValidationError) as exc:
        webhook_url_validate(url=url)

    assert message in exc.value.message_dict["url"][0]


def test_webhooks_public_address_is_accepted(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False

    webhook_url_validate(url="https://8.8.8.8/hook")                       # an IP literal: no DNS needed


def test_webhooks_private_address_is_refused_again_at_delivery(endpoint, receiver, settings):
    delivery = _ping(endpoint, timezone.now())                              # registered while allowed
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False

    assert webhook_deliver(delivery_id=delivery.pk, now=timezone.now()) == "failed"

    assert receiver.requests == []
    delivery.refresh_from_db()
    assert delivery.last_error.startswith("Refused: 127.0.0.1 resolves to a non-public address")


def test_webhooks_guarded_connection_still_reaches_a_permitted_host(organization, receiver, settings, monkeypatch):
    # Pretend loopback is public to exercise the address-checking connection end to end: the socket
    # goes to the checked address while the Host header keeps the endpoint's name.
    port = receiver.server.server_address[1]
    endpoint = webhook_endpoint_create(organization=organization, url=f"http://localhost:{port}/hook")
    delivery = _ping(endpoint, timezone.now())
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    monkeypatch.setattr(webhooks, "_address_is_public", lambda address: True)

    assert webhook_deliver(delivery_id=delivery.pk, now=timezone.now()) == "delivered"

    assert receiver.requests[0]["headers"]["Host"] == f"localhost:{port}"


# --- API -------------------------------------------------------------------------------------


def test_webhooks_api_create_shows_the_secret_once_and_lists(recruiter_api, receiver):
    response = recruiter_api.post("/api/webhooks/", {"url": receiver.url, "description": "ATS"}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["secret"]) == 64
    assert int(body["secret"], 16) >= 0
    assert WebhookEndpoint.objects.get(pk=body["id"]).secret == body["secret"]
    listed = recruiter_api.get("/api/webhooks/").json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    assert "secret" not in listed["results"][0]
    assert "secret" not in recruiter_api.get(f"/api/webhooks/{body['id']}/").json()


def test_webhooks_api_refuses_bad_urls_with_field_messages(recruiter_api, settings):
    for url in ("not a url", "ftp://example.com/x", "javascript:alert(1)"):
        response = recruiter_api.post("/api/webhooks/", {"url": url}, format="json")
        assert response.status_code == 400
        assert "url" in response.json()
    assert recruiter_api.post("/api/webhooks/", {}, format="json").json()["url"]

    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    response = recruiter_api.post("/api/webhooks/", {"url": "https://127.0.0.1/hook"}, format="json")
    assert response.status_code == 400
    assert "private" in response.json()["url"][0]
    assert not WebhookEndpoint.objects.exists()


def test_webhooks_api_patch_delete_and_deliveries(recruiter_api, endpoint, receiver, settings):
    url = f"/api/webhooks/{endpoint.pk}/"

    response = recruiter_api.patch(url, {"description": "Renamed", "is_active": False}, format="json")
    assert response.status_code == 200
    assert (response.json()["description"], response.json()["is_active"]) == ("Renamed", False)
    assert recruiter_api.patch(url, {"url": "nope"}, format="json").status_code == 400
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    assert "url" in recruiter_api.patch(url, {"url": "http://10.0.0.1/x"}, format="json").json()

    response = recruiter_api.post(f"{url}test/")
    assert response.status_code == 400                                     # inactive
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=True)
    assert recruiter_api.post(f"{url}test/").status_code == 202
    log = recruiter_api.get(f"{url}deliveries/").json()
    assert log["count"] == 1
    assert log["results"][0]["event_type"] == "ping"
    assert log["results"][0]["status"] == "pending"

    assert recruiter_api.delete(url).status_code == 204
    assert not WebhookEndpoint.objects.exists()
    assert not WebhookDelivery.objects.exists()


def test_webhooks_api_test_event_reaches_the_receiver_signed(recruiter_api, endpoint, receiver,
                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = recruiter_api.post(f"/api/webhooks/{endpoint.pk}/test/")

    assert response.status_code == 202
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request["headers"]["Assay-Event-Type"] == "ping"
    assert json.loads(request["body"])["data"]["endpoint"] == {"id": endpoint.pk, "url": endpoint.url}
    assert webhook_signature_verify(secret=endpoint.secret, header=request["headers"]["Assay-Signature"],
                                    body=request["body"], now=request["received_at"])
    assert WebhookDelivery.objects.get().status == Status.DELIVERED


def test_webhooks_api_other_organisation_gets_404(endpoint):
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=recruiter_create()).key}")
    url = f"/api/webhooks/{endpoint.pk}/"

    assert other.get(url).status_code == 404
    assert other.patch(url, {"description": "x"}, format="json").status_code == 404
    assert other.delete(url).status_code == 404
    assert other.get(f"{url}deliveries/").status_code == 404
    assert other.post(f"{url}test/").status_code == 404
    assert other.get("/api/webhooks/").json()["results"] == []
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk, description="ATS").exists()
    assert not WebhookDelivery.objects.exists()


# --- workspace page and admin ---------------------------------------------------------------------


@pytest.fixture
def page(recruiter, client):
    client.force_login(recruiter)
    return client


def test_webhooks_page_adds_an_endpoint_and_shows_the_secret_once(page, receiver):
    response = page.post("/workspace/webhooks/", {"url": receiver.url, "description": "ATS"})

    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 200
    assert endpoint.secret in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    listing = page.get("/workspace/webhooks/").content.decode()
    assert receiver.url in listing
    assert endpoint.secret not in listing
    assert 'for="id_url"' in listing


def test_webhooks_page_refuses_a_bad_url_with_a_field_message(page, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False

    response = page.post("/workspace/webhooks/", {"url": "https://10.0.0.1/hook"})

    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    assert "private" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_webhooks_page_deactivates_tests_and_deletes(page, endpoint, receiver, django_capture_on_commit_callbacks):
    base = f"/workspace/webhooks/{endpoint.pk}"

    with django_capture_on_commit_callbacks(execute=True):
        assert page.post(f"{base}/test/").status_code == 302
    assert len(receiver.requests) == 1
    listing = page.get("/workspace/webhooks/").content.decode()
    assert "delivered" in listing
    assert "ping" in listing

    page.post(f"{base}/active/", {"is_active": "0"})
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    page.post(f"{base}/active/", {"is_active": "1"})
    endpoint.refresh_from_db()
    assert endpoint.is_active

    page.post(f"{base}/delete/")                                            # not confirmed: kept
    assert WebhookEndpoint.objects.exists()
    page.post(f"{base}/delete/", {"confirm": "yes"})
    assert not WebhookEndpoint.objects.exists()


def test_webhooks_page_is_scoped_to_the_organisation(client, endpoint):
    client.force_login(recruiter_create())

    assert endpoint.url not in client.get("/workspace/webhooks/").content.decode()
    assert client.post(f"/workspace/webhooks/{endpoint.pk}/delete/", {"confirm": "yes"}).status_code == 404
    assert WebhookEndpoint.objects.exists()


def test_webhooks_admin_log_renders_and_retries(admin_client, endpoint, receiver, settings,
                                                django_capture_on_commit_callbacks):
    settings.WEBHOOK_RETRY_SCHEDULE = []
    receiver.replies = [500]
    delivery = _ping(endpoint, timezone.now())
    webhook_deliver(delivery_id=delivery.pk, now=timezone.now())

    assert admin_client.get("/admin/candidates/webhookdelivery/?status=failed").status_code == 200
    detail = admin_client.get(f"/admin/candidates/webhookdelivery/{delivery.pk}/change/").content.decode()
    assert "&quot;type&quot;: &quot;ping&quot;" in detail                   # the payload, pretty-printed
    endpoint_page = admin_client.get(f"/admin/candidates/webhookendpoint/{endpoint.pk}/change/").content.decode()
    assert endpoint.secret not in endpoint_page

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post("/admin/candidates/webhookdelivery/",
                          {"action": "retry_now", "_selected_action": [delivery.pk]})

    delivery.refresh_from_db()
    assert delivery.status == Status.DELIVERED


def test_webhooks_admin_adds_an_endpoint_through_the_service(admin_client, organization, settings):
    response = admin_client.post("/admin/candidates/webhookendpoint/add/", {
        "organization": organization.pk, "url": "https://hooks.example.com/x", "description": "", "is_active": "on",
    }, follow=True)

    endpoint = WebhookEndpoint.objects.get()
    assert len(endpoint.secret) == 64
    assert endpoint.secret in response.content.decode()                     # shown once, in the message
    assert endpoint.created_by is not None
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    refused = admin_client.post(f"/admin/candidates/webhookendpoint/{endpoint.pk}/change/", {
        "url": "https://127.0.0.1/x", "description": "", "is_active": "on"})
    assert refused.status_code == 200                                       # the form again, with the error
    assert "private" in refused.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.url == "https://hooks.example.com/x"
