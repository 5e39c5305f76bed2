"""A course's editable source files, their published text, and the scratch copy of the course
(as `content export` writes it) in which a draft is checked, previewed and published."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from ...db import session
from ...i18n import lazy_gettext
from ...models import Assessment, Course, CourseFile, Module, ModuleVersion
from ...thai import nfc
from ..errors import ServiceError
from ..exporter import export_course


class SourceError(ServiceError, LookupError):
    pass


@dataclass(frozen=True)
class Source:
    """One Markdown file of a course, named by its place in the export layout (`path`)."""

    kind: str  # "course" (the overview), "module" or "assessment"
    slug: str  # the course's, module's or assessment's slug
    english: bool  # the `.en.md` translation rather than the original
    path: str  # courses/<course>/01-intro.md, assessments/<slug>.md, ...

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def original(self) -> str:
        """The original-language file this one belongs to (itself when it is the original)."""
        return self.path[: -len(".en.md")] + ".md" if self.english else self.path

    @property
    def sibling(self) -> str:
        """The other language's file."""
        return self.original if self.english else self.path[:-3] + ".en.md"


def normalise(text: str) -> str:
    """A text as the importer reads a file: NFC, LF line endings (a browser sends CRLF)."""
    return nfc(text.replace("\r\n", "\n").replace("\r", "\n"))


def _pair(kind: str, slug: str, original: str) -> list[Source]:
    return [Source(kind, slug, False, original), Source(kind, slug, True, original[:-3] + ".en.md")]


def live_modules(course: Course) -> list[Module]:
    return list(session.scalars(
        select(Module).where(Module.course_id == course.id, Module.retired.is_(False),
                             Module.current_version_id.is_not(None))
        .order_by(Module.position, Module.slug)))


def course_assessments(course: Course) -> list[Assessment]:
    """The course's final and its live modules' quizzes, final last."""
    ids = list(session.scalars(
        select(ModuleVersion.assessment_id)
        .join(Module, Module.current_version_id == ModuleVersion.id)
        .where(Module.course_id == course.id, Module.retired.is_(False),
               ModuleVersion.assessment_id.is_not(None))
        .order_by(Module.position)))
    if course.final_assessment_id:
        ids.append(course.final_assessment_id)
    found = {a.id: a for a in session.scalars(select(Assessment).where(Assessment.id.in_(ids)))}
    ordered = [found[i] for i in dict.fromkeys(ids) if i in found]
    return [a for a in ordered if a.current_version_id is not None]


def sources_of(course: Course) -> list[Source]:
    """Every file an author of `course` may edit: overview, modules, quizzes and final."""
    root = f"courses/{course.slug}"
    found = _pair("course", course.slug, f"{root}/course.md")
    for module in live_modules(course):
        found += _pair("module", module.slug, f"{root}/{module.position:02d}-{module.slug}.md")
    for item in course_assessments(course):
        found += _pair("assessment", item.slug, f"assessments/{item.slug}.md")
    return found


def find_source(course: Course, path: str) -> Source:
    for source in sources_of(course):
        if source.path == path:
            return source
    raise SourceError(lazy_gettext("This course has no such file."))


def published_text(course: Course, source: Source) -> str:
    """The text of `source` as last imported or published ("" for a translation not written)."""
    if source.kind == "course":
        row = session.scalar(select(CourseFile).where(CourseFile.course_id == course.id,
                                                      CourseFile.path == source.name))
        return row.data.decode("utf-8") if row is not None else ""
    version = current_version(course, source)
    if version is None:
        return ""
    return version.source_en if source.english else version.source_th


def current_version(course: Course, source: Source):  # type: ignore[no-untyped-def]
    """The module's or assessment's current version row (None for the overview)."""
    if source.kind == "module":
        module = session.scalar(select(Module).where(Module.course_id == course.id,
                                                     Module.slug == source.slug))
        return module.current_version if module is not None else None
    if source.kind == "assessment":
        item = session.scalar(select(Assessment).where(Assessment.slug == source.slug))
        return item.current_version if item is not None else None
    return None


def _with_prerequisites(course: Course) -> list[str]:
    """The course and, transitively, the courses it requires: the check wants them beside it."""
    wanted, todo = [], [course.slug]
    while todo:
        slug = todo.pop()
        if slug in wanted:
            continue
        wanted.append(slug)
        row = session.scalar(select(Course.prerequisites).where(Course.slug == slug))
        todo.extend(str(s) for s in (row or []))
    return wanted


@contextmanager
def workspace(course: Course, drafts: Mapping[str, str] | None = None) -> Iterator[Path]:
    """A scratch folder holding the course (and the courses it requires) as `content export`
    writes it, with each draft (export-layout path -> text) in place of its file; an empty
    translation removes the file. Removed when the block ends."""
    with tempfile.TemporaryDirectory(prefix="ldp-author-") as folder:
        root = Path(folder)
        for slug in _with_prerequisites(course):
            if session.scalar(select(Course.id).where(Course.slug == slug)) is not None:
                export_course(slug, root)
        for path, text in (drafts or {}).items():
            target = root / path
            if path.endswith(".en.md") and not text.strip():
                if target.exists():
                    target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(normalise(text).encode("utf-8"))
        yield root


def relative(root: Path, path: str) -> str:
    """A problem's path as the author knows it (the export layout), not the scratch folder's."""
    try:
        return Path(os.path.relpath(path, root)).as_posix()
    except ValueError:
        return path


@dataclass(frozen=True)
class Current:
    """What the course page says of a file: the title and number of its current version."""

    title_th: str
    title_en: str
    number: int | None

    def title(self, lang: str = "th") -> str:
        return self.title_en if lang == "en" and self.title_en else self.title_th


def published_versions(course: Course) -> dict[str, Current]:
    """Per source path (both languages), the current version's title and number."""
    found: dict[str, Current] = {}
    for source in sources_of(course):
        if source.kind == "course":
            found[source.path] = Current(course.title_th, course.title_en, None)
            continue
        version = current_version(course, source)
        if version is not None:
            found[source.path] = Current(version.title_th, version.title_en, version.number)
    return found
