"""What the catalogue and the learning pages show: courses, their modules, stored HTML and files.

Pages never render Markdown: the HTML was rendered and sanitised once, at import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, select

from ..db import session
from ..lru import app_lru
from ..models import Certificate, Course, CourseFile, Enrolment, Module, ModuleVersion, User


@dataclass(frozen=True)
class CourseCard:
    course: Course
    module_count: int
    prerequisites: tuple[Course, ...]
    enrolment: Enrolment | None

    @property
    def status(self) -> str:
        """"" (not enrolled), active, completed or withdrawn."""
        return str(self.enrolment.status) if self.enrolment else ""


def list_courses() -> list[Course]:
    return list(session.scalars(
        select(Course).where(Course.retired.is_(False)).order_by(Course.order, Course.slug)))


# Built once (every course and module page runs it): building costs more than running it.
_COURSE_BY_SLUG = select(Course).where(Course.slug == bindparam("slug"),
                                       Course.retired.is_(False))


def get_course(slug: str) -> Course | None:
    return session.scalar(_COURSE_BY_SLUG, {"slug": slug})


def module_counts(course_ids: list[int]) -> dict[int, int]:
    if not course_ids:
        return {}
    rows = session.execute(
        select(Module.course_id, func.count(Module.id))
        .where(Module.course_id.in_(course_ids), Module.retired.is_(False),
               Module.current_version_id.is_not(None))
        .group_by(Module.course_id))
    return {course_id: count for course_id, count in rows}


def cards(user: User | None) -> list[CourseCard]:
    """Every live course with its module count, prerequisites and the user's enrolment:
    three queries whatever the number of courses."""
    courses = list_courses()
    by_slug = {c.slug: c for c in courses}
    counts = module_counts([c.id for c in courses])
    enrolments: dict[int, Enrolment] = {}
    if user is not None and getattr(user, "is_authenticated", False):
        enrolments = {e.course_id: e for e in session.scalars(
            select(Enrolment).where(Enrolment.user_id == user.id))}
    return [CourseCard(c, counts.get(c.id, 0),
                       tuple(by_slug[s] for s in (c.prerequisites or []) if s in by_slug),
                       enrolments.get(c.id))
            for c in courses]


def prerequisites_of(course: Course) -> list[Course]:
    slugs = [s for s in (course.prerequisites or []) if isinstance(s, str)]
    if not slugs:
        return []
    return list(session.scalars(select(Course).where(Course.slug.in_(slugs))
                                .order_by(Course.order, Course.slug)))


@dataclass(frozen=True)
class VersionText:
    """What a module page shows of a ModuleVersion. Versions are never edited (a content update
    adds a new one), so this snapshot can be cached for the life of the app."""

    id: int
    content_hash: str
    title_th: str
    title_en: str
    html_th: str
    html_en: str
    toc: dict[str, Any]
    duration_minutes: int

    def title(self, lang: str = "th") -> str:
        return self.title_en if lang == "en" and self.title_en else self.title_th


_CACHE_MAX = 256  # about 4 MB of HTML at 15 KB a module


def module_version(version_id: int, content_hash: str = "",
                   stamp: str = "") -> VersionText | None:
    """A module version's text; cached, and checked against `content_hash` when given, so a
    database whose ids were reused (a reset) cannot serve another version's text. Given its
    course's outline stamp (read in this request), the cached text is also no older than the
    course's last change: a script that rewrites a version's text in place renews the stamp
    (migration 0006) without changing the hash."""
    cache = app_lru("module_versions", _CACHE_MAX)
    key = (version_id, stamp) if stamp else version_id
    cached = cache.get(key)
    if cached is not None and (not content_hash or cached.content_hash == content_hash):
        return cached  # type: ignore[no-any-return]
    row = session.get(ModuleVersion, version_id)
    if row is None:
        return None
    text = VersionText(row.id, row.content_hash, row.title_th, row.title_en, row.html_th,
                       row.html_en, dict(row.toc or {}), row.duration_minutes)
    cache.put(key, text)
    return text


def localised(th: str, en: str, lang: str, course_lang: str = "th") -> str:
    """The text in the reader's language, else in the course language, else whichever exists."""
    wanted = en if lang == "en" else th
    if wanted:
        return wanted
    fallback = en if course_lang == "en" else th
    return fallback or th or en


def module_html(version: VersionText | ModuleVersion, lang: str, course_lang: str) -> str:
    return localised(version.html_th, version.html_en, lang, course_lang)


def module_toc(version: VersionText | ModuleVersion, lang: str,
               course_lang: str) -> list[dict[str, Any]]:
    """The module's headings ([{level, id, text}]) in the language its HTML is shown in."""
    toc = version.toc or {}
    shown = "en" if lang == "en" and version.html_en else (
        "th" if lang == "th" and version.html_th else course_lang)
    entries = toc.get(shown) or toc.get(course_lang) or []
    out = []
    for entry in entries:
        if isinstance(entry, dict):
            out.append({"level": int(entry.get("level", 2)), "id": str(entry.get("id", "")),
                        "text": str(entry.get("text", ""))})
        elif isinstance(entry, list | tuple) and len(entry) >= 3:
            out.append({"level": int(entry[0]), "id": str(entry[1]), "text": str(entry[2])})
    return [e for e in out if e["id"]]


def course_file(course_id: int, path: str) -> CourseFile | None:
    return session.scalar(select(CourseFile).where(CourseFile.course_id == course_id,
                                                   CourseFile.path == path))


def certificates_of(user: User) -> list[Certificate]:
    return list(session.scalars(select(Certificate).where(Certificate.user_id == user.id)
                                .order_by(Certificate.issued_at.desc())))


def courses_by_id(ids: set[int]) -> dict[int, Course]:
    if not ids:
        return {}
    return {c.id: c for c in session.scalars(select(Course).where(Course.id.in_(sorted(ids))))}
