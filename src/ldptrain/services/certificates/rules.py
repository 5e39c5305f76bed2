"""The rules that change certificates: serials, issue on completion (the completion signal's
receiver, connected on import), programme certificates, revoke, re-issue and renew.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ...certificates.data import CertificateData, CourseLine
from ...certificates.serials import format_serial
from ...certificates.signing import sign_payload
from ...db import session, utcnow
from ...i18n import lazy_gettext as _l
from ...models import (
    Certificate,
    CertificateStatus,
    Course,
    Enrolment,
    EnrolmentStatus,
    Module,
    ModuleProgress,
    ModuleVersion,
    Organisation,
    Programme,
    SerialCounter,
    User,
    Workshop,
)
from ...signals import course_completed
from ...thai import be_year
from .. import engagement
from ..audit import record
from .reads import (
    BANGKOK,
    REVOCATION_REASONS,
    _is_current,
    _local_date,
    current_certificate,
    renewal_due,
)
from .signing import (
    CertificateError,
    SignatoryNotConfigured,
    issuer,
    signatory_for,
    signing_key,
    verify_url,
)


def allocate_serial(code: str, when: dt.datetime | None = None) -> str:
    """The next serial of a series, e.g. DLA-LDP-2569-000124.

    One UPDATE ... RETURNING on the series' counter row: the row lock makes concurrent issuers
    (several workers) wait for each other, so no two ever get the same number; a rolled-back
    issue releases its number together with the certificate that would have used it.
    """
    prefix = current_app.config["LDPTRAIN_CERT_PREFIX"]
    year = be_year((when or utcnow()).astimezone(BANGKOK).date())
    series = f"{prefix}-{code}-{year}"
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(SerialCounter).values(series=series, last_value=0)
                    .on_conflict_do_nothing(index_elements=["series"]))
    value = session.execute(
        update(SerialCounter).where(SerialCounter.series == series)
        .values(last_value=SerialCounter.last_value + 1)
        .returning(SerialCounter.last_value)).scalar_one()
    return format_serial(prefix, code, year, value)


def series_code(course: Course) -> str:
    """The serial's course part: the course's `code`, else its slug's letters and digits (a
    slug's hyphens are not allowed in a serial)."""
    if course.code:
        return course.code
    letters = re.sub(r"[^A-Z0-9]", "", course.slug.upper())[:8]
    return letters if len(letters) >= 2 else "COURSE"


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _template_id(course: Course | None) -> int | None:
    from ..cert_templates import published_of

    found = published_of(course.id) if course is not None else None
    return found.id if found is not None else None


def _issue(*, user: User, code: str, slug: str, title_th: str, title_en: str, version: str,
           hours: float | None, completed_at: dt.datetime, kind: str, delivery: str,
           valid_years: int | None, organisation: Organisation | None,
           course: Course | None = None, programme: Programme | None = None,
           enrolment: Enrolment | None = None, courses: tuple[CourseLine, ...] = (),
           workshop_id: int | None = None, actor: User | None = None) -> Certificate:
    config = current_app.config
    signatory = signatory_for(course, config)  # refuses, rather than print "()" for a name
    issuer()  # the PDF-signing certificate exists from the first issue on
    serial = allocate_serial(code)
    now = utcnow()
    completed_on = _local_date(completed_at)
    data = CertificateData(
        serial=serial, name=user.name_th, name_en=user.name_en,
        organisation=organisation.name_th if organisation else "",
        organisation_en=organisation.name_en if organisation else "",
        course_slug=slug, course_title_th=title_th, course_title_en=title_en,
        content_version=version, completed_on=completed_on, issued_on=_local_date(now),
        verify_url=verify_url(serial), signatory_name=signatory.name,
        signatory_title=signatory.title_th, signatory_title_en=signatory.title_en, hours=hours,
        kind=kind, delivery=delivery,  # type: ignore[arg-type]
        issuer_th=config["LDPTRAIN_CERT_ISSUER_TH"], issuer_en=config["LDPTRAIN_CERT_ISSUER_EN"],
        issuer_url=config.get("LDPTRAIN_BASE_URL", ""),
        valid_until=_add_years(completed_on, valid_years) if valid_years else None,
        courses=courses,
    )
    payload = data.payload()
    cert = Certificate(
        serial=serial, kind=kind, user_id=user.id, course_id=course.id if course else None,
        programme_id=programme.id if programme else None,
        enrolment_id=enrolment.id if enrolment else None,
        organisation_id=organisation.id if organisation else None, delivery=delivery,
        completed_at=completed_at, issued_at=now,
        expires_at=(dt.datetime.combine(data.valid_until, dt.time(23, 59, 59), BANGKOK)
                    if data.valid_until else None),
        payload=payload, signature=sign_payload(payload, signing_key()),
        details={"name_en": data.name_en, "organisation_en": data.organisation_en,
                 "signatory_name": data.signatory_name,
                 "signatory_title": data.signatory_title,
                 "signatory_title_en": data.signatory_title_en,
                 "signatory_source": signatory.source, "issuer_url": data.issuer_url,
                 "courses": [c.__dict__ for c in courses],
                 # The course's own template published now (cert_templates), if any: the
                 # certificate keeps rendering and verifying with it after later ones.
                 "template_id": _template_id(course)},
        workshop_id=workshop_id,
    )
    session.add(cert)
    session.flush()
    record("certificate.issue", actor=actor, target=cert, organisation_id=cert.organisation_id,
           details={"serial": serial, "kind": kind, "delivery": delivery})
    return cert


