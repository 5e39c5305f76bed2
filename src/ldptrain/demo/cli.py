"""``ldptrain demo generate``: fill the configured database with national-scale demo data."""

from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from ..db import get_session

#: Who "signs" demo certificates while LDPTRAIN_CERT_SIGNATORY_NAME is unset (made up, marked).
SAMPLE_SIGNATORY = "นายตัวอย่าง ระบบสาธิต"


@click.group(help="Synthetic demo data for trying out dashboards and measuring them at scale.")
def demo() -> None:
    pass


@demo.command("generate", help=(
    "Add a synthetic register (DLA offices plus --orgs LAOs of every type in every province, "
    "in real proportions), --trainees trainees with Thai names, and 24 months of enrolments, "
    "progress, attempts, completions and signed certificates in the imported courses (the "
    "bundled ones are imported first if none are). The same --seed and --as-of give the same "
    "data. Refuses a database that already holds demo data."))
@click.option("--orgs", default=7850, show_default=True, type=click.IntRange(min=7),
              help="Number of LAOs (organisations already in the register count towards it).")
@click.option("--trainees", default=100_000, show_default=True, type=click.IntRange(min=1),
              help="Number of trainees.")
@click.option("--seed", default=1, show_default=True, type=int, help="Random seed.")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="End of the 24-month window (UTC midnight). Default: today.")
@click.option("--answers/--no-answers", default=True, show_default=True,
              help="Store each attempt's answers (about 10 rows per attempt).")
@with_appcontext
def generate(orgs: int, trainees: int, seed: int, as_of: dt.datetime | None,
             answers: bool) -> None:
    from ..models import Course
    from ..resources import bundled
    from ..services import certificates, schema
    from .generate import CertSettings, DemoError
    from .generate import generate as generate_demo

    state = current_app.extensions["ldptrain"]
    session = get_session()
    schema.upgrade(state.db.engine)
    if not session.scalar(select(func.count()).select_from(Course)):
        from ..services.importer import import_content

        result = import_content([str(bundled("courses")), str(bundled("assessments"))])
        if not result.ok:
            session.rollback()
            for problem in result.problems:
                click.echo(str(problem), err=True)
            raise click.ClickException("the bundled courses did not import")
        click.echo(f"courses: {result}")
    config = current_app.config
    settings = CertSettings(
        prefix=config["LDPTRAIN_CERT_PREFIX"], verify_base=certificates.verify_url(""),
        issuer_th=config["LDPTRAIN_CERT_ISSUER_TH"], issuer_en=config["LDPTRAIN_CERT_ISSUER_EN"],
        issuer_url=config.get("LDPTRAIN_BASE_URL", ""),
        # Demo data is not a real certificate: a sample name rather than "()" when unset.
        signatory_name=(config["LDPTRAIN_CERT_SIGNATORY_NAME"] or "").strip()
        or SAMPLE_SIGNATORY,
        signatory_title=config["LDPTRAIN_CERT_SIGNATORY_TITLE_TH"],
        signatory_title_en=config["LDPTRAIN_CERT_SIGNATORY_TITLE_EN"],
        key=certificates.signing_key())
    try:
        report = generate_demo(
            session.connection(), orgs=orgs, trainees=trainees, seed=seed,
            as_of=as_of.replace(tzinfo=dt.UTC) if as_of else None, answers=answers,
            certificates=settings, privacy_version=config.get("LDPTRAIN_PRIVACY_VERSION", ""))
    except DemoError as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from exc
    session.commit()
    # Fresh statistics: without them the planner assumes near-empty tables and picks slow plans.
    with state.db.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    for line in report.lines():
        click.echo(line)
