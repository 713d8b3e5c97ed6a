from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from questionbank.enums import QuestionStatus
from questionbank.models import Choice, Question, Topic
from questionbank.services import question_new_version, question_set_status


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 0
    fields = ["order", "text", "is_key", "pinned", "rationale"]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    """Curation. Versions given to candidates are read-only: "Start a new version" to change one."""

    list_display = ["short_stem", "topic", "difficulty", "kind", "status", "version", "in_use", "external_ref"]
    list_filter = ["topic", "difficulty", "status", "kind", "in_use"]
    search_fields = ["stem", "external_ref", "source_reference"]
    list_select_related = ["topic"]
    readonly_fields = ["family", "version", "in_use", "created_at", "updated_at"]
    inlines = [ChoiceInline]
    actions = ["publish", "retire", "start_new_version"]
    fieldsets = [
        (None, {"fields": ["stem", "kind", "topic", "difficulty", "tags", "status"]}),
        ("Feedback", {"fields": ["explanation"]}),
        ("Provenance", {"fields": ["external_ref", "source_reference", "family", "version", "in_use",
                                   "created_at", "updated_at"]}),
    ]

    @admin.display(description="Stem")
    def short_stem(self, obj: Question) -> str:
        return str(obj)[:90]

    def get_readonly_fields(self, request, obj=None):
        # Status changes go through the publish/retire actions, which validate and retire old versions.
        return [*self.readonly_fields, "status"] if obj else self.readonly_fields

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.in_use:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.in_use:
            return False
        return super().has_delete_permission(request, obj)

    def _set_status(self, request, queryset, status: str):
        done = 0
        for question in queryset:
            try:
                question_set_status(question=question, status=status)
                done += 1
            except ValidationError as exc:
                self.message_user(request, f"{question}: {' '.join(exc.messages)}", messages.ERROR)
        self.message_user(request, f"{done} question(s) set to {status}.")

    @admin.action(description="Publish selected questions")
    def publish(self, request, queryset):
        self._set_status(request, queryset, QuestionStatus.PUBLISHED)

    @admin.action(description="Retire selected questions (removes them from future draws only)")
    def retire(self, request, queryset):
        self._set_status(request, queryset, QuestionStatus.RETIRED)

    @admin.action(description="Start a new draft version of selected questions")
    def start_new_version(self, request, queryset):
        for question in queryset:
            new = question_new_version(question=question)
            self.message_user(request, f"Draft version {new.version} of '{question}' created (id {new.pk}).")
