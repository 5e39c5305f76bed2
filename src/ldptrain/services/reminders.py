"""Reminders from a dashboard gap list to the coordinators of the organisations on it.

An officer who reads "organisations with nobody enrolled" can ask, in one step, that those
organisations' coordinators get a polite note (Thai and English) inviting their staff to the
courses. The request only decides who is reminded and records it: `remind` writes one
`GapReminder` per organisation (at most one a Thai calendar day: the unique key also settles two
officers asking at once) and queues one background job; the job (`gaps.remind`) writes the
messages into the mail outbox, which sends them with its own retries.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..access import Scope
from ..db import session
from ..i18n import domain, force_language
from ..i18n import lazy_gettext as _l
from ..models import Course, GapReminder, Organisation, User
from . import mail
from .audit import record
from .errors import ServiceError
from .organisations import coordinators
from .reports import GAPS, Filters, OutOfScope, gap_table
from .reports.tables import thai_today


class NotOnTheList(ServiceError):
    pass


@dataclass(frozen=True)
class Reminded:
    """What a remind request did: organisations whose coordinators will get a message, those
    already reminded today, and those with no coordinator to write to."""
    queued: int
    already_today: int
    without_coordinator: int


def remind(scope: Scope, gap: str, filters: Filters, *, actor: User, link: str,
           organisation_ids: Collection[int] | None = None, ip: str = "") -> Reminded:
    """Remind the coordinators of the organisations on the reader's gap list `gap` (with these
    filters): all of them, or only `organisation_ids`, which must be on that list. `link`: where
    the message sends them (the catalogue, made absolute by the caller). Raises OutOfScope for
    filters beyond the reader's scope and NotOnTheList for an organisation not on the list."""
    if gap not in GAPS:
        raise OutOfScope("not a gap list")
    rows = gap_table(gap, scope, filters).rows  # scoped: authorise() runs inside
    listed = {row["id"] for row in rows}
    chosen = listed if organisation_ids is None else set(organisation_ids)
    if not chosen <= listed:
        raise NotOnTheList(_l("That organisation is not on this list any more."))
    contacts = coordinators(chosen)
    day = thai_today()
    done = set(session.scalars(select(GapReminder.organisation_id).where(
        GapReminder.day == day, GapReminder.organisation_id.in_(sorted(chosen)))))
    new: list[GapReminder] = []
    for org_id in sorted(chosen - done):
        if org_id not in contacts:
            continue
        reminder = GapReminder(organisation_id=org_id, day=day, gap=gap,
                               course_id=filters.course_id, actor_id=actor.id)
        try:
            with session.begin_nested():
                session.add(reminder)
        except IntegrityError:  # another officer reminded it a moment ago
            done.add(org_id)
            continue
        new.append(reminder)
    if new:
        from .. import tasks

        tasks.enqueue("gaps.remind", [r.id for r in new], link)
    result = Reminded(queued=len(new), already_today=len(done & chosen),
                      without_coordinator=len(chosen - set(contacts)))
    record("gap.remind", actor=actor, ip=ip,
           organisation_id=next(iter(chosen)) if len(chosen) == 1 else None,
           details={"gap": gap, "course_id": filters.course_id, "queued": result.queued,
                    "already_today": result.already_today,
                    "without_coordinator": result.without_coordinator,
                    "organisations": sorted(r.organisation_id for r in new)[:200]})
    return result


def write_messages(reminder_ids: list[int], link: str) -> int:
    """The `gaps.remind` job: one message to each coordinator of each reminded organisation,
    into the outbox. Coordinators are read now, so one who left since the request is skipped."""
    written = 0
    reminders = list(session.scalars(select(GapReminder).where(
        GapReminder.id.in_(reminder_ids), GapReminder.messages == 0)))
    contacts = coordinators([r.organisation_id for r in reminders])
    for reminder in reminders:
        organisation = session.get(Organisation, reminder.organisation_id)
        course = session.get(Course, reminder.course_id) if reminder.course_id else None
        for person in contacts.get(reminder.organisation_id, []):
            subject, body = message(person, organisation, course, reminder.gap, link)
            mail.send(person.email, subject, body, user=person)
            reminder.messages += 1
            written += 1
    return written


def message(person: User, organisation: Organisation | None, course: Course | None, gap: str,
            link: str) -> tuple[str, str]:
    """The reminder in the coordinator's language first, then the other one: officers forward
    these, and not every reader of a forwarded message reads Thai."""
    first = person.language if person.language in ("th", "en") else "th"
    parts, subject = [], ""
    for lang in (first, "en" if first == "th" else "th"):
        with force_language(lang):
            name = person.display_name(lang)
            org = organisation.name(lang) if organisation else ""
            what = course.title(lang) if course else domain.gettext("any of our courses")
            if not subject:
                subject = domain.gettext("Reminder: DLA Training for %(organisation)s",
                                         organisation=org)
            if gap == "gaps-completed":
                text = domain.gettext(
                    "Dear %(name)s,\n\nThe DLA Training dashboard shows that no one from "
                    "%(organisation)s has completed %(what)s yet. As your organisation's "
                    "training coordinator, could you kindly encourage the colleagues who have "
                    "started to finish? The courses are free and can be taken online, on a "
                    "phone too:\n\n%(link)s\n\nThank you very much for your help.\n"
                    "Department of Local Administration (DLA Training)\n",
                    name=name, organisation=org, what=what, link=link)
            else:
                text = domain.gettext(
                    "Dear %(name)s,\n\nThe DLA Training dashboard shows that no one from "
                    "%(organisation)s has enrolled in %(what)s yet. As your organisation's "
                    "training coordinator, could you kindly invite your colleagues to take "
                    "part? The courses are free and can be taken online, on a phone too:"
                    "\n\n%(link)s\n\nThank you very much for your help.\n"
                    "Department of Local Administration (DLA Training)\n",
                    name=name, organisation=org, what=what, link=link)
            parts.append(text)
    return subject, "\n-----\n\n".join(parts)
