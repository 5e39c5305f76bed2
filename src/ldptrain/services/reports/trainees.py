"""Trainees' progress: the table (one row per enrolment, streamed) and one trainee's detail
(module progress and assessment attempts), both limited to the reader's scope."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import aliased

from ...access import Scope
from ...db import session, utcnow
from ...i18n import lazy_gettext as _l
from ...models import (
    AssessmentAttempt,
    AssessmentVersion,
    Certificate,
    CertificateStatus,
    Course,
    Enrolment,
    Membership,
    MembershipStatus,
    Module,
    ModuleProgress,
    ModuleVersion,
    Organisation,
    User,
)
from .filters import Filters, OutOfScope, authorise, enrolment_rows
from .tables import Column, ReportTable

PAGE_SIZE = 50
TRAINEE_COLUMNS = [
    Column("name", _l("Trainee"), "link"), Column("position", _l("Position"), "text"),
    Column("organisation", _l("Organisation"), "text"), Column("org_code", _l("DLA code"), "text"),
    Column("course", _l("Course"), "text"), Column("status", _l("Status"), "status"),
    Column("modules_done", _l("Modules done")), Column("modules_total", _l("Modules")),
    # Measured on the server from page views and heartbeats (services/engagement.py).
    Column("minutes_spent", _l("Minutes spent")),
    Column("best_score", _l("Best score"), "score"),
    Column("enrolled_at", _l("Enrolled"), "date"), Column("completed_at", _l("Completed"), "date"),
    Column("certificate", _l("Certificate"), "text"),
]


def _query(scope: Scope, filters: Filters, lang: str) -> tuple[Select, dict[str, Any]]:  # type: ignore[type-arg]
    rows = enrolment_rows(scope, filters).subquery()
    org = aliased(Organisation)
    done = (select(func.count()).where(ModuleProgress.enrolment_id == rows.c.enrolment_id,
                                       ModuleProgress.completed_at.is_not(None))
            .scalar_subquery())
    spent = (select(func.coalesce(func.sum(ModuleProgress.seconds_spent), 0))
             .where(ModuleProgress.enrolment_id == rows.c.enrolment_id).scalar_subquery())
    serial = (select(Certificate.serial).where(
        Certificate.enrolment_id == rows.c.enrolment_id,
        Certificate.status == CertificateStatus.VALID,
        or_(Certificate.expires_at.is_(None), Certificate.expires_at > utcnow()))
        .order_by(Certificate.issued_at.desc()).limit(1).scalar_subquery())
    name = User.name_en if lang == "en" else User.name_th
    org_name = org.name_en if lang == "en" else org.name_th
    title = Course.title_en if lang == "en" else Course.title_th
    query = (select(rows.c.enrolment_id, rows.c.user_id, User.name_th, User.name_en,
                    User.position, org.name_th.label("org_th"), org.name_en.label("org_en"),
                    org.code, Course.id.label("course_id"), Course.title_th, Course.title_en,
                    rows.c.status, done.label("modules_done"), spent.label("seconds_spent"),
                    rows.c.best_score,
                    rows.c.enrolled_at, rows.c.completed_at, serial.label("certificate"))
             .join(User, User.id == rows.c.user_id)
             .join(org, org.id == rows.c.org_id)
             .join(Course, Course.id == rows.c.course_id))
    sortable = {"name": name, "position": User.position, "organisation": org_name,
                "org_code": org.code, "course": title, "status": rows.c.status,
                "best_score": rows.c.best_score, "enrolled_at": rows.c.enrolled_at,
                "completed_at": rows.c.completed_at, "modules_done": done,
                "minutes_spent": spent}
    return query, sortable


def _module_totals() -> dict[int, int]:
    return dict(session.execute(
        select(Module.course_id, func.count()).where(Module.retired.is_(False))
        .group_by(Module.course_id)).all())


def _row(r: Any, totals: dict[int, int], lang: str) -> dict[str, Any]:
    en = lang == "en"
    return {"enrolment_id": r.enrolment_id, "id": r.user_id,
            "name": r.name_en if en and r.name_en else r.name_th, "position": r.position,
            "organisation": r.org_en if en and r.org_en else r.org_th, "org_code": r.code,
            "course": r.title_en if en and r.title_en else r.title_th, "status": r.status,
            "modules_done": r.modules_done, "modules_total": totals.get(r.course_id, 0),
            "minutes_spent": int(r.seconds_spent or 0) // 60,
            "best_score": r.best_score, "enrolled_at": r.enrolled_at,
            "completed_at": r.completed_at, "certificate": r.certificate or ""}


def trainee_table(scope: Scope, filters: Filters, *, sort: str | None = None, desc: bool = False,
                  lang: str = "th", page: int | None = 1, page_size: int = PAGE_SIZE,
                  after: int | None = None) -> ReportTable:
    """One row per enrolment. `page` (1-based) for the screen; page=None streams every row
    (exports) with a server-side cursor; `after` (an enrolment id) is the API's cursor."""
    authorise(scope, filters)
    query, sortable = _query(scope, filters, lang)
    used = sort if sort in sortable else None
    id_col = query.selected_columns.enrolment_id
    if used and after is None:
        column = sortable[used]
        query = query.order_by(column.desc().nulls_last() if desc else column.asc().nulls_last(),
                               id_col)
    else:
        query = query.order_by(id_col)
    if after is not None:
        query = query.where(id_col > after)
    total = None
    if page is not None:
        count_q = select(func.count()).select_from(enrolment_rows(scope, filters).subquery())
        total = session.scalar(count_q) or 0
        if after is None:
            query = query.offset((max(page, 1) - 1) * page_size)
        query = query.limit(page_size)
    totals = _module_totals()

    def rows() -> Iterator[dict[str, Any]]:
        result = session.execute(query.execution_options(yield_per=1000))
        for r in result:
            yield _row(r, totals, lang)

    table = ReportTable("trainees", _l("Trainees"), TRAINEE_COLUMNS,
                        rows() if page is None else list(rows()), total, used, desc)
    table.meta.update(page=page, page_size=page_size)
    return table


