"""The rules that change progress: module visits and the time they credit, marking a module
complete, passing its assessment, and course completion with its signal. What pages read is in
reads.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from flask import current_app, has_app_context
from sqlalchemy import and_, select, update
from sqlalchemy.exc import IntegrityError

from ... import signals
from ...db import session, utcnow
from ...i18n import lazy_gettext
from ...models import (
    Enrolment,
    EnrolmentStatus,
    Module,
    ModuleProgress,
    ModuleVersion,
    User,
)
from .. import engagement
from ..audit import record
from ..enrolment import EnrolmentError
from .reads import (
    EnrolmentMark,
    OutlineEntry,
    ProgressMark,
    _done,
    module_page,
    outline,
    requirements,
)

# A revisit of the same module writes at most this often by default (its time,
# services/engagement.py; `engagement.write_every()` reads the configured heartbeat): reading
# stays free of writes.
SEEN_EVERY = engagement.WRITE_EVERY


def visit(enrolment: Enrolment | EnrolmentMark, entry: OutlineEntry,
          row: ModuleProgress | ProgressMark | None, now: dt.datetime | None = None, *,
          rows: dict[int, ModuleProgress | ProgressMark] | None = None,
          entries: Sequence[OutlineEntry] | None = None, count: bool = True) -> bool:
    """The trainee opened a module (or its page beat, static/js/engagement.js): remember it for
    "resume", and credit the time since the last view to the module viewed then
    (services/engagement.py). Writes only when needed, and says whether it did. `rows` (the
    enrolment's progress by module, updated here) and `entries` save queries; `count=False`
    restarts the clock without credit."""
    now = now or utcnow()
    wrote = False
    last = enrolment.last_module_id
    if last != entry.module_id:
        wrote = True
        if last is not None:
            _credit_last(enrolment, last, now, rows, entries, count)
        if isinstance(enrolment, Enrolment):
            enrolment.last_module_id = entry.module_id
        else:
            session.execute(update(Enrolment).where(Enrolment.id == enrolment.id)
                            .values(last_module_id=entry.module_id)
                            .execution_options(synchronize_session=False))
    if row is None:
        wrote = True
        _insert_progress(ModuleProgress(enrolment_id=enrolment.id, module_id=entry.module_id,
                                        module_version_id=entry.version_id, started_at=now,
                                        last_seen_at=now))
        return wrote
    also: dict[str, object] = {} if _done(row) else {"module_version_id": entry.version_id}
    if last != entry.module_id:  # this module's clock starts now
        session.execute(update(ModuleProgress).where(ModuleProgress.id == row.id)
                        .values(last_seen_at=now, **also)
                        .execution_options(synchronize_session=False))
    elif row.last_seen_at is None or now - row.last_seen_at >= engagement.write_every():
        wrote = True
        gain = engagement.accrue(row.id, row.last_seen_at, now, entry.duration_minutes,
                                 count=count, **also)
        if gain and rows is not None and isinstance(row, ProgressMark):
            rows[entry.module_id] = ProgressMark(row.id, row.module_id, row.completed, now,
                                                 row.seconds_spent + gain)
    else:
        return wrote
    if isinstance(row, ModuleProgress):  # written by a Core UPDATE: reload when next read
        session.expire(row)
    return wrote


def beat(user_id: int, slug: str, module_slug: str, *, count: bool = True,
         now: dt.datetime | None = None) -> bool | None:
    """The module page's heartbeat (static/js/engagement.js): a view without the page, under
    the same cap. None when there is no such live module; False when the enrolment is not
    open or nothing needed writing."""
    state = module_page(user_id, slug)
    if state is None:
        return None
    entry = next((e for e in state.outline.entries if e.slug == module_slug), None)
    if entry is None:
        return None
    if state.enrolment is None or state.enrolment.status == EnrolmentStatus.WITHDRAWN:
        return False
    return visit(state.enrolment, entry, state.progress.get(entry.module_id), now,
                 rows=state.progress, entries=state.outline.entries, count=count)


def complete_when_time_met(enrolment_id: int) -> bool:
    """Complete the course whose last requirement was the minimum time, met after the quizzes
    were passed (the module page calls this when it sees everything met)."""
    found = session.get(Enrolment, enrolment_id)
    return found is not None and complete_course_if_done(found)


def _credit_last(enrolment: Enrolment | EnrolmentMark, module_id: int, now: dt.datetime,
                 rows: dict[int, ModuleProgress | ProgressMark] | None,
                 entries: Sequence[OutlineEntry] | None, count: bool = True) -> None:
    """Credit the time since the clock to the enrolment's last module (the one viewed first)."""
    before = rows.get(module_id) if rows is not None else _progress_row(enrolment.id, module_id)
    if before is None or before.last_seen_at is None:
        return
    duration = next((e.duration_minutes for e in entries or () if e.module_id == module_id),
                    None)
    if duration is None:
        duration = session.scalar(
            select(ModuleVersion.duration_minutes)
            .join(Module, Module.current_version_id == ModuleVersion.id)
            .where(Module.id == module_id)) or 0
    gain = engagement.accrue(before.id, before.last_seen_at, now, duration, count=count)
    if isinstance(before, ModuleProgress):
        session.expire(before)
    elif gain and rows is not None:
        rows[module_id] = ProgressMark(before.id, before.module_id, before.completed, now,
                                       before.seconds_spent + gain)


def _progress_row(enrolment_id: int, module_id: int) -> ModuleProgress | None:
    return session.scalar(select(ModuleProgress).where(
        ModuleProgress.enrolment_id == enrolment_id, ModuleProgress.module_id == module_id))


def settle(enrolment: Enrolment, now: dt.datetime | None = None) -> None:
    """Credit the time since the last view to the module viewed then, before a rule reads the
    measured time (marking complete, opening the final)."""
    now = now or utcnow()
    if enrolment.last_module_id is None:
        return
    session.flush()
    _credit_last(enrolment, enrolment.last_module_id, now, None, None)


def time_left(enrolment: Enrolment, entry: OutlineEntry, now: dt.datetime | None = None) -> int:
    """Minutes the course's minimum-time rule still asks for on this module (0 when met)."""
    percent = enrolment.course.min_time_percent
    if not percent:
        return 0
    settle(enrolment, now)
    seconds = session.scalar(select(ModuleProgress.seconds_spent).where(
        ModuleProgress.enrolment_id == enrolment.id,
        ModuleProgress.module_id == entry.module_id)) or 0
    return engagement.minutes_left(seconds, entry.duration_minutes, percent)


def _insert_progress(row: ModuleProgress) -> ModuleProgress:
    """Insert in a savepoint: two tabs opening one module at once must not fail the request."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        found = session.scalar(select(ModuleProgress).where(
            ModuleProgress.enrolment_id == row.enrolment_id,
            ModuleProgress.module_id == row.module_id))
        if found is None:
            raise
        return found
    return row


def complete_module(enrolment: Enrolment, module_id: int, version_id: int | None,
                    now: dt.datetime | None = None) -> bool:
    """Record a module as complete (idempotent); returns True when it was newly completed."""
    now = now or utcnow()
    row = session.scalar(select(ModuleProgress).where(
        ModuleProgress.enrolment_id == enrolment.id, ModuleProgress.module_id == module_id))
    if row is None:
        row = _insert_progress(ModuleProgress(enrolment_id=enrolment.id, module_id=module_id,
                                              started_at=now, last_seen_at=now))
    if row.completed_at is not None:
        return False
    row.completed_at = now
    row.module_version_id = version_id
    return True


def mark_complete(enrolment: Enrolment, entry: OutlineEntry,
                  now: dt.datetime | None = None) -> bool:
    """The trainee's "mark complete". A module with an assessment completes only by passing it."""
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        raise EnrolmentError(lazy_gettext("Enrol again to continue this course."))
    if entry.assessment_id is not None:
        raise EnrolmentError(lazy_gettext("Pass the module's quiz to complete this module."))
    left = time_left(enrolment, entry, now)
    if left:
        raise EnrolmentError(lazy_gettext(
            "This course asks for a little more time on this module before it counts as "
            "complete: about %(minutes)s more minutes.", minutes=left))
    changed = complete_module(enrolment, entry.module_id, entry.version_id, now)
    session.flush()
    complete_course_if_done(enrolment)
    return changed


def assessment_passed(enrolment: Enrolment, assessment_id: int) -> None:
    """After a passed attempt: complete the modules it belongs to, keep the best final score,
    and complete the course when nothing is left."""
    for entry in outline(enrolment.course_id):
        if entry.assessment_id == assessment_id:
            complete_module(enrolment, entry.module_id, entry.version_id)
    session.flush()
    if (enrolment.completed_at is not None
            and enrolment.course.final_assessment_id == assessment_id):
        # Already complete: passing the final again is how a due certificate is renewed.
        from .. import certificates

        certificates.renew_if_due(enrolment)
        return
    complete_course_if_done(enrolment)


def record_final_score(enrolment: Enrolment, score: float | None) -> None:
    """The best score on the final assessment is the one that counts."""
    if score is not None and (enrolment.best_score is None or score > enrolment.best_score):
        enrolment.best_score = score


def complete_course_if_done(enrolment: Enrolment) -> bool:
    """Record online completion once every requirement is met (see `record_completion`)."""
    if enrolment.completed_at is not None or enrolment.status == EnrolmentStatus.WITHDRAWN:
        return False
    if not requirements(enrolment).all_met:
        return False
    return record_completion(enrolment, source="online")


def record_completion(enrolment: Enrolment, *, source: str, at: dt.datetime | None = None,
                      workshop_id: int | None = None, actor: User | None = None) -> bool:
    """Record completion and send `signals.course_completed`, exactly once per enrolment.

    `source` is online (every module and the final assessment done here) or blended (a trainer
    recorded an in-person workshop as evidence). The conditional UPDATE (WHERE completed_at IS
    NULL) is the guard: of two racing requests only one changes the row, and only that one sends
    the signal.
    """
    session.flush()
    result = session.execute(
        update(Enrolment)
        .where(and_(Enrolment.id == enrolment.id, Enrolment.completed_at.is_(None)))
        .values(completed_at=at or utcnow(), status=EnrolmentStatus.COMPLETED,
                completion_source=source, workshop_id=workshop_id)
        .execution_options(synchronize_session=False))
    session.refresh(enrolment)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    record("course.complete", actor=actor or enrolment.user, target=enrolment,
           organisation_id=enrolment.organisation_id,
           details={"course": enrolment.course.slug, "best_score": enrolment.best_score,
                    "source": source})
    session.flush()
    sender = current_app.name if has_app_context() else None
    signals.course_completed.send(sender, enrolment=enrolment)
    return True
