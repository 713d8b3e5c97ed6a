"""Every route, called as every kind of caller, against organisation 1 / candidate A's objects.

The routes are discovered from the URL conf: a route missing from ``ROUTES`` fails the test, so a
new route cannot ship without saying who may call it.
"""

import pytest
from django.contrib import admin
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from assessments.interview_kits import interview_kit_create, interview_kit_publish
from candidates.scorecards import scorecard_start
from candidates.services import session_start
from questionbank.services import QuestionData, question_create
from tests.factories import TopicFactory, invite, published_version_make, question_make, recruiter_create

ROLES = ["anonymous", "cand_a", "cand_b", "rec_1", "rec_2", "staff"]
OK, OWN, EMPTY, DENY, NOT_FOUND, REFUSED = "ok", "own", "empty", "deny", "404", "400"
RECRUITERS_AND_STAFF = {"rec_1": OK, "rec_2": OK, "staff": OK}
OWNER_ONLY = {"rec_1": OK, "rec_2": NOT_FOUND}
OWNER_LIST = {"rec_1": OWN, "rec_2": EMPTY}
CANDIDATES = {"cand_a": OK, "cand_b": OK}
EVERYONE = dict.fromkeys(ROLES, OK)

# route name -> (method, URL kwargs from the world, expectations; roles not named: DENY)
ROUTES = {
    None: ("get", {}, EVERYONE),                                          # / redirects to the admin
    "health": ("get", {}, EVERYONE),
    "api-schema": ("get", {}, EVERYONE),
    "api-docs": ("get", {}, EVERYONE),
    "api-token": ("delete", {}, RECRUITERS_AND_STAFF),                    # revoke your own token
    "api-topic-list": ("get", {}, RECRUITERS_AND_STAFF),                  # the bank is shared
    "api-question-list": ("get", {}, RECRUITERS_AND_STAFF),
    "api-question-detail": ("get", {"pk": "question"}, RECRUITERS_AND_STAFF),
    "api-question-import": ("post", {}, {"staff": REFUSED}),             # curators only (a JSON body: 415)
    "api-test-template-list": ("get", {}, OWNER_LIST),
    "api-test-template-detail": ("get", {"template_id": "template"}, OWNER_ONLY),
    "api-test-template-publish": ("post", {"template_id": "template"}, OWNER_ONLY),
    "api-invitation-list": ("get", {}, OWNER_LIST),
    "api-test-session-list": ("get", {}, OWNER_LIST),
    "api-test-session-detail": ("get", {"session_id": "session"}, OWNER_ONLY),
    "api-kit-list": ("get", {}, OWNER_LIST),
    "api-kit-publish": ("post", {"kit_id": "kit"}, OWNER_ONLY),
    "api-kit-version": ("get", {"version_id": "kit_version"}, OWNER_ONLY),
    "api-kit-pdf": ("get", {"version_id": "kit_version"}, OWNER_ONLY),
    "api-scorecard-start": ("post", {}, {"rec_1": OK, "rec_2": REFUSED}),
    "api-scorecard-detail": ("get", {"scorecard_id": "scorecard"}, OWNER_ONLY),
    "api-scorecard-rate": ("put", {"scorecard_id": "scorecard", "question_id": "interview_question"}, OWNER_ONLY),
    "api-scorecard-submit": ("post", {"scorecard_id": "scorecard"}, OWNER_ONLY),    # rated by then
    "api-scorecard-amend": ("post", {"scorecard_id": "scorecard"}, {"rec_1": REFUSED, "rec_2": NOT_FOUND}),
    "api-interview-report": ("get", {"candidate_id": "candidate", "version_id": "kit_version"}, OWNER_ONLY),
    "api-test-session-extend": ("post", {"session_id": "session"}, {"rec_1": OK, "rec_2": NOT_FOUND}),
    "api-test-session-grade": ("put", {"session_id": "session", "question_id": "question"},
                               {"rec_1": REFUSED, "rec_2": NOT_FOUND}),   # still in progress: 400
    "api-candidate-session": ("get", {}, CANDIDATES),                     # each sees only their own
    "api-candidate-start": ("post", {}, CANDIDATES),
    "api-candidate-response": ("put", {"question_id": "question"}, {"cand_a": OK, "cand_b": REFUSED}),
    "api-candidate-events": ("post", {}, CANDIDATES),
    "api-candidate-submit": ("post", {}, CANDIDATES),
    "candidate-landing": ("get", {"token": "token"}, EVERYONE),           # whoever holds the link
    "candidate-home": ("get", {}, CANDIDATES),
    "candidate-test": ("get", {}, CANDIDATES),
    "candidate-start": ("post", {}, CANDIDATES),
    "candidate-done": ("get", {}, CANDIDATES),
    "candidate-submit": ("post", {}, CANDIDATES),
    "recruiter-session-result": ("get", {"session_id": "session"}, {"rec_1": OK, "rec_2": NOT_FOUND,
                                                                     "staff": NOT_FOUND}),
    "workspace-login": ("get", {}, EVERYONE),
    "workspace-logout": ("post", {}, {}),                                 # everyone lands on the login page
    "workspace-home": ("get", {}, {"rec_1": OK, "rec_2": OK, "staff": NOT_FOUND}),   # staff: no organisation
    # --- builder routes ---
    "api-test-template-stats": ("post", {}, {"rec_1": OK, "rec_2": OK}),     # bank numbers only, nothing stored
    "api-test-template-preview": ("get", {"template_id": "template"}, OWNER_ONLY),
    "api-published-version-list": ("get", {}, {"rec_1": OK, "rec_2": OK}),  # scoping: tests/assessments
    "api-published-version-detail": ("get", {"version_id": "version"}, OWNER_ONLY),
    "workspace-test-new": ("get", {}, {"rec_1": OK, "rec_2": OK, "staff": NOT_FOUND}),
    "workspace-test-edit": ("get", {"template_id": "template"}, {**OWNER_ONLY, "staff": NOT_FOUND}),
    "workspace-test-preview": ("get", {"template_id": "template"}, {**OWNER_ONLY, "staff": NOT_FOUND}),
    "workspace-test-publish": ("post", {"template_id": "template"}, {**OWNER_ONLY, "staff": NOT_FOUND}),
    "workspace-version": ("get", {"version_id": "version"}, {**OWNER_ONLY, "staff": NOT_FOUND}),
    # --- invitation routes ---
    # Workspace forms read form data, so the JSON bodies here are empty forms: invites re-render with
    # errors (400), actions redirect back with an error message and change nothing (ok).
    "workspace-invitations": ("get", {"version_id": "version"}, {"rec_1": OK, "rec_2": NOT_FOUND,
                                                                 "staff": NOT_FOUND}),
    "workspace-invitation-invite": ("post", {"version_id": "version"}, {"rec_1": REFUSED, "rec_2": NOT_FOUND,
                                                                        "staff": NOT_FOUND}),
    "workspace-invitation-bulk": ("post", {"version_id": "version"}, {"rec_1": REFUSED, "rec_2": NOT_FOUND,
                                                                      "staff": NOT_FOUND}),
    "workspace-invitation-resend": ("post", {"invitation_id": "invitation"}, {"rec_1": OK, "rec_2": NOT_FOUND,
                                                                              "staff": NOT_FOUND}),  # started: refused
    "workspace-invitation-revoke": ("post", {"invitation_id": "invitation"}, {"rec_1": OK, "rec_2": NOT_FOUND,
                                                                              "staff": NOT_FOUND}),  # LAST
    "workspace-invitation-extend": ("post", {"invitation_id": "invitation"}, {"rec_1": OK, "rec_2": NOT_FOUND,
                                                                              "staff": NOT_FOUND}),
    "workspace-invitation-reset": ("post", {"invitation_id": "invitation"}, {"rec_1": OK, "rec_2": NOT_FOUND,
                                                                             "staff": NOT_FOUND}),  # no reason
    "api-invitation-bulk": ("post", {}, {"rec_1": REFUSED, "rec_2": REFUSED}),   # the version is in the body
    "api-invitation-detail": ("get", {"invitation_id": "invitation"}, OWNER_ONLY),
    "api-invitation-resend": ("post", {"invitation_id": "invitation"}, {"rec_1": REFUSED, "rec_2": NOT_FOUND}),
    "api-invitation-revoke": ("post", {"invitation_id": "invitation"},
                              {"rec_1": REFUSED, "rec_2": NOT_FOUND}),   # LAST: finished by then
    "api-invitation-reset": ("post", {"invitation_id": "invitation"}, {"rec_1": REFUSED, "rec_2": NOT_FOUND}),
    # --- results and report routes ---
    "workspace-results": ("get", {"version_id": "version"}, {"rec_1": OK, "rec_2": NOT_FOUND, "staff": NOT_FOUND}),
    "workspace-results-csv": ("get", {"version_id": "version"}, {"rec_1": OK, "rec_2": NOT_FOUND,
                                                                  "staff": NOT_FOUND}),
    "workspace-results-xlsx": ("get", {"version_id": "version"}, {"rec_1": OK, "rec_2": NOT_FOUND,
                                                                    "staff": NOT_FOUND}),
    "workspace-report-pdf": ("get", {"session_id": "session"}, {"rec_1": OK, "rec_2": NOT_FOUND, "staff": NOT_FOUND}),
    "api-version-results": ("get", {"version_id": "version"}, OWNER_ONLY),
    "api-version-results-csv": ("get", {"version_id": "version"}, OWNER_ONLY),
    "api-version-results-xlsx": ("get", {"version_id": "version"}, OWNER_ONLY),
    "api-test-session-report-pdf": ("get", {"session_id": "session"}, OWNER_ONLY),   # in progress: a short PDF
    # --- webhook routes ---
    "api-webhook-list": ("get", {}, {"rec_1": OK, "rec_2": OK}),   # own rows only: tests/candidates/test_webhooks.py
    "api-webhook-detail": ("get", {"endpoint_id": "webhook"}, OWNER_ONLY),
    "api-webhook-deliveries": ("get", {"endpoint_id": "webhook"}, OWNER_ONLY),
    "api-webhook-test": ("post", {"endpoint_id": "webhook"}, OWNER_ONLY),
    "workspace-webhooks": ("get", {}, {"rec_1": OK, "rec_2": OK, "staff": NOT_FOUND}),
    "workspace-webhook-active": ("post", {"endpoint_id": "webhook"}, {"rec_1": OK, "rec_2": NOT_FOUND,
                                                                       "staff": NOT_FOUND}),
    "workspace-webhook-test": ("post", {"endpoint_id": "webhook"}, {"rec_1": OK, "rec_2": NOT_FOUND,
                                                                     "staff": NOT_FOUND}),
    # Without the form's confirmation box (a JSON body) nothing is deleted: the redirect is the answer.
    "workspace-webhook-delete": ("post", {"endpoint_id": "webhook"}, {"rec_1": OK, "rec_2": NOT_FOUND,
                                                                       "staff": NOT_FOUND}),
}
BODIES = {"api-candidate-response": {"selected": [], "seq": 1}, "api-candidate-events": {"kind": "paste"},
          "api-invitation-bulk": {"text": "x@example.com"}, "api-invitation-reset": {"reason": ""},
          "api-test-session-extend": {"seconds": 60, "reason": "power cut"},
          "api-scorecard-rate": {"rating": 2, "notes": "ok"}, "api-test-session-grade": {"rating": 2},
          "api-scorecard-submit": {"recommendation": "yes"},
          "api-scorecard-amend": {"question": 1, "rating": 1, "reason": "x"},
          "api-test-template-stats": {"sections": [{"title": "S", "draw_rules": [{"topic": "routing", "count": 1}]}]}}
