"""Who may author a course: admins, and trainers assigned to it (ldp_trainer_assignment, the
assignment that also lets them record its workshops)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ...access import assigned_course_ids
from ...db import session
from ...models import Course


def may_author(actor: Any, course_id: int) -> bool:
    if not actor.is_authenticated or not actor.is_active:
        return False
    allowed = assigned_course_ids(actor)
    return allowed is None or course_id in allowed


def authored_courses(actor: Any) -> list[Course]:
    """The courses ``actor`` may author, in catalogue order (retired ones too, for admins)."""
    if not actor.is_authenticated or not actor.is_active:
        return []
    allowed = assigned_course_ids(actor)
    query = select(Course).order_by(Course.order, Course.slug)
    if allowed is not None:
        if not allowed:
            return []
        query = query.where(Course.id.in_(sorted(allowed)))
    return list(session.scalars(query))


def authored_course(actor: Any, slug: str) -> Course | None:
    """The course `slug` if ``actor`` may author it; None otherwise (unknown or not theirs)."""
    course = session.scalar(select(Course).where(Course.slug == slug))
    if course is None or not may_author(actor, course.id):
        return None
    return course
