"""Moodle Aiken: one question per block, options ``A)`` or ``A.``, then ``ANSWER: X``.

Spec: Moodle docs, "Aiken format" (docs.moodle.org/en/Aiken_format). Aiken holds single-answer
multiple choice only: no categories, feedback or tags.
"""

import re

from questionbank.importers.base import ImportFormatError, ParsedChoice, ParsedQuestion

OPTION = re.compile(r"^([A-Z])[).]\s+(.+)$")
ANSWER = re.compile(r"^ANSWER:\s*([A-Z])\s*$")


def read_aiken(text: str, path: str) -> tuple[list[ParsedQuestion], list[dict]]:
    """Parse Aiken ``text``; raises ``ImportFormatError`` naming the line of a missing or bad ``ANSWER:``."""
    questions: list[ParsedQuestion] = []
    stem: list[str] = []
    options: list[tuple[str, str]] = []
    start = 0
    for number, raw in enumerate([*text.splitlines(), ""], start=1):
        line = raw.strip()
        if not line:
            if stem and not options:
                raise ImportFormatError(path, start, "expected options A) … and an ANSWER: line after the question")
            if options:
                raise ImportFormatError(path, number, "expected `ANSWER: X` after the options")
            continue
        if m := ANSWER.match(line):
            letters = [letter for letter, _ in options]
            if m.group(1) not in letters:
                raise ImportFormatError(path, number, f"ANSWER {m.group(1)} is not one of the options {letters}")
            questions.append(ParsedQuestion(
                stem=" ".join(stem), source_file=path, position=len(questions) + 1, line=start,
                kind="single_choice",
                choices=[ParsedChoice(text=t, is_key=letter == m.group(1)) for letter, t in options],
            ))
            stem, options = [], []
        elif (m := OPTION.match(line)) and stem:
            options.append((m.group(1), m.group(2).strip()))
        elif options:
            raise ImportFormatError(path, number, f"expected another option or `ANSWER: X`, got {line[:40]!r}")
        else:
            start = start if stem else number
            stem.append(line)
    return questions, []


def write_aiken(questions) -> tuple[str, list[str]]:
    """Aiken text for the single-choice ``questions`` (one line per stem); returns ``(text, refs left out)``."""
    out, left_out = [], []
    for q in questions:
        choices = list(q.choices.all())
        if q.kind != "single_choice" or len(choices) > 26:
            left_out.append(q.external_ref or str(q.pk))
            continue
        out.append(" ".join(q.stem.split()))
        out.extend(f"{chr(65 + i)}) {' '.join(c.text.split())}" for i, c in enumerate(choices))
        out.append(f"ANSWER: {chr(65 + next(i for i, c in enumerate(choices) if c.is_key))}\n")
    return "\n".join(out), left_out
