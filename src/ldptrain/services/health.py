"""What `/healthz` reports: is the database answering, is the job queue reachable, and how many
jobs wait or failed. Counts and booleans only: nothing personal, nothing secret."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, select, text

from ..db import get_session
from ..models import Job
from ..models.jobs import JobState

log = logging.getLogger("ldptrain.health")


def check(queue: Any) -> tuple[bool, dict[str, Any]]:
    """(healthy, report). `queue` is the app's tasks.Queue; its broker (Redis, or the SQLite
    file) is asked how many ids it holds, which fails when it is unreachable."""
    session = get_session()
    report: dict[str, Any] = {}
    try:
        session.execute(text("SELECT 1"))
        failed = session.scalar(select(func.count()).select_from(Job)
                                .where(Job.state == JobState.FAILED))
        report["database"] = {"ok": True}
    except Exception as exc:  # any driver error means "not serving"; the log has the detail
        session.rollback()
        log.warning("health: database check failed: %s", type(exc).__name__)
        report["database"] = {"ok": False}
        failed = None
    try:
        pending = int(queue.huey.pending_count())
        report["queue"] = {"ok": True, "kind": queue.kind, "pending": pending,
                           "failed": failed}
    except Exception as exc:
        log.warning("health: queue check failed (%s): %s", queue.where, type(exc).__name__)
        report["queue"] = {"ok": False, "kind": queue.kind, "pending": None, "failed": failed}
    healthy = report["database"]["ok"] and report["queue"]["ok"]
    report["status"] = "ok" if healthy else "unavailable"
    return healthy, report
