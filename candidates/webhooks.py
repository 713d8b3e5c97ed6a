"""Webhooks: signed JSON events sent to an organisation's endpoints.

Events: ``session.finished`` (recorded in the transaction that scores the session) and ``ping``
(the "send test event" button). An event is one ``WebhookDelivery`` row per endpoint, all with the
same ``event_id``: pending → delivering → delivered | failed.

Delivery follows the email outbox (``candidates.outbox``): a sender claims the row with a
conditional UPDATE, so two workers (a task and the beat sweep, or a redelivered message) never
both send it. Exactly once, except one window: a sender killed after the receiver accepted the
request and before the row says ``delivered`` leaves a stale claim; after ``WEBHOOK_STALE_CLAIM``
seconds the sweep takes it over and sends it again, with the same ``Assay-Event-Id`` (receivers
de-duplicate on it).

Signing is Stripe's scheme (https://docs.stripe.com/webhooks#verify-manually): the header
``Assay-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``; see
``webhook_signature_verify`` for what a receiver does.

Retries: a 2xx reply is delivered; anything else (other status, redirect, timeout, refused
connection) is retried after ``WEBHOOK_RETRY_SCHEDULE[attempts - 1]`` seconds, and the delivery
fails after the last entry (default 30 s, 2 min, 10 min, 1 h, 6 h, 24 h: seven attempts over ~31 h).
The beat sweep (``deliver_due_webhooks``, every 30 s) sends the due retries, so a retry happens
up to one sweep interval after its time.

SSRF: endpoint URLs must be http(s), https unless ``WEBHOOK_ALLOW_PRIVATE_ADDRESSES``, and must not
resolve to private, loopback, link-local or otherwise non-global addresses. This is checked when
the URL is registered and again on every connection (the connection goes to the address that was
checked, so DNS changed between the check and the connect cannot point it inwards).
"""

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from assessments.models import Organization
from candidates.models import TestSession, WebhookDelivery, WebhookEndpoint
from candidates.queueing import enqueue_on_commit
from candidates.reports import result_url

logger = logging.getLogger(__name__)

SESSION_FINISHED = "session.finished"
PING = "ping"
SIGNATURE_HEADER = "Assay-Signature"
USER_AGENT = "Assay-Webhooks/1"
TIMEOUT = (5, 10)  # seconds: connect, then each read
ERROR_EXCERPT = 500  # characters of a reply kept in last_error; the rest of the body is never read


class WebhookAddressRefused(Exception):
    """The endpoint's host resolves to an address webhooks may not reach (private, loopback, ...).

    Deliberately not an ``OSError``: urllib3 would wrap it into a retried connection error."""


# --- Signing ----------------------------------------------------------------------------------


def _signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def webhook_signature_header(*, secret: str, body: bytes, timestamp: int) -> str:
    """The ``Assay-Signature`` value for ``body`` sent at ``timestamp`` (unix seconds)."""
    return f"t={timestamp},v1={_signature(secret, timestamp, body)}"


def webhook_signature_verify(
    *, secret: str, header: str, body: bytes | str, now: datetime, tolerance: int = 300
) -> bool:
    """Whether ``header`` (the ``Assay-Signature`` value) signs ``body`` with ``secret``, recently.

    What a receiver does (the Stripe scheme):

    1. Read the raw request body as bytes, before any JSON parsing (re-serialising changes it).
    2. Split the header on ``,`` and each element on the first ``=``: ``t`` is the timestamp (unix
       seconds), every ``v1`` a signature (several may be present; ignore other schemes).
    3. Compute ``HMAC-SHA256(secret, f"{t}.".encode() + body)`` as lowercase hex.
    4. Compare it with each ``v1`` in constant time (``hmac.compare_digest``); one must match.
    5. Refuse when ``|now - t| > tolerance`` seconds (default 300): a captured request cannot be
       replayed later.
    6. De-duplicate on the ``Assay-Event-Id`` header: a retry, or a re-send after a crash, carries
       the same id. Reply 2xx quickly; anything else is retried.

    Returns ``False`` for a malformed header rather than raising. ``body`` may be ``str`` (UTF-8).
    """
    if isinstance(body, str):
        body = body.encode()
    timestamp, candidates = None, []
    for element in header.split(","):
        key, sep, value = element.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                return False
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    if abs(now.timestamp() - timestamp) > tolerance:
        return False
    expected = _signature(secret, timestamp, body)
    # Every candidate is compared (no early exit) so the timing says nothing about which matched.
    return sum(hmac.compare_digest(expected.encode(), c.encode()) for c in candidates) > 0


