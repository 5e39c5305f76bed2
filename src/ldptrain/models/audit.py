"""The audit log: who did what to whom, for every administrative action."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow


class AuditEvent(Base):
    __tablename__ = "ldp_audit_event"
    __table_args__ = (Index("ix_ldp_audit_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("ldp_user.id"))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(32), default="")
    target_id: Mapped[str] = mapped_column(String(64), default="")
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("ldp_organisation.id"))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Where the action came from: the client's address for a request (as ProxyFix gives it),
    #: "" for the command line and background jobs (details say which).
    ip: Mapped[str] = mapped_column(String(45), default="", server_default="")
