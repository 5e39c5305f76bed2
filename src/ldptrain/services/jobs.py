"""What admins do with background jobs: see them (failed ones first) and try one again."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import case, delete, func, select

from ..db import session, utcnow
from ..i18n import gettext as _
from ..models import Job, JobState, User
from .audit import record
from .errors import ServiceError

#: A job still "running" or "queued" this long after it should have moved on was lost (its
#: worker died mid-job, or the queue was down when it was handed over): an admin may retry it.
STUCK_AFTER = dt.timedelta(minutes=15)


class JobError(ServiceError):
    pass


def listing(state: str = "", limit: int = 200) -> list[Job]:
    """Newest first, failed jobs before the rest when no state is chosen."""
    query = select(Job)
    if state:
        query = query.where(Job.state == state)
    failed_first = case((Job.state == JobState.FAILED, 0), else_=1)
    return list(session.scalars(query.order_by(failed_first, Job.id.desc()).limit(limit)))


def counts() -> dict[str, int]:
    rows = session.execute(select(Job.state, func.count()).group_by(Job.state)).all()
    return {str(state): int(n) for state, n in rows}


def retryable(job: Job, now: dt.datetime | None = None) -> bool:
    now = now or utcnow()
    if job.state == JobState.FAILED:
        return True
    if job.state == JobState.RUNNING:
        return job.started_at is not None and now - job.started_at > STUCK_AFTER
    if job.state == JobState.QUEUED:
        due = job.next_attempt_at or job.started_at or job.created_at
        return now - due > STUCK_AFTER
    return False


def retry(job_id: int, actor: User | None) -> Job:
    """Queue the job again with a fresh round of attempts (after the caller commits)."""
    from .. import tasks

    job = session.get(Job, job_id)
    if job is None:
        raise JobError(_("There is no job %(id)s.", id=job_id))
    if not retryable(job):
        raise JobError(_("Job %(id)s is %(state)s; only failed or stuck jobs can be retried.",
                         id=job_id, state=job.state))
    job.state, job.attempts, job.finished_at, job.next_attempt_at = (
        JobState.QUEUED, 0, None, None)
    session.flush()
    tasks.queue_again(job)
    record("job.retry", actor=actor, target=job, details={"name": job.name})
    return job


def prune(before: dt.datetime) -> int:
    """Delete jobs that finished before `before`; failed ones stay until an admin retries
    them, and queued or running ones are live. Returns how many."""
    result = session.execute(delete(Job).where(Job.state == JobState.DONE,
                                               Job.finished_at < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
