from django.contrib import admin

from candidates.models import (
    Candidate,
    IntegrityEvent,
    Invitation,
    OutboxEmail,
    Response,
    SessionQuestion,
    TestSession,
    TimeExtension,
)


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
