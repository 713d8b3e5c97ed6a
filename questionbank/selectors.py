"""Reads of the question bank."""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet

from questionbank.enums import QuestionStatus
from questionbank.models import Choice, Question, Topic
from questionbank.rendering import render_many


def topic_list() -> QuerySet[Topic]:
    """All topics, by name."""
    return Topic.objects.order_by("name")


def question_list(
    *, search: str = "", topic: str = "", difficulty: str = "", kind: str = "", status: str = "", source: str = ""
) -> QuerySet[Question]:
    """Questions filtered by free text (stem/tags/ref), exact topic slug, difficulty, kind, status, and
    ``source`` (text in the source reference, e.g. a seed file name).

    Choices and topic are fetched with the questions (two queries whatever the page size).
    """
    qs = Question.objects.select_related("topic").prefetch_related("choices")
    if search:
        qs = qs.filter(Q(stem__icontains=search) | Q(external_ref__icontains=search) | Q(tags__icontains=search))
    if topic:
        qs = qs.filter(topic__slug=topic)
    if difficulty:
        qs = qs.filter(difficulty=difficulty)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if source:
        qs = qs.filter(source_reference__icontains=source)
    return qs.order_by("topic__name", "id")


def eligible_question_ids(*, topic_id: int, difficulty: str = "") -> list[int]:
    """Ids of published choice questions a draw rule may use, in id order."""
    qs = Question.objects.filter(status=QuestionStatus.PUBLISHED, topic_id=topic_id).exclude(kind="free_text")
    if difficulty:
        qs = qs.filter(difficulty=difficulty)
    return list(qs.order_by("id").values_list("id", flat=True))


@dataclass(frozen=True)
class CandidateChoice:
    """A choice as a candidate may see it: no key, no rationale. ``pk`` is the choice id."""

    pk: int
    pinned: bool
    html: str


@dataclass(frozen=True)
class CandidateQuestion:
    """A question version as a candidate may see it, rendered: ``choices`` in stored order (no keys)."""

    pk: int
    kind: str
    stem_html: str
    choices: tuple[CandidateChoice, ...]


# Per process. Only versions that are in use are kept: those are never edited again (an edit makes a
# new version, ``questionbank.services``), so nothing here can go stale and no invalidation is needed.
_IN_USE: dict[int, CandidateQuestion] = {}
_IN_USE_MAX = 20000


def questions_in_use_forget() -> None:
    """Drop what this process kept of in-use versions (tests, whose databases are emptied between them)."""
    _IN_USE.clear()


def questions_not_known_in_use(question_ids) -> list[int]:
    """Those of ``question_ids`` this process has not seen in use: no query, and every version not in
    use is among them."""
    return [qid for qid in question_ids if qid not in _IN_USE]


def questions_for_candidates(question_ids) -> dict[int, CandidateQuestion]:
    """``{question_id: CandidateQuestion}`` for ``question_ids`` (missing ids are left out).

    Two queries (and the shared cache of rendered Markdown, ``rendering.render_many``) for the versions this
    process has not kept, none for the others: every start and every page load of a test reads the same
    few hundred questions, rendered once and kept by each process.
    Versions are kept only when read outside a transaction, from committed rows marked in use (a
    transaction that marks them could still roll back, and the version then stay editable).
    """
    wanted = list(dict.fromkeys(question_ids))
    found = {qid: _IN_USE[qid] for qid in wanted if qid in _IN_USE}
    missing = [qid for qid in wanted if qid not in found]
    if not missing:
        return found
    choice_rows = list(Choice.objects.filter(question_id__in=missing).order_by("question_id", "order", "id")
                       .values_list("question_id", "id", "pinned", "text"))
    question_rows = list(Question.objects.filter(pk__in=missing).values_list("id", "kind", "stem", "in_use"))
    choices: dict[int, list[CandidateChoice]] = {qid: [] for qid in missing}
    for (qid, cid, pinned, _), html in zip(choice_rows, render_many([r[3] for r in choice_rows], inline=True),
                                          strict=True):
        choices[qid].append(CandidateChoice(cid, pinned, html))
    keep = not connection.in_atomic_block
    for (qid, kind, _, in_use), stem_html in zip(question_rows, render_many([r[2] for r in question_rows]),
                                                  strict=True):
        found[qid] = CandidateQuestion(qid, kind, stem_html, tuple(choices[qid]))
        if keep and in_use:
            if len(_IN_USE) >= _IN_USE_MAX:
                _IN_USE.clear()  # a bank this large is not expected; start over rather than grow
            _IN_USE[qid] = found[qid]
    return found
