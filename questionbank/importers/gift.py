"""Moodle GIFT: reader and writer for the parts a multiple-choice bank holds.

Spec: Moodle docs, "GIFT format" (docs.moodle.org/en/GIFT_format). Supported: ``$CATEGORY:``,
``// [id:…] [tag:…]`` comments before a question, ``::title::``, ``[markdown]``/``[html]``/``[plain]``
format markers, ``=`` right and ``~`` wrong answers, weights ``~%50%``, per-answer feedback ``#…``,
general feedback ``####…``, escapes ``\\~ \\= \\# \\{ \\} \\:``, and ``{}`` essays (free text).
True/false, short answer, numerical and matching questions are skipped and reported.
"""

import re

from questionbank.importers.base import ImportFormatError, ParsedChoice, ParsedQuestion

SPECIAL = "~=#{}:"
ESCAPED = {f"\\{c}": f"\x00{ord(c)}\x00" for c in SPECIAL}


def _protect(text: str) -> str:
    for escaped, token in ESCAPED.items():
        text = text.replace(escaped, token)
    return text


def _restore(text: str) -> str:
    for escaped, token in ESCAPED.items():
        text = text.replace(token, escaped[1])
    return text.strip()


def escape(text: str) -> str:
    """Escape GIFT's special characters in ``text``."""
    return "".join(f"\\{c}" if c in SPECIAL else c for c in text)


class Skipped(Exception):
    pass


def _answers(block: str, path: str, line: int) -> tuple[list[ParsedChoice], str]:
    general = ""
    if "####" in block:
        block, general = block.split("####", 1)
    if not block.strip():
        return [], general
    if re.fullmatch(r"\s*(T|F|TRUE|FALSE)\s*(#.*)?", block, re.S):
        raise Skipped("true/false")
    if block.strip().startswith("#"):
        raise Skipped("numerical")
    parts = re.split(r"(?=[=~])", block.strip())
    if parts and parts[0].strip():
        raise ImportFormatError(path, line, f"expected answers starting with = or ~, got {parts[0].strip()[:30]!r}")
    choices = []
    for part in filter(None, (p.strip() for p in parts)):
        right = part[0] == "="
        body = part[1:].strip()
        if "->" in body:
            raise Skipped("matching")
        weight = 1.0 if right else 0.0
        if m := re.match(r"%(-?\d+(?:\.\d+)?)%", body):
            weight, body = float(m.group(1)) / 100, body[m.end():].strip()
        feedback = ""
        if "#" in body:
            body, feedback = body.split("#", 1)
        choices.append(ParsedChoice(text=_restore(body), is_key=weight > 0, weight=weight,
                                    rationale=_restore(feedback)))
    if all(c.is_key for c in choices) and len(choices) > 0 and all(c.weight == 1.0 for c in choices):
        raise Skipped("short answer")
    return choices, general


def read_gift(text: str, path: str) -> tuple[list[ParsedQuestion], list[dict]]:
    """Parse GIFT ``text``; returns ``(questions, skipped)`` where ``skipped`` lists ``{"line", "reason"}``.

    Raises ``ImportFormatError`` (file and line) on an unclosed ``{`` or answers without ``=``/``~``.
    """
    questions, skipped = [], []
    category, meta, buffer, start = "", {"id": "", "tags": []}, [], 0
    lines = _protect(text).splitlines()

    def flush():
        nonlocal buffer, meta
        chunk = "\n".join(buffer).strip()
        buffer = []
        if not chunk:
            return
        current_meta, meta = meta, {"id": "", "tags": []}
        if "{" not in chunk:
            raise ImportFormatError(path, start, "expected an answer block { … } after the question text")
        if chunk.count("{") != chunk.count("}"):
            raise ImportFormatError(path, start, "unbalanced { } (escape literal braces as \\{ \\})")
        head, rest = chunk.split("{", 1)
        block, tail = rest.rsplit("}", 1)
        title = ""
        if m := re.match(r"\s*::(.*?)::", head, re.S):
            title, head = m.group(1), head[m.end():]
        head = re.sub(r"^\s*\[(markdown|html|plain|moodle)\]", "", head)
        stem = _restore(f"{head} {tail}" if tail.strip() else head)
        try:
            choices, general = _answers(block, path, start)
        except Skipped as why:
            skipped.append({"file": path, "line": start, "reason": f"{why} questions are not supported"})
            return
        keys = [c for c in choices if c.is_key]
        kind = "free_text" if not choices else "multiple_choice" if len(keys) > 1 or any(
            0 < c.weight < 1 for c in choices) else "single_choice"
        questions.append(ParsedQuestion(
            stem=stem, source_file=path, position=len(questions) + 1, line=start, kind=kind, choices=choices,
            explanation=_restore(general), category=category, ref=current_meta["id"] or _restore(title),
            tags=current_meta["tags"],
        ))

    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith("//"):
            if not buffer:
                meta["id"] = (re.search(r"\[id:([^\]]+)\]", stripped) or [None, meta["id"]])[1]
                meta["tags"] += re.findall(r"\[tag:([^\]]+)\]", stripped)
            continue
        if stripped.startswith("$CATEGORY:"):
            flush()
            category = stripped.split(":", 1)[1].strip()
            continue
        if not stripped:
            if buffer and "{" in "\n".join(buffer) and "\n".join(buffer).count("{") == "\n".join(buffer).count("}"):
                flush()
            elif buffer:
                buffer.append("")
            continue
        if not buffer:
            start = number
        buffer.append(line)
    flush()
    return questions, skipped


def write_gift(questions) -> str:
    """GIFT text for ``questions`` (bank ``Question`` rows with choices): category per topic, id and tags
    in comments, per-choice rationale as feedback, explanation as general feedback, ``[markdown]`` stems."""
    out, category = [], None
    for q in questions:
        if q.topic.slug != category:
            category = q.topic.slug
            out.append(f"$CATEGORY: flask/{category}\n")
        tags = " ".join(f"[tag:{t}]" for t in q.tags)
        out.append(f"// [id:{q.external_ref or q.pk}] {tags}".rstrip())
        choices = list(q.choices.all())
        keys = sum(c.is_key for c in choices)
        lines = []
        for c in choices:
            if q.kind == "multiple_choice":
                weight = round(100 / keys, 5) if c.is_key else -100
                mark = f"~%{weight:g}%"
            else:
                mark = "=" if c.is_key else "~"
            feedback = f" #{escape(c.rationale)}" if c.rationale else ""
            lines.append(f"\t{mark}{escape(c.text)}{feedback}")
        general = f"\t####{escape(q.explanation)}" if q.explanation else ""
        body = "\n".join(lines + ([general] if general else []))
        out.append(f"::{escape(q.external_ref or str(q.pk))}::[markdown]{escape(q.stem)} {{\n{body}\n}}\n")
    return "\n".join(out)
