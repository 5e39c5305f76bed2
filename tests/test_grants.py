"""Who may grant what (access.may_grant), tried by every role on every path that creates or
changes a role: the people CSV page, the CSV service the command line uses, the person page and
the API. The expected answers are written out here, independently of access.py:

- an admin gives any role;
- a coordinator creates trainees of their own organisation only;
- a provincial officer creates trainees of the organisations of their province;
- a trainer or a trainee gives nothing.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Flask
from sqlalchemy import select

from ldptrain.db import get_session
from ldptrain.models import AuditEvent, Role, RoleAssignment, User
from ldptrain.services import user_import

from . import factories as f

HEADER = "email,name_th,name_en,position,organisation_code,role\n"
ACTORS = ("admin", "coordinator", "officer", "trainer", "trainee")
#: Organisation "own" is the coordinator's (province 50); "province" is another organisation of
#: province 50; "elsewhere" is in province 10.
PLACES = ("own", "province", "elsewhere")
CSV_ROLES = ("trainee", "trainer", "coordinator")


def expected(actor: str, role: str, place: str) -> bool:
    if actor == "admin":
        return True
    if role != "trainee":
        return False
    return place in {"coordinator": {"own"}, "officer": {"own", "province"}}.get(actor, set())


def _world() -> dict[str, Any]:
    f.province("10", "กรุงเทพมหานคร", "Bangkok")
    orgs = {"own": f.organisation(code="5000001"), "province": f.organisation(code="5000002"),
            "elsewhere": f.organisation(code="1000003", province_code="10")}
    people = {
        "admin": f.user("admin@example.org", roles=(Role.ADMIN,)),
        "coordinator": f.user("coordinator@example.org", roles=(Role.COORDINATOR,),
                              organisation=orgs["own"]),
        "officer": f.user("officer@example.org", roles=(Role.TRAINEE,)),
        "trainer": f.user("trainer@example.org", roles=(Role.TRAINER,)),
        "trainee": f.user("trainee@example.org", organisation=orgs["own"]),
    }
    people["officer"].roles.append(RoleAssignment(role=Role.PROVINCIAL_OFFICER,
                                                  province_code="50"))
    get_session().commit()
    return {"orgs": orgs, "people": people}


def _created(email: str) -> User | None:
    get_session().expire_all()
    return get_session().scalar(select(User).where(User.email == email))


def test_csv_service_every_role_every_organisation(app: Flask) -> None:
    world = _world()
    for actor in ACTORS:
        for role in CSV_ROLES:
            for place in PLACES:
                email = f"{actor}-{role}-{place}@example.org"
                code = world["orgs"][place].code
                text = HEADER + f"{email},นายทดสอบ,,,{code},{role}\n"
                try:
                    user_import.import_users(text, "staff.csv", actor=world["people"][actor])
                    get_session().commit()
                    allowed = True
                except user_import.ImportFailed:
                    get_session().rollback()
                    allowed = False
                assert allowed == expected(actor, role, place), (actor, role, place)
                made = _created(email)
                assert (made is not None) == allowed
                if made is not None:
                    assert made.has_role(Role(role))


def test_csv_page_every_role_every_organisation(app: Flask) -> None:
    world = _world()
    for actor in ACTORS:
        client = app.test_client()
        f.sign_in(client, app, f"{actor}@example.org")
        page = client.get("/people/import")
        if actor in ("trainer", "trainee"):
            assert page.status_code == 403
            continue
        token = f.form_token(client, "/people/import")
        for role in CSV_ROLES:
            for place in PLACES:
                email = f"web-{actor}-{role}-{place}@example.org"
                data = (HEADER + f"{email},นายทดสอบ,,,{world['orgs'][place].code},{role}\n")
                answer = client.post("/people/import", data={
                    "csrf_token": token, "file": (io.BytesIO(data.encode()), "staff.csv")},
                    content_type="multipart/form-data")
                allowed = expected(actor, role, place)
                assert answer.status_code == (302 if allowed else 200), (actor, role, place)
                assert (_created(email) is not None) == allowed, (actor, role, place)
    # The headline of issue 12: a coordinator can no longer create a trainer through CSV.
    assert _created("web-coordinator-trainer-own@example.org") is None


def test_command_line_import_acts_with_admin_authority(app: Flask, tmp_path: Any) -> None:
    _world()
    csv_file = tmp_path / "staff.csv"
    csv_file.write_text(HEADER + "cli@example.org,นายทดสอบ,,,1000003,coordinator\n",
                        encoding="utf-8")
    out = app.test_cli_runner().invoke(args=["ldptrain", "users", "import", str(csv_file)])
    assert out.exit_code == 0, out.output
    made = _created("cli@example.org")
    assert made is not None and made.has_role(Role.COORDINATOR)
    grant = get_session().scalar(select(AuditEvent).where(AuditEvent.action == "role.grant"))
    assert grant is not None and grant.actor_id is None and grant.ip == ""


def test_person_page_staff_roles_admin_only(app: Flask) -> None:
    world = _world()
    targets = {actor: f.user(f"target-{actor}@example.org", organisation=world["orgs"]["own"])
               for actor in ACTORS}
    get_session().commit()
    for actor, target in targets.items():
        client = app.test_client()
        f.sign_in(client, app, f"{actor}@example.org")
        token = f.form_token(client, "/account/") if actor in ("trainer", "trainee") \
            else f.form_token(client, f"/people/{target.id}")
        for role in Role:
            if role == Role.TRAINEE:
                continue
            answer = client.post(f"/people/{target.id}/roles", data={
                "csrf_token": token, "role": str(role), "province_code": "50"})
            get_session().expire_all()
            held = {r.role for r in get_session().get(User, target.id).roles}
            assert answer.status_code == (302 if actor in ("admin", "coordinator", "officer")
                                          else 403), (actor, role)
            assert (role in held) == (actor == "admin"), (actor, role)
    events = get_session().scalars(select(AuditEvent).where(
        AuditEvent.action == "role.grant",
        AuditEvent.target_id.in_([str(t.id) for t in targets.values()]))).all()
    assert len(events) == 4
    assert all(e.actor_id == world["people"]["admin"].id and e.ip == "127.0.0.1"
               and e.target_id == str(targets["admin"].id) for e in events)


def test_person_page_remove_role_and_not_ones_own_admin(app: Flask) -> None:
    world = _world()
    admin = world["people"]["admin"]
    trainer = world["people"]["trainer"]
    client = app.test_client()
    f.sign_in(client, app, "admin@example.org")
    token = f.form_token(client, f"/people/{trainer.id}")
    held = next(r for r in trainer.roles if r.role == Role.TRAINER)
    assert client.post(f"/people/{trainer.id}/roles/{held.id}/remove",
                       data={"csrf_token": token}).status_code == 302
    own = next(r for r in admin.roles if r.role == Role.ADMIN)
    client.post(f"/people/{admin.id}/roles/{own.id}/remove", data={"csrf_token": token})
    get_session().expire_all()
    assert not get_session().get(User, trainer.id).has_role(Role.TRAINER)
    assert get_session().get(User, admin.id).has_role(Role.ADMIN)
    # A coordinator cannot take roles away either.
    coordinator = app.test_client()
    f.sign_in(coordinator, app, "coordinator@example.org")
    trainee = world["people"]["trainee"]
    trainee.roles.append(RoleAssignment(role=Role.TRAINER))
    get_session().commit()
    role_id = next(r.id for r in trainee.roles if r.role == Role.TRAINER)
    coordinator.post(f"/people/{trainee.id}/roles/{role_id}/remove",
                     data={"csrf_token": f.form_token(coordinator, f"/people/{trainee.id}")})
    get_session().expire_all()
    assert get_session().get(User, trainee.id).has_role(Role.TRAINER)


def test_the_api_has_no_route_that_changes_roles(app: Flask) -> None:
    """The API path: /api/v1 is read-only (reports), so it can grant nothing; the only API
    writes are a person's own tokens. A writing API route added later fails this test and must
    come with its access.may_grant check and a row in this matrix."""
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith(
        ("ldptrain.api.", "ldptrain.api_tokens."))]
    assert any(r.endpoint.startswith("ldptrain.api.") for r in rules)
    writing = sorted(r.endpoint for r in rules
                     if (r.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"})
    assert writing == ["ldptrain.api_tokens.token_create", "ldptrain.api_tokens.token_revoke"]