def certificate_hours(enrolment: Enrolment) -> float | None:
    """The hours a course certificate prints (docs/certificates.md, "Hours"):
    - blended completion: the workshop's hours (the course's when the trainer left them out);
    - a course with a minimum-time rule (`completion: {min_time: N%}`): the course's hours when
      every live module's measured time met the rule, else the measured time rounded down to
      the half hour (never more than the course's hours; none under half an hour);
    - otherwise the course's hours."""
    course = enrolment.course
    if enrolment.completion_source == "blended" and enrolment.workshop_id is not None:
        workshop = session.get(Workshop, enrolment.workshop_id)
        if workshop is not None and workshop.hours is not None:
            return workshop.hours
        return course.hours
    percent = course.min_time_percent
    if not percent:
        return course.hours
    spent = dict(session.execute(select(ModuleProgress.module_id, ModuleProgress.seconds_spent)
                                 .where(ModuleProgress.enrolment_id == enrolment.id)).all())
    live = session.execute(
        select(Module.id, ModuleVersion.duration_minutes)
        .join(ModuleVersion, Module.current_version_id == ModuleVersion.id)
        .where(Module.course_id == course.id, Module.retired.is_(False))).all()
    if all(engagement.time_met(spent.get(m, 0), minutes, percent) for m, minutes in live):
        return course.hours
    measured = min(engagement.measured_hours(sum(spent.values())), course.hours)
    return measured if measured >= 0.5 else None


def issue_for_enrolment(enrolment: Enrolment, *, actor: User | None = None) -> Certificate | None:
    """Issue the course certificate for a completed enrolment (once: a trainee holding a
    current certificate for the course gets no second one; an expired one is renewed)."""
    course = enrolment.course
    if not course.certificate or enrolment.status != EnrolmentStatus.COMPLETED:
        return None
    existing = current_certificate(enrolment.user_id, course_id=course.id)
    if _is_current(existing):
        return existing
    if existing is not None:  # expired: the new completion renews it
        existing.status = CertificateStatus.SUPERSEDED
    organisation = session.get(Organisation, enrolment.organisation_id) \
        if enrolment.organisation_id else None
    cert = _issue(
        user=enrolment.user, code=series_code(course), slug=course.slug,
        title_th=course.title_th, title_en=course.title_en, version=course.version,
        hours=certificate_hours(enrolment), completed_at=enrolment.completed_at or utcnow(),
        kind="course", delivery=enrolment.completion_source or "online",
        valid_years=course.certificate_valid_years, organisation=organisation, course=course,
        enrolment=enrolment, workshop_id=enrolment.workshop_id, actor=actor)
    if existing is not None:
        existing.superseded_by_id = cert.id
    issue_programme_certificates(enrolment.user, organisation, actor=actor)
    return cert


def issue_programme_certificates(user: User, organisation: Organisation | None, *,
                                 actor: User | None = None) -> list[Certificate]:
    """Programme certificates the person has just earned: every course of the programme
    completed (a current course certificate each), and no current programme certificate yet."""
    issued = []
    programmes = session.scalars(select(Programme).where(Programme.retired.is_(False),
                                                         Programme.certificate.is_(True)))
    for programme in programmes:
        if _is_current(current_certificate(user.id, programme_id=programme.id)):
            continue
        courses = list(session.scalars(select(Course).where(
            Course.slug.in_(programme.course_slugs))))
        if len(courses) != len(programme.course_slugs):
            continue
        held = [current_certificate(user.id, course_id=c.id) for c in courses]
        if not all(_is_current(c) for c in held):
            continue
        ordered = sorted(courses, key=lambda c: programme.course_slugs.index(c.slug))
        lines = tuple(CourseLine(slug=c.slug, title_th=c.title_th, title_en=c.title_en,
                                 hours=c.hours) for c in ordered)
        last = max(c.completed_at for c in held if c is not None)
        issued.append(_issue(
            user=user, code=programme.code or "PROG", slug=programme.slug,
            title_th=programme.title_th, title_en=programme.title_en, version="",
            hours=sum(c.hours for c in ordered), completed_at=last, kind="programme",
            delivery="online", valid_years=None, organisation=organisation,
            programme=programme, courses=lines, actor=actor))
    return issued


