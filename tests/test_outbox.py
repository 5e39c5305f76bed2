"""Mail through the outbox: stored first, sent by a job; held for admins without a mail server
(links clickable, never cached); delivery failures visible with their reason; `mail test`."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask
from sqlalchemy import func, select

from ldptrain import tasks
from ldptrain.db import get_session, utcnow
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


def _post(client, url: str, page: str, **data: str):  # type: ignore[no-untyped-def]
    return client.post(url, data={"csrf_token": csrf_token(client, page), **data},
                       follow_redirects=True)


def test_held_messages_are_sent_on_once_a_server_is_set(any_app: Flask,
                                                        smtp: Inbox) -> None:  # noqa: F811
    base = f.prefix(any_app)
    for email in ("somchai@example.org", "somsri@example.org"):
        f.user(email)
    f.user("admin@example.org", roles=(Role.ADMIN,), language="en")
    f.user("coord@example.org", roles=(Role.COORDINATOR,), language="en")
    get_session().commit()
    _ask_for_reset(any_app, "somchai@example.org")
    _ask_for_reset(any_app, "somsri@example.org")
    first, second = _messages()
    assert (first.status, second.status) == ("held", "held")
    admin = any_app.test_client()
    f.sign_in(admin, any_app, "admin@example.org")
    outbox = f"{base}/admin/outbox"
    assert "Send all" not in admin.get(outbox).get_data(as_text=True)  # nowhere to send yet
    refused = _post(admin, f"{outbox}/{first.id}/resend", outbox).get_data(as_text=True)
    assert "No mail server is configured (LDPTRAIN_MAIL_SERVER): set one" in refused
    assert [m.status for m in _messages()] == ["held", "held"]

    any_app.config.update(smtp.config())  # the operator sets a mail server
    page = admin.get(outbox).get_data(as_text=True)
    assert "Send all 2 held messages" in page
    coordinator = any_app.test_client()
    f.sign_in(coordinator, any_app, "coord@example.org")
    token = csrf_token(coordinator, f"{base}/")
    assert coordinator.post(f"{outbox}/{first.id}/resend",
                            data={"csrf_token": token}).status_code == 403
    assert coordinator.post(f"{outbox}/resend", data={"csrf_token": token,
                                                      "status": "held"}).status_code == 403
    assert admin.post(f"{outbox}/{first.id}/resend").status_code == 400  # no CSRF token

    one = _post(admin, f"{outbox}/{first.id}/resend", outbox).get_data(as_text=True)
    assert f"Message {first.id} is queued to be sent." in one
    assert [m.status for m in _messages()] == ["queued", "held"] and smtp.received == []
    assert tasks.run_pending(any_app) == 1
    assert [m["To"] for m in smtp.received] == ["somchai@example.org"]
    rest = _post(admin, f"{outbox}/resend", outbox, status="held").get_data(as_text=True)
    assert "1 message is queued to be sent." in rest
    assert tasks.run_pending(any_app) == 1
    assert sorted(m["To"] for m in smtp.received) == ["somchai@example.org",
                                                      "somsri@example.org"]
    assert "/password/reset/" in smtp.received[1].get_content()
    assert [m.status for m in _messages()] == ["sent", "sent"]
    again = _post(admin, f"{outbox}/{first.id}/resend", outbox).get_data(as_text=True)
    assert "only held or failed messages can be sent again" in again
    assert _post(admin, f"{outbox}/resend", outbox, status="sent").status_code == 200
    assert tasks.run_pending(any_app) == 0 and len(smtp.received) == 2


def test_a_failed_message_is_sent_again_once_the_address_is_fixed(
        app: Flask, smtp: Inbox) -> None:  # noqa: F811
    app.config.update(smtp.config())
    smtp.refused.add("gone@example.org")
    f.user("admin@example.org", roles=(Role.ADMIN,), language="th")
    mail.send("gone@example.org", "Hello", "Body")
    get_session().commit()
    tasks.run_pending(app, include_scheduled=True)
    [message] = _messages()
    assert message.status == "failed"
    smtp.refused.clear()  # the mailbox exists again
    admin = app.test_client()
    f.sign_in(admin, app, "admin@example.org")
    page = admin.get("/admin/outbox").get_data(as_text=True)
    assert "ส่งข้อความที่ส่งไม่สำเร็จทั้ง 1 ฉบับอีกครั้ง" in page and "ส่งอีกครั้ง" in page
    _post(admin, f"/admin/outbox/{message.id}/resend", "/admin/outbox")
    assert tasks.run_pending(app) == 1
    [message] = _messages()
    assert message.status == "sent" and message.last_error == ""
    assert [m["To"] for m in smtp.received] == ["gone@example.org"]


def test_mail_resend_command(app: Flask, smtp: Inbox) -> None:  # noqa: F811
    runner = app.test_cli_runner()
    for n in range(3):
        mail.send(f"p{n}@example.org", "Hello", "Body")
    get_session().commit()
    first, _second, _third = _messages()
    assert runner.invoke(args=["ldptrain", "mail", "resend"]).exit_code == 2  # what to send?
    down = runner.invoke(args=["ldptrain", "mail", "resend", "--held"])
    assert down.exit_code == 1 and "no mail server configured" in down.output
    app.config.update(smtp.config())
    one = runner.invoke(args=["ldptrain", "mail", "resend", str(first.id)])
    assert one.exit_code == 0 and f"message {first.id} to p0@example.org queued" in one.output
    held = runner.invoke(args=["ldptrain", "mail", "resend", "--held"])
    assert held.exit_code == 0 and "2 held message(s) queued to send" in held.output
    assert tasks.run_pending(app) == 3
    assert sorted(m["To"] for m in smtp.received) == [f"p{n}@example.org" for n in range(3)]
    sent = runner.invoke(args=["ldptrain", "mail", "resend", str(first.id), "99999"])
    # The command line speaks the site's default language (Thai).
    assert sent.exit_code == 1 and "ส่งซ้ำได้เฉพาะข้อความที่ค้างไว้หรือส่งไม่สำเร็จ" in sent.output
    assert "ไม่มีข้อความหมายเลข 99999" in sent.output


def test_old_finished_jobs_and_sent_messages_are_pruned(app: Flask, smtp: Inbox) -> None:  # noqa: F811
    from ldptrain.tasks.queue import PRUNE_TASK_NAME
    from ldptrain.tasks.runner import prune

    app.config.update(smtp.config())
    now = utcnow()
    for name in ("old-sent", "new-sent", "old-failed"):
        mail.send(f"{name}@example.org", name, "Body")
    mail.send("old-held@example.org", "old-held", "Body", job=False)
    get_session().commit()
    tasks.run_pending(app)
    session = get_session()
    by_subject = {m.subject: m for m in _messages()}
    old = now - dt.timedelta(days=40)
    by_subject["old-sent"].sent_at = old
    by_subject["old-failed"].status, by_subject["old-failed"].created_at = "failed", old
    by_subject["old-held"].status, by_subject["old-held"].created_at = "held", old
    jobs = list(session.scalars(select(Job).order_by(Job.id)))
    assert [j.state for j in jobs] == ["done"] * 3
    jobs[0].finished_at = old
    jobs[1].state, jobs[1].finished_at = "failed", old  # waits for an admin
    session.commit()

    # The worker's daily task (registered on the queue, run by every consumer).
    due = tasks.queue_for(app).huey.read_periodic(dt.datetime(2026, 1, 5, 20, 17))
    assert PRUNE_TASK_NAME in [task.name for task in due]
    assert prune() == (1, 1)  # 30 days by default
    assert sorted(m.subject for m in _messages()) == ["new-sent", "old-failed", "old-held"]
    assert len(list(session.scalars(select(Job)))) == 2

    runner = app.test_cli_runner()
    out = runner.invoke(args=["ldptrain", "mail", "prune", "--older-than", "1"])
    assert out.exit_code == 0 and "0 sent e-mails older than 1 days deleted" in out.output
    by_subject = {m.subject: m for m in _messages()}
    by_subject["new-sent"].sent_at = now - dt.timedelta(days=3)
    session.commit()
    out = runner.invoke(args=["ldptrain", "mail", "prune", "--older-than", "2"])
    assert "1 sent e-mails older than 2 days deleted" in out.output
    jobs = list(session.scalars(select(Job).order_by(Job.id)))
    jobs[-1].finished_at = now - dt.timedelta(days=3)
    session.commit()
    out = runner.invoke(args=["ldptrain", "jobs", "prune", "--older-than", "2"])
    assert out.exit_code == 0 and "1 finished jobs older than 2 days deleted" in out.output
    assert [j.state for j in session.scalars(select(Job))] == ["failed"]
    app.config["LDPTRAIN_PRUNE_AFTER_DAYS"] = 0
    assert prune() == (0, 0)
