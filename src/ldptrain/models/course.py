"""Courses, their modules and programmes, with content versions.

A Module is an identity (course + slug) that progress points at; each change of its Markdown adds a
ModuleVersion, so a trainee's completion of an earlier version keeps counting.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import FetchedValue, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, utcnow


class _Described:
    """What courses and programmes both carry: bilingual title, summary and rendered overview."""

    title_th: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    summary_th: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str] = mapped_column(Text, default="")
    overview_html_th: Mapped[str] = mapped_column(Text, default="")
    overview_html_en: Mapped[str] = mapped_column(Text, default="")

    def title(self, lang: str = "th") -> str:
        return self.title_en if lang == "en" and self.title_en else self.title_th

    def summary(self, lang: str = "th") -> str:
        return self.summary_en if lang == "en" and self.summary_en else self.summary_th


class Course(_Described, Base):
    __tablename__ = "ldp_course"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    code: Mapped[str] = mapped_column(String(8), default="")
    version: Mapped[str] = mapped_column(String(40), default="")
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    order: Mapped[int] = mapped_column(default=0)
    language: Mapped[str] = mapped_column(String(5), default="th")
    hours: Mapped[float] = mapped_column(default=0)
    prerequisites: Mapped[list[Any]] = mapped_column(default=list)  # course slugs
    tags: Mapped[list[Any]] = mapped_column(default=list)
    final_assessment_id: Mapped[int | None] = mapped_column(ForeignKey("ldp_assessment.id"))
    certificate: Mapped[bool] = mapped_column(default=False)
    certificate_valid_years: Mapped[int | None]
    # `completion: {min_time: N%}`: the share of each module's duration a trainee must spend on
    # it before it counts as complete; 0 = no rule.
    min_time_percent: Mapped[int] = mapped_column(default=0, server_default="0")
    retired: Mapped[bool] = mapped_column(default=False)
    # Who signs this course's certificates, from course.md's `signatory:` (empty: the settings).
    signatory_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    signatory_title_th: Mapped[str] = mapped_column(String(300), default="", server_default="")
    signatory_title_en: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # The signature image: the path of one of the course's files (CourseFile.path), or "".
    signatory_image: Mapped[str] = mapped_column(String(500), default="", server_default="")
    source_path: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # New on every change of the course row, its modules or their versions, set by database
    # triggers (migration 0006) whoever writes: workers key what they remember of a course's
    # outline by it. Random, not a counter, so a database emptied and refilled never repeats a
    # stamp. FetchedValue: the ORM reloads it rather than trust a value it did not write.
    outline_stamp: Mapped[str] = mapped_column(String(32), server_default="",
                                               server_onupdate=FetchedValue())

    modules: Mapped[list[Module]] = relationship(
        back_populates="course", order_by="Module.position"
    )


class Module(Base):
    __tablename__ = "ldp_module"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("ldp_course.id"), index=True)
    slug: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)  # the NN of the file name
    retired: Mapped[bool] = mapped_column(default=False)
    # use_alter: the version table points back at the module.
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("ldp_module_version.id", use_alter=True)
    )

    course: Mapped[Course] = relationship(back_populates="modules")
    current_version: Mapped[ModuleVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )


class ModuleVersion(Base):
    __tablename__ = "ldp_module_version"
    __table_args__ = (UniqueConstraint("module_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("ldp_module.id"), index=True)
    number: Mapped[int] = mapped_column(default=1)
    content_hash: Mapped[str] = mapped_column(String(64))
    title_th: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    html_th: Mapped[str] = mapped_column(Text, default="")
    html_en: Mapped[str] = mapped_column(Text, default="")
    source_th: Mapped[str] = mapped_column(Text, default="")
    source_en: Mapped[str] = mapped_column(Text, default="")
    toc: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"th": [...], "en": [...]}
    duration_minutes: Mapped[int] = mapped_column(default=0)
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("ldp_assessment.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    module: Mapped[Module] = relationship(foreign_keys=[module_id])

    def title(self, lang: str = "th") -> str:
        return self.title_en if lang == "en" and self.title_en else self.title_th

    def html(self, lang: str = "th") -> str:
        return self.html_en if lang == "en" and self.html_en else self.html_th


class CourseFile(Base):
    """An image or document beside the Markdown, served with the course's modules."""

    __tablename__ = "ldp_course_file"
    __table_args__ = (UniqueConstraint("course_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("ldp_course.id"), index=True)
    path: Mapped[str] = mapped_column(String(500))
    media_type: Mapped[str] = mapped_column(String(100))
    content_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes]


class Programme(_Described, Base):
    __tablename__ = "ldp_programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    code: Mapped[str] = mapped_column(String(8), default="")
    course_slugs: Mapped[list[Any]] = mapped_column(default=list)
    certificate: Mapped[bool] = mapped_column(default=True)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    retired: Mapped[bool] = mapped_column(default=False)
