"""A small hand-counted world for the report tests (numbers worked out in the docstring).

Organisations: A (50, subdistrict municipality), B (50, SAO), C (57, SAO), D (57, town
municipality; nobody enrolled), X (50, DLA office: not an LAO, never counted).
Courses K and L. Enrolments, by the organisation they count for (attribution):
  u1 @A: K completed after 10 days, best 80, valid certificate (A)
  u2 @A: K active, best 50
  u3 @B: K completed after 20 days, best 90, certificate revoked
  u4 pending claim to C: K active, organisation NULL -> counted nowhere
  u5 @C then transferred to A: K completed after 30 days under C, best 70, valid certificate (C)
  u6 @C: L withdrawn, no score
  u7 @X: K completed (DLA office: excluded)
Attribution, all courses, national: 4 organisations; 5 enrolments, 3 completions (rate 0.6),
median 20 days, average best 72.5; organisations enrolled 3, completed 3, certified 2;
trainees enrolled 5, in progress 1, completed 3, certified 2.
Current staff: u5 counts for A, so organisations completed 2 (A, B), certified 1 (A).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from ldptrain.db import session, utcnow
from ldptrain.models import (
    Certificate,
    Course,
    Enrolment,
    Membership,
    MembershipStatus,
    ModuleProgress,
    Organisation,
    Role,
    User,
)

from . import factories

_serial = itertools.count(1)


@dataclass
class World:
    a: Organisation
    b: Organisation
    c: Organisation
    d: Organisation
    x: Organisation
    k: Course
    l: Course  # noqa: E741 (courses K and L of the docstring)
    users: dict[str, User]
    t0: dt.datetime


def _enrol(user: User, course: Course, org: Organisation | None, t0: dt.datetime,
           status: str = "active", days: int | None = None,
           best: float | None = None) -> Enrolment:
    item = Enrolment(user_id=user.id, course_id=course.id,
                     organisation_id=org.id if org else None, status=status, enrolled_at=t0,
                     completed_at=t0 + dt.timedelta(days=days) if days is not None else None,
                     best_score=best)
    session.add(item)
    session.flush()
    return item


def _certificate(enrolment: Enrolment, org: Organisation, status: str = "valid") -> Certificate:
    cert = Certificate(serial=f"TST-{next(_serial):06d}", user_id=enrolment.user_id,
                       course_id=enrolment.course_id, enrolment_id=enrolment.id,
                       organisation_id=org.id, status=status,
                       completed_at=enrolment.completed_at or utcnow())
    session.add(cert)
    session.flush()
    return cert


def build() -> World:
    factories.province("50", "เชียงใหม่", "Chiang Mai")
    factories.province("57", "เชียงราย", "Chiang Rai")
    a = factories.organisation("เทศบาลตำบลหนึ่ง", province_code="50")
    b = factories.organisation("องค์การบริหารส่วนตำบลสอง", province_code="50", type="sao")
    c = factories.organisation("องค์การบริหารส่วนตำบลสาม", province_code="57", type="sao")
    d = factories.organisation("เทศบาลเมืองสี่", province_code="57", type="town_municipality")
    x = factories.organisation("สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัด", province_code="50",
                               type="dla_office")
    k = factories.course("course-k", modules=2, title_th="หลักสูตรเค", title_en="Course K")
    l_ = factories.course("course-l", modules=1, title_th="หลักสูตรแอล", title_en="Course L")
    t0 = utcnow().replace(microsecond=0) - dt.timedelta(days=90)
    users = {
        "u1": factories.user("u1@example.org", name_th="ผู้เรียน หนึ่ง", organisation=a),
        "u2": factories.user("u2@example.org", name_th="ผู้เรียน สอง", organisation=a),
        "u3": factories.user("u3@example.org", name_th="ผู้เรียน สาม", organisation=b),
        "u4": factories.user("u4@example.org", name_th="ผู้เรียน สี่", organisation=c,
                             membership=MembershipStatus.PENDING),
        "u5": factories.user("u5@example.org", name_th="ผู้เรียน ห้า", organisation=a),
        "u6": factories.user("u6@example.org", name_th="ผู้เรียน หก", organisation=c),
        "u7": factories.user("u7@example.org", name_th="เจ้าหน้าที่ เจ็ด", organisation=x),
    }
    # u5 was at C before the transfer: an ended membership.
    session.add(Membership(user_id=users["u5"].id, organisation_id=c.id,
                           status=MembershipStatus.ENDED, ended_at=t0 + dt.timedelta(days=40)))
    e1 = _enrol(users["u1"], k, a, t0, "completed", 10, 80)
    _enrol(users["u2"], k, a, t0, "active", None, 50)
    e3 = _enrol(users["u3"], k, b, t0, "completed", 20, 90)
    _enrol(users["u4"], k, None, t0)
    e5 = _enrol(users["u5"], k, c, t0, "completed", 30, 70)
    _enrol(users["u6"], l_, c, t0, "withdrawn")
    _enrol(users["u7"], k, x, t0, "completed", 5, 100)
    _certificate(e1, a)
    _certificate(e3, b, "revoked")
    _certificate(e5, c)
    module = k.modules[0]
    session.add(ModuleProgress(enrolment_id=e1.id, module_id=module.id, started_at=t0,
                               completed_at=t0 + dt.timedelta(days=1)))
    session.flush()
    return World(a, b, c, d, x, k, l_, users, t0)


def staff(world: World) -> dict[str, User]:
    """Readers: admin, coordinator of A, provincial officer of 57, a trainer, a trainee."""
    people = {
        "admin": factories.user("admin@example.org", roles=(Role.ADMIN,), membership=None),
        "coordinator": factories.user("coord@example.org", roles=(Role.COORDINATOR,),
                                      organisation=world.a),
        "officer": factories.user("officer@example.org", roles=(Role.PROVINCIAL_OFFICER,),
                                  membership=None),
        "trainer": factories.user("trainer@example.org", roles=(Role.TRAINER,), membership=None),
        "trainee": world.users["u1"],
    }
    for ra in people["officer"].roles:
        if ra.role == Role.PROVINCIAL_OFFICER:
            ra.province_code = "57"
    session.flush()
    return people


