"""Administrators manage accounts from the person page: roles, invitations and reset links
through the outbox, deactivation that ends sessions, the staff list; and "last sign-in" is
recorded on every sign-in (password, sign-up, password link)."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select

from ldptrain.db import get_session
from ldptrain.models import AuditEvent, OutboxMessage, Role, RoleAssignment, User

from . import factories as f
from .conftest import csrf_token


def _admin_client(app: Flask):  # type: ignore[no-untyped-def]
    f.user("admin@example.org", roles=(Role.ADMIN,))
    get_session().commit()
    client = app.test_client()
    f.sign_in(client, app, "admin@example.org")
    return client


def _post(client, app: Flask, user_id: int, action: str, **data):  # type: ignore[no-untyped-def]
    base = f.prefix(app)
    token = csrf_token(client, f"{base}/people/{user_id}")
    return client.post(f"{base}/people/{user_id}/{action}", data={"csrf_token": token, **data})


def _actions() -> list[str]:
    get_session().expire_all()
    return [e.action for e in get_session().scalars(select(AuditEvent).order_by(AuditEvent.id))]


def _roles(user_id: int) -> set[str]:
    return set(get_session().scalars(
        select(RoleAssignment.role).where(RoleAssignment.user_id == user_id)))


# Role changes on the person page: tests/test_grants.py (one rule, access.may_grant).


def test_invitation_and_reset_link_go_through_the_outbox(any_app: Flask) -> None:
    person = f.user("invitee@example.org", organisation=f.organisation())
    client = _admin_client(any_app)
    assert _post(client, any_app, person.id, "link", purpose="welcome").status_code == 302
    assert _post(client, any_app, person.id, "link", purpose="reset").status_code == 302
    messages = get_session().scalars(select(OutboxMessage).where(
        OutboxMessage.to == "invitee@example.org").order_by(OutboxMessage.id)).all()
    assert len(messages) == 2
    link = re.search(r"https?://\S+/password/reset/\S+", messages[1].body_text)
    assert link, messages[1].body_text
    assert _actions()[-2:] == ["user.invitation_resend", "user.reset_link_sent"]

    # The link works: the person sets a password and is signed in (and that sign-in counts).
    fresh = any_app.test_client()
    path = link.group(0).split("localhost", 1)[1]
    token = csrf_token(fresh, path)
    done = fresh.post(path, data={"csrf_token": token, "password": "a brand new password",
                                  "password_again": "a brand new password"})
    assert done.status_code == 302
    get_session().expire_all()
    assert get_session().get(User, person.id).last_login_at is not None


def test_deactivation_ends_sessions_and_reactivation_restores(any_app: Flask) -> None:
    person = f.user("leaver@example.org", organisation=f.organisation())
    get_session().commit()
    theirs = any_app.test_client()
    f.sign_in(theirs, any_app, "leaver@example.org")
    base = f.prefix(any_app)
    assert theirs.get(f"{base}/account/").status_code == 200

    client = _admin_client(any_app)
    assert _post(client, any_app, person.id, "deactivate").status_code == 302
    page = client.get(f"{base}/people/{person.id}").get_data(as_text=True)
    assert 'id="person-state">ปิดการใช้งานแล้ว' in page
    assert theirs.get(f"{base}/account/").status_code == 302  # signed out: to the sign-in page
    again = any_app.test_client()
    token = csrf_token(again, f"{base}/login")
    refused = again.post(f"{base}/login", data={"csrf_token": token,
                                                "email": "leaver@example.org",
                                                "password": f.PASSWORD})
    assert refused.status_code == 200  # the form again, not a sign-in

    assert _post(client, any_app, person.id, "reactivate").status_code == 302
    f.sign_in(again, any_app, "leaver@example.org")
    assert _actions().count("user.deactivate") == 1 and "user.reactivate" in _actions()


def test_admin_cannot_deactivate_themselves(app: Flask) -> None:
    client = _admin_client(app)
    me = get_session().scalar(select(User).where(User.email == "admin@example.org"))
    assert me is not None
    _post(client, app, me.id, "deactivate")
    get_session().expire_all()
    assert get_session().get(User, me.id).active


def test_staff_list_by_role(app: Flask) -> None:
    org = f.organisation()
    f.user("trainer@example.org", name_th="นายครู หนึ่ง", roles=(Role.TRAINER,), organisation=org)
    f.user("coord@example.org", name_th="นางประสาน สอง", roles=(Role.COORDINATOR,),
           organisation=org)
    f.user("learner@example.org", name_th="นายเรียน สาม", organisation=org)
    client = _admin_client(app)
    everyone = client.get("/people/staff").get_data(as_text=True)
    assert "นายครู หนึ่ง" in everyone and "นางประสาน สอง" in everyone
    assert "นายเรียน สาม" not in everyone
    trainers = client.get("/people/staff?role=trainer").get_data(as_text=True)
    assert "นายครู หนึ่ง" in trainers and "นางประสาน สอง" not in trainers
    assert client.get("/people/staff?role=<script>").status_code == 200
    coord = app.test_client()
    f.sign_in(coord, app, "coord@example.org")
    assert coord.get("/people/staff").status_code == 403


def test_last_sign_in_is_recorded_after_sign_up(app: Flask) -> None:
    from ldptrain.services import organisations

    organisations.load_provinces()
    org = f.organisation("เทศบาลตำบลสมัครใหม่")
    get_session().commit()
    client = app.test_client()
    token = csrf_token(client, "/signup")
    done = client.post("/signup", data={
        "csrf_token": token, "email": "newbie@example.org", "password": "a long password 1",
        "password_again": "a long password 1", "name_th": "สมหญิง", "name_en": "",
        "position": "", "organisation_id": str(org.id), "consent": "y"})
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    token = csrf_token(client, "/login")
    client.post("/login", data={"csrf_token": token, "email": "newbie@example.org",
                                "password": "a long password 1"})
    found = get_session().scalar(select(User).where(User.email == "newbie@example.org"))
    assert found is not None and found.last_login_at is not None


def test_serve_says_open_the_site_once_an_administrator_exists(app: Flask) -> None:
    from ldptrain.serve import next_step
    from ldptrain.services.setup import prepare

    first = prepare()
    assert first.administrators == 0
    assert "create the first administrator" in next_step(first.administrators, "u", "inst")
    f.user("boss@example.org", roles=(Role.ADMIN,))
    get_session().commit()
    again = prepare()
    assert again.administrators == 1
    assert next_step(again.administrators, "http://127.0.0.1:8000/", "inst") == (
        "open the site at http://127.0.0.1:8000/ and sign in as an administrator")
