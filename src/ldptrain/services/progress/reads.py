"""Progress as pages and reports read it: a course's outline, a trainee's module page state, and
what still stands between a trainee and the certificate (`requirements`). No writes here: the
rules that change progress are in rules.py.

Progress is kept per Module (the identity), not per ModuleVersion: a content update never undoes a
completion, and work done on an earlier version keeps counting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import and_, bindparam, case, func, select

from ...db import read, session
from ...lru import app_lru
from ...models import (
    Assessment,
    AssessmentAttempt,
    AssessmentVersion,
    Course,
    Enrolment,
    Module,
    ModuleProgress,
    ModuleVersion,
)
from .. import engagement


class OutlineEntry(NamedTuple):
    """One live module of a course, as the table of contents and prev/next need it.

    A NamedTuple, not a frozen dataclass: a module page builds one per module of the course, and
    a frozen dataclass costs several times more to build."""

    module_id: int
    slug: str
    position: int
    version_id: int
    title_th: str
    title_en: str
    duration_minutes: int
    assessment_id: int | None
    version_hash: str = ""  # ModuleVersion.content_hash: validates cached page text

    def title(self, lang: str = "th") -> str:
        return self.title_en if lang == "en" and self.title_en else self.title_th


@dataclass(frozen=True)
class AssessmentStatus:
    assessment_id: int
    slug: str
    title_th: str
    title_en: str
    pass_mark: float
    attempts_allowed: int | None
    attempts_used: int
    best_score: float | None
    passed: bool

    @property
    def attempts_left(self) -> int | None:
        """None means unlimited."""
        if self.attempts_allowed is None:
            return None
        return max(0, self.attempts_allowed - self.attempts_used)

    @property
    def blocked(self) -> bool:
        """Not passed and no attempt left: the trainee needs a coordinator or trainer."""
        return not self.passed and self.attempts_left == 0

    def title(self, lang: str = "th") -> str:
        return self.title_en if lang == "en" and self.title_en else self.title_th


class ModuleStep(NamedTuple):  # built per module on every module page (see OutlineEntry)
    entry: OutlineEntry
    complete: bool  # recorded complete, and the course's minimum time spent on it
    assessment: AssessmentStatus | None
    seconds: int = 0  # time measured on the module
    minutes_left: int = 0  # of the course's minimum time (services/engagement.py)


@dataclass(frozen=True)
class Requirements:
    """What the trainee has done and what is left before the course is complete."""

    completed: bool  # the enrolment is recorded as complete (never undone by content updates)
    modules: tuple[ModuleStep, ...]
    final: AssessmentStatus | None

    @property
    def remaining_modules(self) -> tuple[ModuleStep, ...]:
        return tuple(step for step in self.modules if not step.complete)

    @property
    def final_pending(self) -> bool:
        return self.final is not None and not self.final.passed

    @property
    def all_met(self) -> bool:
        return not self.remaining_modules and not self.final_pending

    @property
    def units(self) -> tuple[int, int]:
        """(done, total): each module is one unit, the final assessment another."""
        total = len(self.modules) + (1 if self.final else 0)
        done = sum(1 for s in self.modules if s.complete) + (
            1 if self.final and self.final.passed else 0)
        return done, total

    @property
    def percent(self) -> int:
        if self.completed:
            return 100
        done, total = self.units
        return int(100 * done / total) if total else 0


# The module page's statements are built once: building one (operators, joins) cost more CPU
# than running it. They name table columns, not ORM attributes: selecting ORM attributes sends
# the rows through the ORM's loading machinery (~100 us more for a 40-module outline).
_COURSE, _MODULE, _VERSION = Course.__table__.c, Module.__table__.c, ModuleVersion.__table__.c
_ENROLMENT, _PROGRESS = Enrolment.__table__.c, ModuleProgress.__table__.c
_OUTLINE = (
    select(_MODULE.id, _MODULE.slug, _MODULE.position, _VERSION.id, _VERSION.title_th,
           _VERSION.title_en, _VERSION.duration_minutes, _VERSION.assessment_id,
           _VERSION.content_hash)
    .select_from(Module.__table__)
    .join(ModuleVersion.__table__, _MODULE.current_version_id == _VERSION.id)
    .where(_MODULE.course_id == bindparam("course_id"), _MODULE.retired.is_(False))
    .order_by(_MODULE.position, _MODULE.slug))
# The module page's one statement for the trainee: the course's id and outline stamp, the
# enrolment, and its progress rows. `last_seen_at` is read for the enrolment's last module only:
# that is the only one `visit` compares it for (opening any other module writes anyway), and
# turning every row's timestamps into datetimes cost more than the rest of the query.
_MODULE_PAGE = (
    select(_COURSE.id, _COURSE.outline_stamp,
           _ENROLMENT.id, _ENROLMENT.user_id, _ENROLMENT.course_id, _ENROLMENT.status,
           _ENROLMENT.completed_at, _ENROLMENT.last_module_id,
           _PROGRESS.id, _PROGRESS.module_id, _PROGRESS.completed_at.is_not(None),
           case((_PROGRESS.module_id == _ENROLMENT.last_module_id, _PROGRESS.last_seen_at),
                else_=None), _PROGRESS.seconds_spent)
    .select_from(Course.__table__)
    .outerjoin(Enrolment.__table__, and_(_ENROLMENT.course_id == _COURSE.id,
                                         _ENROLMENT.user_id == bindparam("user_id")))
    .outerjoin(ModuleProgress.__table__, _PROGRESS.enrolment_id == _ENROLMENT.id)
    .where(_COURSE.slug == bindparam("slug"), _COURSE.retired.is_(False)))
_STAMP = select(_COURSE.id, _COURSE.outline_stamp).where(
    _COURSE.slug == bindparam("slug"), _COURSE.retired.is_(False))


def outline(course_id: int) -> list[OutlineEntry]:
    """The live modules of a course in order, in one query, without their (large) HTML."""
    rows = session.execute(_OUTLINE, {"course_id": course_id})
    return [OutlineEntry._make(row) for row in rows]


class CourseHead(NamedTuple):
    """What a module page needs of its course (not the overview HTML an ORM Course carries)."""

    id: int
    slug: str
    title_th: str
    title_en: str
    language: str
    final_assessment_id: int | None
    min_time_percent: int  # completion: {min_time: N%}; 0 = no rule

    def title(self, lang: str = "th") -> str:
        return self.title_en if lang == "en" and self.title_en else self.title_th


class Outline(NamedTuple):
    """A course as its module pages show it, as of `stamp` (Course.outline_stamp)."""

    course: CourseHead
    entries: tuple[OutlineEntry, ...]
    stamp: str


_HEAD = (_COURSE.id, _COURSE.slug, _COURSE.title_th, _COURSE.title_en, _COURSE.language,
         _COURSE.final_assessment_id, _COURSE.min_time_percent)
_COURSE_WITH_OUTLINE = (
    select(*_HEAD, _COURSE.outline_stamp, *_OUTLINE.selected_columns)
    .select_from(Course.__table__)
    .outerjoin(Module.__table__, and_(_MODULE.course_id == _COURSE.id,
                                      _MODULE.retired.is_(False)))
    .outerjoin(ModuleVersion.__table__, _MODULE.current_version_id == _VERSION.id)
    .where(_COURSE.id == bindparam("course_id"))
    .order_by(_MODULE.position, _MODULE.slug))
_OUTLINES_KEPT = 512  # per worker; an outline is a few KB


def outline_of(course_id: int, stamp: str) -> Outline | None:
    """The course's head and outline, remembered per worker under its outline stamp: a stamp
    read from the database in this request proves the remembered outline current."""
    cache = app_lru("course_outlines", _OUTLINES_KEPT)
    found: Outline | None = cache.get((course_id, stamp))
    if found is not None:
        return found
    rows = session.execute(_COURSE_WITH_OUTLINE, {"course_id": course_id}).all()
    if not rows:
        return None
    width = len(_HEAD)
    # A module without a current version is not live (the inner join of `outline`).
    found = Outline(CourseHead._make(rows[0][:width]),
                    tuple(OutlineEntry._make(row[width + 1:]) for row in rows
                          if row[width + 4] is not None), rows[0][width])
    cache.put((course_id, found.stamp), found)  # the stamp read with it: never a newer outline
    return found                                # under an older stamp


def course_with_outline(slug: str) -> Outline | None:
    """A live course and its outline, by slug."""
    found = session.execute(_STAMP, {"slug": slug}).first()
    return None if found is None else outline_of(*found)


class EnrolmentMark(NamedTuple):
    """What the module page reads of an enrolment (see ProgressMark); `visit` writes through
    Core statements when something changed."""

    id: int
    user_id: int
    course_id: int
    status: str
    completed_at: dt.datetime | None
    last_module_id: int | None


class ProgressMark(NamedTuple):
    """What the module page reads of a module's progress row. Plain columns, not ORM objects: a
    trainee well into a course has a row per module, and building ORM objects (and datetimes)
    for 40 of them cost more than the rest of the page."""

    id: int
    module_id: int
    completed: bool
    last_seen_at: dt.datetime | None  # read for the enrolment's last module only
    seconds_spent: int = 0


class ModulePage(NamedTuple):
    outline: Outline
    enrolment: EnrolmentMark | None
    progress: dict[int, ProgressMark]


def module_page(user_id: int, slug: str) -> ModulePage | None:
    """A live course's outline with the user's enrolment and progress in it: one query, and one
    more when this worker has not seen the course's current outline yet."""
    rows = read(_MODULE_PAGE, {"user_id": user_id, "slug": slug})
    if not rows:
        return None
    found = outline_of(rows[0][0], rows[0][1])
    if found is None:
        return None
    mark: EnrolmentMark | None = None
    marks: dict[int, ProgressMark] = {}
    for row in rows:
        if row[2] is None:
            break
        if mark is None:
            mark = EnrolmentMark._make(row[2:8])
        if row[8] is not None:
            marks[row[9]] = ProgressMark(row[8], row[9], bool(row[10]), row[11], row[12] or 0)
    return ModulePage(found, mark, marks)


