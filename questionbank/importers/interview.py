"""Reader for interview-question documents as found on the web (the five layouts in ``../shared/seeds``).

Each layout is recognised by its own markers (see ``detect``) and read by its own small function;
all of them yield ``ParsedQuestion`` with the document's level and category words, the answer
cleaned of page debris, code kept (or put back) in fenced blocks, and interviewer guidance apart.
"""

import re
from collections.abc import Callable
from pathlib import Path

from questionbank.importers.base import ImportFormatError, ParsedQuestion

# Lines that are page furniture, never part of an answer.
DEBRIS = re.compile(
    r"^(\*{2,}\s*[\d-]{6,}.*|naukri|privacy policy|terms & conditions|download the .* app|table of contents)$",
    re.IGNORECASE,
)
OCR_MATH = re.compile(r"\$\\[^$]*\$|ℓ")
CODE_LINE = re.compile(
    r"^(from \w|import \w|@\w|def \w|class \w|return\b|if __name__|app\.\w+\(|\w+ = \w|\w+\.\w+\("
    r"|#\s|\{%|\{\{|pip install"
    r"|flask \w|\$ |gunicorn |celery |docker |[)\]}]\s*$|db\.|with \w)"
)
# Where the questions end and the page's closing sections begin: never questions, never answers.
END_OF_QUESTIONS = re.compile(
    r"^(Conclusion|Key Takeaways|Tips for (the )?Interview|Frequently Asked Questions|FAQs?|Final Thoughts"
    r"|\*\*Part \d+ .*coming next.*)\s*$", re.IGNORECASE,
)


def _until_end(lines: list[str]) -> list[str]:
    """The lines before the page's closing sections (tips, takeaways, conclusion, footer)."""
    end = next((i for i, line in enumerate(lines) if END_OF_QUESTIONS.match(line.strip())), len(lines))
    return lines[:end]


def _clean_lines(lines: list[str]) -> list[str]:
    out = []
    for raw in lines:
        line = OCR_MATH.sub("", raw).rstrip()
        if DEBRIS.match(line.strip()):
            continue
        out.append(line)
    while out and not out[-1].strip():
        out.pop()
    while out and not out[0].strip():
        out.pop(0)
    return out


def _fence_code(lines: list[str]) -> str:
    """Put runs of code-looking lines (the page lost their indentation) back into fenced blocks."""
    if any(line.startswith("```") for line in lines):
        return "\n".join(lines).strip()
    out, block = [], []

    def flush():
        if block:
            out.extend(["```python", *block, "```"])
            block.clear()

    for line in lines:
        if line.strip() and CODE_LINE.match(line.strip()):
            block.append(line)
        elif block and not line.strip():
            continue
        else:
            flush()
            out.append(line)
    flush()
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()


def _rejoin_broken_sentences(lines: list[str]) -> list[str]:
    """The page broke sentences around inline code onto their own lines: a line that starts in
    lower case or with closing punctuation, and is not code, continues the line before it."""
    out: list[str] = []
    for line in lines:
        stripped = line.strip()
        continues = stripped and (stripped[0].islower() or stripped[0] in ").,;:") and not CODE_LINE.match(stripped)
        if continues and out and out[-1].strip() and not CODE_LINE.match(out[-1].strip()):
            out[-1] = f"{out[-1].rstrip()} {stripped}".replace(" )", ")").replace(" ,", ",")
        else:
            out.append(line)
    return out


def _answer(lines: list[str], *, rejoin: bool = False) -> str:
    cleaned = _clean_lines(lines)
    return _fence_code(_rejoin_broken_sentences(cleaned) if rejoin else cleaned)


def read_markdown_numbered(text: str, name: str) -> list[ParsedQuestion]:
    """``#### **N. question**`` then ``**Answer:**``, items separated by ``---`` (000)."""
    lines = _until_end(text.splitlines())
    heads = [(i, m) for i, line in enumerate(lines) if (m := re.match(r"^#### \*\*(\d+)\. (.+?)\*\*\s*$", line))]
    questions = []
    for n, (i, m) in enumerate(heads):
        end = heads[n + 1][0] if n + 1 < len(heads) else len(lines)
        body = [line for line in lines[i + 1:end] if line.strip() != "---"]
        if body and body[0].startswith("**Answer:**"):
            body[0] = body[0][len("**Answer:**"):].strip()
        questions.append(ParsedQuestion(stem=m.group(2).strip(), source_file=name, position=int(m.group(1)),
                                        line=i + 1, answer=_answer(body)))
    return questions


LEVELS_001 = {
    "Flask interview questions for freshers": "freshers",
    "Flask interview questions for juniors": "juniors",
    "Flask intermediate interview questions": "intermediate",
    "Flask interview questions for experienced": "experienced",
}


def _read_numbered_under_levels(lines: list[str], name: str, level_of, *, rejoin: bool) -> list[ParsedQuestion]:
    """``N. question`` lines after a level heading (``level_of(line)`` names it, else ``None``); the lines
    up to the next question or heading are the answer."""
    questions: list[ParsedQuestion] = []
    level, current, body = "", None, []

    def close():
        if current is not None:
            current.answer = _answer(body, rejoin=rejoin)
            questions.append(current)

    for i, line in enumerate(lines):
        if heading := level_of(line):
            close()
            current, body, level = None, [], heading
        elif level and (m := re.match(r"^(\d+)\. (.+)$", line)):
            close()
            current, body = ParsedQuestion(stem=m.group(2).strip(), source_file=name, position=int(m.group(1)),
                                           line=i + 1, level=level), []
        elif current is not None:
            body.append(line)
    close()
    return questions


