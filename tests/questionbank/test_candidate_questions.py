"""The candidate's view of questions: rendered once per process for versions in use, never for others."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from questionbank.models import Question
from questionbank.rendering import render_inline_markdown, render_many, render_markdown
from questionbank.selectors import questions_for_candidates, questions_in_use_forget, questions_not_known_in_use
from questionbank.services import questions_mark_in_use
from tests.factories import TopicFactory, question_make

pytestmark = pytest.mark.django_db(transaction=True)


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as queries:
        fn()
    return len(queries.captured_queries)


def test_in_use_versions_are_read_once_and_never_show_keys():
    question = question_make(TopicFactory(slug="cache"), keys=(1,))
    Question.objects.filter(pk=question.pk).update(in_use=True)

    first = questions_for_candidates([question.pk])[question.pk]

    assert _queries(lambda: questions_for_candidates([question.pk])) == 0
    assert [c.html for c in first.choices] == ["choice 0", "choice 1", "choice 2", "choice 3"]
    assert not hasattr(first.choices[0], "is_key")
    assert "<pre" in first.stem_html
    assert questions_not_known_in_use([question.pk]) == []
    assert _queries(lambda: questions_mark_in_use(question_ids=[question.pk])) == 0


def test_versions_not_in_use_are_read_every_time_so_an_edit_shows():
    question = question_make(TopicFactory(slug="editable"))
    questions_for_candidates([question.pk])
    Question.objects.filter(pk=question.pk).update(stem="Edited stem")

    assert questions_for_candidates([question.pk])[question.pk].stem_html == "<p>Edited stem</p>"
    assert questions_not_known_in_use([question.pk]) == [question.pk]


def test_reads_inside_a_transaction_are_not_kept():
    question = question_make(TopicFactory(slug="rollback"))
    with transaction.atomic():
        questions_mark_in_use(question_ids=[question.pk])
        questions_for_candidates([question.pk])
        transaction.set_rollback(True)

    # The marking rolled back: the version is editable again and must be read afresh.
    assert _queries(lambda: questions_for_candidates([question.pk])) == 2


def test_a_new_process_fetches_what_another_rendered_from_the_shared_cache():
    question = question_make(TopicFactory(slug="shared"), keys=(1,))
    Question.objects.filter(pk=question.pk).update(in_use=True)
    questions_for_candidates([question.pk])
    questions_in_use_forget()                        # another process: nothing of its own kept
    render_markdown.cache_clear()
    render_inline_markdown.cache_clear()

    again = questions_for_candidates([question.pk])[question.pk]

    assert "<pre" in again.stem_html
    assert [c.html for c in again.choices] == ["choice 0", "choice 1", "choice 2", "choice 3"]
    assert render_markdown.cache_info().misses == 0  # fetched, not rendered
    assert render_inline_markdown.cache_info().misses == 0


def test_the_shared_rendering_is_keyed_by_the_text_so_an_edit_is_rendered_anew():
    assert render_many(["**a**", "b"], inline=True) == ["<strong>a</strong>", "b"]
    render_markdown.cache_clear()
    render_inline_markdown.cache_clear()

    assert render_many(["**a**", "*c*"], inline=True) == ["<strong>a</strong>", "<em>c</em>"]
    assert render_inline_markdown.cache_info().misses == 1          # only the new text
    assert render_many(["**a**"]) == ["<p><strong>a</strong></p>"]  # block and inline kept apart
