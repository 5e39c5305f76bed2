"""Outgoing e-mail through an outbox: every message is stored first (``ldp_outbox``), then sent
by a background job, so no request waits on a mail server and no message is lost when one is
down. Without LDPTRAIN_MAIL_SERVER the message is *held*: admins read it on the outbox page and
the commands that create accounts print the links instead. Once a server is set, admins send
held (or failed) messages on again: one, or all held at once (the outbox page, `ldptrain mail
resend`). Sent messages are deleted after LDPTRAIN_PRUNE_AFTER_DAYS (`prune`, run daily by the
worker and by `ldptrain mail prune`); held and failed ones wait for an admin.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for
from sqlalchemy import delete, func, or_, select

from ..db import session, utcnow
from ..i18n import lazy_gettext
from ..models import MailStatus, OutboxMessage, User
from .audit import record
from .errors import ServiceError

log = logging.getLogger("ldptrain.mail")


class MailError(RuntimeError):
    """The mail server could not be reached or refused the message."""


class OutboxError(ServiceError):
    """An admin's re-send was refused (no mail server, no such message, already sent)."""


#: Messages an admin may send on again: kept for want of a server, or given up on.
RESENDABLE = (MailStatus.HELD, MailStatus.FAILED)


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link for e-mails: from LDPTRAIN_BASE_URL when set (works in the CLI too),
    else from the current request."""
    base = current_app.config.get("LDPTRAIN_BASE_URL") or ""
    if base:
        parts = urlsplit(base)
        adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/",
                                           url_scheme=parts.scheme or "https")
        return adapter.build(endpoint, values, force_external=True)
    if not has_request_context():
        raise RuntimeError("Set LDPTRAIN_BASE_URL so e-mails sent from the command line "
                           "can carry links.")
    return url_for(endpoint, _external=True, **values)


def configured() -> bool:
    """Whether a mail server is set (else messages are held in the outbox)."""
    return bool(current_app.config.get("LDPTRAIN_MAIL_SERVER"))


def send(to: str, subject: str, body: str, *, html: str = "", user: User | None = None,
         job: bool = True) -> OutboxMessage:
    """Store one message and, with a mail server configured, queue its delivery for after the
    caller's commit. ``user``: the account it concerns (its messages go when it is anonymised).
    ``job=False``: the caller delivers it itself (`ldptrain mail test`)."""
    from .. import tasks

    message = OutboxMessage(to=to, subject=subject[:255], body_text=body, body_html=html,
                            user_id=user.id if user is not None else None,
                            status=MailStatus.QUEUED if configured() else MailStatus.HELD)
    session.add(message)
    session.flush()
    if message.status == MailStatus.QUEUED and job:
        tasks.enqueue("mail.send", message.id)
    else:
        # No body in the log: it may hold a password link.
        log.warning("e-mail #%s to %s held in the outbox: no LDPTRAIN_MAIL_SERVER set",
                    message.id, to)
    return message


def build_message(message: OutboxMessage) -> EmailMessage:
    config = current_app.config
    email = EmailMessage()
    email["From"] = config.get("LDPTRAIN_MAIL_SENDER") or "ldptrain@localhost"
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain="ldptrain")
    email.set_content(message.body_text)  # UTF-8, so Thai text travels intact
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email


def _transport(email: EmailMessage) -> None:
    config = current_app.config
    port = int(config.get("LDPTRAIN_MAIL_PORT") or 587)
    with smtplib.SMTP(config["LDPTRAIN_MAIL_SERVER"], port, timeout=20) as smtp:
        if config.get("LDPTRAIN_MAIL_USE_TLS", True):
            smtp.starttls()
        if config.get("LDPTRAIN_MAIL_USERNAME"):
            smtp.login(config["LDPTRAIN_MAIL_USERNAME"], config.get("LDPTRAIN_MAIL_PASSWORD", ""))
        smtp.send_message(email)


def _refused_for_good(exc: Exception) -> bool:
    """A 5xx answer about this message (bad address, rejected content): trying again will not
    help. Connection errors and 4xx answers are worth retrying."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in exc.recipients.values())
    code = getattr(exc, "smtp_code", None)
    return isinstance(code, int) and code >= 500 and not isinstance(
        exc, smtplib.SMTPAuthenticationError)  # wrong credentials: fixable by the operator