# Submits end the sessions and landing hands out the link's cookie to whoever calls it: run them last.
LAST = ["api-candidate-submit", "candidate-submit", "candidate-landing",
        "api-invitation-revoke", "workspace-invitation-revoke",   # after the submits: revoking ends the link
        "workspace-logout"]


def discovered_routes():
    def walk(patterns, namespace=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, p.namespace or namespace)
            else:
                yield namespace, p.name
    return [name for namespace, name in walk(get_resolver().url_patterns) if namespace != "admin"]


@pytest.fixture
def world(db):
    org1_recruiter = recruiter_create()
    topic = TopicFactory(slug="routing")
    for n in range(4):
        question_make(topic, n=n)
    version = published_version_make(organization=org1_recruiter.membership.organization, recruiter=org1_recruiter,
                                     rules=[(topic, 3)])
    issued_a = invite(version, email="a@example.com", recruiter=org1_recruiter)
    session, _ = session_start(invitation=issued_a.invitation, now=timezone.now())
    org2_recruiter = recruiter_create()
    other_topic = TopicFactory(slug="other")
    for n in range(3):
        question_make(other_topic, n=n)
    version_b = published_version_make(organization=org2_recruiter.membership.organization,
                                       recruiter=org2_recruiter, rules=[(other_topic, 2)])
    issued_b = invite(version_b, email="b@example.com", recruiter=org2_recruiter)
    session_start(invitation=issued_b.invitation, now=timezone.now())
    interview_question = question_create(data=QuestionData(stem="Explain contexts.", topic=topic, kind="free_text",
                                                           status="published", model_answer="Two stacks."))
    kit = interview_kit_create(organization=org1_recruiter.membership.organization, title="Kit",
                               questions=[interview_question])
    kit_version = interview_kit_publish(kit=kit)
    scorecard = scorecard_start(kit_version=kit_version, candidate=issued_a.invitation.candidate,
                                interviewer=org1_recruiter)
    staff = recruiter_create()
    staff.membership.delete()
    staff.is_staff = staff.is_superuser = True
    staff.save()

    clients = {"anonymous": APIClient()}
    for role, issued in (("cand_a", issued_a), ("cand_b", issued_b)):
        client = APIClient()
        client.get(f"/t/{issued.token}/")                                 # the pages' cookie
        client.credentials(HTTP_AUTHORIZATION=f"Invitation {issued.token}")  # the API's header
        clients[role] = client
    for role, user in (("rec_1", org1_recruiter), ("rec_2", org2_recruiter), ("staff", staff)):
        client = APIClient()
        client.force_login(user)
        clients[role] = client
    objects = {"question": session.session_questions.first().question_id, "template": version.template_id,
               "version": version.pk,
               "session": session.pk, "token": issued_a.token, "invitation": issued_a.invitation.pk, "kit": kit.pk,
               "kit_version": kit_version.pk, "scorecard": scorecard.pk, "interview_question": interview_question.pk,
               "candidate": issued_a.invitation.candidate_id}
    from candidates.webhooks import webhook_endpoint_create

    # Never called: on-commit sends do not run inside the test's transaction (and port 9 discards).
    objects["webhook"] = webhook_endpoint_create(organization=org1_recruiter.membership.organization,
                                                 url="http://127.0.0.1:9/hook").pk
    return clients, objects


