"""GIFT, Aiken and CSV: the syntax points, errors with line numbers, export → import round trips."""

import pytest
from django.core.management import call_command

from questionbank.importers.aiken import read_aiken, write_aiken
from questionbank.importers.base import ImportFormatError
from questionbank.importers.csv_format import read_csv, write_csv
from questionbank.importers.gift import read_gift, write_gift
from questionbank.importing import questions_import
from questionbank.models import Question
from questionbank.services import question_as_data
from tests.factories import TopicFactory, question_make

GIFT = r"""// A comment that is not about a question
$CATEGORY: flask/routing-requests-responses

// [id:gift-1] [tag:routing] [tag:http]
::Methods::[markdown]Which decorator argument limits a route to POST \{ only \}? {
    =`methods\=["POST"]` #Right: a list of verbs.
    ~`method\="POST"` #There is no such argument.
    ~`post\=True`
    ####Routes answer GET (and HEAD, OPTIONS) unless told otherwise.
}

Pick the two HTTP methods that are safe. {
    ~%50%GET
    ~%50%HEAD
    ~%-100%POST
}

Explain the request context. {}

The sky is blue. {T}
"""


def test_gift_reads_categories_ids_tags_weights_escapes_feedback():
    questions, skipped = read_gift(GIFT, "bank.gift")

    first, second, essay = questions
    assert (first.ref, first.tags) == ("gift-1", ["routing", "http"])
    assert first.category == "flask/routing-requests-responses"
    assert first.stem == "Which decorator argument limits a route to POST { only }?"
    assert [(c.text, c.is_key, c.rationale) for c in first.choices] == [
        ('`methods=["POST"]`', True, "Right: a list of verbs."),
        ('`method="POST"`', False, "There is no such argument."),
        ("`post=True`", False, "")]
    assert first.explanation.startswith("Routes answer GET")
    assert (second.kind, [c.weight for c in second.choices]) == ("multiple_choice", [0.5, 0.5, -1.0])
    assert essay.kind == "free_text"
    assert skipped == [{"file": "bank.gift", "line": 20, "reason": "true/false questions are not supported"}]


@pytest.mark.parametrize(("text", "line", "message"), [
    ("Q one {\n=a\n~b\n\nQ two {\n=a\n}\n", 1, "unbalanced"),   # the { opened on line 1 never closed
    ("Just text without answers\n", 1, "expected an answer block"),
    ("Q {\nnot an answer\n=a\n}\n", 1, "expected answers starting with = or ~"),
])
def test_gift_errors_name_the_line(text, line, message):
    with pytest.raises(ImportFormatError) as exc:
        read_gift(text, "bad.gift")
    assert exc.value.line == line
    assert message in str(exc.value)
    assert str(exc.value).startswith(f"bad.gift:{line}:")


def test_aiken_reads_both_option_styles_and_reports_bad_answers():
    questions, _ = read_aiken("What runs Flask in production?\nA) flask run\nB. gunicorn\nANSWER: B\n\n"
                              "Second?\nA. x\nB. y\nANSWER: A\n", "q.txt")

    assert [(q.stem, [c.is_key for c in q.choices]) for q in questions] == [
        ("What runs Flask in production?", [False, True]), ("Second?", [True, False])]
    with pytest.raises(ImportFormatError, match=r"q.txt:4: ANSWER C is not one of the options"):
        read_aiken("Q?\nA) x\nB) y\nANSWER: C\n", "q.txt")
    with pytest.raises(ImportFormatError, match=r"q.txt:4: expected `ANSWER: X`"):
        read_aiken("Q?\nA) x\nB) y\n\n", "q.txt")


def test_csv_header_is_checked():
    with pytest.raises(ImportFormatError, match=r"q\.csv:1: expected the header ref,topic"):
        read_csv("question,answer\nx,y\n", "q.csv")


@pytest.fixture
def small_bank(taxonomy):
    topic = TopicFactory(slug="routing-requests-responses")
    single = question_make(topic, n=1)
    multi = question_make(topic, n=2, kind="multiple_choice", keys=(0, 2))
    for q in (single, multi):
        q.external_ref, q.tags = f"rt-{q.pk}", ["routing"]
        q.save()
    return [single, multi]


def _roundtrip(text_of, reader, questions, fields):
    text = text_of(Question.objects.filter(pk__in=[q.pk for q in questions]).order_by("id"))
    before = [question_as_data(q) for q in questions]
    Question.objects.all().delete()
    parsed, _ = reader(text, "export")
    questions_import(parsed_by_file={"export": parsed}, status="published")
    after = [question_as_data(Question.objects.get(external_ref=b.external_ref)) for b in before]
    for b, a in zip(before, after, strict=True):
        for name in fields:
            assert getattr(a, name) == getattr(b, name), name


def test_roundtrip_gift_keeps_stem_choices_keys_rationales_explanation_tags_topic(small_bank):
    _roundtrip(write_gift, read_gift, small_bank,
               ["stem", "kind", "choices", "explanation", "tags", "topic", "external_ref"])


def test_roundtrip_csv_keeps_what_it_holds(small_bank):
    _roundtrip(lambda qs: write_csv(qs)[0], read_csv, small_bank,
               ["stem", "kind", "explanation", "tags", "topic", "difficulty", "external_ref"])
    for q in Question.objects.all():
        assert [c.is_key for c in q.choices.all()] == ([True, False, False, False] if q.kind == "single_choice"
                                                       else [True, False, True, False])


def test_roundtrip_aiken_single_choice_and_reports_what_it_cannot_hold(small_bank):
    text, left_out = write_aiken(Question.objects.order_by("id"))

    assert left_out == [small_bank[1].external_ref]           # multiple choice does not fit Aiken
    parsed, _ = read_aiken(text, "export.txt")
    assert [(p.stem.split()[0], [c.is_key for c in p.choices]) for p in parsed] == [
        ("Question", [True, False, False, False])]


def test_export_command_writes_gift(small_bank, capsys):
    call_command("export_questions", "--format", "gift", "--status", "published")

    out = capsys.readouterr().out
    assert "$CATEGORY: flask/routing-requests-responses" in out
    assert f"// [id:{small_bank[0].external_ref}] [tag:routing]" in out


def test_admin_import_preview_then_confirm(admin_client, small_bank):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("new.txt", b"What does flask run start?\nA) A production server\n"
                                           b"B) The development server\nANSWER: B\n")
    preview = admin_client.post("/admin/questionbank/question/import/",
                                {"file": upload, "format": "auto", "status": "draft", "topic": ""})
    assert b"Confirm the import" in preview.content
    assert Question.objects.count() == 2                       # nothing written by the preview

    confirmed = admin_client.post("/admin/questionbank/question/import/", {"confirm": "1"})

    assert confirmed.status_code == 302
    assert Question.objects.filter(stem="What does flask run start?", status="draft").exists()


def test_api_import_dry_run_by_default_and_errors_name_the_line(admin_client, small_bank):
    from django.core.files.uploadedfile import SimpleUploadedFile

    ok = admin_client.post("/api/questions/import/", {
        "file": SimpleUploadedFile("q.aiken", b"Q?\nA) x\nB) y\nANSWER: A\n")})
    bad = admin_client.post("/api/questions/import/", {
        "file": SimpleUploadedFile("q.aiken", b"Q?\nA) x\nB) y\nANSWER: Z\n")})

    assert (ok.status_code, ok.json()["created"], ok.json()["dry_run"]) == (200, 1, True)
    assert Question.objects.count() == 2
    assert bad.status_code == 400
    assert bad.json()["file"] == ["q.aiken:4: ANSWER Z is not one of the options ['A', 'B']"]
