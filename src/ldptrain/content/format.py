"""The content model: frozen dataclasses produced by the loader and consumed by the importer.

Every entity carries `content_hash`, the sha256 of its normalised source (NFC, LF line endings),
so an import can tell unchanged content from changed content without comparing rendered HTML.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from ldptrain.thai import fold_answer

LANGUAGES = ("th", "en")
Feedback = Literal["after_submit", "after_pass", "after_last_attempt", "never"]
Scoring = Literal["all_or_nothing", "partial"]
QuestionKind = Literal["single", "multiple", "short", "ordering", "matching"]


def content_hash(*parts: str) -> str:
    """sha256 over already-normalised text parts; the separator keeps ("ab", "c") != ("a", "bc")."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


@dataclass(frozen=True)
class Problem:
    """One finding of `content check`: printed as `path:line: message` (line is 1-based)."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class LocalText:
    """A text in Thai and/or English; `get` falls back to the other language."""

    th: str | None = None
    en: str | None = None

    def get(self, lang: str, fallback: str = "th") -> str:
        for candidate in (lang, fallback, "th", "en"):
            value = getattr(self, candidate, None) if candidate in LANGUAGES else None
            if value:
                return value
        return ""

    def as_dict(self) -> dict[str, str]:
        return {lang: value for lang in LANGUAGES if (value := getattr(self, lang))}


@dataclass(frozen=True)
class TocEntry:
    level: int
    id: str
    text: str


@dataclass(frozen=True)
class Body:
    """Markdown as written (NFC, LF) and its sanitised HTML ('' when loaded with render=False)."""

    markdown: str
    html: str = ""
    toc: tuple[TocEntry, ...] = ()


@dataclass(frozen=True)
class Module:
    course: str
    slug: str
    number: int  # the NN of the file name; modules are ordered by it
    title: LocalText
    duration: int  # minutes
    assessment: str | None
    bodies: Mapping[str, Body]  # by language; the course language is always present
    path: str  # the original-language file, as the user gave it
    content_hash: str

    def body(self, lang: str, fallback: str = "th") -> Body:
        return (
            self.bodies.get(lang) or self.bodies.get(fallback) or next(iter(self.bodies.values()))
        )


@dataclass(frozen=True)
class Signatory:
    """Who signs a course's certificates (course.md's `signatory:`), instead of the instance's
    settings. `image`: the signature, a PNG or JPEG of the course folder (relative path)."""

    name: str
    title_th: str
    title_en: str = ""
    image: str = ""


@dataclass(frozen=True)
class Course:
    slug: str
    code: str | None
    title: LocalText
    summary: LocalText
    version: str
    order: int
    language: str
    hours: float
    prerequisites: tuple[str, ...]
    final_assessment: str | None
    certificate: bool
    certificate_valid_years: int | None
    tags: tuple[str, ...]
    overview: Mapping[str, Body]
    modules: tuple[Module, ...]
    path: str  # the course folder, as the user gave it
    content_hash: str  # course.md and course.en.md only; modules carry their own
    min_time_percent: int = 0  # completion: {min_time: N%}: of each module's duration
    signatory: Signatory | None = None  # None: the instance's settings sign

    @property
    def tree_hash(self) -> str:
        """Changes when the course or any of its modules changes."""
        return content_hash(self.content_hash, *(m.content_hash for m in self.modules))


@dataclass(frozen=True)
class Choice:
    """A choice; for ordering an item (authored order is the right order); for matching a
    left-hand item, with `match` its right-hand partner."""

    correct: bool
    text: Mapping[str, Body]  # by language
    match: Mapping[str, Body] = field(default_factory=dict)


@dataclass(frozen=True)
class Question:
    id: str
    kind: QuestionKind
    points: int
    tags: tuple[str, ...]
    scoring: Scoring
    text: LocalText  # the heading, plain text
    stems: Mapping[str, Body]  # Markdown between the heading and the choices, by language
    choices: tuple[Choice, ...]
    answers: tuple[str, ...]  # accepted short answers, every language, NFC
    explanations: Mapping[str, Body]
    line: int
    content_hash: str

    @property
    def answer_keys(self) -> frozenset[str]:
        """Folded accepted answers: compare `fold_answer(given) in question.answer_keys`."""
        return frozenset(fold_answer(a) for a in self.answers)


@dataclass(frozen=True)
class Assessment:
    slug: str
    title: LocalText
    pass_mark: float
    attempts: int | None  # None means unlimited
    time_limit: int | None  # minutes
    draw: int | None  # None means every question
    shuffle: bool
    feedback: Feedback
    scoring: Scoring
    language: str
    intro: Mapping[str, Body]  # Markdown before the first question, by language (may be empty)
    questions: tuple[Question, ...]
    path: str
    content_hash: str


@dataclass(frozen=True)
class Programme:
    slug: str
    code: str | None
    title: LocalText
    summary: LocalText
    version: str | None
    order: int
    courses: tuple[str, ...]
    certificate: bool
    certificate_valid_years: int | None
    tags: tuple[str, ...]
    overview: Mapping[str, Body]
    path: str
    content_hash: str


@dataclass(frozen=True)
class ContentSet:
    """Everything `load_content` found, keyed by slug; what the importer consumes."""

    courses: Mapping[str, Course] = field(default_factory=dict)
    assessments: Mapping[str, Assessment] = field(default_factory=dict)
    programmes: Mapping[str, Programme] = field(default_factory=dict)