# --- Address checks (SSRF) ------------------------------------------------------------------


def _address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback
    return ip.is_global and not ip.is_multicast


def _public_addresses(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to; raises ``WebhookAddressRefused`` if any is not public
    (one inward record is enough to refuse: the next lookup might pick it) and ``socket.gaierror``
    when it does not resolve."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    refused = [a for a in addresses if not _address_is_public(a)]
    if refused:
        raise WebhookAddressRefused(f"{host} resolves to a non-public address ({refused[0]})")
    return addresses


def webhook_url_validate(*, url: str) -> None:
    """Check an endpoint URL at registration: absolute http(s), https unless private addresses are
    allowed, and (unless they are) a host that resolves only to public addresses.

    Raises ``ValidationError({"url": [message]})``."""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as exc:
        raise ValidationError({"url": ["Enter a valid http:// or https:// URL."]}) from exc
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:  # the validator's pattern lets a port above 65535 through
        raise ValidationError({"url": ["Enter a valid port (1–65535)."]}) from exc
    if parts.username or parts.password:
        raise ValidationError({"url": ["Credentials in the URL are not allowed; authenticate with the signature."]})
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return
    if parts.scheme != "https":
        raise ValidationError({"url": ["Use an https:// URL."]})
    try:
        _public_addresses(parts.hostname or "", port)
    except WebhookAddressRefused as exc:
        raise ValidationError({"url": [
            "This URL points to a private, loopback or link-local address; webhooks only reach public addresses."
        ]}) from exc
    except (OSError, UnicodeError) as exc:
        raise ValidationError({"url": ["This host name does not resolve."]}) from exc


class _PublicOnlyConnection:
    """Connects to an address that was checked just now, whatever DNS says a moment later.

    The host name stays the connection's ``host``, so TLS still sends it (SNI) and verifies the
    certificate against it; only the socket's target becomes the checked IP address."""

    def _new_conn(self):
        name = self._dns_host
        addresses = _public_addresses(name, self.port)
        try:
            # Each checked address in turn, as urllib3 itself does with the resolver's list.
            for address in addresses[:-1]:
                self._dns_host = address
                try:
                    return super()._new_conn()
                except (NewConnectionError, ConnectTimeoutError):
                    continue
            self._dns_host = addresses[-1]
            return super()._new_conn()
        finally:
            self._dns_host = name


class _PublicHTTPConnection(_PublicOnlyConnection, HTTPConnection):
    pass


class _PublicHTTPSConnection(_PublicOnlyConnection, HTTPSConnection):
    pass


class _PublicHTTPPool(HTTPConnectionPool):
    ConnectionCls = _PublicHTTPConnection


class _PublicHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PublicHTTPSConnection


class _PublicOnlyAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _PublicHTTPPool, "https": _PublicHTTPSPool}


def _http_session() -> requests.Session:
    http = requests.Session()
    # No proxy or .netrc from the environment: the request goes where the checked URL says.
    http.trust_env = False
    if not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        adapter = _PublicOnlyAdapter(max_retries=0)
        http.mount("http://", adapter)
        http.mount("https://", adapter)
    return http


# --- Endpoints --------------------------------------------------------------------------------


def webhook_endpoint_list(*, organization: Organization) -> QuerySet[WebhookEndpoint]:
    """The organisation's endpoints, oldest first."""
    return WebhookEndpoint.objects.filter(organization=organization).order_by("created_at", "id")


