"""Certificates: what was issued, to whom, and its standing (valid, revoked, superseded)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow


class CertificateStatus(enum.StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"


class Certificate(Base):
    __tablename__ = "ldp_certificate"
    __table_args__ = (
        Index("ix_ldp_certificate_org_status", "organisation_id", "status"),
        Index("ix_ldp_certificate_user_course", "user_id", "course_id"),
        # Reports: a trainee row's certificate is looked up by its enrolment (issue 7).
        Index("ix_ldp_certificate_enrolment", "enrolment_id"),
        # Dashboards count valid certificates live (they expire with time alone): this index
        # holds every column they read, so they never touch the rows and their signed payloads.
        Index("ix_ldp_certificate_report", "status", "kind", "organisation_id", "user_id",
              "course_id", "issued_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="course")  # course | programme
    user_id: Mapped[int] = mapped_column(ForeignKey("ldp_user.id"))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("ldp_course.id"))
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("ldp_programme.id"))
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("ldp_enrolment.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("ldp_organisation.id"))
    status: Mapped[str] = mapped_column(String(16), default=CertificateStatus.VALID)
    delivery: Mapped[str] = mapped_column(String(16), default="online")  # online | blended
    completed_at: Mapped[dt.datetime]
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    #: The internal note (admin pages only); the public page shows ``revoked_reason_code``.
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    #: One of services.certificates.REVOCATION_REASONS, shown on the public verify page.
    revoked_reason_code: Mapped[str] = mapped_column(String(32), default="", server_default="")
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("ldp_certificate.id"))
    # The signed payload (a snapshot of name, organisation, course...) and its Ed25519 signature.
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    signature: Mapped[str] = mapped_column(Text, default="")
    # What the PDF prints beyond the payload (English names, signatory...), frozen at issue so a
    # later change of configuration never changes an issued certificate.
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    workshop_id: Mapped[int | None] = mapped_column(ForeignKey("ldp_workshop.id"))


class Workshop(Base):
    """An in-person session (blended training) whose attendees' completion a trainer recorded."""

    __tablename__ = "ldp_workshop"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("ldp_course.id"))
    held_on: Mapped[dt.date]
    place: Mapped[str] = mapped_column(String(300))
    note: Mapped[str] = mapped_column(Text, default="")
    hours: Mapped[float | None]  # the workshop's length, printed on blended certificates
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("ldp_user.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SerialCounter(Base):
    """One row per serial series; the row lock makes allocation safe across workers."""

    __tablename__ = "ldp_serial_counter"

    series: Mapped[str] = mapped_column(String(40), primary_key=True)  # e.g. DLA-LDP-2569
    last_value: Mapped[int] = mapped_column(default=0)
