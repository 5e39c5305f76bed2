"""Who may record workshop (blended) completion: an admin for anyone; a trainer assigned to the
course for trainees whose confirmed organisation is in the assignment's provinces (anywhere when
it names none); nobody else. An address out of scope reads exactly like an unknown one."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import select

from ldptrain.db import get_session
from ldptrain.models import AuditEvent, Enrolment, MembershipStatus, Role, TrainerAssignment
from ldptrain.services import blended, roles

from . import factories as f

RECORDERS = ("admin", "anywhere", "in_50", "other_course", "unassigned", "coordinator")
TRAINEES = ("in_50", "in_10", "pending")


def expected(recorder: str, trainee: str) -> bool:
    return {"admin": {"in_50", "in_10", "pending"}, "anywhere": {"in_50", "in_10"},
            "in_50": {"in_50"}}.get(recorder, set()).__contains__(trainee)


@pytest.fixture
def world(app: Flask) -> dict:  # type: ignore[type-arg]
    f.province("10", "กรุงเทพมหานคร", "Bangkok")
    course, other = f.course("ldp-sfci"), f.course("ldp-other")
    org50, org10 = f.organisation(), f.organisation(province_code="10")
    trainees = {"in_50": f.user("in_50@example.org", organisation=org50),
                "in_10": f.user("in_10@example.org", organisation=org10),
                "pending": f.user("pending@example.org", organisation=org50,
                                  membership=MembershipStatus.PENDING)}
    recorders = {"admin": f.user("admin@example.org", roles=(Role.ADMIN,)),
                 "coordinator": f.user("coord@example.org", roles=(Role.COORDINATOR,),
                                       organisation=org50)}
    for name in ("anywhere", "in_50", "other_course", "unassigned"):
        recorders[name] = f.user(f"{name}-trainer@example.org", roles=(Role.TRAINER,))
    roles.assign_trainer(recorders["anywhere"], course, actor=None)
    roles.assign_trainer(recorders["in_50"], course, actor=None, province_code="50")
    roles.assign_trainer(recorders["other_course"], other, actor=None)
    get_session().commit()
    return {"course": course, "trainees": trainees, "recorders": recorders}


def test_every_recorder_every_trainee(world: dict) -> None:  # type: ignore[type-arg]
    for recorder in RECORDERS:
        for trainee in TRAINEES:
            email = f"{trainee}@example.org"
            try:
                with get_session().begin_nested(), force_locale("en"):
                    report = blended.record_workshop(
                        course=world["course"], held_on=dt.date(2026, 11, 20), place="ห้อง 1",
                        note="", emails=[email], actor=world["recorders"][recorder])
                allowed = bool(report.completed or report.already)
            except blended.WorkshopError as exc:
                allowed = False
                if recorder in ("admin", "anywhere", "in_50"):
                    # Out of scope reads exactly like an address with no account.
                    assert exc.problems == [f"No account with the e-mail {email}."]
            assert allowed == expected(recorder, trainee), (recorder, trainee)
            get_session().rollback()
    assert get_session().scalars(select(Enrolment)).all() == []


def test_the_form_offers_assigned_courses_and_hides_who_is_out_of_scope(
        app: Flask, world: dict) -> None:  # type: ignore[type-arg]
    client = app.test_client()
    f.sign_in(client, app, "in_50-trainer@example.org")
    form = client.get("/workshops/new").get_data(as_text=True)
    assert 'value="ldp-sfci"' in form and 'value="ldp-other"' not in form
    token = f.form_token(client, "/workshops/new")
    data = {"csrf_token": token, "course": "ldp-sfci", "held_on": "2026-11-20",
            "place": "ห้อง 1", "note": ""}
    outside = client.post("/workshops/new", data={**data, "emails": "in_10@example.org"})
    unknown = client.post("/workshops/new", data={**data, "emails": "in_11@example.org"})
    assert outside.status_code == unknown.status_code == 200
    assert (outside.get_data(as_text=True).replace("in_10", "X")
            == unknown.get_data(as_text=True).replace("in_11", "X"))
    done = client.post("/workshops/new", data={**data, "emails": "in_50@example.org"})
    assert done.status_code == 302
    event = get_session().scalar(select(AuditEvent).where(AuditEvent.action == "workshop.record"))
    assert event is not None and event.ip == "127.0.0.1"
    issued = get_session().scalar(select(AuditEvent).where(
        AuditEvent.action == "certificate.issue"))
    assert issued is not None and issued.ip == "127.0.0.1"  # filled in at the request's end


def test_admin_assigns_and_unassigns_on_the_person_page(app: Flask, world: dict) -> None:  # type: ignore[type-arg]
    trainer = world["recorders"]["unassigned"]
    course = world["course"]
    client = app.test_client()
    f.sign_in(client, app, "admin@example.org")
    token = f.form_token(client, f"/people/{trainer.id}")
    assert client.post(f"/people/{trainer.id}/assignments", data={
        "csrf_token": token, "course_id": course.id, "province_code": "10"}).status_code == 302
    row = get_session().scalar(select(TrainerAssignment).where(
        TrainerAssignment.user_id == trainer.id))
    assert row is not None and row.province_code == "10"
    page = client.get(f"/people/{trainer.id}").get_data(as_text=True)
    assert course.title_th in page
    # Without the CSRF token nothing happens.
    assert client.post(f"/people/{trainer.id}/assignments/{row.id}/remove").status_code == 400
    assert client.post(f"/people/{trainer.id}/assignments/{row.id}/remove",
                       data={"csrf_token": token}).status_code == 302
    get_session().expire_all()
    assert get_session().scalar(select(TrainerAssignment).where(
        TrainerAssignment.user_id == trainer.id)) is None
    actions = get_session().scalars(select(AuditEvent.action).where(
        AuditEvent.target_id == str(trainer.id), AuditEvent.ip == "127.0.0.1")).all()
    assert {"trainer.assign", "trainer.unassign"} <= set(actions)
    # A coordinator cannot assign trainers.
    coordinator = app.test_client()
    f.sign_in(coordinator, app, "coord@example.org")
    coordinator.post(f"/people/{trainer.id}/assignments", data={
        "csrf_token": f.form_token(coordinator, "/people/"), "course_id": course.id})
    assert get_session().scalar(select(TrainerAssignment).where(
        TrainerAssignment.user_id == trainer.id)) is None


def test_command_line_assigns_a_trainer(app: Flask, world: dict) -> None:  # type: ignore[type-arg]
    runner = app.test_cli_runner()
    out = runner.invoke(args=["ldptrain", "users", "assign-trainer",
                              "unassigned-trainer@example.org", "ldp-sfci", "--province", "10"])
    assert out.exit_code == 0, out.output
    scope = blended.access.completion_scope(world["recorders"]["unassigned"], world["course"].id)
    assert scope.province_codes == {"10"} and not scope.country
    refused = runner.invoke(args=["ldptrain", "users", "assign-trainer", "in_50@example.org",
                                  "ldp-sfci"])
    assert refused.exit_code != 0  # not a trainer: "give this person the trainer role first"
    assert get_session().scalar(select(TrainerAssignment).where(
        TrainerAssignment.user_id == world["trainees"]["in_50"].id)) is None
    out = runner.invoke(args=["ldptrain", "users", "assign-trainer",
                              "unassigned-trainer@example.org", "ldp-sfci", "--province", "10",
                              "--remove"])
    assert out.exit_code == 0, out.output
    get_session().expire_all()
    assert blended.access.completion_scope(world["recorders"]["unassigned"],
                                           world["course"].id).empty
