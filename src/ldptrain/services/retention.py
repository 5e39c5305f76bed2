"""How long finished background work is kept: done jobs and sent e-mails are deleted after
LDPTRAIN_PRUNE_AFTER_DAYS (docs/operations.md, "Retention"). The worker does it daily
(tasks/queue.py); `ldptrain jobs prune` and `ldptrain mail prune` do it on demand. Failed jobs
and held or failed messages are never pruned: they wait for an admin."""

from __future__ import annotations

import datetime as dt

from flask import current_app

from ..db import utcnow
from . import jobs, mail

DEFAULT_DAYS = 30


def keep_days() -> int:
    """Days finished jobs and sent messages are kept (0: kept for ever)."""
    value = current_app.config.get("LDPTRAIN_PRUNE_AFTER_DAYS", DEFAULT_DAYS)
    return max(0, int(value if value not in (None, "") else DEFAULT_DAYS))


def cutoff(days: int, now: dt.datetime | None = None) -> dt.datetime:
    return (now or utcnow()) - dt.timedelta(days=days)


def prune(days: int | None = None, now: dt.datetime | None = None) -> tuple[int, int]:
    """Delete done jobs and sent messages older than `days` (default: the setting). Returns
    (jobs, messages) deleted; nothing when the setting is 0."""
    days = keep_days() if days is None else days
    if days <= 0:
        return 0, 0
    before = cutoff(days, now)
    return jobs.prune(before), mail.prune(before)
