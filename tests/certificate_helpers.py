"""Shared set-up for certificate tests: a province, an SAO, a trainee and certificate courses."""

from __future__ import annotations

import re

from ldptrain.db import get_session, utcnow
from ldptrain.models import Course, Enrolment, EnrolmentStatus, Organisation, Province, User
from ldptrain.services import accounts
from ldptrain.signals import course_completed

SERIAL = re.compile(r"^DLA-(LDP|PART)-25\d\d-\d{6}$")


def setup(slugs: tuple[str, ...] = ("ldp-sfci",)) -> tuple[User, Organisation, list[Course]]:
    s = get_session()
    s.add(Province(code="50", name_th="เชียงใหม่", name_en="Chiang Mai", region="north"))
    org = Organisation(code="5500101", name_th="องค์การบริหารส่วนตำบลคำแสง", name_en="Kham Saeng SAO",
                       type="sao", province_code="50")
    s.add(org)
    s.flush()
    user = accounts.create_user(email="kamlai@example.org", password="correct horse 1",
                                name_th="นางสาวกำไล คำแสง", organisation_id=org.id)
    codes = {"ldp-sfci": "LDP", "partnerships": "PART"}
    courses = []
    for i, slug in enumerate(slugs):
        course = Course(slug=slug, code=codes[slug], title_th=f"การจัดทำแผน {slug}",
                        title_en=f"Course {slug}", version="1.0", hours=12, certificate=True,
                        order=i)
        s.add(course)
        courses.append(course)
    s.flush()
    return user, org, courses


def complete(user: User, org: Organisation, course: Course) -> Enrolment:
    enrolment = Enrolment(user_id=user.id, course_id=course.id, organisation_id=org.id,
                          status=EnrolmentStatus.COMPLETED, completed_at=utcnow(),
                          completion_source="online")
    get_session().add(enrolment)
    get_session().flush()
    course_completed.send("test", enrolment=enrolment)
    return enrolment