def _done(row: ModuleProgress | ProgressMark | None) -> bool:
    if row is None:
        return False
    if isinstance(row, ProgressMark):
        return row.completed
    return row.completed_at is not None


def progress_rows(enrolment: Enrolment | EnrolmentMark) -> dict[int, ModuleProgress]:
    return {p.module_id: p for p in session.scalars(
        select(ModuleProgress).where(ModuleProgress.enrolment_id == enrolment.id))}


_ATTEMPT, _ASSESSMENT = AssessmentAttempt.__table__.c, Assessment.__table__.c
_ASSESSMENT_VERSION = AssessmentVersion.__table__.c
# Built once, from table columns (see _OUTLINE); every module page with a quiz runs both.
_ATTEMPT_SUMMARY = (
    select(_ATTEMPT.assessment_id, func.count(_ATTEMPT.id), func.max(_ATTEMPT.score),
           func.max(case((_ATTEMPT.passed.is_(True), 1), else_=0)))
    .where(_ATTEMPT.user_id == bindparam("user_id"),
           _ATTEMPT.assessment_id.in_(bindparam("ids", expanding=True)))
    .group_by(_ATTEMPT.assessment_id))
_ASSESSMENT_RULES = (
    select(_ASSESSMENT.id, _ASSESSMENT.slug, _ASSESSMENT_VERSION.title_th,
           _ASSESSMENT_VERSION.title_en, _ASSESSMENT_VERSION.pass_mark,
           _ASSESSMENT_VERSION.attempts_allowed)
    .select_from(Assessment.__table__)
    .join(AssessmentVersion.__table__, _ASSESSMENT.current_version_id == _ASSESSMENT_VERSION.id)
    .where(_ASSESSMENT.id.in_(bindparam("ids", expanding=True))))


