"""The ``ldptrain`` command. Mounted in a host, the same commands are ``flask ldptrain ...``."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

import click
from flask import current_app
from flask.cli import ScriptInfo, with_appcontext

from ..certificates.cli import STATUS_LOOKUP_META
from ..db import get_session


@click.group(help="ldptrain: DLA training platform. Run `ldptrain COMMAND --help` for details.")
@click.option("--instance", envvar="LDPTRAIN_INSTANCE", type=click.Path(file_okay=False),
              help="Instance folder (database, keys). Default: ./instance.")
@click.pass_context
def main(ctx: click.Context, instance: str | None) -> None:
    from ..app import create_app

    if instance:
        os.environ["LDPTRAIN_INSTANCE"] = instance  # gunicorn workers build their app from it
    ctx.obj = ScriptInfo(create_app=partial(create_app, instance_path=instance))
    ctx.meta[STATUS_LOOKUP_META] = _registry_lookup(ctx.obj)


def _registry_lookup(info: ScriptInfo) -> Callable[[str], object] | None:
    """`certs verify` also asks the registry (revoked, superseded, unknown) when this instance
    has a database; offline verification of the signature works without one."""
    folder = Path(os.environ.get("LDPTRAIN_INSTANCE") or "instance")
    configured = os.environ.get("LDPTRAIN_DATABASE_URL") or (folder / "ldptrain.sqlite3").exists()
    if not configured:
        return None

    def lookup(serial: str) -> object:
        from ..services.certificates import registry_status

        with info.load_app().app_context():
            return registry_status(serial)

    return lookup


def _engine():  # type: ignore[no-untyped-def]
    return current_app.extensions["ldptrain"].db.engine


# --- db -----------------------------------------------------------------------------------
@click.group(help="Database schema (Alembic migrations).")
def db() -> None:
    pass


@db.command("upgrade", help="Bring the database to the current schema.")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    from ..services import schema

    schema.upgrade(_engine(), revision)
    click.echo(f"database at {schema.current_revision(_engine())}")
    from ..services.certificates import issuer, signing_key

    # Made here (and by setup), never by a page view.
    click.echo(f"certificate issuer {issuer().fingerprint}")
    signing_key()


@db.command("current", help="Show the database's schema revision.")
@with_appcontext
def db_current() -> None:
    from ..services import schema

    click.echo(f"{schema.current_revision(_engine())} (head: {schema.head_revision()})")


@db.command("check", help="Exit 1 if the models and the migrated schema disagree.")
@with_appcontext
def db_check() -> None:
    from ..services import schema

    diff = schema.differences(_engine())
    for item in diff:
        click.echo(str(item))
    sys.exit(1 if diff else 0)


@db.command("recount", help="Compare the dashboards' running tallies with a recount from the "
            "enrolments; exit 1 if they differ (--fix replaces them with the recount).")
@click.option("--fix", is_flag=True, help="Replace the tallies with the recount.")
@with_appcontext
def db_recount(fix: bool) -> None:
    from ..services.reports import tally

    with _engine().begin() as conn:
        found = tally.differences(conn)
        for table, (extra, missing) in sorted(found.items()):
            click.echo(f"{table}: {len(extra)} row(s) not in the recount, "
                       f"{len(missing)} recounted row(s) missing")
        if found and fix:
            tally.rebuild(conn)
            click.echo("tallies rebuilt from the enrolments")
    if not found:
        click.echo("tallies agree with a recount")
    sys.exit(1 if found and not fix else 0)


def _fail_all_or_nothing(problems: list[str], outcome: str) -> None:
    """Roll back, print every `FILE:ROW: message` and exit 1: imports are all or nothing."""
    get_session().rollback()
    for problem in problems:
        click.echo(problem, err=True)
    click.echo(f"{len(problems)} problem(s); {outcome}.", err=True)
    sys.exit(1)


# --- users --------------------------------------------------------------------------------
@click.group(help="User accounts.")
def users() -> None:
    pass


@users.command("create-admin", help="Create a DLA administrator: asks for the password, or "
               "with --invite queues a link for them to choose one (printed when no mail server "
               "is configured).")
@click.option("--email", prompt=True)
@click.option("--name", "name_th", prompt="Name (Thai)")
@click.option("--invite", is_flag=True, help="E-mail a password link instead of asking for a "
              "password (needs LDPTRAIN_BASE_URL).")
@click.password_option(help="At least 10 characters.", prompt_required=False)
@with_appcontext
def users_create_admin(email: str, name_th: str, invite: bool, password: str | None) -> None:
    from ..models import Role
    from ..services import accounts, mail

    if invite and not current_app.config.get("LDPTRAIN_BASE_URL"):
        raise click.ClickException("set LDPTRAIN_BASE_URL so the password link points at "
                                   "this site")
    if not invite and not password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.create_user(email=email, password=None if invite else password,
                                    name_th=name_th, roles=(Role.ADMIN, Role.TRAINER))
        link = accounts.send_password_link(user, "welcome") if invite else ""
    except accounts.AccountError as exc:
        get_session().rollback()
        raise click.ClickException(str(exc)) from exc
    get_session().commit()
    click.echo(f"administrator {user.email} created")
    if link:
        _report_links({user.email: link}, mail.configured())


def _report_links(links: dict[str, str], mailed: bool) -> None:
    """Without a mail server the links would go nowhere: print them for the operator to hand
    on (they are also in the outbox for admins)."""
    if mailed:
        click.echo(f"{len(links)} password link(s) queued for e-mail")
        return
    click.echo("no mail server configured (LDPTRAIN_MAIL_SERVER): password links NOT e-mailed; "
               "hand each person their own link (welcome links last 7 days):")
    for email, link in links.items():
        click.echo(f"  {email}  {link}")


@users.command("import", help="Create accounts from a CSV file. " + (
    "Columns: email,name_th,name_en,position,organisation_code,role. Required: email, name_th, "
    "organisation_code (the DLA code). role: trainee (default), trainer or coordinator. "
    "UTF-8, with or without a byte-order mark. Every bad row is reported as FILE:ROW: message "
    "and nothing is written if any row is bad. New people are confirmed members of their "
    "organisation at once and are e-mailed a link to choose a password (set LDPTRAIN_BASE_URL); "
    "without a mail server the links are printed instead."))
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--language", type=click.Choice(["th", "en"]), default="th", show_default=True,
              help="Language of the new accounts and of their e-mails.")
@with_appcontext
def users_import(csv_file: Path, language: str) -> None:
    from ..services import mail, user_import

    if not current_app.config.get("LDPTRAIN_BASE_URL"):
        # Checked before anything is written: the password links need the site's address.
        raise click.ClickException("set LDPTRAIN_BASE_URL (e.g. https://training.example.org) "
                                   "so the e-mailed password links point at this site")
    session = get_session()
    try:
        text = user_import.decode(csv_file.read_bytes(), str(csv_file))
        result = user_import.import_users(text, str(csv_file), language=language)
    except user_import.ImportFailed as exc:
        _fail_all_or_nothing(exc.problems, "no account was created")
    links = user_import.send_invitations(result.created)  # in the outbox with the accounts
    session.commit()
    click.echo(f"{len(result.created)} account(s) created")
    _report_links(links, mail.configured())


@users.command("assign-trainer", help="Let a trainer record workshop (blended) completion "
               "of a course: for trainees anywhere, or with --province CODE only for trainees "
               "whose confirmed organisation is in that province (repeat for several). "
               "With --remove, take the assignment away. Audit-logged.")
@click.argument("email")
@click.argument("course_slug")
@click.option("--province", "provinces", multiple=True, help="Province code, e.g. 50.")
@click.option("--remove", is_flag=True, help="Remove the assignment(s) instead.")
@with_appcontext
def users_assign_trainer(email: str, course_slug: str, provinces: tuple[str, ...],
                         remove: bool) -> None:
    from ..services import accounts, catalogue, roles

    person = accounts.find_by_email(email)
    course = catalogue.get_course(course_slug)
    if person is None:
        raise click.ClickException(f"no account with the e-mail {email}")
    if course is None:
        raise click.ClickException(f"no course {course_slug}")
    wanted = list(provinces) or [None]
    try:
        for code in wanted:
            if remove:
                for row in roles.assignments_of(person):
                    if row.course_id == course.id and row.province_code == code:
                        roles.unassign_trainer(person, row.id, actor=None)
            else:
                roles.assign_trainer(person, course, actor=None, province_code=code)
    except roles.GrantRefused as exc:
        get_session().rollback()
        raise click.ClickException(str(exc)) from exc
    get_session().commit()
    where = ", ".join(provinces) or "anywhere"
    click.echo(f"{'removed' if remove else 'assigned'}: {person.email} {course.slug} ({where})")


# --- config -------------------------------------------------------------------------------
@click.command("settings", help="Print every LDPTRAIN_* setting as a Markdown table.")
def settings() -> None:
    from ..config import settings_table

    click.echo(settings_table())


def register(group: click.Group) -> None:
    """The subcommands shared by the standalone `ldptrain` and a host's `flask ldptrain`."""
    from ..certificates.cli import certs
    from ..demo.cli import demo
    from ..tasks.cli import register as register_tasks
    from .backup import backup, restore
    from .content import content
    from .orgs import orgs

    for command in (db, orgs, users, settings, content, certs, demo, backup, restore):
        group.add_command(command)
    register_tasks(group)


#: What a host app gets as `flask ldptrain ...` (no `serve`: the host runs its own server).
host_group = click.Group("ldptrain", help="ldptrain: DLA training platform.")
register(host_group)
register(main)


def _add_serve() -> None:
    from ..serve import serve

    main.add_command(serve)


_add_serve()
