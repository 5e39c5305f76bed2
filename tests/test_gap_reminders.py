"""Gap lists name whom to contact, and remind them: each organisation with nobody enrolled (or
nobody completed) carries its coordinators' names and e-mail on the page and in the exports,
within the reader's scope; "remind" (POST, CSRF, scoped) records the reminder and queues a job
that writes a polite Thai and English message into the outbox, at most once a day for each
organisation."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from ldptrain import tasks
from ldptrain.db import get_session
from ldptrain.models import GapReminder, Job, OutboxMessage, Role

from . import factories, report_fixtures
from .conftest import csrf_token
from .test_dashboard_pages import login


@pytest.fixture
def setup(any_app: Flask) -> Any:
    """The report world (D has nobody enrolled; in course L, A, B and D have nobody) with
    coordinators for A (from report_fixtures.staff), B (two) and D; C has none."""
    world = report_fixtures.build()
    people = report_fixtures.staff(world)
    people["coord_b1"] = factories.user("b1@example.org", name_th="ผู้ประสานงาน บีหนึ่ง",
                                        roles=(Role.COORDINATOR,), organisation=world.b)
    people["coord_b2"] = factories.user("b2@example.org", name_th="ผู้ประสานงาน บีสอง",
                                        roles=(Role.COORDINATOR,), organisation=world.b,
                                        language="en")
    people["coord_d"] = factories.user("d@example.org", name_th="ผู้ประสานงาน ดี",
                                       roles=(Role.COORDINATOR,), organisation=world.d)
    get_session().commit()
    return any_app, world, people, any_app.extensions["ldptrain"].url_prefix


def _rows(html: str) -> dict[str, str]:
    """Organisation name -> the text of its row on a gap list page."""
    body = html.split('id="tbl-gaps-', 1)[1].split("</table>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        name = re.search(r'data-key="name"[^>]*><a [^>]*>([^<]+)</a>', row)
        if name:
            rows[name.group(1)] = row
    return rows


def _reminders() -> list[GapReminder]:
    get_session().expire_all()
    return list(get_session().scalars(select(GapReminder).order_by(GapReminder.id)))


def _outbox() -> list[OutboxMessage]:
    get_session().expire_all()
    return list(get_session().scalars(select(OutboxMessage).order_by(OutboxMessage.to)))


def test_gap_lists_carry_each_organisations_coordinators_within_the_readers_scope(
        setup: Any) -> None:
    app, world, people, prefix = setup
    admin = app.test_client()
    login(admin, prefix, "admin@example.org")
    page = admin.get(f"{prefix}/dashboard/table/gaps-enrolled?course=course-l")
    rows = _rows(page.get_data(as_text=True))
    assert set(rows) == {world.a.name_th, world.b.name_th, world.d.name_th}
    assert "ผู้ประสานงาน บีหนึ่ง" in rows[world.b.name_th]
    assert 'href="mailto:b1@example.org"' in rows[world.b.name_th]
    assert 'href="mailto:b2@example.org"' in rows[world.b.name_th]
    assert 'href="mailto:d@example.org"' in rows[world.d.name_th]
    assert 'href="mailto:coord@example.org"' in rows[world.a.name_th]

    # The provincial officer of 57 sees D, never the coordinators of province 50.
    officer = app.test_client()
    login(officer, prefix, "officer@example.org")
    html = officer.get(f"{prefix}/dashboard/table/gaps-enrolled?course=course-l"
                       ).get_data(as_text=True)
    assert set(_rows(html)) == {world.d.name_th}
    assert "d@example.org" in html
    assert "b1@example.org" not in html and "coord@example.org" not in html


def test_gap_exports_carry_coordinator_names_and_e_mail(setup: Any) -> None:
    app, world, people, prefix = setup
    admin = app.test_client()
    login(admin, prefix, "admin@example.org")
    answer = admin.get(f"{prefix}/dashboard/export/gaps-enrolled.csv?course=course-l")
    assert answer.status_code == 200
    table = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    by_name = {row["หน่วยงาน"]: row for row in table}
    assert by_name[world.b.name_th]["ผู้ประสานงาน"] == "ผู้ประสานงาน บีหนึ่ง; ผู้ประสานงาน บีสอง"
    assert by_name[world.b.name_th]["อีเมลผู้ประสานงาน"] == "b1@example.org; b2@example.org"
    assert by_name[world.d.name_th]["อีเมลผู้ประสานงาน"] == "d@example.org"
    xlsx = admin.get(f"{prefix}/dashboard/export/gaps-enrolled.xlsx?course=course-l")
    assert xlsx.status_code == 200

    # The officer's export holds only their province's coordinators.
    officer = app.test_client()
    login(officer, prefix, "officer@example.org")
    text = officer.get(f"{prefix}/dashboard/export/gaps-enrolled.csv?course=course-l"
                       ).get_data(as_text=True)
    assert "d@example.org" in text and "b1@example.org" not in text


def test_remind_queues_a_polite_thai_and_english_message_once_a_day(setup: Any) -> None:
    app, world, people, prefix = setup
    officer = app.test_client()
    login(officer, prefix, "officer@example.org")
    listing = f"{prefix}/dashboard/table/gaps-enrolled?course=course-l"
    token = csrf_token(officer, listing)
    action = f"{prefix}/dashboard/remind/gaps-enrolled?course=course-l"
    done = officer.post(action, data={"csrf_token": token, "organisation": world.d.id})
    assert done.status_code == 302 and done.headers["Location"].endswith(
        "/dashboard/table/gaps-enrolled?course=course-l")
    [reminder] = _reminders()
    assert (reminder.organisation_id, reminder.gap) == (world.d.id, "gaps-enrolled")
    assert reminder.course_id == world.l.id and reminder.actor_id == people["officer"].id
    # Nothing is written or sent in the request: a job does it.
    assert _outbox() == []
    assert get_session().scalars(select(Job.name)).all() == ["gaps.remind"]
    assert tasks.run_pending(app) >= 1
    [message] = _outbox()
    assert message.to == "d@example.org"
    assert world.d.name_th in message.subject
    body = message.body_text
    assert "ผู้ประสานงาน ดี" in body and "หลักสูตรแอล" in body and "Course L" in body
    assert re.search("[\u0e00-\u0e7f]", body) and "Dear" in body  # Thai, then English
    assert body.index("เรียน") < body.index("Dear")  # the coordinator reads Thai: Thai first
    assert re.search(r"http://localhost[^\s]*/", body)  # a link to the courses
    page = officer.get(listing).get_data(as_text=True)
    assert "ส่งการแจ้งเตือนแล้ววันนี้" in _rows(page)[world.d.name_th]

    # The same organisation again today, by another officer of the country: refused kindly.
    admin = app.test_client()
    login(admin, prefix, "admin@example.org")
    token = csrf_token(admin, listing)
    again = admin.post(action, data={"csrf_token": token, "organisation": world.d.id},
                       follow_redirects=True)
    assert again.status_code == 200
    assert len(_reminders()) == 1
    tasks.run_pending(app)
    assert len(_outbox()) == 1
    assert "แจ้งเตือนไปแล้ววันนี้" in again.get_data(as_text=True)


def test_remind_every_organisation_on_the_list(setup: Any) -> None:
    """In course L: A (one coordinator), B (two, one reading English) and D get reminders; an
    English reader gets English first."""
    app, world, people, prefix = setup
    admin = app.test_client()
    login(admin, prefix, "admin@example.org")
    listing = f"{prefix}/dashboard/table/gaps-enrolled?course=course-l"
    token = csrf_token(admin, listing)
    done = admin.post(f"{prefix}/dashboard/remind/gaps-enrolled?course=course-l",
                      data={"csrf_token": token}, follow_redirects=True)
    assert done.status_code == 200
    assert {r.organisation_id for r in _reminders()} == {world.a.id, world.b.id, world.d.id}
    tasks.run_pending(app)
    messages = {m.to: m for m in _outbox()}
    assert set(messages) == {"coord@example.org", "b1@example.org", "b2@example.org",
                             "d@example.org"}
    english = messages["b2@example.org"].body_text
    assert english.index("Dear") < english.index("เรียน")
    # Nothing left to remind today: the button is gone.
    page = admin.get(listing).get_data(as_text=True)
    assert 'action="' + f"{prefix}/dashboard/remind/gaps-enrolled" not in page


def test_remind_is_scoped_and_needs_csrf_and_a_reader(setup: Any) -> None:
    app, world, people, prefix = setup
    officer = app.test_client()
    login(officer, prefix, "officer@example.org")
    token = csrf_token(officer, f"{prefix}/dashboard/table/gaps-enrolled?course=course-l")
    action = f"{prefix}/dashboard/remind/gaps-enrolled?course=course-l"
    # B is in province 50, outside the officer's 57: refused, nothing recorded.
    outside = officer.post(action, data={"csrf_token": token, "organisation": world.b.id},
                           follow_redirects=True)
    assert outside.status_code == 200
    assert "b1@example.org" not in outside.get_data(as_text=True)
    assert officer.post(f"{prefix}/dashboard/remind/gaps-enrolled?province=50",
                        data={"csrf_token": token}).status_code == 404
    assert officer.post(action, data={"organisation": world.d.id}).status_code == 400  # CSRF
    assert officer.post(f"{prefix}/dashboard/remind/organisations",
                        data={"csrf_token": token}).status_code == 404
    assert officer.post(action, data={"csrf_token": token, "organisation": "x"}
                        ).status_code == 400
    assert officer.get(action).status_code == 405
    trainee = app.test_client()
    login(trainee, prefix, "u1@example.org")
    token = csrf_token(trainee, f"{prefix}/me")
    assert trainee.post(action, data={"csrf_token": token, "organisation": world.d.id}
                        ).status_code == 403
    assert _reminders() == []
    assert get_session().scalar(select(func.count()).select_from(Job)) == 0
