"""Background work that people rely on: queued jobs and the mail outbox.

Both live in the main database (not only in the queue's storage) so an admin sees every failed
job and every message from any host, they are backed up with the rest, and a message is stored
in the same transaction as the change that caused it.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow


class JobState(enum.StrEnum):
    QUEUED = "queued"    # waiting for a worker (or for its next attempt after a failure)
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"    # gave up after its last attempt; an admin may retry it


class Job(Base):
    __tablename__ = "ldp_job"
    __table_args__ = (Index("ix_ldp_job_state_created", "state", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    args: Mapped[list[Any]] = mapped_column(default=list)
    state: Mapped[str] = mapped_column(String(16), default=JobState.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=1)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    next_attempt_at: Mapped[dt.datetime | None]


class MailStatus(enum.StrEnum):
    QUEUED = "queued"   # a job will send it
    SENT = "sent"
    FAILED = "failed"   # the last attempt failed; last_error says why
    HELD = "held"       # no mail server configured: kept here for admins to read and hand on


class OutboxMessage(Base):
    __tablename__ = "ldp_outbox"
    __table_args__ = (Index("ix_ldp_outbox_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The account it concerns, so anonymising a person also removes their messages.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("ldp_user.id", ondelete="SET NULL"), index=True)
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=MailStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]


class Download(Base):
    """A file made by a background job for the person who asked for it (an organisation's
    certificates as a ZIP): kept in the database, so the web host serving it need not share a
    disk with the worker that made it, and deleted after DOWNLOAD_KEPT (services/downloads)."""

    __tablename__ = "ldp_download"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int] = mapped_column(ForeignKey("ldp_user.id", ondelete="CASCADE"),
                                         index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("ldp_organisation.id", ondelete="CASCADE"))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("ldp_job.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(default=0)
    items: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ready_at: Mapped[dt.datetime | None]