def deliver(message_id: int) -> OutboxMessage | None:
    """Send one stored message now (the ``mail.send`` job, and `ldptrain mail test`). Records
    the attempt on the message; raises MailError (or tasks.Permanent) when it was not sent."""
    from ..tasks import Permanent

    message = session.get(OutboxMessage, message_id)
    if message is None or message.status == MailStatus.SENT:
        return message  # anonymised since, or already sent by an earlier run
    if not configured():
        message.status = MailStatus.HELD
        message.last_error = "no mail server configured (LDPTRAIN_MAIL_SERVER)"
        session.commit()
        return message
    message.attempts += 1
    try:
        _transport(build_message(message))
    except (OSError, smtplib.SMTPException) as exc:
        reason = f"{type(exc).__name__}: {exc}"
        message.status = MailStatus.QUEUED
        message.last_error = reason[:2000]
        session.commit()
        log.warning("e-mail #%s to %s not sent: %s", message.id, message.to, reason)
        if _refused_for_good(exc):
            raise Permanent(reason) from exc
        raise MailError(reason) from exc
    message.status, message.sent_at, message.last_error = MailStatus.SENT, utcnow(), ""
    session.commit()
    log.info("e-mail #%s sent to %s: %s", message.id, message.to, message.subject)
    return message


def mark_failed(message_id: int, error: str) -> None:
    """The delivery job gave up: the outbox shows the message as failed, with the reason."""
    message = session.get(OutboxMessage, message_id)
    if message is not None and message.status != MailStatus.SENT:
        message.status = MailStatus.FAILED
        message.last_error = error[:2000]


def forget_user(user: User, old_email: str) -> int:
    """Remove the messages to or about an account (anonymisation): they hold its name and
    address."""
    result = session.execute(delete(OutboxMessage).where(
        or_(OutboxMessage.user_id == user.id, OutboxMessage.to == old_email)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _queue_again(message: OutboxMessage) -> None:
    from .. import tasks

    message.status, message.last_error = MailStatus.QUEUED, ""
    tasks.enqueue("mail.send", message.id)


def listing(status: str = "", limit: int = 200) -> list[OutboxMessage]:
    """Newest first; all statuses unless one is named."""
    query = select(OutboxMessage)
    if status:
        query = query.where(OutboxMessage.status == status)
    return list(session.scalars(query.order_by(OutboxMessage.id.desc()).limit(limit)))


def waiting_counts() -> dict[str, int]:
    """How many messages wait in each status an admin can send again."""
    rows = session.execute(select(OutboxMessage.status, func.count())
                           .where(OutboxMessage.status.in_(RESENDABLE))
                           .group_by(OutboxMessage.status)).all()
    return {str(status): int(n) for status, n in rows}


def resend(message_id: int, actor: User | None) -> OutboxMessage:
    """Send a held or failed message on (a job, after the caller commits)."""
    if not configured():
        raise OutboxError(lazy_gettext(
            "No mail server is configured (LDPTRAIN_MAIL_SERVER): set one, then send the "
            "messages on."))
    message = session.get(OutboxMessage, message_id)
    if message is None:
        raise OutboxError(lazy_gettext("There is no message %(id)s.", id=message_id))
    if message.status not in RESENDABLE:
        raise OutboxError(lazy_gettext(
            "Message %(id)s is already sent or waiting to be sent: only held or failed "
            "messages can be sent again.", id=message_id))
    _queue_again(message)
    record("mail.resend", actor=actor, target=message)
    return message


def resend_all(status: str, actor: User | None) -> int:
    """Send on every message in `status` (held: the ones kept before a server was set).
    Returns how many were queued."""
    if status not in RESENDABLE:
        raise OutboxError(lazy_gettext("Only held or failed messages can be sent again."))
    if not configured():
        raise OutboxError(lazy_gettext(
            "No mail server is configured (LDPTRAIN_MAIL_SERVER): set one, then send the "
            "messages on."))
    found = list(session.scalars(select(OutboxMessage).where(OutboxMessage.status == status)
                                 .order_by(OutboxMessage.id)))
    for message in found:
        _queue_again(message)
    if found:
        record("mail.resend_all", actor=actor, details={"status": status, "count": len(found)})
    return len(found)


def prune(before: dt.datetime) -> int:
    """Delete messages sent before `before` (they hold names, addresses and links that have
    done their work). Held, queued and failed messages stay for an admin. Returns how many."""
    result = session.execute(delete(OutboxMessage).where(
        OutboxMessage.status == MailStatus.SENT, OutboxMessage.sent_at < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
