"""Personal data: a trainee sees and downloads what is stored; an admin anonymises a departed
user and the figures per organisation stay the same."""

from __future__ import annotations

import json

from flask import Flask
from sqlalchemy import func, select

from ldptrain.db import get_session, utcnow
from ldptrain.models import (
    Assessment,
    AssessmentAttempt,
    AuditEvent,
    Certificate,
    Enrolment,
    EnrolmentStatus,
    ModuleProgress,
    Role,
    User,
)
from ldptrain.services import accounts

from . import factories as f
from .conftest import csrf_token


def _history(trainee: User, org_id: int) -> Enrolment:
    """A completed course with progress, an attempt and a certificate, counted for org_id."""
    course = f.course(modules=1)
    enrolment = Enrolment(user_id=trainee.id, course_id=course.id, organisation_id=org_id,
                          status=EnrolmentStatus.COMPLETED, completed_at=utcnow())
    get_session().add(enrolment)
    get_session().flush()
    get_session().add(ModuleProgress(enrolment_id=enrolment.id, module_id=course.modules[0].id,
                                     completed_at=utcnow()))
    final = get_session().get(Assessment, course.final_assessment_id)
    get_session().add(AssessmentAttempt(
        user_id=trainee.id, assessment_id=final.id,
        assessment_version_id=final.current_version_id, enrolment_id=enrolment.id,
        score=90.0, passed=True))
    get_session().add(Certificate(serial=f"DLA-TST-{enrolment.id}", user_id=trainee.id,
                                  course_id=course.id, enrolment_id=enrolment.id,
                                  organisation_id=org_id, completed_at=utcnow()))
    get_session().flush()
    return enrolment


def test_my_data_page_and_download_show_everything(any_app: Flask) -> None:
    base = f.prefix(any_app)
    org = f.organisation("เทศบาลตำบลข้อมูล")
    trainee = f.user("me@example.org", name_th="นางสาวข้อมูล ของฉัน", organisation=org)
    enrolment = _history(trainee, org.id)
    get_session().commit()
    client = any_app.test_client()
    f.sign_in(client, any_app, "me@example.org")
    page = client.get(f"{base}/account/data")
    assert page.status_code == 200
    assert "นางสาวข้อมูล ของฉัน" in page.get_data(as_text=True)

    download = client.get(f"{base}/account/data.json")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    data = json.loads(download.get_data(as_text=True))
    assert data["profile"]["email"] == "me@example.org"
    assert "password_hash" not in data["profile"] and "session_token" not in data["profile"]
    assert [e["id"] for e in data["enrolments"]] == [enrolment.id]
    assert len(data["module_progress"]) == 1
    assert [a["score"] for a in data["attempts"]] == [90.0]
    assert [c["organisation_id"] for c in data["certificates"]] == [org.id]
    assert [m["organisation_id"] for m in data["memberships"]] == [org.id]
    assert get_session().scalar(select(AuditEvent).where(
        AuditEvent.action == "privacy.export", AuditEvent.actor_id == trainee.id)) is not None
    # Someone else's data never appears.
    other = f.user("other@example.org", organisation=org)
    _history(other, org.id)
    get_session().commit()
    again = json.loads(client.get(f"{base}/account/data.json").get_data(as_text=True))
    assert len(again["enrolments"]) == 1


def _per_organisation() -> dict[str, list[tuple[int | None, int]]]:
    s = get_session()
    return {
        "completions": sorted((org, n) for org, n in s.execute(
            select(Enrolment.organisation_id, func.count()).where(
                Enrolment.status == EnrolmentStatus.COMPLETED)
            .group_by(Enrolment.organisation_id))),
        "certificates": sorted((org, n) for org, n in s.execute(
            select(Certificate.organisation_id, func.count())
            .group_by(Certificate.organisation_id))),
    }


def test_anonymising_keeps_figures_per_organisation(any_app: Flask) -> None:
    base = f.prefix(any_app)
    first, second = f.organisation("อบต.แรก"), f.organisation("อบต.สอง")
    f.user("admin@example.org", roles=(Role.ADMIN,))
    leaver = f.user("leaver@example.org", name_th="นายลาออก ไปแล้ว", organisation=second)
    _history(leaver, first.id)  # taken before a transfer: still counts for the first
    _history(leaver, second.id)
    stayer = f.user("stayer@example.org", organisation=first)
    _history(stayer, first.id)
    get_session().commit()
    before = _per_organisation()
    leaver_id = leaver.id

    coordinator = f.user("coord@example.org", roles=(Role.COORDINATOR,), organisation=second)
    get_session().commit()
    not_admin = any_app.test_client()
    f.sign_in(not_admin, any_app, "coord@example.org")
    token = csrf_token(not_admin, f"{base}/people/")
    assert not_admin.post(f"{base}/people/{leaver_id}/anonymise", data={
        "csrf_token": token, "confirm": "yes"}).status_code == 403

    leaver_client = any_app.test_client()
    f.sign_in(leaver_client, any_app, "leaver@example.org")
    admin = any_app.test_client()
    f.sign_in(admin, any_app, "admin@example.org")
    token = csrf_token(admin, f"{base}/people/{leaver_id}")
    assert admin.post(f"{base}/people/{leaver_id}/anonymise", data={
        "csrf_token": token, "confirm": "yes"}).status_code == 302

    get_session().expire_all()
    gone = get_session().get(User, leaver_id)
    assert gone.name_th == f"ผู้ใช้ที่ลบข้อมูลแล้ว #{leaver_id}"
    assert "leaver" not in gone.email and gone.position == "" and gone.password_hash == ""
    assert not gone.is_active and gone.anonymised_at is not None
    assert _per_organisation() == before
    assert leaver_client.get(f"{base}/account/").status_code == 302  # signed out everywhere
    assert accounts.authenticate("leaver@example.org", f.PASSWORD) is None
    event = get_session().scalar(select(AuditEvent).where(AuditEvent.action == "user.anonymise"))
    assert event is not None and event.target_id == str(leaver_id)
    assert "leaver" not in json.dumps(event.details, ensure_ascii=False)
    assert coordinator.id  # the coordinator's refusal above changed nothing


def test_consent_is_asked_again_when_the_notice_changes(any_app: Flask) -> None:
    base = f.prefix(any_app)
    person = f.user("somchai@example.org")
    accounts.record_consent(person)
    get_session().commit()
    client = any_app.test_client()
    f.sign_in(client, any_app, "somchai@example.org")  # current notice: straight in
    client.post(f"{base}/logout", data={"csrf_token": csrf_token(client, f"{base}/account/")})

    any_app.config["LDPTRAIN_PRIVACY_VERSION"] = "2570-1"
    token = csrf_token(client, f"{base}/login")
    answer = client.post(f"{base}/login", data={"csrf_token": token,
                                                "email": "somchai@example.org",
                                                "password": f.PASSWORD})
    assert answer.headers["Location"].startswith(f"{base}/account/consent")
    token = csrf_token(client, answer.headers["Location"])
    assert client.post(answer.headers["Location"], data={"csrf_token": token}).status_code == 200
    assert client.post(answer.headers["Location"], data={"csrf_token": token,
                                                         "consent": "y"}).status_code == 302
    get_session().expire_all()
    assert get_session().get(User, person.id).privacy_version == "2570-1"