# --- one trainee --------------------------------------------------------------------------------
@dataclass
class ModuleLine:
    position: int
    title: str
    started_at: Any = None
    completed_at: Any = None
    minutes_spent: int = 0


@dataclass
class AttemptLine:
    assessment: str
    number: int
    status: str
    submitted_at: Any
    score: float | None
    passed: bool | None


@dataclass
class EnrolmentDetail:
    enrolment: Enrolment
    course: Course
    organisation: Organisation | None
    modules: list[ModuleLine] = field(default_factory=list)
    attempts: list[AttemptLine] = field(default_factory=list)


@dataclass
class TraineeDetail:
    user: User
    current_organisation: Organisation | None
    enrolments: list[EnrolmentDetail]


def trainee_detail(scope: Scope, user_id: int, filters: Filters | None = None,
                   lang: str = "th") -> TraineeDetail:
    """A trainee's enrolments the reader may see: all of them when the trainee is today a
    confirmed member of an organisation in scope, else those attributed to one in scope."""
    if scope.empty:
        raise OutOfScope("nothing in scope")
    person = session.get(User, user_id)
    if person is None:
        raise OutOfScope("unknown trainee")
    current = session.scalar(
        select(Organisation).join(Membership, Membership.organisation_id == Organisation.id)
        .where(Membership.user_id == user_id, Membership.status == MembershipStatus.CONFIRMED)
        .order_by(Membership.confirmed_at.desc()).limit(1))
    all_visible = current is not None and scope.covers(current)
    query = select(Enrolment, Organisation).outerjoin(
        Organisation, Organisation.id == Enrolment.organisation_id).where(
        Enrolment.user_id == user_id)
    if not all_visible:
        query = query.where(scope.organisation_clause(), Enrolment.organisation_id.is_not(None))
    if filters is not None and filters.course_id is not None:
        query = query.where(Enrolment.course_id == filters.course_id)
    found = session.execute(query.order_by(Enrolment.enrolled_at)).all()
    if not found and not all_visible:
        raise OutOfScope("trainee out of scope")
    details = []
    for enrolment, org in found:
        course = session.get(Course, enrolment.course_id)
        assert course is not None
        detail = EnrolmentDetail(enrolment, course, org)
        progress = {p.module_id: p for p in session.scalars(
            select(ModuleProgress).where(ModuleProgress.enrolment_id == enrolment.id))}
        for module, version in session.execute(
                select(Module, ModuleVersion).outerjoin(
                    ModuleVersion, ModuleVersion.id == Module.current_version_id)
                .where(Module.course_id == course.id, Module.retired.is_(False))
                .order_by(Module.position)):
            p = progress.get(module.id)
            detail.modules.append(ModuleLine(
                module.position, version.title(lang) if version else module.slug,
                p.started_at if p else None, p.completed_at if p else None,
                p.seconds_spent // 60 if p else 0))
        for attempt, assessment_version in session.execute(
                select(AssessmentAttempt, AssessmentVersion)
                .join(AssessmentVersion,
                      AssessmentVersion.id == AssessmentAttempt.assessment_version_id)
                .where(AssessmentAttempt.enrolment_id == enrolment.id)
                .order_by(AssessmentAttempt.started_at)):
            detail.attempts.append(AttemptLine(assessment_version.title(lang), attempt.number,
                                               attempt.status, attempt.submitted_at,
                                               attempt.score, attempt.passed))
        details.append(detail)
    # Where the trainee works today is shown only to readers whose scope covers it.
    return TraineeDetail(person, current if all_visible else None, details)