def revoke(cert: Certificate, reason: str, *, actor: User, code: str, ip: str = "") -> None:
    """``code``: one of REVOCATION_REASONS (public); ``reason``: the internal note."""
    reason = reason.strip()
    if code not in REVOCATION_REASONS:
        raise CertificateError(_l("Choose why the certificate is revoked."))
    if not reason:
        raise CertificateError(_l("A reason is required to revoke a certificate."))
    if cert.status == CertificateStatus.REVOKED:
        raise CertificateError(_l("This certificate is already revoked."))
    cert.status = CertificateStatus.REVOKED
    cert.revoked_at = utcnow()
    cert.revoked_reason = reason
    cert.revoked_reason_code = code
    record("certificate.revoke", actor=actor, target=cert, ip=ip,
           organisation_id=cert.organisation_id, details={"serial": cert.serial,
                                                          "code": code, "reason": reason})


def reissue(cert: Certificate, reason: str, *, actor: User, ip: str = "") -> Certificate:
    """A new serial with today's name and organisation; the old one is marked superseded."""
    reason = reason.strip()
    if not reason:
        raise CertificateError(_l("A reason is required to re-issue a certificate."))
    if cert.status != CertificateStatus.VALID:
        raise CertificateError(_l("Only a valid certificate can be re-issued."))
    user = session.get(User, cert.user_id)
    assert user is not None
    organisation = session.get(Organisation, cert.organisation_id) \
        if cert.organisation_id else None
    p = cert.payload
    new = _issue(
        user=user, code=cert.serial.split("-")[1], slug=p["course"]["slug"],
        title_th=p["course"]["title"]["th"], title_en=p["course"]["title"]["en"],
        version=p["course"]["version"], hours=float(p["hours"]) if "hours" in p else None,
        completed_at=cert.completed_at, kind=cert.kind, delivery=cert.delivery,
        valid_years=None, organisation=organisation,
        course=session.get(Course, cert.course_id) if cert.course_id else None,
        programme=session.get(Programme, cert.programme_id) if cert.programme_id else None,
        courses=tuple(CourseLine(**c) for c in cert.details.get("courses", [])),
        workshop_id=cert.workshop_id, actor=actor)
    if cert.expires_at is not None:
        new.expires_at = cert.expires_at
    new.enrolment_id = cert.enrolment_id
    cert.status = CertificateStatus.SUPERSEDED
    cert.superseded_by_id = new.id
    record("certificate.reissue", actor=actor, target=cert, ip=ip,
           organisation_id=cert.organisation_id,
           details={"serial": cert.serial, "new_serial": new.serial, "reason": reason})
    return new


def renew_if_due(enrolment: Enrolment, *,
                 passed_at: dt.datetime | None = None) -> Certificate | None:
    """Renewal = passing the course's current final assessment again while the certificate is
    due: a new certificate (new serial, new validity) replaces the old one."""
    old = renewal_due(enrolment.user_id, enrolment.course_id)
    if old is None:
        return None
    course = enrolment.course
    organisation = session.get(Organisation, enrolment.organisation_id) \
        if enrolment.organisation_id else None
    new = _issue(
        user=enrolment.user, code=series_code(course), slug=course.slug,
        title_th=course.title_th, title_en=course.title_en, version=course.version,
        hours=certificate_hours(enrolment), completed_at=passed_at or utcnow(), kind="course",
        delivery="online", valid_years=course.certificate_valid_years,
        organisation=organisation, course=course, enrolment=enrolment)
    old.status = CertificateStatus.SUPERSEDED
    old.superseded_by_id = new.id
    record("certificate.renew", target=old, organisation_id=old.organisation_id,
           details={"serial": old.serial, "new_serial": new.serial})
    return new


def _on_course_completed(sender: Any, enrolment: Enrolment, **extra: Any) -> None:
    # Same transaction as the completion: the certificate exists the moment the course is done.
    try:
        issue_for_enrolment(enrolment)
    except SignatoryNotConfigured as exc:
        # The completion stands; the trainee is not the one who can fix the configuration.
        current_app.logger.error("certificate not issued for enrolment %s: %s",
                                 enrolment.id, exc)


course_completed.connect(_on_course_completed)
