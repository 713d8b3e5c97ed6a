"""Workspace pages of the test builder: test list, edit, preview, publish, published version.

The builder is a plain HTML form that works without script: adding or removing a section, a draw
rule or a fixed question posts the whole form back and the page comes back with the change (the
draft is only written on Save). ``static/workspace/builder.js`` adds the live numbers (from
``POST /api/test-templates/stats/``) and the question-bank search on top.
"""

import re
import secrets
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from assessments.api.views import DrawRuleIO, FixedQuestionIO, TestTemplateIO, sections_data
from assessments.builder import spec_from_sections, template_preview, template_stats
from assessments.drawing import DrawError
from assessments.selectors import (
    published_version_get,
    test_template_changed_since_publish,
    test_template_get,
    test_template_latest_version,
    test_template_list,
)
from assessments.services import (
    SETTINGS_FIELDS,
    DrawRuleData,
    FixedQuestionData,
    SectionData,
    test_template_create,
    test_template_publish,
    test_template_update,
)
from assessments.workspace.access import recruiter_required
from questionbank.enums import Difficulty, QuestionKind
from questionbank.models import Question, Topic
from questionbank.selectors import topic_list

BOOLEAN_FIELDS = ("shuffle_questions", "shuffle_choices", "partial_credit", "negative_marking",
                  "show_score_to_candidate")
TEXT_FIELDS = ("title", "role", "description", "grace_period", "pass_mark", "fast_answer_threshold")
ROW_KEY = re.compile(r"^s(\d{1,3})-(?:(title)|([rf])(\d{1,3})-(topic|difficulty|count|points|question))$")
ACTION = re.compile(r"^(add-section|remove-section|up-section|add-rule|remove-rule|add-fixed|remove-fixed)"
                    r"(?:-(\d{1,3}))?(?:-(\d{1,3}))?$")
MAX_ROWS = 100  # a posted form never grows past this many sections / rows per section


def _number(value) -> str:
    """A decimal without trailing zeros (``"1.50"`` → ``"1.5"``, ``"10.00"`` → ``"10"``)."""
    return format(Decimal(value).normalize(), "f")


def duration_text(seconds: int) -> str:
    """Seconds as the builder says them: ``"45 s"``, ``"about 12 min"``, ``"about 1 h 5 min"``."""
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    return f"about {minutes} min" if minutes < 60 else f"about {minutes // 60} h {minutes % 60} min"


# --- The form's data ----------------------------------------------------------------------------

def _blank_rule() -> dict:
    return {"topic": "", "difficulty": "", "count": "1", "points": "1"}


def _blank_form() -> dict:
    return {
        "settings": {"title": "", "role": "", "description": "", "time_limit_minutes": "20", "grace_period": "30",
                     "pass_mark": "60", "fast_answer_threshold": "5", "shuffle_questions": True,
                     "shuffle_choices": True, "partial_credit": False, "negative_marking": False,
                     "show_score_to_candidate": False},
        "sections": [{"title": "Section 1", "rules": [_blank_rule()], "fixed": []}],
    }


def _form_from_template(template) -> dict:
    values = {name: getattr(template, name) for name in SETTINGS_FIELDS}
    settings = {name: values[name] for name in BOOLEAN_FIELDS}
    settings.update({name: str(values[name]) for name in ("title", "role", "description", "grace_period",
                                                          "fast_answer_threshold")})
    settings["pass_mark"] = _number(values["pass_mark"])
    settings["time_limit_minutes"] = _number(Decimal(values["time_limit"]) / 60)
    sections = [
        {
            "title": section.title,
            "rules": [{"topic": r.topic.slug, "difficulty": r.difficulty, "count": str(r.count),
                       "points": _number(r.points)} for r in section.draw_rules.all()],
            "fixed": [{"question": str(f.question_id), "points": _number(f.points)}
                      for f in section.fixed_questions.all()],
        }
        for section in template.sections.all()
    ]
    return {"settings": settings, "sections": sections}


