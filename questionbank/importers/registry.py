"""Which reader reads a file: by ``--format``, or guessed from the name and the text."""

import re
from collections.abc import Callable
from pathlib import Path

from questionbank.importers.aiken import read_aiken
from questionbank.importers.base import ImportFormatError, ParsedQuestion
from questionbank.importers.csv_format import read_csv
from questionbank.importers.gift import read_gift

FORMATS = ("interview", "gift", "aiken", "csv")
Reader = Callable[[str, str], tuple[list[ParsedQuestion], list[dict]]]
READERS: dict[str, Reader] = {
    "gift": read_gift,
    "aiken": read_aiken,
    "csv": read_csv,
    "interview": lambda text, name: (read_interview_document_text(text, name), []),
}


def read_interview_document_text(text: str, name: str) -> list[ParsedQuestion]:
    from questionbank.importers import interview

    for _, matches, reader in interview.READERS:
        if matches(text) and (questions := reader(text, name)):
            return questions
    raise ImportFormatError(name, 1, "not an interview document this importer knows: expected numbered "
                            "questions under level or category headings, `#### **N. …**` items or `Q:` lines")


def guess_format(path: Path, text: str) -> str:
    """The format of a file from its extension, else from its text."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("gift", "aiken", "csv"):
        return suffix
    if re.search(r"^ANSWER:\s*[A-Z]\s*$", text, re.M):
        return "aiken"
    if "$CATEGORY:" in text or re.search(r"\{\s*[=~]", text):
        return "gift"
    return "interview"


def read_file(path: Path, fmt: str = "auto") -> tuple[list[ParsedQuestion], list[dict]]:
    """Read ``path`` in ``fmt`` (or the guessed format); raises ``ImportFormatError`` naming file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFormatError(str(path), 0, f"cannot read the file as UTF-8 text: {exc}") from exc
    return read_text(text, path.name, fmt)


def read_text(text: str, name: str, fmt: str = "auto") -> tuple[list[ParsedQuestion], list[dict]]:
    """Read uploaded ``text`` named ``name`` in ``fmt`` (or the guessed format)."""
    fmt = guess_format(Path(name), text) if fmt == "auto" else fmt
    if fmt not in READERS:
        raise ImportFormatError(name, 0, f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return READERS[fmt](text, name)



