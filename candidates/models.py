"""Candidates, invitations, test sessions (attempts), responses and the email outbox."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from assessments.enums import Rating, Recommendation
from assessments.models import Organization, PublishedVersion
from candidates.enums import EmailStatus, InvitationStatus, SessionStatus
from questionbank.models import Question


class Candidate(models.Model):
    """A person invited to take tests; unique by email within an organisation."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="candidates")
    name = models.CharField(max_length=200)
    email = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "email"], name="candidate_email_per_org"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class Invitation(models.Model):
    """A candidate's personal link to one published version.

    Only ``token_hash`` (SHA-256 hex of the secret token) is stored; the token itself exists
    only in the email sent to the candidate.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    published_version = models.ForeignKey(PublishedVersion, on_delete=models.PROTECT, related_name="invitations")
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(max_length=10, choices=InvitationStatus, default=InvitationStatus.PENDING)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_count = models.PositiveSmallIntegerField(default=1, help_text="Invitation emails sent (first + resends).")
    last_sent_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.candidate} → {self.published_version}"


class SessionReset(models.Model):
    """A recruiter wiped an invitation's test session so the candidate can start again: who, why,
    and a snapshot of what was removed (``snapshot``: status, times, scores, responses)."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="session_resets")
    reason = models.CharField(max_length=500)
    snapshot = models.JSONField()
    reset_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reset_at = models.DateTimeField()

    class Meta:
        ordering = ["invitation_id", "reset_at"]

    def __str__(self) -> str:
        return f"reset of invitation {self.invitation_id} at {self.reset_at:%Y-%m-%d %H:%M}"


class TestSession(models.Model):
    """One attempt: at most one per invitation, with its deadline fixed at start.

    ``closes_at`` is ``deadline + grace_period``; after it nothing more is accepted and the
    session is finished by whichever comes first: a request touching it or the sweeper.
    """

    __test__ = False  # not a pytest class

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="test_sessions")
    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="test_session")
    published_version = models.ForeignKey(PublishedVersion, on_delete=models.PROTECT, related_name="test_sessions")
    status = models.CharField(max_length=12, choices=SessionStatus, default=SessionStatus.IN_PROGRESS)
    seed = models.BigIntegerField(help_text="Seed of the draw and of the shuffles.")
    started_at = models.DateTimeField()
    deadline = models.DateTimeField()
    closes_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    raw_score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    percent_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    topic_breakdown = models.JSONField(default=list, blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)
    provisional = models.BooleanField(default=False, help_text="Free-text answers still wait for a grade.")
    client_ip = models.GenericIPAddressField(null=True, blank=True, help_text="Last address seen.")
    client_user_agent = models.CharField(max_length=300, blank=True, help_text="Last user agent seen.")

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            # The sweeper only ever scans open sessions by closing time.
            models.Index(
                fields=["closes_at"], name="session_open_closes_at_idx",
                condition=Q(status=SessionStatus.IN_PROGRESS),
            ),
        ]

    def __str__(self) -> str:
        return f"Session {self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == SessionStatus.IN_PROGRESS


class FormItem(models.Model):
    """One drawn item of a form: its position, its section's title, its points and its frozen choice order
    (``question`` is declared by each subclass: a session's is protected, a prepared form's is not)."""

    position = models.PositiveSmallIntegerField()
    section_title = models.CharField(max_length=200, blank=True)
    points = models.DecimalField(max_digits=6, decimal_places=2)
    choice_order = models.JSONField(help_text="Choice ids in the order the candidate sees them.")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"#{self.position}: question {self.question_id}"


class SessionQuestion(FormItem):
    """A question version drawn into a session, its position, points and frozen choice order."""

    session = models.ForeignKey(TestSession, on_delete=models.CASCADE, related_name="session_questions")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["session_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["session", "position"], name="session_question_position_unique"),
            models.UniqueConstraint(fields=["session", "question"], name="session_question_once"),
        ]


class PreparedForm(models.Model):
    """A form drawn ahead for an invitation, so that pressing Start only stamps the clock.

    Drawn (``candidates.prepared_forms.form_prepare``) by a task queued when the invitation is
    created, exactly as a start would draw it (``seed``, exposure-aware, shuffled as the version says);
    its items count as exposure from then on. The start copies ``items`` into the new session when every
    one of them is still a published question (``item_count`` of them), and draws afresh otherwise.
    Kept after the start (the session's items are the record); removed when a session is reset.
    """

    invitation = models.OneToOneField(Invitation, primary_key=True, on_delete=models.CASCADE,
                                      related_name="prepared_form")
    seed = models.BigIntegerField(help_text="Seed of the draw and of the shuffles.")
    item_count = models.PositiveSmallIntegerField()
    prepared_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"form prepared for invitation {self.invitation_id}"


