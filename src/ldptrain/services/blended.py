"""Blended training: a trainer records that listed trainees completed a course in person.

The workshop (date, place, note) is the evidence; each trainee's enrolment is completed with
source "blended", which counts like online completion (certificate included) and says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from .. import access
from ..db import session
from ..i18n import lazy_gettext as _l
from ..models import Course, Enrolment, EnrolmentStatus, Organisation, Role, User, Workshop
from ..thai import nfc
from . import progress
from .accounts import normalise_email
from .audit import record
from .enrolment import confirmed_organisation_id, get_enrolment
from .errors import ServiceError

BANGKOK = dt.timezone(dt.timedelta(hours=7))


class WorkshopError(ServiceError, ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class WorkshopReport:
    workshop: Workshop
    completed: list[User] = field(default_factory=list)
    already: list[User] = field(default_factory=list)


def _people(emails: list[str], scope: access.Scope,
            any_trainee: bool) -> tuple[list[User], list[str]]:
    """The accounts behind the addresses, and a problem for each one not found. An address
    outside the recorder's scope is reported exactly as an unknown one, so a trainer cannot
    learn who has an account elsewhere."""
    wanted = []
    for raw in emails:
        email = normalise_email(raw)
        if email and email not in wanted:
            wanted.append(email)
    found = {u.email: u for u in session.scalars(select(User).where(User.email.in_(wanted)))
             if _in_scope(u, scope, any_trainee)}
    problems = [str(_l("No account with the e-mail %(email)s.", email=e))
                for e in wanted if e not in found]
    return [found[e] for e in wanted if e in found], problems


def _in_scope(person: User, scope: access.Scope, any_trainee: bool) -> bool:
    if any_trainee:  # an admin: also trainees without a confirmed organisation
        return True
    organisation_id = confirmed_organisation_id(person)
    if organisation_id is None:
        return False
    return scope.covers(session.get(Organisation, organisation_id))


def record_workshop(*, course: Course, held_on: dt.date, place: str, note: str,
                    emails: list[str], actor: User, ip: str = "",
                    hours: float | None = None) -> WorkshopReport:
    """All or nothing: an unknown e-mail, a future date or a missing place writes nothing.

    Allowed to an admin, or a trainer assigned to the course, for trainees whose confirmed
    organisation is in the assignment's provinces (access.completion_scope)."""
    scope = access.completion_scope(actor, course.id)
    if scope.empty:
        raise WorkshopError([str(_l("You are not assigned to record workshops of this "
                                    "course."))])
    problems = []
    place, note = nfc(place.strip()), nfc(note.strip())
    if not place:
        problems.append(str(_l("Say where the workshop was held.")))
    if held_on > dt.datetime.now(BANGKOK).date():
        problems.append(str(_l("The workshop date cannot be in the future.")))
    people, unknown = _people(emails, scope, actor.has_role(Role.ADMIN))
    problems += unknown
    if not people and not unknown:
        problems.append(str(_l("List at least one trainee.")))
    if problems:
        raise WorkshopError(problems)

    # The workshop's length is what a blended certificate prints (services/certificates/rules.py).
    workshop = Workshop(course_id=course.id, held_on=held_on, place=place, note=note,
                        hours=hours, recorded_by_id=actor.id)
    session.add(workshop)
    session.flush()
    report = WorkshopReport(workshop=workshop)
    when = dt.datetime.combine(held_on, dt.time(12, 0), BANGKOK)
    for person in people:
        enrolment = get_enrolment(person, course)
        if enrolment is None:
            # The trainer attests attendance, so prerequisites are not asked again here.
            enrolment = Enrolment(user_id=person.id, course_id=course.id,
                                  organisation_id=confirmed_organisation_id(person),
                                  status=EnrolmentStatus.ACTIVE, enrolled_at=when)
            session.add(enrolment)
            session.flush()
        if progress.record_completion(enrolment, source="blended", at=when,
                                      workshop_id=workshop.id, actor=actor):
            report.completed.append(person)
        else:
            report.already.append(person)
    record("workshop.record", actor=actor, target=workshop, ip=ip,
           details={"course": course.slug, "held_on": held_on.isoformat(), "place": place,
                    "completed": [p.id for p in report.completed],
                    "already": [p.id for p in report.already]})
    return report


def courses_for(actor: User, courses: list[Course]) -> list[Course]:
    """The courses ``actor`` may record workshops of (the form offers only these)."""
    allowed = access.assigned_course_ids(actor)
    return courses if allowed is None else [c for c in courses if c.id in allowed]


def workshops(actor: User, limit: int = 50) -> list[Workshop]:
    """Recent workshops: every one for an admin, a trainer's own otherwise."""
    stmt = select(Workshop)
    if not actor.has_role(Role.ADMIN):
        stmt = stmt.where(Workshop.recorded_by_id == actor.id)
    return list(session.scalars(stmt.order_by(Workshop.held_on.desc()).limit(limit)))