def _outcome(response) -> str:
    status = response.status_code
    if status == 404:
        return NOT_FOUND
    if status in (400, 415):
        return REFUSED
    if status in (401, 403) or (status == 302 and "login" in response.get("Location", "")):
        return DENY
    return OK if status < 400 else f"unexpected {status}"


def test_isolation_every_route_is_declared():
    assert sorted(map(str, discovered_routes())) == sorted(map(str, ROUTES))


def test_isolation_every_route_for_every_caller(world):
    clients, objects = world
    names = sorted(ROUTES, key=lambda n: (LAST.index(n) if n in LAST else -1, str(n)))
    failures = []
    for name in names:
        method, kwargs, expected = ROUTES[name]
        path = "/" if name is None else reverse(name, kwargs={k: objects[v] for k, v in kwargs.items()})
        for role in ROLES:
            want = expected.get(role, DENY)
            body = BODIES.get(name, {})
            if name == "api-scorecard-start":
                body = {"kit_version": objects["kit_version"], "candidate": objects["candidate"]}
            response = getattr(clients[role], method)(path, body, format="json")
            got = _outcome(response)
            if want in (OWN, EMPTY):
                got = _list_outcome(response, name, objects) if got == OK else got
            if got != want:
                failures.append(f"{method.upper()} {path} as {role}: expected {want}, got {got} "
                                f"({response.status_code})")
    assert failures == [], "\n".join(failures)


def _list_outcome(response, name, objects) -> str:
    """OWN when organisation 1's row is listed, EMPTY when it is not (the caller's own rows may be)."""
    body = response.json()
    ids = {row["id"] for row in (body["results"] if isinstance(body, dict) else body)}
    org1_row = {"api-test-template-list": objects["template"], "api-test-session-list": objects["session"],
                "api-invitation-list": objects["invitation"], "api-kit-list": objects["kit"]}[name]
    return OWN if org1_row in ids else EMPTY


def test_isolation_admin_is_for_staff_only(world):
    clients, _ = world
    urls = ["/admin/"] + [f"/admin/{m._meta.app_label}/{m._meta.model_name}/" for m in admin.site._registry]
    for url in urls:
        assert clients["staff"].get(url).status_code == 200, url
        for role in ("anonymous", "cand_a", "rec_1"):
            assert _outcome(clients[role].get(url)) == DENY, (url, role)