class PreparedItem(FormItem):
    """One question of a prepared form, in the shape of a ``SessionQuestion``."""

    form = models.ForeignKey(PreparedForm, on_delete=models.CASCADE, related_name="items")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["form_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["form", "position"], name="prepared_item_position_unique"),
        ]


class Response(models.Model):
    """The candidate's current answer to one question of a session.

    ``selected`` is a list of choice ids. ``seq`` orders the saves of one question: the page
    sends the time of the change in milliseconds (so a queued offline save or a second tab's
    older change is recognised), and a save with a lower ``seq`` than the stored one is stale
    and refused. ``first_saved_at`` (server time) feeds the fast-answer integrity signal.
    """

    session = models.ForeignKey(TestSession, on_delete=models.CASCADE, related_name="responses")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    selected = models.JSONField(default=list)
    text = models.TextField(blank=True, help_text="A free-text answer.")
    rating = models.PositiveSmallIntegerField(
        choices=Rating, null=True, blank=True, help_text="A free-text answer's grade on the anchored 0–3 scale."
    )
    graded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    graded_at = models.DateTimeField(null=True, blank=True)
    seq = models.PositiveBigIntegerField(default=0)
    saved_at = models.DateTimeField()
    first_saved_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "question"], name="response_once_per_question"),
        ]

    def __str__(self) -> str:
        return f"question {self.question_id}: {self.selected}"


class OutboxEmail(models.Model):
    """An email to send exactly once: pending → sending → sent | failed.

    ``dedup_key`` (e.g. ``report:session:42``) makes a second enqueue of the same email a no-op.
    """

    dedup_key = models.CharField(max_length=120, unique=True)
    to = models.EmailField()
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    attachments = models.JSONField(
        default=list, blank=True,
        help_text='Rendered at send time, e.g. [{"kind": "session_report_pdf", "session_id": 42}].',
    )
    renderer = models.CharField(
        max_length=40, blank=True,
        help_text="Set: subject and bodies are rendered at send time by this renderer (candidates.outbox).",
    )
    render_args = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=EmailStatus, default=EmailStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="outbox_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to} ({self.status})"


class IntegrityEvent(models.Model):
    """An append-only signal for a human reviewer: page events reported by the browser and
    changes of client address or user agent seen by the server. Never an automatic fail.

    ``occurred_at`` is server time; ``detail`` is capped at ``DETAIL_MAX`` characters.
    """

    DETAIL_MAX = 200

    class Kind(models.TextChoices):
        FOCUS_LOST = "focus_lost", "Page lost focus"
        TAB_HIDDEN = "tab_hidden", "Tab hidden"
        PASTE = "paste", "Paste into the page"
        FULLSCREEN_EXIT = "fullscreen_exit", "Left full screen"
        CLIENT_CHANGED = "client_changed", "IP address or browser changed"

    session = models.ForeignKey(TestSession, on_delete=models.CASCADE, related_name="integrity_events")
    kind = models.CharField(max_length=20, choices=Kind)
    detail = models.CharField(max_length=DETAIL_MAX, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["session_id", "occurred_at", "id"]
        indexes = [models.Index(fields=["session", "occurred_at"], name="integrity_session_time_idx")]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.occurred_at:%H:%M:%S}"


class TimeExtension(models.Model):
    """Extra time granted to one session: who, why, how many seconds. Never edited."""

    session = models.ForeignKey(TestSession, on_delete=models.CASCADE, related_name="time_extensions")
    seconds = models.PositiveIntegerField()
    reason = models.CharField(max_length=500)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField()

    class Meta:
        ordering = ["session_id", "granted_at"]

    def __str__(self) -> str:
        return f"+{self.seconds} s for session {self.session_id}"


