"""The candidate's API: start, fetch, save a response, submit (one small view per action)."""

from datetime import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response as ApiResponse
from rest_framework.utils import json
from rest_framework.views import APIView

from candidates.api.authentication import (
    InvitationCookieAuthentication,
    InvitationTokenAuthentication,
    IsCandidate,
    invitation_key,
)
from candidates.api.throttling import CountingScopedRateThrottle
from candidates.autosave import autosave_remember, response_save_quick
from candidates.clients import client_ip, client_user_agent
from candidates.errors import CandidateError, StaleResponse
from candidates.models import Response
from candidates.presenters import seconds_until, session_questions, session_state
from candidates.selectors import session_get_for_invitation
from candidates.services import (
    integrity_event_record,
    response_save,
    session_client_seen,
    session_expire_if_due,
    session_start,
    session_submit,
)


def received_at(request: HttpRequest) -> datetime:
    """When the request arrived (``RequestClockMiddleware``), else now: the request's one clock reading, which
    every deadline check and timestamp of the request uses."""
    return getattr(request, "received_at", None) or timezone.now()


def _not_started() -> ApiResponse:
    return ApiResponse({"code": "not_started", "detail": "The test has not been started."}, status=409)


def _error(exc: CandidateError) -> ApiResponse:
    return ApiResponse({"code": exc.code, "detail": str(exc)}, status=exc.http_status)


class SessionOutput(serializers.Serializer):
    status = serializers.CharField()
    title = serializers.CharField()
    started_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField()
    server_now = serializers.DateTimeField()
    remaining_seconds = serializers.FloatField(help_text="Seconds until the deadline.")
    finished_at = serializers.DateTimeField(allow_null=True)
    score = serializers.DictField(required=False, help_text="Only after finishing, if the test shows scores.")
    questions = serializers.ListField(child=serializers.DictField(), required=False)


