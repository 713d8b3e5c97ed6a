"""The printable interview kit, rendered from HTML to PDF with xhtml2pdf."""

from django.template.loader import render_to_string

from assessments.enums import RATING_ANCHORS, Rating
from assessments.models import InterviewKitVersion
from config.pdf import html_to_pdf
from questionbank.models import Question
from questionbank.rendering import render_markdown


def kit_pdf(version: InterviewKitVersion) -> bytes:
    """PDF bytes of a published kit: each question with model answer, strong-answer notes, follow-ups,
    and the anchored rating scale, with room to write. Raises ``RuntimeError`` if rendering fails."""
    by_id = {q.pk: q for q in Question.objects.filter(pk__in=version.question_ids).select_related("topic")}
    questions = []
    for pk in version.question_ids:
        q = by_id[pk]
        q.stem_html = render_markdown(q.stem)
        q.model_answer_html = render_markdown(q.model_answer)
        q.strong_html = render_markdown(q.interviewer_guidance)
        questions.append(q)
    html = render_to_string("assessments/kit_print.html", {
        "version": version, "questions": questions,
        "scale": [{"rating": r.value, "label": r.label, "anchor": RATING_ANCHORS[r]} for r in Rating],
    })
    return html_to_pdf(html)