class ItemStatistics(models.Model):
    """Statistics of one question version over every finished session that used it (see
    ``candidates.item_statistics``). ``flags`` is empty below the minimum sample size."""

    question = models.OneToOneField(Question, on_delete=models.CASCADE, related_name="item_statistics")
    sample_size = models.PositiveIntegerField()
    exposure = models.PositiveIntegerField(help_text="Sessions the version was given in, finished or not.")
    facility = models.FloatField(null=True)
    sd = models.FloatField(null=True)
    discrimination = models.FloatField(null=True, help_text="Correlation with the rest of the test (−1..1).")
    discriminative_efficiency = models.FloatField(null=True)
    choices = models.JSONField(default=list, help_text="Per choice: id, text, is_key, share, point_biserial.")
    median_seconds = models.FloatField(null=True)
    fast_correct_share = models.FloatField(null=True)
    flags = models.JSONField(default=list)
    needs_review = models.BooleanField(default=False, db_index=True)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "item statistics"

    def __str__(self) -> str:
        return f"Statistics of question {self.question_id}"


class TestStatistics(models.Model):
    """Reliability of one published version: KR-20 / Cronbach's alpha and SEM over its finished sessions."""

    __test__ = False  # not a pytest class

    published_version = models.OneToOneField(PublishedVersion, on_delete=models.CASCADE, related_name="statistics")
    sample_size = models.PositiveIntegerField()
    mean = models.FloatField(null=True, help_text="Points.")
    sd = models.FloatField(null=True, help_text="Points.")
    alpha = models.FloatField(null=True)
    sem = models.FloatField(null=True, help_text="Standard error of measurement, points.")
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "test statistics"

    def __str__(self) -> str:
        return f"Statistics of {self.published_version}"


class Regrade(models.Model):
    """A key correction carried to past sessions: previewed first (``draft``), then ``applied``.

    ``rows``: per affected session ``{"session", "candidate", "old_raw", "new_raw", "old_percent",
    "new_percent", "old_passed", "new_passed"}`` (strings for decimals) — the preview while a draft,
    what was written once applied.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft (dry run)"
        APPLIED = "applied", "Applied"

    old_question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    new_question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    rows = models.JSONField(default=list)
    sessions_checked = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField()
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Regrade {self.old_question_id} → {self.new_question_id} ({self.status})"


class Scorecard(models.Model):
    """One interviewer's ratings of one candidate against one published interview kit.

    Draft while the interview runs (every rating autosaved); submitted scorecards are read-only and
    change only through recorded amendments.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="scorecards")
    kit_version = models.ForeignKey("assessments.InterviewKitVersion", on_delete=models.PROTECT,
                                    related_name="scorecards")
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="scorecards")
    interviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="scorecards")
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    recommendation = models.CharField(max_length=12, choices=Recommendation, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["kit_version", "candidate", "interviewer"],
                                               name="scorecard_once_per_interviewer")]

    def __str__(self) -> str:
        return f"{self.interviewer} on {self.candidate} ({self.status})"


class ScorecardRating(models.Model):
    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="ratings")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    rating = models.PositiveSmallIntegerField(choices=Rating, null=True, blank=True)
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scorecard", "question"], name="rating_once_per_question")]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.rating}"


class ScorecardAmendment(models.Model):
    """A change to a submitted scorecard: what, from what, to what, by whom and why."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="amendments")
    question = models.ForeignKey(Question, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    field = models.CharField(max_length=20)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    reason = models.CharField(max_length=500)
    amended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    amended_at = models.DateTimeField()

    class Meta:
        ordering = ["scorecard_id", "amended_at"]

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value} → {self.new_value}"


class ItemExposure(models.Model):
    """How many forms a question version has been drawn into (started sessions, and forms prepared ahead
    for invitations): the draw prefers the least shown.

    Incremented after each draw commits; reconciled from ``SessionQuestion`` and ``PreparedItem`` by the
    statistics task.
    """

    question = models.OneToOneField(Question, primary_key=True, on_delete=models.CASCADE, related_name="+")
    drawn = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"question {self.question_id}: drawn {self.drawn}×"


class WebhookEndpoint(models.Model):
    """A URL of an organisation that receives signed JSON events (``session.finished``).

    ``secret`` signs every delivery (HMAC-SHA256, see ``candidates.webhooks``); it is shown to the
    recruiter once, on creation.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    secret = models.CharField(max_length=64, editable=False)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization_id", "created_at"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event for one endpoint: pending → delivering → delivered | failed, retried with backoff.

    ``event_id`` is the same for every attempt (receivers de-duplicate on it); ``payload`` is the
    exact JSON body that is signed and sent.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERING = "delivering", "Delivering"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField()
    event_type = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(max_length=12, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_delivery_once_per_event"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_due_idx")]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → {self.endpoint} ({self.status})"
