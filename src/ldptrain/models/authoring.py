"""Browser authoring (#19): drafts of a course's Markdown files, and who published what.

A draft is shared by the course's authors: one per file (course + export-layout path), saved with
a revision counter so that a save from a stale page is refused rather than overwriting another
author's work. Version rows (ModuleVersion, AssessmentVersion) already keep each published text
and its time; a publication adds who published it from the browser (file imports have none)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow


class ContentDraft(Base):
    __tablename__ = "ldp_content_draft"
    __table_args__ = (UniqueConstraint("course_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("ldp_course.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(String(500))  # courses/<slug>/01-intro.md, assessments/...
    text: Mapped[str] = mapped_column(Text, default="")
    # What the draft was started from: the published text's SHA-256 and version number, so a
    # publication in between (a file import, another author) is noticed before publishing.
    base_hash: Mapped[str] = mapped_column(String(64), default="")
    base_version: Mapped[int | None]
    revision: Mapped[int] = mapped_column(default=1)  # +1 on every save: optimistic locking
    author_id: Mapped[int | None] = mapped_column(ForeignKey("ldp_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ContentPublication(Base):
    """One text published from the browser (a draft, or an earlier version restored); for a
    course overview also the file-imported text it replaced (origin "file", no author)."""

    __tablename__ = "ldp_content_publication"
    __table_args__ = (Index("ix_ldp_content_publication_course_path", "course_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("ldp_course.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(String(500))
    origin: Mapped[str] = mapped_column(String(16), default="browser")  # browser | restore | file
    # The version it made (none for a course overview, whose text has no version rows).
    module_version_id: Mapped[int | None] = mapped_column(ForeignKey("ldp_module_version.id"))
    assessment_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("ldp_assessment_version.id"))
    restored_from: Mapped[int | None]  # the version number (or publication id) restored
    text: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("ldp_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
