"""A course's own certificate template (#19): HTML/CSS an admin edits as a draft and publishes
once its preview certificate verifies. Published rows are never changed: a certificate records
the row it was rendered with (details["template_id"]) so that it renders and verifies the same
for as long as it exists."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow


class CertificateTemplate(Base):
    __tablename__ = "ldp_certificate_template"
    __table_args__ = (Index("ix_ldp_certificate_template_course_state", "course_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("ldp_course.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default="draft")  # draft | published
    html: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("ldp_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    published_at: Mapped[dt.datetime | None]
