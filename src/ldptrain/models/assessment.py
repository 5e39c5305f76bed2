"""Assessments and their question banks, versioned like modules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, utcnow


class Assessment(Base):
    __tablename__ = "ldp_assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    retired: Mapped[bool] = mapped_column(default=False)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("ldp_assessment_version.id", use_alter=True)
    )

    current_version: Mapped[AssessmentVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )


class AssessmentVersion(Base):
    __tablename__ = "ldp_assessment_version"
    __table_args__ = (UniqueConstraint("assessment_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("ldp_assessment.id"), index=True)
    number: Mapped[int] = mapped_column(default=1)
    content_hash: Mapped[str] = mapped_column(String(64))
    title_th: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    pass_mark: Mapped[float] = mapped_column(default=70)
    attempts_allowed: Mapped[int | None]  # None = unlimited
    time_limit_minutes: Mapped[int | None]
    draw: Mapped[int | None]  # None = every question
    shuffle: Mapped[bool] = mapped_column(default=False)
    feedback: Mapped[str] = mapped_column(String(20), default="after_submit")
    scoring: Mapped[str] = mapped_column(String(20), default="all_or_nothing")
    source_th: Mapped[str] = mapped_column(Text, default="")
    source_en: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    assessment: Mapped[Assessment] = relationship(foreign_keys=[assessment_id])
    questions: Mapped[list[Question]] = relationship(
        back_populates="assessment_version", order_by="Question.position"
    )

    def title(self, lang: str = "th") -> str:
        return self.title_en if lang == "en" and self.title_en else self.title_th


class Question(Base):
    __tablename__ = "ldp_question"
    __table_args__ = (UniqueConstraint("assessment_version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_version_id: Mapped[int] = mapped_column(
        ForeignKey("ldp_assessment_version.id"), index=True
    )
    # The stable identity across versions ({id=...} in the Markdown), for statistics.
    key: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(16))  # single | multiple | short
    points: Mapped[float] = mapped_column(default=1)
    scoring: Mapped[str] = mapped_column(String(20), default="all_or_nothing")
    text_html_th: Mapped[str] = mapped_column(Text)
    text_html_en: Mapped[str] = mapped_column(Text, default="")
    explanation_html_th: Mapped[str] = mapped_column(Text, default="")
    explanation_html_en: Mapped[str] = mapped_column(Text, default="")
    # [{"html_th": ..., "html_en": ..., "correct": bool}, ...] in authored order.
    choices: Mapped[list[Any]] = mapped_column(default=list)
    # Accepted short answers, already folded with ldptrain.thai.fold_answer.
    answers: Mapped[list[Any]] = mapped_column(default=list)
    tags: Mapped[list[Any]] = mapped_column(default=list)

    assessment_version: Mapped[AssessmentVersion] = relationship(back_populates="questions")
