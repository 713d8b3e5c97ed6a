from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from assessments.interview_kits import interview_kit_publish
from assessments.models import (
    DrawRule,
    FixedQuestion,
    InterviewKit,
    InterviewKitQuestion,
    InterviewKitVersion,
    Membership,
    Organization,
    PublishedVersion,
    Section,
    TestTemplate,
)
from assessments.services import test_template_publish


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "created_at"]
    list_filter = ["organization"]
    autocomplete_fields = ["user"]


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0
    show_change_link = True


class DrawRuleInline(admin.TabularInline):
    model = DrawRule
    extra = 1


class FixedQuestionInline(admin.TabularInline):
    model = FixedQuestion
    extra = 0
    raw_id_fields = ["question"]


@admin.register(TestTemplate)
class TestTemplateAdmin(admin.ModelAdmin):
    list_display = ["title", "organization", "time_limit", "grace_period", "pass_mark", "created_at"]
    list_filter = ["organization"]
    search_fields = ["title", "role"]
    inlines = [SectionInline]
    actions = ["publish"]

    @admin.action(description="Publish selected templates (freeze a new published version)")
    def publish(self, request, queryset):
        for template in queryset:
            try:
                version = test_template_publish(template=template, published_by=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{template}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, f"Published {version} ({version.question_count} questions).")


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["title", "template", "order"]
    list_filter = ["template__organization"]
    inlines = [DrawRuleInline, FixedQuestionInline]


@admin.register(PublishedVersion)
class PublishedVersionAdmin(admin.ModelAdmin):
    """Published versions are immutable: view only."""

    list_display = ["title", "number", "organization", "question_count", "max_score", "time_limit", "published_at"]
    list_filter = ["organization"]
    search_fields = ["title"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class InterviewKitQuestionInline(admin.TabularInline):
    model = InterviewKitQuestion
    extra = 0
    raw_id_fields = ["question"]


@admin.register(InterviewKit)
class InterviewKitAdmin(admin.ModelAdmin):
    list_display = ["title", "organization", "role", "created_at"]
    list_filter = ["organization"]
    search_fields = ["title", "role"]
    inlines = [InterviewKitQuestionInline]
    actions = ["publish"]

    @admin.action(description="Publish selected kits (freeze a new version)")
    def publish(self, request, queryset):
        for kit in queryset:
            version = interview_kit_publish(kit=kit, published_by=request.user)
            self.message_user(request, f"Published {version}.")


@admin.register(InterviewKitVersion)
class InterviewKitVersionAdmin(PublishedVersionAdmin):
    list_display = ["title", "number", "organization", "published_at"]