def _form_from_post(post) -> dict:
    settings = {name: post.get(name, "").strip() for name in TEXT_FIELDS}
    settings["time_limit_minutes"] = post.get("time_limit_minutes", "").strip()
    settings.update({name: name in post for name in BOOLEAN_FIELDS})
    sections: dict[int, dict] = {}
    for key in post:
        match = ROW_KEY.match(key)
        if not match:
            continue
        s_index, is_title, kind, row, field = match.groups()
        section = sections.setdefault(int(s_index), {"title": "", "rules": {}, "fixed": {}})
        if is_title:
            section["title"] = post.get(key, "").strip()
        else:
            rows = section["rules" if kind == "r" else "fixed"]
            rows.setdefault(int(row), {})[field] = post.get(key, "").strip()
    ordered = []
    for _, section in sorted(sections.items())[:MAX_ROWS]:
        ordered.append({
            "title": section["title"],
            "rules": [{**_blank_rule(), **r} for _, r in sorted(section["rules"].items())[:MAX_ROWS]],
            "fixed": [{"question": "", "points": "1", **f} for _, f in sorted(section["fixed"].items())[:MAX_ROWS]],
        })
    return {"settings": settings, "sections": ordered}


def _apply(form: dict, action: str, post) -> str:
    """Change the form's structure as ``action`` asks; returns the id of the input to focus."""
    match = ACTION.match(action)
    if not match:
        return ""
    verb, first, second = match.group(1), match.group(2), match.group(3)
    sections = form["sections"]
    i = int(first) if first is not None else -1
    j = int(second) if second is not None else -1
    if verb == "add-section" and len(sections) < MAX_ROWS:
        sections.append({"title": f"Section {len(sections) + 1}", "rules": [_blank_rule()], "fixed": []})
        return f"s{len(sections) - 1}-title"
    if not 0 <= i < len(sections):
        return ""
    section = sections[i]
    if verb == "remove-section":
        del sections[i]
        return "add-section"
    if verb == "up-section" and i > 0:
        sections[i - 1], sections[i] = sections[i], sections[i - 1]
        return f"s{i - 1}-title"
    if verb == "add-rule" and len(section["rules"]) < MAX_ROWS:
        section["rules"].append(_blank_rule())
        return f"s{i}-r{len(section['rules']) - 1}-topic"
    if verb == "add-fixed" and len(section["fixed"]) < MAX_ROWS:
        section["fixed"].append({"question": post.get("add_question", "").strip()[:18], "points": "1"})
        return f"s{i}-f{len(section['fixed']) - 1}-question"
    if verb == "remove-rule" and 0 <= j < len(section["rules"]):
        del section["rules"][j]
        return f"s{i}-add-rule"
    if verb == "remove-fixed" and 0 <= j < len(section["fixed"]):
        del section["fixed"][j]
        return f"s{i}-add-fixed"
    return ""


def _payload(form: dict) -> dict:
    """The form as ``TestTemplateIO`` input: the time limit from minutes to seconds."""
    settings = form["settings"]
    data = {name: settings[name] for name in (*TEXT_FIELDS, *BOOLEAN_FIELDS)}
    try:
        data["time_limit"] = int((Decimal(settings["time_limit_minutes"]) * 60).to_integral_value())
    except (InvalidOperation, ValueError):
        data["time_limit"] = settings["time_limit_minutes"]  # let the serializer name the problem
    data["sections"] = [
        {"title": s["title"], "draw_rules": s["rules"], "fixed_questions": s["fixed"]} for s in form["sections"]
    ]
    return data


# --- Errors and live numbers onto the form -----------------------------------------------------

def _messages(value) -> list[str]:
    if isinstance(value, dict):
        return [m for v in value.values() for m in _messages(v)]
    if isinstance(value, list):
        return [m for v in value for m in _messages(v)]
    return [str(value)]


def _per_row(errors, count: int) -> tuple[list[dict], list[str]]:
    """A list field's errors as one dict per row (DRF keys them by index, in a list or a dict)
    plus the messages about the list as a whole (e.g. the service's section problems)."""
    rows: list[dict] = [{} for _ in range(count)]
    loose: list[str] = []
    items = errors.items() if isinstance(errors, dict) else enumerate(errors)
    for index, item in items:
        index = int(index) if str(index).isdigit() else -1
        if isinstance(item, dict) and 0 <= index < count:
            rows[index] = item
        else:
            loose += _messages(item)
    return rows, loose


