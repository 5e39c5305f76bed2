"""What trainees do: enrolments, module progress, assessment attempts and their answers.

Each enrolment remembers the organisation it counts for, so a transfer (โอนย้าย) never moves
history; ``organisation_id`` stays empty until the trainee's membership is confirmed.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, utcnow
from .course import Course, Module
from .user import User


class EnrolmentStatus(enum.StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


class Enrolment(Base):
    __tablename__ = "ldp_enrolment"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id"),
        Index("ix_ldp_enrolment_org_course", "organisation_id", "course_id", "status"),
        Index("ix_ldp_enrolment_course_status", "course_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ldp_user.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("ldp_course.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("ldp_organisation.id"))
    status: Mapped[str] = mapped_column(String(16), default=EnrolmentStatus.ACTIVE)
    enrolled_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[dt.datetime | None]
    completed_at: Mapped[dt.datetime | None]
    completion_source: Mapped[str | None] = mapped_column(String(16))  # online | blended
    # For blended completion: the in-person workshop recorded as evidence.
    workshop_id: Mapped[int | None] = mapped_column(ForeignKey("ldp_workshop.id"))
    last_module_id: Mapped[int | None] = mapped_column(ForeignKey("ldp_module.id"))
    best_score: Mapped[float | None]  # best percentage on the final assessment

    user: Mapped[User] = relationship()
    course: Mapped[Course] = relationship()


class ModuleProgress(Base):
    __tablename__ = "ldp_module_progress"
    __table_args__ = (UniqueConstraint("enrolment_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("ldp_enrolment.id", ondelete="CASCADE"), index=True
    )
    module_id: Mapped[int] = mapped_column(ForeignKey("ldp_module.id"))
    module_version_id: Mapped[int | None] = mapped_column(ForeignKey("ldp_module_version.id"))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[dt.datetime | None]
    # Time on the module, measured on the server from page views and heartbeats
    # (services/engagement.py); `last_seen_at` of the enrolment's last module is the clock.
    seconds_spent: Mapped[int] = mapped_column(default=0, server_default="0")

    module: Mapped[Module] = relationship()


class AttemptStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


class AssessmentAttempt(Base):
    __tablename__ = "ldp_assessment_attempt"
    __table_args__ = (
        # One row per attempt number: a second tab cannot start a duplicate attempt.
        UniqueConstraint("user_id", "assessment_id", "number"),
        Index("ix_ldp_attempt_enrolment", "enrolment_id", "assessment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ldp_user.id"), index=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("ldp_assessment.id"))
    assessment_version_id: Mapped[int] = mapped_column(ForeignKey("ldp_assessment_version.id"))
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("ldp_enrolment.id"))
    number: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(16), default=AttemptStatus.IN_PROGRESS)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    deadline_at: Mapped[dt.datetime | None]
    submitted_at: Mapped[dt.datetime | None]
    # The drawn questions and each one's choice order: [{"q": question_id, "order": [2,0,1]}].
    layout: Mapped[list[Any]] = mapped_column(default=list)
    points: Mapped[float | None]
    max_points: Mapped[float | None]
    score: Mapped[float | None]  # percent
    passed: Mapped[bool | None]

    answers: Mapped[list[AttemptAnswer]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan"
    )


class AttemptAnswer(Base):
    __tablename__ = "ldp_attempt_answer"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("ldp_assessment_attempt.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(ForeignKey("ldp_question.id"))
    # Choice indexes (authored order) for choice questions, {"text": ...} for short answer.
    response: Mapped[dict[str, Any]] = mapped_column(default=dict)
    saved_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    correct: Mapped[bool | None]
    points_awarded: Mapped[float | None]

    attempt: Mapped[AssessmentAttempt] = relationship(back_populates="answers")
