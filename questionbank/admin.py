from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.html import format_html_join

from questionbank.enums import QuestionStatus
from questionbank.importers.base import ImportFormatError
from questionbank.importers.registry import FORMATS
from questionbank.importing import text_import
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
    readonly_fields = ["family", "version", "in_use", "created_at", "updated_at", "duplicate_links"]
    inlines = [ChoiceInline]
    actions = ["publish", "retire", "start_new_version"]
    fieldsets = [
        (None, {"fields": ["stem", "kind", "topic", "difficulty", "tags", "status"]}),
        ("Feedback", {"fields": ["explanation"]}),
        ("Interview use", {"fields": ["model_answer", "interviewer_guidance", "follow_ups"]}),
        ("Provenance", {"fields": ["external_ref", "source_reference", "valid_for", "checked_against",
                                   "options_missing", "topic_inferred", "duplicate_links", "family", "version",
                                   "in_use", "created_at", "updated_at"]}),
    ]

    @admin.display(description="Near-duplicates")
    def duplicate_links(self, obj: Question):
        rows = [(reverse("admin:questionbank_question_change", args=[d.pk]), str(d)[:80]) for d in obj.duplicates.all()]
        return format_html_join(", ", '<a href="{}">{}</a>', rows) or "—"

    def get_urls(self):
        return [path("import/", self.admin_site.admin_view(self.import_view), name="questionbank_question_import"),
                *super().get_urls()]

    def import_view(self, request):
        """Upload → preview (a dry run) → confirm. The upload waits in the session between the two."""
        context = {**self.admin_site.each_context(request), "opts": self.model._meta}
        if request.method == "POST" and request.POST.get("confirm") and "question_import" in request.session:
            pending = request.session.pop("question_import")
            try:
                report = text_import(**pending)
            except ImportFormatError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return redirect("admin:questionbank_question_import")
            self.message_user(request, f"Imported {pending['name']}: {report.created} new, {report.updated} updated.")
            return redirect("admin:questionbank_question_changelist")
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            pending = {"name": upload.name, "text": upload.read().decode("utf-8", errors="replace"),
                       "fmt": form.cleaned_data["format"], "status": form.cleaned_data["status"],
                       "topic": form.cleaned_data["topic"]}
            try:
                report = text_import(**pending, dry_run=True)
            except ImportFormatError as exc:
                context.update(form=form, error=str(exc))
                return render(request, "admin/questionbank/question/import.html", context)
            request.session["question_import"] = pending
            context.update(report=report.as_dict(), name=upload.name)
        else:
            context["form"] = form
        return render(request, "admin/questionbank/question/import.html", context)

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


class ImportForm(forms.Form):
    file = forms.FileField(help_text="Up to 2 MB of UTF-8 text.")
    format = forms.ChoiceField(choices=[(f, f) for f in ("auto", *FORMATS)], initial="auto")
    topic = forms.SlugField(required=False, help_text="A topic slug for every question (optional).")
    status = forms.ChoiceField(choices=[("draft", "draft"), ("published", "published")], initial="draft")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError("Files up to 2 MB.")
        return upload
