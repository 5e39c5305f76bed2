"""A sign-up waiting for its address to be confirmed by e-mail (issue #13: no enumeration)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow


class PendingSignup(Base):
    """What the sign-up form gave, kept until the link in the confirmation e-mail is used.

    No account exists before that, so an address nobody has confirmed cannot block its owner,
    and several sign-ups for one address can wait side by side: only the one whose link is
    opened becomes the account."""

    __tablename__ = "ldp_pending_signup"

    # SHA-256 hex of the link's secret: a copy of this table confirms nothing.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[str] = mapped_column(String(200), default="")
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("ldp_organisation.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(5), default="th")
    privacy_version: Mapped[str] = mapped_column(String(20), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
