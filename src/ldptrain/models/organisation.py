"""The organisation register: provinces and local administrative organisations (อปท.)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, utcnow


class OrganisationType(enum.StrEnum):
    PAO = "pao"  # องค์การบริหารส่วนจังหวัด (อบจ.)
    CITY_MUNICIPALITY = "city_municipality"  # เทศบาลนคร (ทน.)
    TOWN_MUNICIPALITY = "town_municipality"  # เทศบาลเมือง (ทม.)
    SUBDISTRICT_MUNICIPALITY = "subdistrict_municipality"  # เทศบาลตำบล (ทต.)
    SAO = "sao"  # องค์การบริหารส่วนตำบล (อบต.)
    BMA = "bma"  # กรุงเทพมหานคร
    PATTAYA = "pattaya"  # เมืองพัทยา
    DLA_OFFICE = "dla_office"  # กรมส่งเสริมการปกครองท้องถิ่น and its provincial offices


class Province(Base):
    __tablename__ = "ldp_province"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name_th: Mapped[str] = mapped_column(String(100), unique=True)
    name_en: Mapped[str] = mapped_column(String(100), unique=True)
    region: Mapped[str] = mapped_column(String(20))


class Organisation(Base):
    __tablename__ = "ldp_organisation"
    __table_args__ = (Index("ix_ldp_organisation_province_type", "province_code", "type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The DLA code (รหัส อปท.) is a string: codes may start with zero.
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name_th: Mapped[str] = mapped_column(String(200), index=True)
    name_en: Mapped[str] = mapped_column(String(200), default="")
    type: Mapped[str] = mapped_column(String(32))
    province_code: Mapped[str] = mapped_column(ForeignKey("ldp_province.code"))
    district_th: Mapped[str] = mapped_column(String(100), default="")
    district_en: Mapped[str] = mapped_column(String(100), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("ldp_organisation.id"))
    active: Mapped[bool] = mapped_column(default=True)
    # LAOs merge (e.g. two SAOs become one municipality): the old one stays, inactive, with its
    # people's history and certificates, and names its successor.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("ldp_organisation.id"))
    merged_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    province: Mapped[Province] = relationship(lazy="joined")
    parent: Mapped[Organisation | None] = relationship(remote_side=[id], foreign_keys=[parent_id])
    merged_into: Mapped[Organisation | None] = relationship(remote_side=[id],
                                                            foreign_keys=[merged_into_id])

    def name(self, lang: str = "th") -> str:
        return self.name_en if lang == "en" and self.name_en else self.name_th


class GapReminder(Base):
    """A reminder to an organisation's coordinators that it shows on a gap list (nobody enrolled,
    or nobody completed): at most one per organisation per Thai calendar day, whoever asks, so
    two officers (or one double click) never send the same coordinators two messages in a day.
    The messages themselves are written by a background job (`gaps.remind`)."""

    __tablename__ = "ldp_gap_reminder"
    __table_args__ = (UniqueConstraint("organisation_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("ldp_organisation.id"))
    day: Mapped[dt.date]  # in Thailand (UTC+7)
    gap: Mapped[str] = mapped_column(String(32))  # "gaps-enrolled" | "gaps-completed"
    course_id: Mapped[int | None] = mapped_column(ForeignKey("ldp_course.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("ldp_user.id", ondelete="SET NULL"))
    messages: Mapped[int] = mapped_column(default=0)  # written by the job
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
