"""People: accounts, their roles, and their membership of organisations over time."""

from __future__ import annotations

import datetime as dt
import enum
import secrets

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, utcnow
from .organisation import Organisation


class Role(enum.StrEnum):
    TRAINEE = "trainee"
    TRAINER = "trainer"
    COORDINATOR = "coordinator"  # of one organisation
    PROVINCIAL_OFFICER = "provincial_officer"  # of one province
    ADMIN = "admin"  # DLA, the whole country


class MembershipStatus(enum.StrEnum):
    PENDING = "pending"  # self-registered claim, awaiting the coordinator
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    ENDED = "ended"  # transferred away (โอนย้าย) or left


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(Base):
    __tablename__ = "ldp_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[str] = mapped_column(String(200), default="")
    # The current organisation (denormalised from the open membership for fast scoping).
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("ldp_organisation.id"), index=True
    )
    language: Mapped[str] = mapped_column(String(5), default="th")
    active: Mapped[bool] = mapped_column(default=True)
    # Rotated on password change and anonymisation: voids password links (sessions are rows of
    # ldp_session, ADR 0009).
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    consent_at: Mapped[dt.datetime | None]
    privacy_version: Mapped[str] = mapped_column(String(20), default="")
    anonymised_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None]
    # Host identity mode (issue #20): the host's stable id of the person this account belongs to.
    # Null for ldptrain's own accounts; never an ldptrain id, so the two can never be confused.
    external_id: Mapped[str | None] = mapped_column(String(200), unique=True, index=True)

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active and self.anonymised_at is None

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return self.session_token

    def has_role(self, role: Role | str) -> bool:
        return any(r.role == role for r in self.roles)

    def display_name(self, lang: str = "th") -> str:
        return self.name_en if lang == "en" and self.name_en else self.name_th


class RoleAssignment(Base):
    __tablename__ = "ldp_role_assignment"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "organisation_id", "province_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ldp_user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("ldp_organisation.id"))
    province_code: Mapped[str | None] = mapped_column(ForeignKey("ldp_province.code"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="roles")


class Membership(Base):
    """A person's time at an organisation; history survives transfers."""

    __tablename__ = "ldp_membership"
    __table_args__ = (Index("ix_ldp_membership_org_status", "organisation_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ldp_user.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("ldp_organisation.id"))
    status: Mapped[str] = mapped_column(String(16), default=MembershipStatus.PENDING)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[dt.datetime | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("ldp_user.id"))
    ended_at: Mapped[dt.datetime | None]

    organisation: Mapped[Organisation] = relationship()
