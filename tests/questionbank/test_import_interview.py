"""The interview importer against the five real documents in ../shared/seeds (read as they are)."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from questionbank.importers.interview import read_interview_document
from questionbank.models import Question

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
FILES = sorted(SEEDS.glob("*.txt"))
pytestmark = pytest.mark.skipif(len(FILES) != 5, reason="needs ../shared/seeds beside the project")


@pytest.fixture
def topics(taxonomy):
    return taxonomy


def _by_file():
    return {p.name[:3]: read_interview_document(p) for p in FILES}


def test_import_finds_every_question_and_nothing_else():
    parsed = _by_file()

    assert {k: len(v) for k, v in parsed.items()} == {"000": 100, "001": 122, "002": 26, "003": 195, "004": 29}
    assert sum(q.kind == "free_text" for q in parsed["001"]) == 97
    assert sum(q.options_missing for q in parsed["001"]) == 25
    stems = [q.stem for qs in parsed.values() for q in qs]
    for not_a_question in ("Tips for the Interview", "Key Takeaways", "Conclusion",
                           "Which Flask skills should you evaluate during the interview phase?"):
        assert not any(not_a_question in stem for stem in stems)
    assert [q.position for q in parsed["003"]][160:162] == [166, 167]     # 161–165 are missing in the source


def test_import_exact_stems_levels_categories_and_answers():
    parsed = _by_file()

    first = parsed["000"][0]
    assert (first.position, first.stem) == (101, "How do you implement asynchronous views in Flask?")
    assert "```python" in first.answer
    juniors_first = next(q for q in parsed["001"] if q.level == "juniors")
    assert juniors_first.position == 1
    mcq_13 = [q for q in parsed["001"] if q.options_missing][12]
    assert mcq_13.stem.startswith("Which of the following is the correct way to subscribe a function to a Flask "
                                  "signal, such as request_started?")
    qa = parsed["002"][0]
    assert qa.category == "Flask Basics"
    assert qa.guidance.startswith("They want to see that you understand")
    assert "Why interviewers ask this" not in qa.answer
    assert parsed["003"][0].category == "Basics"
    last = parsed["004"][-1]
    assert (last.level, last.position) == ("advanced", 29)
    assert "Coding Ninjas" not in last.answer
    assert "naukri" not in last.answer


def test_import_command_maps_topics_difficulty_sources_and_is_idempotent(topics):
    call_command("import_questions", *map(str, FILES))
    count = Question.objects.count()

    call_command("import_questions", *map(str, FILES))

    assert count == 472
    assert Question.objects.count() == count
    fresher = Question.objects.get(external_ref="001_3207d715df3a89c8:freshers-1")
    assert (fresher.difficulty, fresher.kind, fresher.status) == ("easy", "free_text", "draft")
    assert fresher.source_reference == "001_3207d715df3a89c8.txt, freshers Q1 (line 6)"
    assert fresher.topic_inferred
    advanced = Question.objects.get(external_ref="004_3873cd7ab0f5a3ff:advanced-29")
    assert advanced.difficulty == "hard"
    categorised = Question.objects.get(external_ref="002_98e5cd3a334ac6fb:1")
    assert (categorised.topic.slug, categorised.topic_inferred) == ("basics", False)
    mcq = Question.objects.filter(options_missing=True)
    assert (mcq.count(), set(mcq.values_list("status", flat=True))) == (25, {"draft"})
    assert Question.objects.filter(external_ref__startswith="003_", topic__slug="templates-jinja2").count() >= 15


def test_import_report_json_lists_counts_and_duplicates(topics, capsys):
    call_command("import_questions", *map(str, FILES), "--dry-run", "--report", "json")

    report = json.loads(capsys.readouterr().out)
    assert report["dry_run"] is True
    assert report["created"] == 472
    assert sum(report["per_topic"].values()) == 472
    assert report["options_missing"] == 25
    assert report["duplicates"]
    assert Question.objects.count() == 0                       # a dry run writes nothing


def test_import_malformed_file_names_file_and_line_and_writes_nothing(topics, tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("Just some text.\nNo questions here.\n")

    with pytest.raises(CommandError, match=r"notes.txt:1: not an interview document"):
        call_command("import_questions", str(FILES[0]), str(bad))
    assert Question.objects.count() == 0


def test_import_links_near_duplicates_across_sources(topics):
    call_command("import_questions", *map(str, FILES))

    linked = Question.objects.filter(duplicates__isnull=False).distinct()
    assert linked.exists()
    question = linked.first()
    assert question in question.duplicates.first().duplicates.all()




@pytest.mark.parametrize(("a", "b", "same"), [
    ("What is Flask?", "What is Flask, in simple words?", True),
    ("What is Flask, in simple words?", "What is Flask, in super simple words?", True),
    ("What is Flask?", "What is Flask-Migrate?", False),
    ("What is Jinja2?", "What is Werkzeug?", False),
])
def test_import_near_duplicate_rule(a, b, same):
    from questionbank.importing import is_near_duplicate

    assert is_near_duplicate(a, b) is same
