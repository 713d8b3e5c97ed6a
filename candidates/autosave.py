"""Storing an autosave: the checks and the upsert every save ends in, and the quick path for a client
this process has already served.

An autosave is the request a whole cohort sends every few seconds. The full path
(``services.response_save`` behind the candidate API's authentication) reads the invitation with its
session, notes the client, applies lazy expiry, validates and upserts: two SQL statements. Once it has
saved for a client, the process remembers what it saw (``autosave_remember``): which session the client's
invitation key named, that session's deadline and the client's address and user agent. The client's next
save (``response_save_quick``) is then the upsert alone, with every one of those facts re-checked inside
it under the session's row lock: the invitation still started and still named by that key, the session
in progress, before ``closes_at``, with the same deadline and the same client. When any of them no
longer holds (revoked, submitted, timed out, extended, reset, another address), or the save is stale
or its choices are wrong, the quick path writes nothing and returns ``None``: the caller takes the full
path, which reports the exact outcome and does what it must (finish a late session, record a client
change). What is remembered is only ever an expectation checked against the database, so it can cost a
fallback but never accept a save the full path would refuse.
"""

import threading
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from cachetools import LRUCache
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections

from candidates.enums import InvitationStatus, SessionStatus
from candidates.models import Invitation, Response, TestSession
from candidates.rows import hot_cursor, table
from candidates.selectors import session_answer_rules_kept
from questionbank.enums import QuestionKind

# How a request names its invitation: ("token_hash", SHA-256 hex of the emailed token) or ("id", its
# primary key, from the candidate pages' session cookie). The column is interpolated into SQL, so only
# these two names are accepted.
InvitationKey = tuple[str, str | int]
_KEY_COLUMNS = ("token_hash", "id")


def response_choices(*, rules: dict[int, tuple[list[int], str]], question_id: int, selected: list[int],
                     text: str) -> list[int]:
    """The chosen choice ids without repeats, in the question's choice order, checked against the session's
    answer ``rules`` (``selectors.session_answer_rules``). Raises ``ValidationError`` (field-keyed) for a
    question outside the session, choices of another question, two choices of a single-choice question, or
    choices for a written answer and text for a choice question."""
    rule = rules.get(question_id)
    if rule is None:
        raise ValidationError({"question": ["This question is not part of your test."]})
    choice_order, kind = rule
    chosen = list(dict.fromkeys(selected))
    if kind == QuestionKind.FREE_TEXT:
        if chosen:
            raise ValidationError({"selected": ["This question takes a written answer, not choices."]})
    elif text:
        raise ValidationError({"text": ["This question takes choices, not a written answer."]})
    if any(c not in choice_order for c in chosen):
        raise ValidationError({"selected": ["Choose among this question's choices."]})
    if kind == QuestionKind.SINGLE_CHOICE and len(chosen) > 1:
        raise ValidationError({"selected": ["This question takes one choice."]})
    chosen.sort(key=choice_order.index)
    return chosen


@dataclass(frozen=True)
class SessionSeen:
    """What the full path saw of a session when it last saved for a client: the quick path's expectations.

    ``deadline`` is the session's (UTC datetime); ``client_ip``/``client_user_agent`` are the client the
    session last recorded, which the request must still be."""

    session_id: int
    deadline: datetime
    client_ip: str | None
    client_user_agent: str


def response_upsert(*, session_id: int, question_id: int, selected: list[int], text: str, seq: int, now: datetime,
                    seen: tuple[InvitationKey, SessionSeen] | None = None) -> int | None:
    """Insert the response, or overwrite the stored one unless its ``seq`` is higher (stale save), while
    the session is in progress. Returns the response id, or ``None`` when nothing was written (the
    session is no longer in progress, or the stored ``seq`` is higher, or, with ``seen``, one of its
    expectations no longer holds: the invitation of that key started, the session's deadline and client
    as seen, and ``now`` not past ``closes_at``).

    One statement, so one round trip and no transaction around it: the session row is locked in it
    (``FOR UPDATE`` on PostgreSQL; SQLite takes its one write lock) and its status checked under that
    lock, which orders this save against a concurrent submit, finish, time extension or reset (they lock
    the same row and change it); ``INSERT … ON CONFLICT … DO UPDATE … WHERE`` (PostgreSQL, SQLite ≥ 3.35)
    lets two first saves of one question race without colliding on the unique constraint. (``WHERE true``:
    SQLite's parser needs a WHERE before ``ON CONFLICT`` in an ``INSERT … SELECT``.)
    """
    db = connections[DEFAULT_DB_ALIAS]  # once: ``connection`` looks the thread's connection up on every read
    field = Response._meta.get_field
    at = TestSession._meta.get_field("deadline").get_db_prep_save
    values = [question_id, field("selected").get_db_prep_save(selected, db), text, seq,
              field("saved_at").get_db_prep_save(now, db)]
    params = [session_id, SessionStatus.IN_PROGRESS]
    if seen is not None:
        (column, value), expected = seen
        if column not in _KEY_COLUMNS:
            raise ValueError(f"Not an invitation key: {column!r}.")
        params += [value, InvitationStatus.STARTED, at(expected.deadline, db), at(now, db),
                   expected.client_user_agent, *([] if expected.client_ip is None else [expected.client_ip])]
    sql = _upsert_sql(db.vendor, None if seen is None else seen[0][0], seen is not None and seen[1].client_ip is None)
    with hot_cursor() as cursor:
        cursor.execute(sql, [*params, *values, values[-1]])
        row = cursor.fetchone()
    return row[0] if row else None


