"""First start of an instance: schema, reference data, bundled courses.

Safe to run on every start and from several workers: each step is idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from ..db import get_session
from ..models import Organisation, Role, RoleAssignment, User
from ..resources import DATA, bundled
from . import organisations, schema


@dataclass
class SetupReport:
    revision: str | None
    provinces: int
    organisations_loaded: int
    content: str
    administrators: int = 0  # active ones: `serve` says "open the site" rather than "create one"


def prepare() -> SetupReport:
    app = current_app
    session = get_session()
    engine = app.extensions["ldptrain"].db.engine
    schema.upgrade(engine)
    from .certificates import signing_key

    signing_key()  # the badge key exists before any page publishes it (never made by a GET)
    provinces = organisations.load_provinces()
    loaded = 0
    if app.config["LDPTRAIN_LOAD_SAMPLE_ORGS"] and not session.scalar(
        select(func.count()).select_from(Organisation)
    ):
        text = (DATA / "sample_organisations.csv").read_text(encoding="utf-8-sig")
        loaded = organisations.import_organisations(text, "sample_organisations.csv").created
    session.commit()
    content = "skipped"
    if app.config["LDPTRAIN_IMPORT_BUNDLED"]:
        from .importer import import_content

        result = import_content([bundled("courses"), bundled("assessments")])
        session.commit()
        content = str(result)
    admins = session.scalar(
        select(func.count(func.distinct(User.id))).select_from(User).join(RoleAssignment)
        .where(RoleAssignment.role == Role.ADMIN, User.active.is_(True))) or 0
    session.rollback()  # a read: nothing of it stays open across gunicorn's fork
    return SetupReport(schema.current_revision(engine), provinces, loaded, content, admins)
