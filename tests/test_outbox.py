"""Mail through the outbox: stored first, sent by a job; held for admins without a mail server
(links clickable, never cached); delivery failures visible with their reason; `mail test`."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import func, select

from ldptrain import tasks
from ldptrain.db import get_session
from ldptrain.models import Job, OutboxMessage, Role, User
from ldptrain.services import mail, privacy

from . import factories as f
from .conftest import csrf_token
from .smtp_server import Inbox, smtp  # noqa: F401 - fixture

LINK = re.compile(r'<a href="(http://localhost[^"]*/password/reset/[^"]+)"')


def _ask_for_reset(app: Flask, email: str) -> None:
    base = f.prefix(app)
    client = app.test_client()
    token = csrf_token(client, f"{base}/password/reset")
    answer = client.post(f"{base}/password/reset", data={"csrf_token": token, "email": email})
    assert answer.status_code == 200


def _messages() -> list[OutboxMessage]:
    get_session().expire_all()
    return list(get_session().scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_without_a_mail_server_admins_read_the_message_and_follow_its_link(
        any_app: Flask) -> None:
    base = f.prefix(any_app)
    f.user("somchai@example.org")
    f.user("admin@example.org", roles=(Role.ADMIN,), language="en")
    f.user("coord@example.org", roles=(Role.COORDINATOR,), language="en")
    get_session().commit()
    _ask_for_reset(any_app, "somchai@example.org")
    [message] = _messages()
    assert message.status == "held" and message.to == "somchai@example.org"
    assert get_session().scalar(select(func.count()).select_from(Job)) == 0  # nothing to send

    assert any_app.test_client().get(f"{base}/admin/outbox").status_code == 302  # sign in
    coordinator = any_app.test_client()
    f.sign_in(coordinator, any_app, "coord@example.org")
    assert coordinator.get(f"{base}/admin/outbox").status_code == 403
    assert coordinator.get(f"{base}/admin/outbox/{message.id}").status_code == 403

    admin = any_app.test_client()
    f.sign_in(admin, any_app, "admin@example.org")
    listing = admin.get(f"{base}/admin/outbox")
    assert listing.headers["Cache-Control"] == "no-store"
    text = listing.get_data(as_text=True)
    assert "No mail server is configured" in text and "somchai@example.org" in text
    page = admin.get(f"{base}/admin/outbox/{message.id}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    [link] = LINK.findall(page.get_data(as_text=True))  # clickable
    person = any_app.test_client()
    assert "somchai@example.org" in person.get(link).get_data(as_text=True)  # a working link
    assert admin.get(f"{base}/admin/outbox/99999").status_code == 404


def test_with_a_mail_server_the_request_only_stores_and_a_job_sends(
        any_app: Flask, smtp: Inbox) -> None:  # noqa: F811
    any_app.config.update(smtp.config())
    f.user("somchai@example.org", name_th="สมชาย ใจดี")
    get_session().commit()
    _ask_for_reset(any_app, "somchai@example.org")
    [message] = _messages()
    assert message.status == "queued" and smtp.received == []  # not sent inside the request
    assert tasks.run_pending(any_app) == 1
    [message] = _messages()
    assert message.status == "sent" and message.sent_at is not None and message.attempts == 1
    [received] = smtp.received
    assert received["To"] == "somchai@example.org"
    assert received["Subject"] == message.subject and re.search("[\u0e00-\u0e7f]", message.subject)
    assert "สมชาย ใจดี" in received.get_content()  # Thai intact
    assert "/password/reset/" in received.get_content()
    # A second run of the same job (a duplicate hand-over) does not send it twice.
    job = get_session().scalars(select(Job)).one()
    tasks.queue_for(any_app).run_job(job.id)
    tasks.run_pending(any_app)
    assert len(smtp.received) == 1


def test_a_refused_address_fails_at_once_with_the_reason_shown(
        app: Flask, smtp: Inbox) -> None:  # noqa: F811
    app.config.update(smtp.config())
    smtp.refused.add("gone@example.org")
    f.user("admin@example.org", roles=(Role.ADMIN,), language="en")
    mail.send("gone@example.org", "Hello", "Body")
    get_session().commit()
    assert tasks.run_pending(app, include_scheduled=True) == 1  # 5xx: no point in retrying
    [message] = _messages()
    assert message.status == "failed" and "550" in message.last_error
    assert get_session().scalars(select(Job)).one().state == "failed"
    admin = app.test_client()
    f.sign_in(admin, app, "admin@example.org")
    text = admin.get("/admin/outbox?status=failed").get_data(as_text=True)
    assert "gone@example.org" in text and "no such mailbox here" in text


def test_mail_test_command(app: Flask, smtp: Inbox) -> None:  # noqa: F811
    runner = app.test_cli_runner()
    held = runner.invoke(args=["ldptrain", "mail", "test", "ops@example.org"])
    assert held.exit_code == 1 and "held in the outbox" in held.output
    app.config.update(smtp.config())
    sent = runner.invoke(args=["ldptrain", "mail", "test", "ops@example.org"])
    assert sent.exit_code == 0, sent.output
    assert "sent to ops@example.org via 127.0.0.1" in sent.output
    assert [m["To"] for m in smtp.received] == ["ops@example.org"]
    app.config["LDPTRAIN_MAIL_PORT"] = 1  # nothing listens there
    down = runner.invoke(args=["ldptrain", "mail", "test", "ops@example.org"])
    assert down.exit_code == 1 and "not sent: ConnectionRefusedError" in down.output
    assert [m.status for m in _messages()] == ["held", "sent", "failed"]
    assert runner.invoke(args=["ldptrain", "mail", "test", "not-an-address"]).exit_code == 1


def test_create_admin_with_invite_prints_the_link_without_a_mail_server(app: Flask) -> None:
    runner = app.test_cli_runner()
    out = runner.invoke(args=["ldptrain", "users", "create-admin", "--email", "boss@example.org",
                              "--name", "ผู้ดูแล", "--invite"])
    assert out.exit_code == 0, out.output
    assert "administrator boss@example.org created" in out.output
    assert "NOT e-mailed" in out.output
    [message] = _messages()
    link = re.search(r"http://localhost/password/reset/\S+", message.body_text)
    assert link is not None and f"boss@example.org  {link.group(0)}" in out.output
    user = get_session().scalars(select(User).where(User.email == "boss@example.org")).one()
    assert user.has_role(Role.ADMIN) and not user.password_hash


def test_anonymising_a_person_removes_their_messages(app: Flask) -> None:
    admin = f.user("admin@example.org", roles=(Role.ADMIN,))
    leaver = f.user("leaver@example.org")
    get_session().commit()
    _ask_for_reset(app, "leaver@example.org")
    mail.send("admin@example.org", "Other", "Not about the leaver")
    get_session().commit()
    privacy.anonymise(leaver, admin)
    get_session().commit()
    assert [m.to for m in _messages()] == ["admin@example.org"]
