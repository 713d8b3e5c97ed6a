import json

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from candidates.models import (
    Candidate,
    IntegrityEvent,
    Invitation,
    ItemStatistics,
    OutboxEmail,
    PreparedForm,
    Regrade,
    Response,
    Scorecard,
    ScorecardAmendment,
    ScorecardRating,
    SessionQuestion,
    TestSession,
    TestStatistics,
    TimeExtension,
    WebhookDelivery,
    WebhookEndpoint,
)
from candidates.regrading import regrade_apply, regrade_create
from candidates.webhooks import (
    webhook_endpoint_create,
    webhook_endpoint_update,
    webhook_retry_now,
    webhook_url_validate,
)
from questionbank.enums import QuestionStatus
from questionbank.services import question_new_version, question_set_status


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services (sessions, responses, emails): visible, not editable."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Candidate)
class CandidateAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "organization", "created_at"]
    list_filter = ["organization"]
    search_fields = ["name", "email"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["candidate", "published_version", "status", "expires_at", "invited_by", "created_at"]
    list_filter = ["status", "organization"]
    search_fields = ["candidate__name", "candidate__email"]
    list_select_related = ["candidate", "published_version", "invited_by"]
    exclude = ["token_hash"]
    readonly_fields = ["form_drawn_ahead"]

    @admin.display(description="Form drawn ahead")
    def form_drawn_ahead(self, obj: Invitation) -> str:
        """When the invitation's form was drawn ahead of its start (``candidates.prepared_forms``), or why not."""
        form = PreparedForm.objects.filter(invitation=obj).first()
        if form is None:
            return "No: the start draws the form"
        return f"{form.prepared_at:%Y-%m-%d %H:%M:%S} UTC, {form.item_count} questions"


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False


class SessionQuestionInline(ReadOnlyInline):
    model = SessionQuestion
    fields = ["position", "question", "points", "section_title"]


class TimeExtensionInline(ReadOnlyInline):
    model = TimeExtension
    fields = ["seconds", "reason", "granted_by", "granted_at"]


class ResponseInline(ReadOnlyInline):
    model = Response
    fields = ["question", "selected", "seq", "saved_at"]


@admin.register(TestSession)
class TestSessionAdmin(ReadOnlyAdmin):
    list_display = ["id", "candidate", "published_version", "status", "percent_score", "passed", "started_at",
                    "finished_at"]
    list_filter = ["status", "organization", "passed"]
    search_fields = ["invitation__candidate__name", "invitation__candidate__email"]
    list_select_related = ["invitation__candidate", "published_version"]
    inlines = [SessionQuestionInline, ResponseInline, TimeExtensionInline]

    @admin.display(description="Candidate")
    def candidate(self, obj: TestSession):
        return obj.invitation.candidate


@admin.register(OutboxEmail)
class OutboxEmailAdmin(ReadOnlyAdmin):
    list_display = ["subject", "to", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["to", "subject", "dedup_key"]


@admin.register(IntegrityEvent)
class IntegrityEventAdmin(ReadOnlyAdmin):
    """Append-only signals: nobody edits or deletes them here either."""

    list_display = ["session", "kind", "occurred_at", "ip", "detail"]
    list_filter = ["kind"]
    list_select_related = ["session"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ItemStatistics)
class ItemStatisticsAdmin(ReadOnlyAdmin):
    """The curation queue: filter on "needs review" to see flagged items with their numbers."""

    list_display = ["question_link", "topic", "sample_size", "exposure", "facility_", "discrimination_",
                    "efficiency_", "flag_list"]
    list_filter = ["needs_review", "question__topic", "question__difficulty"]
    search_fields = ["question__stem", "question__external_ref"]
    list_select_related = ["question__topic"]
    ordering = ["-needs_review", "facility"]
    actions = ["retire_questions", "start_new_versions", "recompute"]
    fields = ["question_link", "sample_size", "exposure", "facility_", "sd", "discrimination_", "efficiency_",
              "median_seconds", "fast_correct_share", "flag_list", "choice_table", "computed_at"]
    readonly_fields = fields

    @admin.display(description="Question")
    def question_link(self, obj):
        url = reverse("admin:questionbank_question_change", args=[obj.question_id])
        return format_html('<a href="{}">{}</a>', url, str(obj.question)[:80])

    @admin.display(description="Topic")
    def topic(self, obj):
        return obj.question.topic

    @staticmethod
    def _fmt(value, pattern="{:.2f}"):
        return "—" if value is None else pattern.format(value)

    @admin.display(description="Facility", ordering="facility")
    def facility_(self, obj):
        return self._fmt(obj.facility)

    @admin.display(description="Discrimination", ordering="discrimination")
    def discrimination_(self, obj):
        return self._fmt(obj.discrimination)

    @admin.display(description="Disc. efficiency", ordering="discriminative_efficiency")
    def efficiency_(self, obj):
        return self._fmt(None if obj.discriminative_efficiency is None else 100 * obj.discriminative_efficiency,
                         "{:.0f}%")

    @admin.display(description="Flags")
    def flag_list(self, obj):
        return ", ".join(f.replace("_", " ") for f in obj.flags) or "—"

    @admin.display(description="Choices")
    def choice_table(self, obj):
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((c["text"][:80], "key" if c["is_key"] else "", f"{100 * c['share']:.0f}%",
              self._fmt(c["point_biserial"])) for c in obj.choices),
        )
        return format_html("<table><tr><th>Choice</th><th></th><th>Chosen by</th><th>Point-biserial</th></tr>{}"
                           "</table>", rows)

    @admin.action(description="Retire the questions (removed from future draws only)")
    def retire_questions(self, request, queryset):
        for stats in queryset.select_related("question"):
            question_set_status(question=stats.question, status=QuestionStatus.RETIRED)
        self.message_user(request, f"{queryset.count()} question(s) retired.")

    @admin.action(description="Start a new draft version of the questions")
    def start_new_versions(self, request, queryset):
        for stats in queryset.select_related("question"):
            new = question_new_version(question=stats.question)
            self.message_user(request, f"Draft version {new.version} created (question {new.pk}).")

    @admin.action(description="Recompute all statistics now")
    def recompute(self, request, queryset):
        # Here, not at the top: the admin loads in every web process, NumPy only when this runs.
        from candidates.item_statistics import statistics_recompute

        result = statistics_recompute(now=timezone.now())
        self.message_user(request, f"{result['items']} items, {result['flagged']} flagged.")


@admin.register(TestStatistics)
class TestStatisticsAdmin(ReadOnlyAdmin):
    list_display = ["published_version", "sample_size", "mean", "sd", "alpha", "sem", "computed_at"]


@admin.register(Regrade)
class RegradeAdmin(admin.ModelAdmin):
    """Create a regrade to preview it (a dry run); apply it with the action. Applied regrades are history."""

    list_display = ["__str__", "status", "sessions_checked", "changed", "created_by", "created_at", "applied_at"]
    list_filter = ["status"]
    raw_id_fields = ["old_question", "new_question"]
    actions = ["apply"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["old_question", "new_question"]
        return ["old_question", "new_question", "status", "sessions_checked", "preview", "created_by", "created_at",
                "applied_by", "applied_at"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    @admin.display(description="Sessions changing")
    def changed(self, obj):
        return len(obj.rows)

    @admin.display(description="Score changes")
    def preview(self, obj):
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{} → {}</td><td>{}% → {}%</td><td>{} → {}</td></tr>",
            ((r["session"], r["candidate"], r["old_raw"], r["new_raw"], r["old_percent"], r["new_percent"],
              "pass" if r["old_passed"] else "fail", "pass" if r["new_passed"] else "fail") for r in obj.rows),
        )
        return format_html("<table><tr><th>Session</th><th>Candidate</th><th>Points</th><th>Percent</th>"
                           "<th>Result</th></tr>{}</table>", rows) if obj.rows else "No score changes."

    def save_model(self, request, obj, form, change):
        if change:
            return
        created = regrade_create(old_question=obj.old_question, new_question=obj.new_question,
                                 created_by=request.user, now=timezone.now())
        obj.pk = created.pk

    def has_change_permission(self, request, obj=None):
        return obj is None or (obj.status == Regrade.Status.DRAFT and super().has_change_permission(request, obj))

    @admin.action(description="Apply the selected regrades (rescore and notify recruiters)")
    def apply(self, request, queryset):
        for regrade in queryset:
            applied = regrade_apply(regrade=regrade, applied_by=request.user, now=timezone.now())
            self.message_user(request, f"{applied}: {len(applied.rows)} session(s) rescored.")


class ScorecardRatingInline(ReadOnlyInline):
    model = ScorecardRating
    fields = ["question", "rating", "notes", "updated_at"]


class ScorecardAmendmentInline(ReadOnlyInline):
    model = ScorecardAmendment
    fields = ["question", "field", "old_value", "new_value", "reason", "amended_by", "amended_at"]


@admin.register(Scorecard)
class ScorecardAdmin(ReadOnlyAdmin):
    list_display = ["candidate", "kit_version", "interviewer", "status", "recommendation", "submitted_at"]
    list_filter = ["status", "recommendation", "organization"]
    search_fields = ["candidate__name", "candidate__email"]
    inlines = [ScorecardRatingInline, ScorecardAmendmentInline]



class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label="URL", max_length=500, assume_scheme="https")

    class Meta:
        model = WebhookEndpoint
        fields = ["organization", "url", "description", "is_active"]

    def clean_url(self):
        # The API's rules (scheme, https, public addresses) as a field error, not a 500.
        url = self.cleaned_data["url"]
        try:
            webhook_url_validate(url=url)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["url"]) from exc
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """Endpoints with a masked secret: it is shown once, to whoever registers the endpoint."""

    form = WebhookEndpointForm
    list_display = ["url", "organization", "description", "is_active", "created_by", "created_at"]
    list_filter = ["is_active", "organization"]
    search_fields = ["url", "description"]
    list_select_related = ["organization", "created_by"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["organization", "url", "description", "is_active"]
        return ["organization", "url", "description", "is_active", "masked_secret", "created_by", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["organization", "masked_secret", "created_by", "created_at"]

    @admin.display(description="Secret")
    def masked_secret(self, obj: WebhookEndpoint):
        return f"{obj.secret[:4]}…{obj.secret[-4:]}" if obj.secret else "—"

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        created = webhook_endpoint_create(organization=obj.organization, url=obj.url, description=obj.description,
                                          created_by=request.user)
        if not obj.is_active:
            webhook_endpoint_update(endpoint=created, is_active=False)
        obj.pk, obj.secret = created.pk, created.secret
        self.message_user(request, f"Signing secret, shown only this once: {created.secret}")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    """The delivery log: every event sent to every endpoint, with its attempts and last reply."""

    list_display = ["event_type", "event_id", "endpoint", "status", "attempts", "last_status_code",
                    "short_error", "next_attempt_at", "created_at", "delivered_at"]
    list_filter = ["status", "event_type", "endpoint"]
    search_fields = ["event_id", "endpoint__url"]
    list_select_related = ["endpoint"]
    actions = ["retry_now"]
    fields = ["endpoint", "event_id", "event_type", "status", "attempts", "next_attempt_at", "claimed_at",
              "last_status_code", "last_error", "created_at", "delivered_at", "pretty_payload"]
    readonly_fields = fields

    @admin.display(description="Last error")
    def short_error(self, obj: WebhookDelivery):
        return obj.last_error[:80] or "—"

    @admin.display(description="Payload")
    def pretty_payload(self, obj: WebhookDelivery):
        return format_html("<pre>{}</pre>", json.dumps(obj.payload, indent=2, sort_keys=True, ensure_ascii=False))

    @admin.action(description="Retry now (pending or failed deliveries)")
    def retry_now(self, request, queryset):
        count = webhook_retry_now(delivery_ids=list(queryset.values_list("id", flat=True)), now=timezone.now())
        self.message_user(request, f"{count} deliver{'y' if count == 1 else 'ies'} queued to send now.")
