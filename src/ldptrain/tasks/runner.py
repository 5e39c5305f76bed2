"""Running one job: its state in ``ldp_job``, retries with exponential backoff, final failure.

The attempt count lives in the database, not in the queue's message, so it survives a restart,
shows on the admin page, and an admin's retry starts a fresh round of attempts.
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import current_app
from huey.exceptions import RetryTask

from ..db import get_session, utcnow
from ..models import Job, JobState
from .registry import Permanent, lookup

log = logging.getLogger("ldptrain.tasks")
MAX_ERROR = 2000


def backoff(attempt: int) -> float:
    """Seconds before the attempt after ``attempt`` (1-based): base, 2x base, 4x base..."""
    base = float(current_app.config.get("LDPTRAIN_QUEUE_RETRY_DELAY") or 30)
    return float(base * 2 ** (attempt - 1))


def _error_text(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:MAX_ERROR]


def run(job_id: int) -> None:
    session = get_session()
    job = session.get(Job, job_id)
    if job is None or job.state not in (JobState.QUEUED, JobState.RUNNING):
        return  # rolled back, deleted, or already finished (a duplicate hand-over)
    spec = lookup(job.name)
    if spec is None:
        job.state, job.finished_at = JobState.FAILED, utcnow()
        job.last_error = f"no job is registered as {job.name!r} (is the worker up to date?)"
        session.commit()
        return
    job.state, job.started_at, job.next_attempt_at = JobState.RUNNING, utcnow(), None
    job.attempts += 1
    args = list(job.args)
    session.commit()
    try:
        spec.func(*args)
    except Exception as exc:
        session.rollback()
        job = session.get(Job, job_id)
        if job is None:
            return
        error = _error_text(exc)
        job.last_error = error
        final = isinstance(exc, Permanent) or job.attempts >= job.max_attempts
        if final:
            job.state, job.finished_at = JobState.FAILED, utcnow()
            session.commit()
            log.error("job %s %s(%s) failed for good after %s attempt(s): %s",
                      job.id, job.name, args, job.attempts, error)
            if spec.on_failure is not None:
                spec.on_failure(*args, error)
                session.commit()
            return
        delay = backoff(job.attempts)
        job.state = JobState.QUEUED
        job.next_attempt_at = utcnow() + dt.timedelta(seconds=delay)
        session.commit()
        log.warning("job %s %s(%s) attempt %s failed, retrying in %.0f s: %s",
                    job.id, job.name, args, job.attempts, delay, error)
        raise RetryTask(delay=delay) from exc
    job = session.get(Job, job_id)
    if job is not None:
        job.state, job.finished_at = JobState.DONE, utcnow()
        session.commit()


def prune() -> tuple[int, int]:
    """The worker's daily clean-up: done jobs and sent messages older than
    LDPTRAIN_PRUNE_AFTER_DAYS (services/retention.py)."""
    from ..services import retention

    session = get_session()
    found = retention.prune()
    session.commit()
    if any(found):
        log.info("pruned %s finished job(s) and %s sent e-mail(s) older than %s days",
                 found[0], found[1], retention.keep_days())
    return found
