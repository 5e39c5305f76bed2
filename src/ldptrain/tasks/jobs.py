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


@job("certificates.resign", attempts=3)
def resign_certificates(serials: list[str] | None, reason: str, actor_id: int | None,
                        origin: str) -> None:
    from ..services import certificate_pdfs

    certificate_pdfs.run_resign(serials, reason, actor_id, origin)


@job("certificates.organisation_zip", attempts=3)
def organisation_zip(download_id: int) -> None:
    from ..services import downloads

    downloads.build_organisation_certificates(download_id)


@job("certificates.issue_held_back", attempts=3)
def issue_held_back(actor_id: int | None) -> None:
    from ..services import certificate_pdfs

    certificate_pdfs.run_issue_held_back(actor_id)


@job("gaps.remind", attempts=3)
def remind_coordinators(reminder_ids: list[int], link: str) -> None:
    from ..services import reminders

    reminders.write_messages(reminder_ids, link)