def _attach_errors(form: dict, errors: dict) -> list[str]:
    """Put field errors next to their inputs; returns the messages that belong to no input."""
    general: list[str] = []
    settings_errors = {}
    for name, value in errors.items():
        if name == "sections":
            continue
        key = "time_limit_minutes" if name == "time_limit" else name
        if key in form["settings"]:
            settings_errors[key] = _messages(value)
        else:
            general += _messages(value)
    form["settings_errors"] = settings_errors
    section_errors, loose = _per_row(errors.get("sections", []), len(form["sections"]))
    general += loose
    for section, item in zip(form["sections"], section_errors, strict=True):
        section["errors"] = _messages(item.get("title", []))
        for key, rows in (("draw_rules", section["rules"]), ("fixed_questions", section["fixed"])):
            row_errors, loose = _per_row(item.get(key, []), len(rows))
            section["errors"] += loose
            for row, row_error in zip(rows, row_errors, strict=True):
                row["errors"] = {field: _messages(msgs) for field, msgs in row_error.items()}
    return general


def _attach_stats(form: dict) -> dict:
    """Numbers for the rows that are complete enough to count; incomplete rows show none."""
    sections, where = [], []
    for s_index, section in enumerate(form["sections"]):
        rules, fixed = [], []
        for r_index, row in enumerate(section["rules"]):
            data = DrawRuleIO(data=row)
            if data.is_valid():
                rules.append(DrawRuleData(**data.validated_data))
                where.append((s_index, r_index))
        for row in section["fixed"]:
            data = FixedQuestionIO(data=row)
            if data.is_valid():
                fixed.append(FixedQuestionData(**data.validated_data))
        sections.append(SectionData(title=section["title"], rules=rules, fixed=fixed))
    stats = template_stats(spec_from_sections(sections))
    flat = [rule for section in stats.sections for rule in section.rules]
    for (s_index, r_index), rule in zip(where, flat, strict=True):
        form["sections"][s_index]["rules"][r_index]["stats"] = rule
    return {"stats": stats, "duration": duration_text(stats.expected_seconds),
            "forms": f"{stats.distinct_forms:,}"}


def _id(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) <= 18 else None


def _fixed_labels(form: dict) -> None:
    """Each fixed row's question (for its stem, topic and kind), or ``None`` for an unknown id."""
    rows = [row for s in form["sections"] for row in s["fixed"]]
    questions = Question.objects.filter(pk__in={_id(row["question"]) for row in rows} - {None}).select_related("topic")
    by_id = {q.pk: q for q in questions}
    for row in rows:
        row["label"] = by_id.get(_id(row["question"]))


def _render_builder(request, template, form: dict, errors: dict | None = None, focus: str = "", status=200):
    general = _attach_errors(form, errors or {})
    _fixed_labels(form)
    latest = test_template_latest_version(template) if template else None
    return render(request, "workspace/test_builder.html", {
        "nav": "tests", "template": template, "form": form, "general_errors": general,
        "has_errors": bool(errors), "focus": focus, "latest": latest,
        "changed": template is not None and test_template_changed_since_publish(template),
        "topics": topic_list(), "difficulties": Difficulty.choices, "kinds": QuestionKind.choices,
        **_attach_stats(form),
    }, status=status)


# --- Pages --------------------------------------------------------------------------------------

@recruiter_required
def test_list(request):
    """The organisation's test templates with their published versions."""
    templates = list(test_template_list(organization=request.organization))
    rows = [{"template": t, "versions": sorted(t.published_versions.all(), key=lambda v: v.number),
             "latest": test_template_latest_version(t), "changed": test_template_changed_since_publish(t)}
            for t in templates]
    return render(request, "workspace/test_list.html", {"nav": "tests", "rows": rows})


