"""Structural rules of the curated bank in seeds/ (read as data, without the database)."""

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from packaging.specifiers import SpecifierSet

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
TOPICS = [t["slug"] for t in yaml.safe_load((SEEDS / "topics.yaml").read_text())]
ITEMS = [item for path in sorted((SEEDS / "questions").glob("*.yaml")) for item in yaml.safe_load(path.read_text())]
CHOICE_ITEMS = [i for i in ITEMS if i["kind"] != "free_text"]
INTERVIEW_ITEMS = [i for i in ITEMS if i["kind"] == "free_text"]


def _ids(items):
    return [i["ref"] for i in items]


def test_seed_bank_size_and_refs():
    assert len(CHOICE_ITEMS) >= 250
    assert len(INTERVIEW_ITEMS) >= 60
    refs = [i["ref"] for i in ITEMS]
    assert len(refs) == len(set(refs))
    assert {f"mcq-001-{n:02d}" for n in range(1, 26)} <= set(refs)


@pytest.mark.parametrize("item", CHOICE_ITEMS, ids=_ids(CHOICE_ITEMS))
def test_seed_bank_choice_item_rules(item):
    choices = item["choices"]
    keys = sum(bool(c.get("key")) for c in choices)
    assert 4 <= len(choices) <= 5
    assert keys == 1 if item["kind"] == "single_choice" else keys >= 2
    assert all(c.get("text") and c.get("rationale") for c in choices)
    assert not any(re.search(r"\b(all|none) of the (above|these)\b", c["text"], re.I) for c in choices)
    assert item["topic"] in TOPICS
    assert item["difficulty"] in ("easy", "medium", "hard")
    assert item.get("explanation", "").strip()
    assert item.get("source")
    assert item.get("checked")
    SpecifierSet(item["valid_for"])                     # a valid PEP 440 version range


@pytest.mark.parametrize("item", INTERVIEW_ITEMS, ids=_ids(INTERVIEW_ITEMS))
def test_seed_bank_interview_item_rules(item):
    assert item["topic"] in TOPICS
    assert item.get("model_answer", "").strip()
    assert item.get("strong_answer", "").strip()
    assert item.get("source")
    assert item.get("valid_for")
    assert "choices" not in item


def test_seed_bank_coverage_every_cell_and_no_topic_dominates():
    cells = Counter((i["topic"], i["difficulty"]) for i in CHOICE_ITEMS)
    per_topic = Counter(i["topic"] for i in CHOICE_ITEMS)

    thin = {cell: n for cell in ((t, d) for t in TOPICS for d in ("easy", "medium", "hard"))
            if (n := cells[cell]) < 5}
    assert thin == {}
    assert max(per_topic.values()) <= 0.15 * len(CHOICE_ITEMS)
    assert {i["topic"] for i in INTERVIEW_ITEMS} == set(TOPICS)


def test_seed_bank_no_duplicate_stems():
    def normal(stem):
        return re.sub(r"\W+", " ", stem.lower()).strip()

    stems = Counter(normal(i["stem"]) for i in ITEMS)
    assert [s for s, n in stems.items() if n > 1] == []
