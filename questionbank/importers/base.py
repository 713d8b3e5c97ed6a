"""What every importer produces, and the errors it raises."""

from dataclasses import dataclass, field


class ImportFormatError(Exception):
    """Malformed input: the message names the file, the line and what was expected."""

    def __init__(self, path: str, line: int, message: str):
        self.path, self.line = path, line
        super().__init__(f"{path}:{line}: {message}")


@dataclass
class ParsedChoice:
    text: str
    is_key: bool = False
    weight: float = 0.0          # fraction of the points, for formats that carry one (GIFT ~%50%)
    rationale: str = ""


@dataclass
class ParsedQuestion:
    """One question as read from a file, before it becomes a bank item.

    ``position`` is the question's number in the document (or its 1-based position), ``line`` the
    line it starts on. ``category``/``level`` are the document's own words; the importer maps them.
    """

    stem: str
    source_file: str
    position: int
    line: int
    kind: str = "free_text"
    answer: str = ""
    guidance: str = ""
    category: str = ""
    level: str = ""
    explanation: str = ""
    ref: str = ""
    tags: list[str] = field(default_factory=list)
    choices: list[ParsedChoice] = field(default_factory=list)
    options_missing: bool = False
    difficulty: str = ""
    topic: str = ""