@cache
def _upsert_sql(vendor: str, key_column: str | None, client_ip_null: bool) -> str:
    """``response_upsert``'s statement (the same text for the same arguments, so built once)."""
    source, conditions = f"{table(TestSession)} s", "s.id = %s AND s.status = %s"
    if key_column is not None:
        source += f" JOIN {table(Invitation)} i ON i.id = s.invitation_id"
        conditions += (f" AND i.{key_column} = %s AND i.status = %s AND s.deadline = %s AND s.closes_at >= %s"
                       f" AND s.client_user_agent = %s AND s.client_ip {'IS NULL' if client_ip_null else '= %s'}")
    lock = " FOR UPDATE OF s" if vendor == "postgresql" else ""
    responses = table(Response)
    return (f"WITH open_session AS (SELECT s.id FROM {source} WHERE {conditions}{lock}) "  # noqa: S608
            f"INSERT INTO {responses} (session_id, question_id, selected, text, seq, saved_at, first_saved_at) "
            f"SELECT id, %s, %s, %s, %s, %s, %s FROM open_session WHERE true "
            f"ON CONFLICT (session_id, question_id) DO UPDATE SET "
            f"selected = excluded.selected, text = excluded.text, seq = excluded.seq, saved_at = excluded.saved_at "
            f"WHERE {responses}.seq <= excluded.seq RETURNING id")


def response_saved(*, response_id: int, session_id: int, question_id: int, selected: list[int], text: str, seq: int,
                   now: datetime) -> Response:
    """The ``Response`` just written by ``response_upsert``, built from what was written (no query)."""
    # first_saved_at stays deferred: the caller reports what was saved now, not when it first was.
    return Response.from_db(DEFAULT_DB_ALIAS, ["id", "session_id", "question_id", "selected", "text", "seq",
                                               "saved_at"],
                            [response_id, session_id, question_id, selected, text, seq, now])


# Per process, bounded (least recently used out first): a hall of 500 candidates fits many times over, and
# an entry forgotten or out of date only sends a save down the full path.
_SEEN: LRUCache = LRUCache(maxsize=4096)
_SEEN_LOCK = threading.Lock()


def autosave_remember(*, key: InvitationKey, session: TestSession) -> None:
    """Note what a full-path save saw of ``session`` (after noting its client) for requests named by ``key``."""
    with _SEEN_LOCK:
        _SEEN[key] = SessionSeen(session.pk, session.deadline, session.client_ip, session.client_user_agent)


def autosave_forget() -> None:
    """Drop what this process remembers (tests: a flushed database hands out the same ids again)."""
    with _SEEN_LOCK:
        _SEEN.clear()


def response_save_quick(
    *, key: InvitationKey, question_id: int, selected: list[int], text: str, seq: int, now: datetime,
    client_ip: str | None, client_user_agent: str,
) -> tuple[Response, datetime] | None:
    """Save as ``services.response_save`` would for a client this process has served, in one statement and
    with no other query: ``(the saved response, the session's deadline)``, or ``None`` when it cannot vouch
    for the save (key not remembered, answer rules not kept in this process, invalid choices, or any
    expectation no longer true in the database; see the module's docstring). Nothing is written when it
    returns ``None``; it raises nothing of its own."""
    with _SEEN_LOCK:
        seen = _SEEN.get(key)
    if seen is None or (client_ip, client_user_agent) != (seen.client_ip, seen.client_user_agent):
        return None
    rules = session_answer_rules_kept(session_id=seen.session_id)
    if rules is None:
        return None
    try:
        chosen = response_choices(rules=rules, question_id=question_id, selected=selected, text=text)
    except ValidationError:
        return None  # the full path authenticates first, then says what is wrong
    response_id = response_upsert(session_id=seen.session_id, question_id=question_id, selected=chosen, text=text,
                                  seq=seq, now=now, seen=(key, seen))
    if response_id is None:
        return None
    return response_saved(response_id=response_id, session_id=seen.session_id, question_id=question_id,
                          selected=chosen, text=text, seq=seq, now=now), seen.deadline
