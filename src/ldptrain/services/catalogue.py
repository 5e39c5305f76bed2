"""What the catalogue shows: the courses a trainee can take."""

from __future__ import annotations

from sqlalchemy import select

from ..db import session
from ..models import Course


def list_courses() -> list[Course]:
    return list(session.scalars(
        select(Course).where(Course.retired.is_(False)).order_by(Course.order, Course.slug)))


def get_course(slug: str) -> Course | None:
    return session.scalar(select(Course).where(Course.slug == slug, Course.retired.is_(False)))