def _save(request, template):
    """Handle a POST of the builder: a structural action re-renders, Save writes the draft."""
    form = _form_from_post(request.POST)
    action = request.POST.get("action", "save")
    if action != "save":
        return _render_builder(request, template, form, focus=_apply(form, action, request.POST))
    data = TestTemplateIO(data=_payload(form))
    if not data.is_valid():
        return _render_builder(request, template, form, errors=data.errors)
    values = dict(data.validated_data)
    sections = sections_data(values.pop("sections"))
    try:
        if template is None:
            template = test_template_create(organization=request.organization, created_by=request.user,
                                            settings=values, sections=sections)
        else:
            test_template_update(template=template, settings=values, sections=sections)
    except DjangoValidationError as exc:
        return _render_builder(request, template, form, errors=exc.message_dict)
    messages.success(request, "Saved.")
    return redirect("workspace-test-edit", template_id=template.pk)


@recruiter_required
def test_new(request):
    """Builder for a new test template; nothing is stored until Save."""
    if request.method == "POST":
        return _save(request, None)
    return _render_builder(request, None, _blank_form())


@recruiter_required
def test_edit(request, template_id: int):
    """Builder for a saved template: its next draft (published versions never change)."""
    template = test_template_get(organization=request.organization, template_id=template_id)
    if request.method == "POST":
        return _save(request, template)
    return _render_builder(request, template, _form_from_template(template))


@recruiter_required
def test_preview(request, template_id: int):
    """One sample draw of the saved draft as the candidate sees it (inputs disabled, no keys);
    ``?seed=`` repeats a sample."""
    template = test_template_get(organization=request.organization, template_id=template_id)
    seed = _id(request.GET.get("seed", ""))
    seed = secrets.randbits(32) if seed is None else seed
    try:
        questions, shortfalls = template_preview(template=template, seed=seed), []
    except DrawError as exc:
        questions, shortfalls = [], [str(s) for s in exc.shortfalls]
    return render(request, "workspace/test_preview.html", {
        "nav": "tests", "template": template, "questions": questions, "shortfalls": shortfalls, "seed": seed,
        "next_seed": secrets.randbits(32), "time_limit_minutes": _number(Decimal(template.time_limit) / 60),
    })


@require_POST
@recruiter_required
def test_publish(request, template_id: int):
    """Publish the saved draft as the next version; the publish check's problems come back as messages."""
    template = test_template_get(organization=request.organization, template_id=template_id)
    try:
        version = test_template_publish(template=template, published_by=request.user)
    except DjangoValidationError as exc:
        for message in _messages(exc.message_dict):
            messages.error(request, message)
        return redirect("workspace-test-edit", template_id=template.pk)
    messages.success(request, f"Published as v{version.number}.")
    return redirect("workspace-version", version_id=version.pk)


@recruiter_required
def version_detail(request, version_id: int):
    """A published version, read-only: its frozen settings and spec."""
    version = published_version_get(organization=request.organization, version_id=version_id)
    spec_sections = version.spec["sections"]
    fixed_ids = [f["question_id"] for s in spec_sections for f in s["fixed"]]
    questions = {q.pk: q for q in Question.objects.filter(pk__in=fixed_ids)}
    topics = {t.pk: t for t in Topic.objects.filter(pk__in={r["topic_id"] for s in spec_sections for r in s["rules"]})}
    sections = [
        {"title": s["title"],
         "rules": [{**r, "topic_name": topics[r["topic_id"]].name if r["topic_id"] in topics else r["topic"]}
                   for r in s["rules"]],
         "fixed": [{**f, "question": questions.get(f["question_id"])} for f in s["fixed"]]}
        for s in spec_sections
    ]
    return render(request, "workspace/version_detail.html", {
        "nav": "tests", "version": version, "sections": sections,
        "time_limit_minutes": _number(Decimal(version.time_limit) / 60),
    })


urlpatterns = [
    path("", test_list, name="workspace-home"),
    path("tests/new/", test_new, name="workspace-test-new"),
    path("tests/<id:template_id>/", test_edit, name="workspace-test-edit"),
    path("tests/<id:template_id>/preview/", test_preview, name="workspace-test-preview"),
    path("tests/<id:template_id>/publish/", test_publish, name="workspace-test-publish"),
    path("versions/<id:version_id>/", version_detail, name="workspace-version"),
]
