"""Personal API tokens for `/api/v1`: stored as a SHA-256 hash, shown to their owner once.

A token carries its owner's scope (access.scope_for), never more; revoking it is immediate.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, utcnow
from .user import User


class ApiToken(Base):
    __tablename__ = "ldp_api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ldp_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # SHA-256 hex of the whole token: tokens are 256-bit random, so a fast hash is enough and
    # lets each request find its token by an indexed equality.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters, shown in the list so the owner can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()
