"""Time on each module, measured on the server, and a course's minimum-time rule.

The clock: the `last_seen_at` of the progress row of the enrolment's last module is when the
time up to then was counted. A page view (or a heartbeat) credits the time since then to that
module — the one viewed first — capped per view at `cap_seconds` so a tab left open all night
counts as one long read, never more than the wall clock — and moves the clock on. Without
JavaScript the page views alone measure; with it, `static/js/engagement.js` beats every minute
(LDPTRAIN_HEARTBEAT_SECONDS) while the page is visible (and tells the server when the page
comes back from hidden, which restarts the clock without credit).

Cheap: a revisit of the same module writes only once `write_every()` (half the heartbeat, 30 s
by default) has passed since the clock
(time in between is kept by the clock, not lost); opening another module writes anyway (the
enrolment's last module changes), and the credit rides along. Each credit is a compare-and-set
on the clock, so two tabs or two racing requests never count the same seconds twice.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

from flask import current_app, has_app_context
from sqlalchemy import func, select, update

from ..db import session
from ..models import ModuleProgress

#: Seconds between a visible page's heartbeats unless LDPTRAIN_HEARTBEAT_SECONDS says otherwise.
HEARTBEAT_SECONDS = 60
#: A revisit of the same module writes its time at most this often (half the default heartbeat).
WRITE_EVERY = dt.timedelta(seconds=HEARTBEAT_SECONDS / 2)
#: No single view or heartbeat counts more than this (nor more than twice the module's duration).
CAP = dt.timedelta(minutes=30)


def heartbeat_seconds() -> float:
    """Seconds between a visible module page's heartbeats (LDPTRAIN_HEARTBEAT_SECONDS)."""
    if not has_app_context():
        return HEARTBEAT_SECONDS
    return float(current_app.config.get("LDPTRAIN_HEARTBEAT_SECONDS") or HEARTBEAT_SECONDS)


def write_every() -> dt.timedelta:
    """A revisit or beat of the same module writes its time at most this often: half the
    heartbeat, so every beat of a visible page is written and reading between beats is free."""
    return dt.timedelta(seconds=heartbeat_seconds() / 2)


def cap_seconds(duration_minutes: int) -> int:
    """The most one view of a module may count: twice its duration, at most 30 minutes."""
    most = int(CAP.total_seconds())
    return min(most, 2 * 60 * duration_minutes) if duration_minutes > 0 else most


def credit(gap: dt.timedelta, duration_minutes: int) -> int:
    """Seconds a gap between two views counts for the module viewed first."""
    return max(0, min(int(gap.total_seconds()), cap_seconds(duration_minutes)))


def required_seconds(duration_minutes: int, percent: int) -> int:
    """Seconds the rule `min_time: percent%` asks for on a module of that duration."""
    return math.ceil(duration_minutes * 60 * percent / 100) if percent > 0 else 0


def time_met(seconds: int, duration_minutes: int, percent: int) -> bool:
    return seconds >= required_seconds(duration_minutes, percent)


def minutes_left(seconds: int, duration_minutes: int, percent: int) -> int:
    """Whole minutes still to spend (rounded up: "about 12 minutes" is never an understatement)."""
    return math.ceil(max(0, required_seconds(duration_minutes, percent) - seconds) / 60)


def accrue(row_id: int, clock: dt.datetime | None, now: dt.datetime, duration_minutes: int,
           *, count: bool = True, **also: object) -> int | None:
    """Credit the time since `clock` to progress row `row_id` and move its clock to `now`, when
    the clock is still `clock` (compare-and-set). Returns the seconds credited, None when another
    request moved the clock first. `count=False` restarts the clock without credit (the page was
    hidden). `also`: more columns to set in the same statement."""
    gain = credit(now - clock, duration_minutes) if count and clock is not None else 0
    table = ModuleProgress.__table__.c
    where = [table.id == row_id]
    where.append(table.last_seen_at.is_(None) if clock is None else table.last_seen_at == clock)
    result = session.execute(
        update(ModuleProgress).where(*where)
        .values(seconds_spent=ModuleProgress.seconds_spent + gain, last_seen_at=now, **also)
        .execution_options(synchronize_session=False))
    return gain if result.rowcount == 1 else None  # type: ignore[attr-defined]


def seconds_by_enrolment(enrolment_ids: Iterable[int]) -> dict[int, int]:
    """Time measured on each enrolment's modules, in all (one query)."""
    ids = sorted(set(enrolment_ids))
    if not ids:
        return {}
    found: dict[int, int] = {}
    for start in range(0, len(ids), 5000):  # keep the IN list within every backend's limits
        found.update({e: int(s or 0) for e, s in session.execute(
            select(ModuleProgress.enrolment_id, func.sum(ModuleProgress.seconds_spent))
            .where(ModuleProgress.enrolment_id.in_(ids[start:start + 5000]))
            .group_by(ModuleProgress.enrolment_id))})
    return found


def measured_hours(seconds: int) -> float:
    """Measured time for a certificate: rounded down to the half hour, never overstated."""
    return math.floor(seconds / 1800) / 2
