"""Background work: ``tasks.enqueue("mail.send", message.id)`` from any service.

- Jobs are registered in :mod:`ldptrain.tasks.jobs` (one place) with :func:`job`.
- ``enqueue`` writes an ``ldp_job`` row in the caller's transaction; the queue (Huey: a SQLite
  file, or Redis with LDPTRAIN_QUEUE_URL) receives its id once that transaction commits.
- ``ldptrain worker`` (or the one ``ldptrain serve`` starts) runs them in an app context, with
  retries and exponential backoff; failed jobs wait on the admin page for a retry.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from flask import Flask, current_app

from ..db import get_session
from ..models import Job
from .queue import Queue, queue_for
from .registry import Permanent, job, lookup, names

__all__ = ["Job", "Permanent", "Queue", "enqueue", "job", "names", "queue_again", "queue_for",
           "run_pending", "wait_for"]


def enqueue(name: str, *args: Any) -> Job:
    """Ask for ``name(*args)`` to run in the background once the current transaction commits.
    Arguments must be JSON values (ids, not objects: the worker loads fresh rows)."""
    spec = lookup(name)
    if spec is None:
        raise ValueError(f"no job is registered as {name!r}")
    session = get_session()
    found = Job(name=name, args=list(args), max_attempts=spec.attempts)
    session.add(found)
    session.flush()  # the id the queue will carry
    from .queue import hand_over_after_commit

    hand_over_after_commit(session(), queue_for(), found.id)  # type: ignore[operator]
    return found


def queue_again(found: Job) -> None:
    """Hand an existing job to the queue again once the current transaction commits."""
    from .queue import hand_over_after_commit

    hand_over_after_commit(get_session()(), queue_for(), found.id)  # type: ignore[operator]


def run_pending(app: Flask | None = None, *, include_scheduled: bool = False,
                limit: int = 1000) -> int:
    """Run what is waiting in this app's queue, here and now (tests, and `ldptrain jobs run`).
    With ``include_scheduled``, retries waiting for their backoff run too. Returns how many
    ran."""
    queue = queue_for(app or current_app._get_current_object())  # type: ignore[attr-defined]
    huey = queue.huey
    ran = 0
    while ran < limit:
        # With include_scheduled, retries still waiting for their backoff are due now.
        due = huey.read_schedule(_FAR_FUTURE if include_scheduled else None)
        for task in due:
            task.eta = None
            huey.enqueue(task)
        task = huey.dequeue()
        if task is None:
            return ran
        huey.execute(task)
        ran += 1
    return ran


_FAR_FUTURE = dt.datetime(9999, 1, 1)  # Huey compares naive UTC datetimes


def wait_for(predicate: Any, timeout: float = 10.0, interval: float = 0.05) -> bool:
    """Poll until ``predicate()`` is true (tests and `mail test --via-queue`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
