"""CSV with a documented header (one row per question).

Header: ``ref,topic,difficulty,kind,stem,choice_a,choice_b,choice_c,choice_d,choice_e,keys,explanation,tags,source``
- ``kind``: single_choice | multiple_choice | free_text; ``keys``: letters of the keys, ``;``-separated
  (``A`` or ``A;C``); ``tags``: ``;``-separated; empty choice columns are ignored.
"""

import csv
import io

from questionbank.importers.base import ImportFormatError, ParsedChoice, ParsedQuestion

HEADER = ["ref", "topic", "difficulty", "kind", "stem", "choice_a", "choice_b", "choice_c", "choice_d", "choice_e",
          "keys", "explanation", "tags", "source"]
LETTERS = "ABCDE"


def read_csv(text: str, path: str) -> tuple[list[ParsedQuestion], list[dict]]:
    """Parse CSV ``text``; raises ``ImportFormatError`` (file, line) on a wrong header or bad row."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or [f.strip() for f in reader.fieldnames] != HEADER:
        raise ImportFormatError(path, 1, f"expected the header {','.join(HEADER)}")
    questions = []
    for row in reader:
        line = reader.line_num
        kind = row["kind"].strip() or "single_choice"
        texts = [(LETTERS[i], row[f"choice_{c}"].strip()) for i, c in enumerate("abcde") if row[f"choice_{c}"].strip()]
        keys = {k.strip().upper() for k in row["keys"].split(";") if k.strip()}
        if kind != "free_text" and not keys <= {letter for letter, _ in texts}:
            raise ImportFormatError(path, line, f"keys {sorted(keys)} name a choice column that is empty")
        if not row["stem"].strip():
            raise ImportFormatError(path, line, "the stem is empty")
        questions.append(ParsedQuestion(
            stem=row["stem"].strip(), source_file=path, position=len(questions) + 1, line=line, kind=kind,
            choices=[ParsedChoice(text=t, is_key=letter in keys) for letter, t in texts],
            explanation=row["explanation"].strip(), ref=row["ref"].strip(), topic=row["topic"].strip(),
            difficulty=row["difficulty"].strip(), tags=[t for t in row["tags"].split(";") if t],
        ))
    return questions, []


def write_csv(questions) -> tuple[str, list[str]]:
    """CSV text for ``questions``; those with more than five choices are left out (returned by ref)."""
    buffer, left_out = io.StringIO(), []
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for q in questions:
        choices = list(q.choices.all())
        if len(choices) > len(LETTERS):
            left_out.append(q.external_ref or str(q.pk))
            continue
        cells = [c.text for c in choices] + [""] * (len(LETTERS) - len(choices))
        keys = ";".join(LETTERS[i] for i, c in enumerate(choices) if c.is_key)
        writer.writerow([q.external_ref, q.topic.slug, q.difficulty, q.kind, q.stem, *cells, keys, q.explanation,
                         ";".join(q.tags), q.source_reference])
    return buffer.getvalue(), left_out
