"""The queue of one app: Huey on a SQLite file by default, on Redis when LDPTRAIN_QUEUE_URL says
so, or run at once in the committing process ("immediate", for development and tests).

Huey only carries job ids: the jobs themselves (name, arguments, state, errors) are rows of
``ldp_job`` written in the caller's transaction, and the id is handed to Huey after that
transaction commits, so a worker never looks for a job that was rolled back or is not yet
visible.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger("ldptrain.tasks")
TASK_NAME = "ldptrain.run_job"
PRUNE_TASK_NAME = "ldptrain.prune"
_PENDING = "ldptrain_jobs_to_enqueue"


@dataclass
class Queue:
    huey: Huey
    run_job: Any  # the Huey task that runs one ldp_job row in an app context
    kind: str     # sqlite | redis | immediate
    where: str    # file or URL without password, for messages


def describe_url(url: str) -> str:
    """The URL without its password (for logs and pages)."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
    return url


def _build(app: Flask) -> Queue:
    url = str(app.config.get("LDPTRAIN_QUEUE_URL") or "").strip()
    name = str(app.config.get("LDPTRAIN_QUEUE_NAME") or "ldptrain")
    huey: Huey
    if url.startswith(("redis://", "rediss://", "unix://")):
        # Several hosts share this queue; ids stay small (pickle of an int) either way.
        huey = RedisHuey(name, url=url, results=False)
        kind, where = "redis", describe_url(url)
    elif url == "immediate":
        huey = MemoryHuey(name, results=False, immediate=True)
        kind, where = "immediate", "in process"
    elif url in ("", "sqlite://") or url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else ""
        file = Path(path) if path else Path(app.instance_path) / "ldptrain-queue.sqlite3"
        file.parent.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey(name, filename=str(file), results=False)
        kind, where = "sqlite", str(file)
    else:
        raise RuntimeError(f"LDPTRAIN_QUEUE_URL: use redis://..., sqlite:///FILE or "
                           f"'immediate', not {describe_url(url)!r}")

    @huey.task(name=TASK_NAME)
    def run_job(job_id: int) -> None:
        from .runner import run

        # Each job gets its own app context, hence its own database session.
        with app.app_context():
            run(job_id)

    # Daily at 03:17 Thai time (20:17 UTC, Huey's clock): every worker runs it; deleting twice
    # deletes nothing.
    @huey.periodic_task(crontab(minute="17", hour="20"), name=PRUNE_TASK_NAME)
    def prune_finished() -> None:
        from .runner import prune

        with app.app_context():
            prune()

    return Queue(huey, run_job, kind, where)


def queue_for(app: Flask | None = None) -> Queue:
    """This app's queue, built on first use (no connection is opened at app start)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    extras = app.extensions["ldptrain"].extras
    found: Queue | None = extras.get("queue")
    if found is None:
        found = extras["queue"] = _build(app)
    return found


def hand_over_after_commit(session: Session, queue: Queue, job_id: int) -> None:
    # Listeners on this session only, never on SQLAlchemy's Session class: a host's own sessions
    # must not run ldptrain code (tests/test_outline_stamp.py).
    if not event.contains(session, "after_commit", _enqueue_committed):
        event.listen(session, "after_commit", _enqueue_committed)
        event.listen(session, "after_rollback", _forget_rolled_back)
    session.info.setdefault(_PENDING, []).append((queue, job_id))


def _enqueue_committed(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    for queue, job_id in pending or ():
        try:
            queue.run_job(job_id)
        except Exception:  # the queue is down: the row stays "queued"; an admin can retry it
            log.exception("job %s could not be handed to the queue (%s)", job_id, queue.where)


def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)