def assessment_statuses(user_id: int, assessment_ids: set[int]) -> dict[int, AssessmentStatus]:
    """Each assessment's rules (current version) with the user's attempts: two queries in all."""
    if not assessment_ids:
        return {}
    ids = sorted(assessment_ids)
    attempts = {row[0]: row[1:] for row in session.execute(
        _ATTEMPT_SUMMARY, {"user_id": user_id, "ids": ids})}
    found = {}
    for a_id, slug, title_th, title_en, pass_mark, allowed in session.execute(
            _ASSESSMENT_RULES, {"ids": ids}):
        used, best, passed = attempts.get(a_id, (0, None, 0))
        found[a_id] = AssessmentStatus(a_id, slug, title_th, title_en, pass_mark, allowed,
                                       int(used), best, bool(passed))
    return found


def requirements(enrolment: Enrolment | EnrolmentMark, *,
                 entries: Sequence[OutlineEntry] | None = None,
                 rows: Mapping[int, ModuleProgress | ProgressMark] | None = None,
                 course: Course | CourseHead | None = None) -> Requirements:
    """Which modules, which assessment and how many attempts stand between the trainee and the
    certificate. Pass `entries`/`rows`/`course` when already loaded, to save queries."""
    if course is None:
        course = (enrolment.course if isinstance(enrolment, Enrolment)
                  else session.get(Course, enrolment.course_id))
        assert course is not None
    entries = outline(course.id) if entries is None else entries
    rows = progress_rows(enrolment) if rows is None else rows
    wanted = {e.assessment_id for e in entries if e.assessment_id}
    if course.final_assessment_id:
        wanted.add(course.final_assessment_id)
    statuses = assessment_statuses(enrolment.user_id, wanted)
    done = {module_id for module_id, row in rows.items() if _done(row)}
    status = statuses.get
    percent = course.min_time_percent
    if percent:
        spent = {module_id: row.seconds_spent for module_id, row in rows.items()}
        left = [engagement.minutes_left(spent.get(e.module_id, 0), e.duration_minutes, percent)
                for e in entries]
        steps = tuple([ModuleStep(e, e.module_id in done and not left[i],
                                  status(e.assessment_id), spent.get(e.module_id, 0), left[i])
                       for i, e in enumerate(entries)])
    else:
        steps = tuple([ModuleStep(e, e.module_id in done, status(e.assessment_id))
                       for e in entries])
    final = statuses.get(course.final_assessment_id) if course.final_assessment_id else None
    return Requirements(enrolment.completed_at is not None, steps, final)
