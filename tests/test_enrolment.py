"""Catalogue and enrolment: prerequisites, the organisation an enrolment counts for, withdrawing
and coming back."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from ldptrain.db import get_session, utcnow
from ldptrain.models import Enrolment, EnrolmentStatus, MembershipStatus, ModuleProgress
from ldptrain.services import enrolment, progress

from . import factories as f
from .factories import per_request_locale  # noqa: F401

pytestmark = pytest.mark.usefixtures("per_request_locale")


def test_enrolment_counts_for_the_organisation_only_once_membership_is_confirmed(
        app: Flask) -> None:
    org = f.organisation()
    course = f.course()
    confirmed = f.user(organisation=org)
    pending = f.user(organisation=org, membership=MembershipStatus.PENDING)
    assert enrolment.enrol(confirmed, course).organisation_id == org.id
    assert enrolment.enrol(pending, course).organisation_id is None


def test_enrolling_twice_gives_the_same_enrolment(app: Flask) -> None:
    course, user = f.course(), f.user()
    first = enrolment.enrol(user, course)
    assert enrolment.enrol(user, course).id == first.id
    assert get_session().scalar(select(func.count(Enrolment.id))) == 1


def test_prerequisites_are_enforced_with_a_clear_message(app: Flask) -> None:
    basics = f.course("basics", title_en="Plan basics", title_th="พื้นฐานแผน")
    advanced = f.course("advanced", prerequisites=["basics"])
    user = f.user()
    with pytest.raises(enrolment.EnrolmentError) as refused:
        enrolment.enrol(user, advanced, lang="en")
    assert "Plan basics" in str(refused.value)
    done = enrolment.enrol(user, basics)
    done.completed_at, done.status = utcnow(), EnrolmentStatus.COMPLETED
    assert enrolment.enrol(user, advanced).status == EnrolmentStatus.ACTIVE


def test_withdraw_keeps_progress_and_reenrolling_resumes(app: Flask) -> None:
    course, user = f.course(modules=3, final=None), f.user()
    mine = enrolment.enrol(user, course)
    entries = progress.outline(course.id)
    progress.mark_complete(mine, entries[0])
    progress.visit(mine, entries[1], None)
    get_session().commit()

    enrolment.withdraw(mine, actor=user)
    get_session().commit()
    assert mine.status == EnrolmentStatus.WITHDRAWN and mine.withdrawn_at is not None
    assert get_session().scalar(select(func.count(ModuleProgress.id))) == 2

    again = enrolment.enrol(user, course)
    assert again.id == mine.id and again.status == EnrolmentStatus.ACTIVE
    assert again.withdrawn_at is None and again.last_module_id == entries[1].module_id
    assert progress.requirements(again).units == (1, 3)


def test_a_completed_course_cannot_be_withdrawn_from(app: Flask) -> None:
    course, user = f.course(modules=1, final=None), f.user()
    mine = enrolment.enrol(user, course)
    progress.mark_complete(mine, progress.outline(course.id)[0])
    assert mine.status == EnrolmentStatus.COMPLETED
    with pytest.raises(enrolment.EnrolmentError):
        enrolment.withdraw(mine)


def test_catalogue_lists_hours_modules_prerequisites_and_my_status(any_app: Flask) -> None:
    base = f.prefix(any_app)
    f.course("basics", modules=3, hours=6, title_en="Plan basics", order=1)
    f.course("advanced", modules=2, hours=4.5, prerequisites=["basics"], title_en="Advanced",
             order=2)
    f.user("trainee@example.org", language="en")
    get_session().commit()
    client = any_app.test_client()
    anonymous = client.get(f"{base}/").get_data(as_text=True)
    assert f'href="{base}/courses/advanced/"' in anonymous  # the catalogue is public

    f.sign_in(client, any_app, "trainee@example.org")
    page = client.get(f"{base}/").get_data(as_text=True)
    assert "6 hours" in page and "4.5 hours" in page
    assert "3 modules" in page and "2 modules" in page
    assert "Before this course:" in page and f'href="{base}/courses/basics/"' in page
    assert "Enrolled" not in page
    token = f.form_token(client, f"{base}/courses/basics/")
    assert client.post(f"{base}/courses/basics/enrol",
                       data={"csrf_token": token}).status_code == 302
    listed = client.get(f"{base}/").get_data(as_text=True)
    assert listed.count("Enrolled") == 1


def test_enrolment_page_refuses_missing_prerequisites_without_an_error_page(any_app: Flask) -> None:
    base = f.prefix(any_app)
    f.course("basics", title_en="Plan basics")
    f.course("advanced", prerequisites=["basics"])
    f.user("trainee@example.org", language="en")
    get_session().commit()
    client = any_app.test_client()
    f.sign_in(client, any_app, "trainee@example.org")
    page = client.get(f"{base}/courses/advanced/").get_data(as_text=True)
    assert "Complete these courses first: Plan basics" in page
    token = f.form_token(client, f"{base}/courses/advanced/")
    refused = client.post(f"{base}/courses/advanced/enrol", data={"csrf_token": token},
                          follow_redirects=True)
    assert refused.status_code == 200
    assert "Complete these courses first: Plan basics" in refused.get_data(as_text=True)
    assert get_session().scalar(select(func.count(Enrolment.id))) == 0


def test_unenrolment_via_the_course_page_then_enrol_again(any_app: Flask) -> None:
    base = f.prefix(any_app)
    f.course("basics")
    f.user("trainee@example.org", language="en")
    get_session().commit()
    client = any_app.test_client()
    f.sign_in(client, any_app, "trainee@example.org")
    token = f.form_token(client, f"{base}/courses/basics/")
    client.post(f"{base}/courses/basics/enrol", data={"csrf_token": token})
    assert "Leave this course" in client.get(f"{base}/courses/basics/").get_data(as_text=True)
    client.post(f"{base}/courses/basics/withdraw", data={"csrf_token": token})
    page = client.get(f"{base}/courses/basics/").get_data(as_text=True)
    assert "Enrol again and resume" in page
    get_session().expire_all()
    assert get_session().scalar(select(Enrolment.status)) == EnrolmentStatus.WITHDRAWN
    # A withdrawn trainee cannot read modules until they come back.
    assert client.get(f"{base}/courses/basics/m/module-1").status_code == 302
