"""Every job the application runs in the background, registered in one place.

A service asks for one with ``tasks.enqueue("mail.send", message.id)``; the functions here only
call into the services, which hold the rules.
"""

from __future__ import annotations

from .registry import job


def _mail_failed(message_id: int, error: str) -> None:
    from ..services import mail

    mail.mark_failed(message_id, error)


@job("mail.send", attempts=6, on_failure=_mail_failed)
def send_mail(message_id: int) -> None:
    from ..services import mail

    mail.deliver(message_id)


@job("gaps.remind", attempts=3)
def remind_coordinators(reminder_ids: list[int], link: str) -> None:
    from ..services import reminders

    reminders.write_messages(reminder_ids, link)
