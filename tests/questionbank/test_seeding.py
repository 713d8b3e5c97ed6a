from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from questionbank.models import Question, Topic
from questionbank.seeding import seed_bank_load

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def test_seed_bank_load_is_idempotent_and_complete(db):
    first = seed_bank_load(directory=SEEDS)
    snapshot = list(Question.objects.order_by("id").values_list("id", "version", "stem", "updated_at"))

    second = seed_bank_load(directory=SEEDS)

    assert first.changed
    assert not second.changed
    assert second.unchanged == first.created
    assert list(Question.objects.order_by("id").values_list("id", "version", "stem", "updated_at")) == snapshot
    assert Topic.objects.count() == 14
    mcq = Question.objects.filter(external_ref__startswith="mcq-001-", status="published")
    assert mcq.count() == 25
    assert all(q.choices.filter(is_key=True).count() == 1 for q in mcq.prefetch_related("choices"))
    per_topic = Question.objects.filter(status="published").values_list("topic__slug", flat=True)
    assert sum(1 for slug in set(per_topic) if list(per_topic).count(slug) >= 3) >= 6


def test_seed_bank_error_names_file_and_line_and_writes_nothing(db, tmp_path):
    (tmp_path / "questions").mkdir()
    (tmp_path / "topics.yaml").write_text("- {slug: basics, name: Basics}\n")
    item = {"ref": "x-1", "topic": "basics", "difficulty": "easy", "kind": "single_choice", "stem": "Q?",
            "choices": [{"text": "a", "key": True}, {"text": "b"}]}
    bad = {**item, "ref": "x-2", "choices": [{"text": "a"}, {"text": "b"}]}
    (tmp_path / "questions" / "010.yaml").write_text(yaml.safe_dump([item, bad], sort_keys=False))

    with pytest.raises(CommandError) as exc:
        call_command("load_seed_bank", directory=str(tmp_path))

    assert str(exc.value).startswith(f"{tmp_path / 'questions' / '010.yaml'}:")
    line = int(str(exc.value).split(":")[1])
    assert (tmp_path / "questions" / "010.yaml").read_text().splitlines()[line - 1].startswith("- ref: x-2")
    assert "exactly one key" in str(exc.value)
    assert not Topic.objects.exists()
    assert not Question.objects.exists()


def test_seed_bank_stats_table_counts_every_published_choice_item(db, capsys):
    call_command("load_seed_bank", "--stats")

    out = capsys.readouterr().out
    total = int(out.strip().splitlines()[-1].split()[-1])
    assert total == Question.objects.filter(status="published").exclude(kind="free_text").count() >= 250
