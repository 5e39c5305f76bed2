"""Which courses a trainer may record workshop (blended) completion for, and where."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow


class TrainerAssignment(Base):
    """One course for one trainer, in one province, or anywhere when ``province_code`` is NULL.

    A trainer holding any row for a course with no province may record it for trainees of any
    organisation; otherwise only for trainees whose confirmed organisation is in one of the rows'
    provinces (access.records_completion_for)."""

    __tablename__ = "ldp_trainer_assignment"
    __table_args__ = (UniqueConstraint("user_id", "course_id", "province_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ldp_user.id", ondelete="CASCADE"),
                                         index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("ldp_course.id", ondelete="CASCADE"))
    province_code: Mapped[str | None] = mapped_column(ForeignKey("ldp_province.code"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("ldp_user.id", ondelete="SET NULL"))