def read_levels_blog(text: str, name: str) -> list[ParsedQuestion]:
    """``N. question`` lines under four level headings, then a "Flask MCQ" list of bare stems (001)."""
    lines = text.splitlines()
    mcq_at = next((i for i, line in enumerate(lines) if line.strip() == "Flask MCQ"), len(lines))
    questions = _read_numbered_under_levels(lines[:mcq_at], name, lambda line: LEVELS_001.get(line.strip()),
                                            rejoin=True)
    return questions + _read_bare_mcq(lines, mcq_at, name)


QUESTION_OPENERS = re.compile(r"^(Which|What|How|In|You|When|Why|Where|Who)\b")


def _read_bare_mcq(lines: list[str], start: int, name: str) -> list[ParsedQuestion]:
    """Stems broken across lines around inline code; stray ``Options:`` lines; no options at all.

    A stem ends at a line ending in "?" only when the next line opens a new question: some stems
    go on after their question mark ("… request_started? Consider that you have …").
    """
    kept = []
    for i in range(start + 1, len(lines)):
        line = lines[i].strip()
        if line.startswith("Which Flask skills should you evaluate"):
            break
        if line and line.lower() != "options:":
            kept.append((i + 1, line))
    stems, parts, first_line = [], [], 0
    for n, (line_no, line) in enumerate(kept):
        if not parts:
            first_line = line_no
        parts.append(line)
        following = kept[n + 1][1] if n + 1 < len(kept) else ""
        joined = " ".join(parts)
        if not following or ("?" in joined and QUESTION_OPENERS.match(following)):
            stem = re.sub(r"\s+", " ", joined).replace(" ?", "?")
            stems.append((first_line, stem))
            parts = []
    return [
        ParsedQuestion(stem=stem, source_file=name, position=n, line=line, kind="single_choice",
                       options_missing=True, level="", category="Flask MCQ", ref=f"{Path(name).stem}:mcq-{n}")
        for n, (line, stem) in enumerate(stems, start=1)
    ]


def read_categories_qa(text: str, name: str) -> list[ParsedQuestion]:
    """``N. Category`` headings, ``Q: question``, answer, ``Why interviewers ask this: …`` (002)."""
    lines = _until_end(text.splitlines())
    questions: list[ParsedQuestion] = []
    category, current, body = "", None, []

    def close():
        if current is not None:
            answer, guidance = [], []
            for line in body:
                if line.startswith("Why interviewers ask this:") or guidance:
                    guidance.append(line.removeprefix("Why interviewers ask this:").strip())
                else:
                    answer.append(line)
            current.answer = _answer(answer)
            current.guidance = " ".join(g for g in guidance if g).strip()
            questions.append(current)

    position = 0
    for i, line in enumerate(lines):
        if m := re.match(r"^(\d+)\. ([A-Z][^.?]*)$", line.strip()):
            close()
            current, body, category = None, [], m.group(2).strip()
        elif line.startswith("Q: "):
            close()
            position += 1
            current, body = ParsedQuestion(stem=line[3:].strip(), source_file=name, position=position, line=i + 1,
                                           category=category), []
        elif current is not None:
            body.append(line)
    close()
    return questions


def read_master_list(text: str, name: str) -> list[ParsedQuestion]:
    """A Markdown list of bare questions under ``# **I. Basics (1–30)**``-style headings (003)."""
    questions, category = [], ""
    for i, line in enumerate(text.splitlines()):
        if m := re.match(r"^# \*\*[IVXLC]+\. (.+?) \(\d+[–-]\d+\)\*\*", line):
            category = m.group(1).strip()
        elif (m := re.match(r"^(\d+)\. (.+)$", line)) and category:
            questions.append(ParsedQuestion(stem=m.group(2).strip(), source_file=name, position=int(m.group(1)),
                                            line=i + 1, category=category))
    return questions


LEVELS_004 = (("beginner", "Beginner-Level"), ("intermediate", "Intermediate Level"), ("advanced", "Advanced Level"))


def read_levels_article(text: str, name: str) -> list[ParsedQuestion]:
    """``N. question`` under Beginner / Intermediate / Advanced headings, answers with OCR debris (004)."""
    return _read_numbered_under_levels(
        _until_end(text.splitlines()), name,
        lambda line: next((level for level, marker in LEVELS_004 if line.startswith(marker)), None), rejoin=False,
    )


READERS: list[tuple[str, Callable[[str], bool], Callable[[str, str], list[ParsedQuestion]]]] = [
    ("markdown-numbered", lambda t: bool(re.search(r"^#### \*\*\d+\. ", t, re.M)), read_markdown_numbered),
    ("categories-qa", lambda t: bool(re.search(r"^Q: ", t, re.M)) and "Why interviewers ask this" in t,
     read_categories_qa),
    ("master-list", lambda t: bool(re.search(r"^# \*\*[IVXLC]+\. ", t, re.M)), read_master_list),
    ("levels-blog", lambda t: any(h in t for h in LEVELS_001), read_levels_blog),
    ("levels-article", lambda t: any(m in t for _, m in LEVELS_004), read_levels_article),
]


def read_interview_document(path: Path) -> list[ParsedQuestion]:
    """Read one interview document; raises ``ImportFormatError`` when no known layout matches."""
    text = path.read_text(encoding="utf-8")
    for _, matches, reader in READERS:
        if matches(text):
            questions = reader(text, path.name)
            if questions:
                return questions
    raise ImportFormatError(str(path), 1, "not an interview document this importer knows: expected numbered "
                            "questions under level or category headings, `#### **N. …**` items or `Q:` lines")