class JsonReplies(DefaultContentNegotiation):
    """DRF's negotiation with the reply always JSON, whatever the request's ``Accept`` header names (rather than
    406 for one that excludes JSON): DRF parses that header against the renderers on every request, about 4 %
    of an autosave's CPU, to reach the only answer there is. The request body is negotiated as before
    (415 for a body that is not JSON). Shaped as DRF's documented ``IgnoreClientContentNegotiation``."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class CandidateApiView(APIView):
    authentication_classes = [InvitationTokenAuthentication, InvitationCookieAuthentication]
    permission_classes = [IsCandidate]
    # Per candidate (the invitation the request names), else per client address: see the throttle's module.
    throttle_classes = [CountingScopedRateThrottle]
    throttle_scope = "candidate"
    # JSON both ways: the test page's script and API clients speak nothing else, and the browsable API has
    # nothing to offer a request that must carry an invitation.
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]
    content_negotiation_class = JsonReplies

    def initial(self, request, *args, **kwargs):
        self.now = received_at(request._request)
        super().initial(request, *args, **kwargs)

    def current_session(self, session=None):
        """The invitation's session after lazy expiry, with the client's address noted; ``None`` before start."""
        session = session or session_get_for_invitation(invitation=self.request.auth)
        if session is None:
            return None
        session_client_seen(session=session, ip=client_ip(self.request), user_agent=client_user_agent(self.request),
                            now=self.now)
        return session_expire_if_due(session=session, now=self.now)

    def state(self, session, *, questions: bool) -> dict:
        """The reply's body in ``SessionOutput``'s shape, as is: the serializer (which the schema documents)
        would return every value unchanged but the datetimes, and DRF's JSON encoder writes those the same
        way (ISO 8601, UTC as ``Z``); running 25 questions through it cost a millisecond per start."""
        data = session_state(session, now=self.now)
        if questions and session.is_open:
            data["questions"] = session_questions(session)
        return data


class SessionDetailApi(CandidateApiView):
    @extend_schema(responses=SessionOutput, summary="The candidate's session, with its questions while open")
    def get(self, request):
        session = self.current_session()
        if session is None:
            return ApiResponse({"code": "not_started", "detail": "The test has not been started."}, status=404)
        return ApiResponse(self.state(session, questions=True))


class SessionStartApi(CandidateApiView):
    @extend_schema(request=None, responses={200: SessionOutput, 201: SessionOutput}, summary="Start (or resume)")
    def post(self, request):
        try:
            session, created = session_start(invitation=request.auth, now=self.now, client_ip=client_ip(request),
                                             client_user_agent=client_user_agent(request))
        except CandidateError as exc:
            return _error(exc)
        session = self.current_session(session)
        return ApiResponse(
            self.state(session, questions=True),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class ResponseInput(serializers.Serializer):
    selected = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=20, allow_empty=True,
                                     required=False, default=list)
    text = serializers.CharField(max_length=20000, required=False, default="", allow_blank=True, trim_whitespace=False)
    seq = serializers.IntegerField(min_value=0, max_value=2**63 - 1, default=0)


# Built once: a serializer builds its fields anew for every instance (deep copies, validators, lazily formatted
# messages), half a millisecond of CPU per autosave, about a quarter of the save's own. ``run_validation`` keeps
# no state on the serializer and raises the same field-keyed ``ValidationError`` as ``is_valid``.
_RESPONSE_INPUT = ResponseInput()


class ResponseSaveApi(CandidateApiView):
    """Autosave, the full path: authentication, lazy expiry, ``response_save``; it answers every outcome
    exactly, and remembers the client for the quick path. A client this process has saved for is served
    before the request gets here (``response_save_route``). Rate-limited before authentication, so a stranger
    naming no invitation is limited by address rather than answered 401 without end."""

    def perform_authentication(self, request):
        """Deferred to ``put``, after the rate limit: DRF's own docstring of this method says overriding it
        with ``pass`` makes authentication lazy."""

    def check_permissions(self, request):
        """Deferred to ``put``, with authentication."""

    @extend_schema(
        request=ResponseInput,
        responses=inline_serializer("ResponseSaved", {
            "question": serializers.IntegerField(), "selected": serializers.ListField(),
            "seq": serializers.IntegerField(), "saved_at": serializers.DateTimeField(),
            "remaining_seconds": serializers.FloatField(),
        }),
        summary="Save (autosave) the answer to one question",
    )
    def put(self, request, question_id: int):
        super().perform_authentication(request)
        super().check_permissions(request)
        # not JSON (415), malformed (400 parse error), or invalid (400 by field); after authentication, so
        # a stranger gets 401, not a description of the body it sent
        data = _RESPONSE_INPUT.run_validation(request.data)
        session = self.current_session()
        if session is None:
            return _not_started()
        try:
            saved = response_save(
                session=session, question_id=question_id, selected=data["selected"], text=data["text"],
                seq=data["seq"], now=self.now,
            )
        except StaleResponse as exc:
            return ApiResponse({"code": exc.code, "detail": str(exc), "selected": exc.selected, "text": exc.text,
                                "seq": exc.seq}, status=exc.http_status)
        except CandidateError as exc:
            return _error(exc)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        key = invitation_key(request)
        if key is not None:
            autosave_remember(key=key, session=session)
        return ApiResponse(saved_reply(question_id, saved, session.deadline, self.now))


def saved_reply(question_id: int, saved: Response, deadline: datetime, now: datetime) -> dict:
    """The body of the reply to a stored save, ``remaining_seconds`` counted from ``now`` to the session's
    ``deadline``."""
    return {"question": question_id, "selected": saved.selected, "seq": saved.seq, "saved_at": saved.saved_at,
            "remaining_seconds": seconds_until(deadline, now)}


_SAVE_API = ResponseSaveApi.as_view()
_SAVE_ALLOW = ", ".join(ResponseSaveApi().allowed_methods)  # DRF's ``Allow`` header for this view
_JSON = JSONRenderer()


@csrf_exempt  # as DRF's views are: the page's cookie is CSRF-checked by ``invitation_key`` and authentication
def response_save_route(request: HttpRequest, question_id: int) -> HttpResponse:
    """The autosave route: ``response_save_quick_reply``, else ``ResponseSaveApi`` (which answers anything)."""
    return response_save_quick_reply(request, question_id) or _SAVE_API(request, question_id=question_id)


# What the schema generator reads off a DRF view's function: the route is documented as ``ResponseSaveApi``,
# which answers everything ``response_save_quick_reply`` passes on.
response_save_route.cls, response_save_route.initkwargs = _SAVE_API.cls, _SAVE_API.initkwargs


def response_save_quick_reply(request: HttpRequest, question_id: int) -> HttpResponse | None:
    """An autosave served before DRF wraps the request, or ``None`` to hand it to ``ResponseSaveApi``.

    DRF's request and response machinery (its ``Request`` with parser and authenticator instances, content
    negotiation, ``Response`` rendered as a template response) cost about a tenth of a save's CPU in a web
    worker (``bench/cpu_per_save.py``; README › Performance). For a client this process has saved for
    (``autosave.response_save_quick``), this does what the DRF view would do with the request, in its order,
    and nothing more: the rate limit (the same throttle, which counts the request once even when the DRF view
    asks again), the JSON body (``application/json`` in UTF-8, as DRF's parser reads it), the same
    ``ResponseInput`` validation and the quick path's one statement; the reply has the bytes and headers DRF
    would send (``JSONRenderer``, ``Allow``). Anything else (another method or content type, a refused rate,
    a body that does not parse or validate, a save the quick path cannot vouch for) is passed on untouched
    (the body stays readable) for the DRF view to answer exactly."""
    if request.method != "PUT" or request.content_type != "application/json":
        return None
    if request.content_params.get("charset", "utf-8").lower() not in ("utf-8", "utf8"):
        return None
    key = invitation_key(request)
    # The throttle reads only the view's ``throttle_scope``, which the class carries.
    if key is None or not CountingScopedRateThrottle().allow_request(request, ResponseSaveApi):
        return None
    try:
        data = _RESPONSE_INPUT.run_validation(json.loads(request.body.decode("utf-8")))
    except (ValueError, APIException):  # not UTF-8 or not JSON (ValueError), or invalid
        return None
    now = received_at(request)
    quick = response_save_quick(
        key=key, question_id=question_id, selected=data["selected"], text=data["text"], seq=data["seq"],
        now=now, client_ip=client_ip(request), client_user_agent=client_user_agent(request),
    )
    if quick is None:
        return None
    reply = HttpResponse(_JSON.render(saved_reply(question_id, *quick, now)), content_type=_JSON.media_type)
    reply["Allow"] = _SAVE_ALLOW
    return reply


class SessionSubmitApi(CandidateApiView):
    @extend_schema(request=None, responses=SessionOutput, summary="Submit the test")
    def post(self, request):
        session = self.current_session()
        if session is None:
            return _not_started()
        try:
            session = session_submit(session=session, now=self.now)
        except CandidateError as exc:
            return _error(exc)
        return ApiResponse(self.state(session, questions=False))


class EventInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["focus_lost", "tab_hidden", "paste", "fullscreen_exit"])
    detail = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class EventRecordApi(CandidateApiView):
    """Append-only: the page reports integrity events; nothing here can edit or delete them."""

    @extend_schema(request=EventInput, responses={201: None}, summary="Report an integrity event (append-only)")
    def post(self, request):
        data = EventInput(data=request.data)
        data.is_valid(raise_exception=True)
        session = self.current_session()
        if session is None:
            return _not_started()
        try:
            integrity_event_record(
                session=session, kind=data.validated_data["kind"], detail=data.validated_data["detail"],
                ip=client_ip(request), user_agent=client_user_agent(request), now=self.now,
            )
        except CandidateError as exc:
            return _error(exc)
        return ApiResponse(status=status.HTTP_201_CREATED)