def webhook_endpoint_get(*, organization: Organization, endpoint_id: int) -> WebhookEndpoint:
    """One endpoint of the organisation; raises ``Http404`` for another organisation's or a missing one."""
    endpoint = WebhookEndpoint.objects.filter(organization=organization, pk=endpoint_id).first()
    if endpoint is None:
        raise Http404("No such webhook endpoint.")
    return endpoint


def webhook_delivery_list(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """The endpoint's deliveries, newest first."""
    return WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-created_at", "-id")


@transaction.atomic
def webhook_endpoint_create(
    *, organization: Organization, url: str, description: str = "", created_by=None
) -> WebhookEndpoint:
    """Register an endpoint with a new random secret (64 hex characters); the caller shows the
    secret once. Raises ``ValidationError({"url": [...]})`` for a refused URL."""
    webhook_url_validate(url=url)
    return WebhookEndpoint.objects.create(
        organization=organization, url=url, description=description, secret=secrets.token_hex(32),
        created_by=created_by,
    )


@transaction.atomic
def webhook_endpoint_update(
    *, endpoint: WebhookEndpoint, url: str | None = None, description: str | None = None,
    is_active: bool | None = None,
) -> WebhookEndpoint:
    """Change the URL, description or active flag (``None``: unchanged). Deliveries already recorded
    keep their payload and go to the new URL. Raises ``ValidationError({"url": [...]})``."""
    if url is not None and url != endpoint.url:
        webhook_url_validate(url=url)
        endpoint.url = url
    if description is not None:
        endpoint.description = description
    if is_active is not None:
        endpoint.is_active = is_active
    endpoint.save(update_fields=["url", "description", "is_active"])
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    """Delete an endpoint and its delivery log (a pending delivery is then never sent)."""
    endpoint.delete()


# --- Events -----------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z") if value else None


def _decimal(value) -> str | None:
    return None if value is None else str(value)


def _record(*, endpoints, event_type: str, data: dict, now: datetime) -> list[WebhookDelivery]:
    """One delivery per endpoint for one event, sent after the caller's transaction commits."""
    from candidates.tasks import deliver_webhook  # tasks import services, which import this module

    event_id = uuid.uuid4()
    payload = {"id": str(event_id), "type": event_type, "created": _iso(now), "data": data}
    deliveries = WebhookDelivery.objects.bulk_create([
        WebhookDelivery(endpoint=endpoint, event_id=event_id, event_type=event_type, payload=payload,
                        next_attempt_at=now)
        for endpoint in endpoints
    ])
    for delivery in deliveries:
        enqueue_on_commit(deliver_webhook, delivery_id=delivery.pk)
    return deliveries


def session_finished_payload(*, session: TestSession, result) -> dict:
    """The ``data`` of a ``session.finished`` event: ``{"session": {...}, "candidate": {name, email},
    "published_version": {id, title, number}, "report_url": str}``; decimals as strings, times as
    ISO-8601 UTC. Nothing from the invitation beyond the candidate (never its token)."""
    candidate = session.invitation.candidate
    version = session.published_version
    return {
        "session": {
            "id": session.pk, "status": session.status, "started_at": _iso(session.started_at),
            "finished_at": _iso(session.finished_at), "deadline": _iso(session.deadline),
            "raw_score": _decimal(result.raw_score), "max_score": _decimal(result.max_score),
            "percent_score": _decimal(result.percent_score), "passed": result.passed,
            "provisional": result.provisional,
            # Already strings for decimals (candidates.scoring.topic_breakdown); round-tripped to be sure.
            "topic_breakdown": json.loads(json.dumps(result.topic_breakdown, default=str)),
        },
        "candidate": {"name": candidate.name, "email": candidate.email},
        "published_version": {"id": version.pk, "title": version.title, "number": version.number},
        "report_url": result_url(session),
    }


def webhook_endpoints_active(*, organization_ids) -> dict[int, list[WebhookEndpoint]]:
    """Active endpoints by organisation id, for many organisations in one query (batch finishing)."""
    endpoints: dict[int, list[WebhookEndpoint]] = {}
    for endpoint in WebhookEndpoint.objects.filter(organization_id__in=organization_ids, is_active=True):
        endpoints.setdefault(endpoint.organization_id, []).append(endpoint)
    return endpoints


def session_finished_event(*, session: TestSession, result, endpoints=None) -> list[WebhookDelivery]:
    """Record a ``session.finished`` delivery for each active endpoint of the session's organisation,
    in the caller's transaction (a rolled-back finish sends nothing), and schedule sending after
    commit. ``result`` is the session's ``candidates.reports.ScoreResult``; ``endpoints`` (already
    loaded active endpoints of that organisation) saves the query. Returns the deliveries (none,
    and at most one query, when the organisation has no active endpoint)."""
    if endpoints is None:
        endpoints = list(WebhookEndpoint.objects.filter(organization_id=session.organization_id, is_active=True))
    if not endpoints:
        return []
    return _record(endpoints=endpoints, event_type=SESSION_FINISHED,
                   data=session_finished_payload(session=session, result=result), now=timezone.now())


@transaction.atomic
def webhook_ping(*, endpoint: WebhookEndpoint, now: datetime) -> WebhookDelivery:
    """Send a ``ping`` event to one endpoint through the normal delivery path (signed, retried, logged).

    ``data``: ``{"endpoint": {"id", "url"}}``. Raises ``ValidationError`` for an inactive endpoint."""
    if not endpoint.is_active:
        raise ValidationError({"endpoint": ["Activate the endpoint to send it a test event."]})
    return _record(endpoints=[endpoint], event_type=PING,
                   data={"endpoint": {"id": endpoint.pk, "url": endpoint.url}}, now=now)[0]


# --- Delivery ---------------------------------------------------------------------------------


def _stale_claim() -> timedelta:
    """How long a claim may sit in ``delivering`` before another sender takes it over (a dead worker)."""
    return timedelta(seconds=settings.WEBHOOK_STALE_CLAIM)


def webhook_body(delivery: WebhookDelivery) -> bytes:
    """The exact bytes sent and signed: the stored payload serialised canonically (sorted keys, so
    every attempt sends the same body even though the database reorders JSON keys)."""
    return json.dumps(delivery.payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _post(delivery: WebhookDelivery, now: datetime) -> tuple[int | None, str]:
    """POST the delivery once. Returns ``(status code or None, error text; "" on a 2xx)``."""
    body = webhook_body(delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Assay-Event-Id": str(delivery.event_id),
        "Assay-Event-Type": delivery.event_type,
        SIGNATURE_HEADER: webhook_signature_header(secret=delivery.endpoint.secret, body=body,
                                                   timestamp=int(now.timestamp())),
    }
    with _http_session() as http:
        try:
            # stream: only an excerpt of the reply is ever read, whatever its size.
            with http.post(delivery.endpoint.url, data=body, headers=headers, timeout=TIMEOUT,
                           allow_redirects=False, stream=True) as response:
                if 200 <= response.status_code < 300:
                    return response.status_code, ""
                excerpt = response.raw.read(ERROR_EXCERPT, decode_content=True).decode("utf-8", "replace")
                return response.status_code, f"HTTP {response.status_code}: {excerpt}"[:ERROR_EXCERPT]
        except WebhookAddressRefused as exc:
            return None, f"Refused: {exc}"
        except requests.Timeout as exc:
            return None, f"Timeout: {exc}"[:ERROR_EXCERPT]
        except (requests.RequestException, OSError) as exc:
            return None, f"{type(exc).__name__}: {exc}"[:ERROR_EXCERPT]


def webhook_deliver(*, delivery_id: int, now: datetime) -> str:
    """Send one delivery if it is due and this caller wins the claim.

    Returns ``"delivered"`` (2xx), ``"retry"`` (failed; pending again at ``next_attempt_at`` =
    ``now`` + ``WEBHOOK_RETRY_SCHEDULE[attempts - 1]`` seconds), ``"failed"`` (the schedule is
    exhausted, or the endpoint is inactive) or ``"skipped"`` (gone, not due, finished, or claimed
    by another sender). Never raises for the receiver's failures. Not atomic on purpose: the claim
    commits before the request, so no transaction stays open for the request's 15 seconds.

    The signature's timestamp is ``now``. A sender whose claim was taken over (stale) does not
    overwrite the newer sender's result: every write after the claim is conditional on it.
    """
    claimed = WebhookDelivery.objects.filter(
        Q(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
        | Q(status=WebhookDelivery.Status.DELIVERING, claimed_at__lt=now - _stale_claim()),
        pk=delivery_id,
    ).update(status=WebhookDelivery.Status.DELIVERING, claimed_at=now, attempts=F("attempts") + 1)
    if claimed != 1:
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    ours = WebhookDelivery.objects.filter(pk=delivery_id, status=WebhookDelivery.Status.DELIVERING, claimed_at=now)
    if not delivery.endpoint.is_active:
        ours.update(status=WebhookDelivery.Status.FAILED, last_error="Endpoint is inactive.")
        return "failed"
    try:
        status_code, error = _post(delivery, now)
    except Exception as exc:
        # The task's time limit (a receiver dripping its reply) or a bug: count the attempt, or the
        # claim would go stale and be taken over forever without ever reaching the schedule's end.
        _failed_attempt(ours, delivery, None, f"{type(exc).__name__}: {exc}"[:ERROR_EXCERPT], now)
        raise
    if not error:
        ours.update(status=WebhookDelivery.Status.DELIVERED, last_status_code=status_code, last_error="",
                    delivered_at=timezone.now())
        return "delivered"
    return _failed_attempt(ours, delivery, status_code, error, now)


def _failed_attempt(ours: QuerySet, delivery: WebhookDelivery, status_code: int | None, error: str,
                    now: datetime) -> str:
    """Reschedule after a failed attempt (``"retry"``), or fail for good after the schedule (``"failed"``)."""
    schedule = settings.WEBHOOK_RETRY_SCHEDULE
    if delivery.attempts > len(schedule) or error.startswith("Refused:"):
        # A refused address is policy, not a hiccup: retrying would only repeat the refusal.
        ours.update(status=WebhookDelivery.Status.FAILED, last_status_code=status_code, last_error=error)
        logger.warning("webhook delivery %s failed for good after %s attempt(s)", delivery.pk, delivery.attempts)
        return "failed"
    ours.update(status=WebhookDelivery.Status.PENDING, last_status_code=status_code, last_error=error,
                next_attempt_at=now + timedelta(seconds=schedule[delivery.attempts - 1]))
    return "retry"


def webhook_due_ids(*, now: datetime, limit: int = 200) -> list[int]:
    """Ids of deliveries to send now: pending and due (retries, lost enqueues), or stuck in
    ``delivering`` past the stale-claim delay (a worker killed mid-send); oldest due first."""
    return list(
        WebhookDelivery.objects.filter(
            Q(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
            | Q(status=WebhookDelivery.Status.DELIVERING, claimed_at__lt=now - _stale_claim())
        ).order_by("next_attempt_at", "id").values_list("id", flat=True)[:limit]
    )


@transaction.atomic
def webhook_retry_now(*, delivery_ids: list[int], now: datetime) -> int:
    """Make pending or failed deliveries due now and send them after commit (one more attempt for a
    failed one). Delivered ones and those being sent are left alone. Returns how many were reset."""
    from candidates.tasks import deliver_webhook  # tasks import services, which import this module

    ids = list(WebhookDelivery.objects.select_for_update().filter(
        pk__in=delivery_ids, status__in=[WebhookDelivery.Status.PENDING, WebhookDelivery.Status.FAILED],
    ).values_list("id", flat=True))
    WebhookDelivery.objects.filter(pk__in=ids).update(status=WebhookDelivery.Status.PENDING, next_attempt_at=now)
    for delivery_id in ids:
        enqueue_on_commit(deliver_webhook, delivery_id=delivery_id)
    return len(ids)
