"""`ldptrain worker`, `ldptrain jobs ...` and `ldptrain mail ...`."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from ..db import get_session


@click.command("worker", help="Run background jobs (mail, ...) from the queue until stopped. "
               "`ldptrain serve` runs one itself unless started with --no-worker or "
               "LDPTRAIN_EMBEDDED_WORKER=false; run this on each host that should do the work.")
@click.option("--threads", default=2, show_default=True, type=click.IntRange(1, 32))
@click.option("--exit-with-parent", is_flag=True, hidden=True)
@with_appcontext
def worker(threads: int, exit_with_parent: bool) -> None:
    from .worker import run_consumer

    try:
        run_consumer(current_app._get_current_object(),  # type: ignore[attr-defined]
                     threads, exit_with_parent=exit_with_parent)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group(help="Background jobs: list them, retry failed ones.")
def jobs() -> None:
    pass


@jobs.command("list", help="Jobs, failed ones first, newest first.")
@click.option("--state", type=click.Choice(["queued", "running", "done", "failed"]))
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10000))
@with_appcontext
def jobs_list(state: str | None, limit: int) -> None:
    from ..services import jobs as job_service
    from .registry import describe

    found = job_service.listing(state or "", limit)
    if not found:
        click.echo("no jobs")
    for job in found:
        line = (f"{job.id:>6}  {job.state:<7}  {job.name}({describe(job.args)})  "
                f"attempts {job.attempts}/{job.max_attempts}  "
                f"created {job.created_at:%Y-%m-%d %H:%M} UTC")
        if job.last_error:
            line += f"\n        error: {job.last_error.splitlines()[0]}"
        click.echo(line)


@jobs.command("retry", help="Queue failed (or stuck) jobs again, with a fresh round of "
              "attempts.")
@click.argument("job_ids", nargs=-1, required=True, type=int)
@with_appcontext
def jobs_retry(job_ids: tuple[int, ...]) -> None:
    from ..services import jobs as job_service

    failed = False
    for job_id in job_ids:
        try:
            job_service.retry(job_id, actor=None)
        except job_service.JobError as exc:
            click.echo(str(exc), err=True)
            failed = True
        else:
            click.echo(f"job {job_id} queued again")
    get_session().commit()
    sys.exit(1 if failed else 0)


# --- mail ---------------------------------------------------------------------------------
@click.group(help="Outgoing e-mail (the outbox).")
def mail() -> None:
    pass


@mail.command("test", help="Send a test message to ADDRESS now, through the outbox, and say "
              "whether the mail server took it (and if not, why).")
@click.argument("address")
@with_appcontext
def mail_test(address: str) -> None:
    from ..services import accounts
    from ..services import mail as mail_service

    try:
        address = accounts.check_email(address)
    except accounts.AccountError as exc:
        raise click.ClickException(f"{address}: {exc}") from exc
    message = mail_service.send(
        address, "ldptrain: test message / ข้อความทดสอบ",
        "This test message from ldptrain reached you: e-mail works.\n\n"
        "ข้อความทดสอบจากระบบฝึกอบรม ถึงท่านแล้ว แสดงว่าการส่งอีเมลใช้งานได้\n", job=False)
    get_session().commit()
    if not mail_service.configured():
        raise click.ClickException(
            f"no mail server configured (LDPTRAIN_MAIL_SERVER): message #{message.id} is held "
            "in the outbox, where administrators can read it")
    try:
        # Sent here rather than by a worker, so the operator gets the answer at once.
        mail_service.deliver(message.id)
    except Exception as exc:  # MailError or tasks.Permanent
        mail_service.mark_failed(message.id, str(exc))
        get_session().commit()
        raise click.ClickException(f"not sent: {exc}") from exc
    server = current_app.config["LDPTRAIN_MAIL_SERVER"]
    click.echo(f"sent to {address} via {server} (outbox message #{message.id})")


@mail.command("resend", help="Send held or failed messages on, through the queue: the given "
              "message ids, or --held (every message kept before a mail server was set) or "
              "--failed.")
@click.argument("message_ids", nargs=-1, type=int)
@click.option("--held", "every", flag_value="held", help="Every held message.")
@click.option("--failed", "every", flag_value="failed", help="Every failed message.")
@with_appcontext
def mail_resend(message_ids: tuple[int, ...], every: str | None) -> None:
    from ..services import mail as mail_service

    if bool(message_ids) == bool(every):
        raise click.UsageError("give message ids, or --held, or --failed")
    if not mail_service.configured():
        raise click.ClickException("no mail server configured (LDPTRAIN_MAIL_SERVER): set one, "
                                   "then send the messages on")
    refused = False
    if every:
        count = mail_service.resend_all(every, actor=None)
        click.echo(f"{count} {every} message(s) queued to send")
    for message_id in message_ids:
        try:
            message = mail_service.resend(message_id, actor=None)
        except mail_service.OutboxError as exc:
            click.echo(str(exc), err=True)
            refused = True
        else:
            click.echo(f"message {message_id} to {message.to} queued to send")
    get_session().commit()
    sys.exit(1 if refused else 0)


def _prune_command(what: str) -> click.Command:
    @click.command("prune", help=f"Delete {what} older than --older-than days (default: "
                   "LDPTRAIN_PRUNE_AFTER_DAYS, 30). The worker does this daily.")
    @click.option("--older-than", "days", type=click.IntRange(1, 36500),
                  help="Days to keep.")
    @with_appcontext
    def prune(days: int | None) -> None:
        from ..services import jobs as job_service
        from ..services import mail as mail_service
        from ..services import retention

        days = days or retention.keep_days()
        if not days:
            click.echo("LDPTRAIN_PRUNE_AFTER_DAYS is 0: nothing is pruned")
            return
        before = retention.cutoff(days)
        if what == "sent e-mails":
            count = mail_service.prune(before)
        else:
            count = job_service.prune(before)
        get_session().commit()
        click.echo(f"{count} {what} older than {days} days deleted")

    return prune


jobs.add_command(_prune_command("finished jobs"))
mail.add_command(_prune_command("sent e-mails"))


def register(group: click.Group) -> None:
    for command in (worker, jobs, mail):
        group.add_command(command)
