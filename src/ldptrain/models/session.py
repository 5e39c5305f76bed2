"""Server-side sign-in sessions: one row per sign-in, ended by sign-out or a timeout.

The browser holds a random secret (in the session cookie and, with "remember me", in a
longer-lived cookie); the row's id is its SHA-256, so a copy of this table signs nobody in.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow


class LoginSession(Base):
    __tablename__ = "ldp_session"

    # SHA-256 hex of the cookie's secret: the primary key is the one index a request looks up.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ldp_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Refreshed at most once a minute (services/sessions.TOUCH_EVERY): the idle timeout's clock.
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The absolute limit: 12 hours, or 14 days with "remember me" (settings).
    expires_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]
    remember: Mapped[bool] = mapped_column(default=False)
    # For the person's own "where you are signed in" list.
    user_agent: Mapped[str] = mapped_column(String(100), default="")
    ip: Mapped[str] = mapped_column(String(45), default="")


class SignInFailures(Base):
    """Failed sign-ins in a row for one account, and until when it refuses passwords: the
    per-account lockout (services/lockout.py). A row only for accounts that failed lately, so
    the signed-in request's lookup never reads it."""

    __tablename__ = "ldp_signin_failures"

    user_id: Mapped[int] = mapped_column(ForeignKey("ldp_user.id", ondelete="CASCADE"),
                                         primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None]
