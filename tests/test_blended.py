"""Blended training: a trainer records an in-person workshop; it counts like online completion,
issues the certificate, and is marked blended on the record."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import select

from ldptrain.db import get_session
from ldptrain.models import AuditEvent, Certificate, Enrolment, Role
from ldptrain.services import roles

from . import factories as f


def _workshop_form(client, base: str, **values: str):  # type: ignore[no-untyped-def]
    url = f"{base}/workshops/new"
    data = {"csrf_token": f.form_token(client, url), "course": values.pop("course"),
            "held_on": "2026-11-20", "place": "ห้องประชุมสำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัด",
            "note": "ใบลงชื่อเข้าร่วม 24 คน", **values}
    return client.post(url, data=data)


def test_trainer_records_a_workshop_and_certificates_follow(any_app: Flask) -> None:
    base = f.prefix(any_app)
    org = f.organisation()
    course = f.course("ldp-sfci")
    trainees = [f.user(f"t{i}@example.org", organisation=org) for i in range(2)]
    trainer = f.user("trainer@example.org", roles=(Role.TRAINER,))
    roles.assign_trainer(trainer, course, actor=None)
    get_session().commit()
    client = any_app.test_client()
    f.sign_in(client, any_app, "trainer@example.org")
    response = _workshop_form(client, base, course="ldp-sfci",
                              emails="t0@example.org\nT1@example.org, t0@example.org")
    assert response.status_code == 302
    get_session().expire_all()
    enrolments = get_session().scalars(select(Enrolment)).all()
    assert {e.user_id for e in enrolments} == {t.id for t in trainees}
    assert all(e.completion_source == "blended" and e.workshop_id for e in enrolments)
    assert all(e.organisation_id == org.id for e in enrolments)
    certificates = get_session().scalars(select(Certificate)).all()
    assert len(certificates) == 2 and {c.delivery for c in certificates} == {"blended"}
    assert certificates[0].payload["completed"] == "2026-11-20"
    assert "workshop.record" in get_session().scalars(select(AuditEvent.action)).all()
    # Recording the same people again changes nothing and says so.
    again = _workshop_form(client, base, course="ldp-sfci", emails="t0@example.org")
    assert again.status_code == 302
    assert len(get_session().scalars(select(Certificate)).all()) == 2


def test_unknown_email_or_future_date_records_nothing(app: Flask) -> None:
    course = f.course("ldp-sfci")
    f.user("t0@example.org", organisation=f.organisation())
    trainer = f.user("trainer@example.org", roles=(Role.TRAINER,))
    roles.assign_trainer(trainer, course, actor=None)
    get_session().commit()
    client = app.test_client()
    f.sign_in(client, app, "trainer@example.org")
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    page = _workshop_form(client, "", course="ldp-sfci", held_on=tomorrow,
                          emails="t0@example.org nobody@example.org").get_data(as_text=True)
    assert "nobody@example.org" in page
    assert get_session().scalars(select(Enrolment)).all() == []


def test_trainees_cannot_record_workshops(app: Flask) -> None:
    f.course("ldp-sfci")
    f.user("t0@example.org")
    get_session().commit()
    client = app.test_client()
    f.sign_in(client, app, "t0@example.org")
    assert client.get("/workshops/new").status_code == 403
