"""Enrolment: joining a course (prerequisites enforced), withdrawing, and coming back.

Withdrawing keeps the enrolment row, its module progress and its attempts; enrolling again
reopens the same row, so the trainee resumes where they were.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..db import session, utcnow
from ..i18n import lazy_gettext
from ..models import (
    Course,
    Enrolment,
    EnrolmentStatus,
    Membership,
    MembershipStatus,
    User,
)
from .audit import record
from .errors import ServiceError


class EnrolmentError(ServiceError):
    """A rule stopped the action; ``str(error)`` is the message for the trainee (translated)."""

    def __init__(self, message: object) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


def get_enrolment(user: User, course: Course) -> Enrolment | None:
    return session.scalar(select(Enrolment).where(
        Enrolment.user_id == user.id, Enrolment.course_id == course.id))


def enrolments_of(user: User) -> list[Enrolment]:
    return list(session.scalars(select(Enrolment).where(Enrolment.user_id == user.id)))


def confirmed_organisation_id(user: User) -> int | None:
    """The trainee's current organisation, only when that membership is confirmed."""
    if user.organisation_id is None:
        return None
    return session.scalar(select(Membership.organisation_id).where(
        Membership.user_id == user.id, Membership.organisation_id == user.organisation_id,
        Membership.status == MembershipStatus.CONFIRMED, Membership.ended_at.is_(None)).limit(1))


def missing_prerequisites(user: User, course: Course) -> list[Course]:
    """Prerequisite courses the user has not completed, in catalogue order. A retired course is
    no longer required: nobody could take it any more."""
    slugs = [s for s in (course.prerequisites or []) if isinstance(s, str)]
    if not slugs:
        return []
    courses = list(session.scalars(
        select(Course).where(Course.slug.in_(slugs), Course.retired.is_(False))
        .order_by(Course.order, Course.slug)))
    done = set(session.scalars(select(Enrolment.course_id).where(
        Enrolment.user_id == user.id, Enrolment.course_id.in_([c.id for c in courses]),
        Enrolment.completed_at.is_not(None))))
    return [c for c in courses if c.id not in done]


def enrol(user: User, course: Course, *, lang: str = "th") -> Enrolment:
    """Enrol, or reopen a withdrawn enrolment (progress kept). Idempotent for an open one."""
    if course.retired:
        raise EnrolmentError(lazy_gettext("This course is no longer offered."))
    existing = get_enrolment(user, course)
    if existing is not None and existing.status != EnrolmentStatus.WITHDRAWN:
        return existing
    missing = missing_prerequisites(user, course)
    if missing:
        raise EnrolmentError(lazy_gettext(
            "Complete these courses first: %(courses)s",
            courses=", ".join(c.title(lang) for c in missing)))
    if existing is not None:
        existing.status = (EnrolmentStatus.COMPLETED if existing.completed_at
                           else EnrolmentStatus.ACTIVE)
        existing.withdrawn_at = None
        record("enrolment.resume", actor=user, target=existing,
               organisation_id=existing.organisation_id, details={"course": course.slug})
        return existing
    enrolment = Enrolment(user_id=user.id, course_id=course.id,
                          organisation_id=confirmed_organisation_id(user),
                          status=EnrolmentStatus.ACTIVE, enrolled_at=utcnow())
    try:
        # A savepoint: a second tab enrolling at the same moment hits the unique constraint.
        with session.begin_nested():
            session.add(enrolment)
    except IntegrityError:
        found = get_enrolment(user, course)
        assert found is not None
        return found
    record("enrolment.create", actor=user, target=enrolment,
           organisation_id=enrolment.organisation_id, details={"course": course.slug})
    return enrolment


def withdraw(enrolment: Enrolment, *, actor: User | None = None) -> None:
    """Leave a course; everything done so far is kept for a later return."""
    if enrolment.status == EnrolmentStatus.COMPLETED:
        raise EnrolmentError(lazy_gettext("You have completed this course; there is nothing to "
                                          "withdraw from."))
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        return
    enrolment.status = EnrolmentStatus.WITHDRAWN
    enrolment.withdrawn_at = utcnow()
    record("enrolment.withdraw", actor=actor, target=enrolment,
           organisation_id=enrolment.organisation_id)


class _Status(Protocol):
    @property
    def status(self) -> str: ...


def is_open(enrolment: _Status | None) -> bool:
    """May the trainee learn and take assessments under this enrolment?"""
    return enrolment is not None and enrolment.status != EnrolmentStatus.WITHDRAWN
