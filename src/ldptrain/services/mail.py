"""Outgoing e-mail: SMTP when LDPTRAIN_MAIL_SERVER is set, otherwise the message goes to the log
(development, tests, and sites that hand links out by other means).
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for

log = logging.getLogger("ldptrain.mail")


class MailError(RuntimeError):
    """The mail server could not be reached or refused the message."""


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


def build_message(to: str, subject: str, body: str) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config.get("LDPTRAIN_MAIL_SENDER") or "ldptrain@localhost"
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="ldptrain")
    message.set_content(body)  # UTF-8, so Thai text travels intact
    return message


def send(to: str, subject: str, body: str) -> None:
    """Send one plain-text message (or log it when no mail server is configured)."""
    config = current_app.config
    message = build_message(to, subject, body)
    server = config.get("LDPTRAIN_MAIL_SERVER") or ""
    if not server:
        log.info("e-mail (no LDPTRAIN_MAIL_SERVER set, not sent)\nTo: %s\nSubject: %s\n\n%s",
                 to, subject, body)
        return
    port = int(config.get("LDPTRAIN_MAIL_PORT") or 587)
    try:
        with smtplib.SMTP(server, port, timeout=20) as smtp:
            if config.get("LDPTRAIN_MAIL_USE_TLS", True):
                smtp.starttls()
            if config.get("LDPTRAIN_MAIL_USERNAME"):
                smtp.login(config["LDPTRAIN_MAIL_USERNAME"],
                           config.get("LDPTRAIN_MAIL_PASSWORD", ""))
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        log.error("e-mail to %s not sent: %s", to, exc)
        raise MailError(str(exc)) from exc
    log.info("e-mail sent to %s: %s", to, subject)
