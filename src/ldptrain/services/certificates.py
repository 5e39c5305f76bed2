"""Certificates: issue on completion, serials, revoke and re-issue, programme certificates,
verification status, expiry.

A certificate row keeps the signed payload and the render details frozen at issue; the PDF and the
Open Badges credential are rendered from them on demand, so they always agree with the registry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..certificates.data import CertificateData, CourseLine
from ..certificates.issuer import Issuer, IssuerSettings, ensure_issuer, load_issuer
from ..certificates.serials import format_serial
from ..certificates.signing import load_or_create_key, sign_payload
from ..db import session, utcnow
from ..i18n import lazy_gettext as _l
from ..models import (
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
from ..signals import course_completed
from ..thai import be_year
from . import engagement
from .audit import record
from .errors import ServiceError

BANGKOK = dt.timezone(dt.timedelta(hours=7))


class CertificateError(ServiceError, ValueError):
    pass


class SignatoryNotConfigured(CertificateError):
    pass


def signatory_problem(config: Any) -> str | None:
    """Why certificates cannot be issued with this configuration's signatory, if they cannot."""
    if not (config.get("LDPTRAIN_CERT_SIGNATORY_NAME") or "").strip():
        return str(_l("Certificates cannot be issued: the signatory's name is not set. An "
                      "administrator must set LDPTRAIN_CERT_SIGNATORY_NAME (and the title "
                      "settings) before certificates can be issued."))
    return None


def issuer_settings() -> IssuerSettings:
    return IssuerSettings.from_config(current_app.instance_path, current_app.config)


def issuer() -> Issuer:
    """The PDF-signing issuer certificate, created on first use (never call from a GET)."""
    return ensure_issuer(issuer_settings())


def _signature_image(config: Any) -> str | None:
    path = config.get("LDPTRAIN_CERT_SIGNATORY_IMAGE")
    if not path:
        return None
    import base64
    import mimetypes
    from pathlib import Path

    mime = mimetypes.guess_type(str(path))[0] or "image/png"
    return f"data:{mime};base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def signing_key() -> Ed25519PrivateKey:
    """The instance's Ed25519 key (made on first use, mode 0600), cached per app."""
    extras = current_app.extensions["ldptrain"].extras
    if "signing_key" not in extras:
        extras["signing_key"] = load_or_create_key(current_app.instance_path)
    return extras["signing_key"]  # type: ignore[no-any-return]


def published_key() -> Ed25519PrivateKey | None:
    """The signing key if `db upgrade`/setup has made it; None before (read-only: for GETs)."""
    extras = current_app.extensions["ldptrain"].extras
    if "signing_key" not in extras:
        from ..certificates.signing import load_key

        found = load_key(current_app.instance_path)
        if found is None:
            return None
        extras["signing_key"] = found
    return extras["signing_key"]  # type: ignore[no-any-return]


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


def verify_url(serial: str) -> str:
    base = current_app.config.get("LDPTRAIN_BASE_URL", "").rstrip("/")
    prefix = current_app.extensions["ldptrain"].url_prefix
    return f"{base}{prefix}/verify/{serial}"


def _local_date(value: dt.datetime) -> dt.date:
    return value.astimezone(BANGKOK).date()


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def certificate_data(cert: Certificate) -> CertificateData:
    """What the PDF and the badge show, from the frozen payload and details."""
    p, d = cert.payload, cert.details
    return CertificateData(
        serial=cert.serial, name=p["name"], organisation=p["organisation"],
        course_slug=p["course"]["slug"], course_title_th=p["course"]["title"]["th"],
        course_title_en=p["course"]["title"]["en"], content_version=p["course"]["version"],
        completed_on=dt.date.fromisoformat(p["completed"]),
        issued_on=dt.date.fromisoformat(p["issued"]), verify_url=p["verify"],
        signatory_name=d.get("signatory_name", ""), signatory_title=d.get("signatory_title", ""),
        signatory_title_en=d.get("signatory_title_en", ""),
        hours=float(p["hours"]) if "hours" in p else None, kind=p["kind"],
        delivery=p["delivery"], issuer_th=p["issuer"]["th"], issuer_en=p["issuer"]["en"],
        issuer_url=d.get("issuer_url", ""), name_en=d.get("name_en", ""),
        organisation_en=d.get("organisation_en", ""),
        valid_until=dt.date.fromisoformat(p["valid_until"]) if "valid_until" in p else None,
        courses=tuple(CourseLine(**c) for c in d.get("courses", [])),
    )


def _issue(*, user: User, code: str, slug: str, title_th: str, title_en: str, version: str,
           hours: float | None, completed_at: dt.datetime, kind: str, delivery: str,
           valid_years: int | None, organisation: Organisation | None,
           course: Course | None = None, programme: Programme | None = None,
           enrolment: Enrolment | None = None, courses: tuple[CourseLine, ...] = (),
           workshop_id: int | None = None, actor: User | None = None) -> Certificate:
    config = current_app.config
    problem = signatory_problem(config)
    if problem:
        raise SignatoryNotConfigured(problem)
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
        verify_url=verify_url(serial), signatory_name=config["LDPTRAIN_CERT_SIGNATORY_NAME"],
        signatory_title=config["LDPTRAIN_CERT_SIGNATORY_TITLE_TH"],
        signatory_title_en=config["LDPTRAIN_CERT_SIGNATORY_TITLE_EN"], hours=hours,
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
                 "signatory_title_en": data.signatory_title_en, "issuer_url": data.issuer_url,
                 "courses": [c.__dict__ for c in courses]},
        workshop_id=workshop_id,
    )
    session.add(cert)
    session.flush()
    record("certificate.issue", actor=actor, target=cert, organisation_id=cert.organisation_id,
           details={"serial": serial, "kind": kind, "delivery": delivery})
    return cert


def current_certificate(user_id: int, *, course_id: int | None = None,
                        programme_id: int | None = None) -> Certificate | None:
    """The valid certificate a person holds for a course or programme, if any."""
    stmt = select(Certificate).where(Certificate.user_id == user_id,
                                     Certificate.status == CertificateStatus.VALID)
    if course_id is not None:
        stmt = stmt.where(Certificate.course_id == course_id)
    else:
        stmt = stmt.where(Certificate.programme_id == programme_id)
    return session.scalars(stmt.order_by(Certificate.issued_at.desc())).first()


def _is_current(cert: Certificate | None) -> bool:
    return cert is not None and (cert.expires_at is None or cert.expires_at > utcnow())


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
        user=enrolment.user, code=course.code or course.slug.upper()[:8], slug=course.slug,
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


#: Why a certificate was revoked, as the public verify page says it. The free-text note an admin
#: adds stays internal (admin pages and the audit log).
REVOCATION_REASONS = {
    "issued_in_error": _l("Issued in error"),
    "completion_annulled": _l("Completion annulled"),
    "replaced": _l("Replaced by another certificate"),
    "holder_request": _l("At the holder's request"),
}


def revocation_reason(code: str) -> str:
    """The public label of a reason code ("" for revocations made before codes existed)."""
    label = REVOCATION_REASONS.get(code)
    return str(label) if label is not None else ""


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


@dataclass(frozen=True)
class PublicStatus:
    """What the public verification page may show: nothing beyond name, organisation, course
    and date, and the standing of the certificate."""

    state: str  # valid | expired | revoked | superseded | unknown
    serial: str
    name: str = ""
    organisation: str = ""
    organisation_en: str = ""
    course_th: str = ""
    course_en: str = ""
    completed_on: dt.date | None = None
    expires_on: dt.date | None = None
    revoked_on: dt.date | None = None
    revoked_reason: str = ""  # the public label of the reason code, never the internal note
    revoked_reason_code: str = ""
    superseded_by: str = ""

    def organisation_in(self, lang: str) -> str:
        return self.organisation_en if lang == "en" and self.organisation_en else self.organisation


def _organisation_en(cert: Certificate) -> str:
    """The English name the certificate carries; for one issued before names in English were
    recorded, the organisation's English name if it is still the organisation it names."""
    found = cert.details.get("organisation_en") or cert.payload.get("organisation_en", "")
    if found or not cert.organisation_id:
        return found
    organisation = session.get(Organisation, cert.organisation_id)
    if organisation is not None and organisation.name_th == cert.payload.get("organisation"):
        return organisation.name_en
    return ""


def public_status(serial: str) -> PublicStatus:
    cert = session.scalar(select(Certificate).where(Certificate.serial == serial))
    if cert is None:
        return PublicStatus(state="unknown", serial=serial)
    p = cert.payload
    state = str(cert.status)
    if cert.status == CertificateStatus.VALID and not _is_current(cert):
        state = "expired"
    successor = session.get(Certificate, cert.superseded_by_id) if cert.superseded_by_id else None
    name = p.get("name", "")
    holder = session.get(User, cert.user_id)
    if holder is not None and holder.anonymised_at is not None:
        # PDPA: after anonymisation the certificate still verifies, but the page no longer
        # publishes the person's name (the signed PDF they hold still carries it).
        name = holder.name_th
    return PublicStatus(
        state=state, serial=serial, name=name,
        organisation=p.get("organisation", ""), organisation_en=_organisation_en(cert),
        course_th=p["course"]["title"]["th"],
        course_en=p["course"]["title"]["en"],
        completed_on=dt.date.fromisoformat(p["completed"]),
        expires_on=_local_date(cert.expires_at) if cert.expires_at else None,
        revoked_on=_local_date(cert.revoked_at) if cert.revoked_at else None,
        revoked_reason=revocation_reason(cert.revoked_reason_code),
        revoked_reason_code=cert.revoked_reason_code,
        superseded_by=successor.serial if successor else "")


def expiring(user_ids: Any = None, *, days: int = 90) -> list[Certificate]:
    """Valid certificates that expire within `days` (for trainees and coordinators)."""
    now = utcnow()
    stmt = select(Certificate).where(
        Certificate.status == CertificateStatus.VALID, Certificate.expires_at.is_not(None),
        Certificate.expires_at > now, Certificate.expires_at <= now + dt.timedelta(days=days))
    if user_ids is not None:
        stmt = stmt.where(Certificate.user_id.in_(user_ids))
    return list(session.scalars(stmt.order_by(Certificate.expires_at)))


def _on_course_completed(sender: Any, enrolment: Enrolment, **extra: Any) -> None:
    # Same transaction as the completion: the certificate exists the moment the course is done.
    try:
        issue_for_enrolment(enrolment)
    except SignatoryNotConfigured as exc:
        # The completion stands; the trainee is not the one who can fix the configuration.
        current_app.logger.error("certificate not issued for enrolment %s: %s",
                                 enrolment.id, exc)


course_completed.connect(_on_course_completed)


def by_serial(serial: str) -> Certificate | None:
    return session.scalar(select(Certificate).where(Certificate.serial == serial))


def for_user(user_id: int) -> list[Certificate]:
    return list(session.scalars(select(Certificate).where(Certificate.user_id == user_id)
                                .order_by(Certificate.issued_at.desc())))


def can_read(viewer: User, cert: Certificate) -> bool:
    """The holder, and staff whose scope covers the organisation the certificate names."""
    from ..access import scope_for

    if viewer.id == cert.user_id:
        return True
    organisation = session.get(Organisation, cert.organisation_id) \
        if cert.organisation_id else None
    return scope_for(viewer).covers(organisation)


def organisation_certificates(organisation_id: int) -> list[Certificate]:
    """Every valid certificate issued under an organisation, oldest first (for the ZIP)."""
    return list(session.scalars(
        select(Certificate).where(Certificate.organisation_id == organisation_id,
                                  Certificate.status == CertificateStatus.VALID)
        .order_by(Certificate.issued_at)))


def render_pdf(cert: Certificate) -> bytes:
    """The certificate PDF, PDF/A-3b and PAdES-certified by the issuer certificate."""

    from ..certificates.pades import timestamper
    from ..certificates.pdf import render_certificate_pdf

    config = current_app.config
    try:
        signer = load_issuer(issuer_settings())  # made at issue / db upgrade, not by a download
    except FileNotFoundError as exc:
        raise CertificateError(_l("No issuer certificate yet: run `ldptrain db upgrade`.")) from exc
    data = replace(certificate_data(cert), signature_image=_signature_image(config))
    return render_certificate_pdf(data, key=signing_key(), issuer=signer,
                                  tsa=timestamper(config.get("LDPTRAIN_CERT_TSA_URL")),
                                  template=config.get("LDPTRAIN_CERT_TEMPLATE"))


def badge_jwt(cert: Certificate, keys_path: str = "") -> str:
    """The signed badge; `keys_path`: where the site publishes its keys (under the mount)."""
    from ..certificates.badges import sign_badge

    return sign_badge(replace(certificate_data(cert), keys_path=keys_path), signing_key())


def registry_status(serial: str) -> Any:
    """The lookup `certs verify` and the verify page use: serial -> RegistryStatus."""
    from ..certificates.verify import RegistryStatus

    status = public_status(serial)
    detail = ""
    if status.state == "revoked" and status.revoked_on:
        detail = f"revoked {status.revoked_on.isoformat()}: {status.revoked_reason_code or '-'}"
    elif status.state == "superseded":
        detail = f"replaced by {status.superseded_by}"
    elif status.state == "expired" and status.expires_on:
        detail = f"expired {status.expires_on.isoformat()}"
    return RegistryStatus(state=status.state, detail=detail)  # type: ignore[arg-type]


@dataclass(frozen=True)
class HolderRow:
    """A certificate as its holder (or their coordinator) sees it in a list."""

    serial: str
    kind: str
    title_th: str
    title_en: str
    issued_at: dt.datetime
    state: str  # valid | expiring | expired | revoked | superseded
    expires_on: dt.date | None
    delivery: str

    def title(self, lang: str = "th") -> str:
        return self.title_en if lang == "en" and self.title_en else self.title_th


EXPIRY_WARNING_DAYS = 90


def holder_rows(user_ids: list[int]) -> list[HolderRow]:
    """Certificates of these people, newest first, with expiry spelled out: `expiring` means
    valid but ending within the next 90 days, so a renewal can be planned."""
    now = utcnow()
    return [_holder_row(cert, now) for cert in session.scalars(
        select(Certificate).where(Certificate.user_id.in_(user_ids))
        .order_by(Certificate.issued_at.desc()))]


def holder_row_for_course(user_id: int, course_id: int) -> HolderRow | None:
    """The person's current (valid) certificate for a course, as a list row, if any."""
    cert = current_certificate(user_id, course_id=course_id)
    return _holder_row(cert, utcnow()) if cert is not None else None


def _holder_row(cert: Certificate, now: dt.datetime) -> HolderRow:
    state = str(cert.status)
    if cert.status == CertificateStatus.VALID and cert.expires_at is not None:
        if cert.expires_at <= now:
            state = "expired"
        elif cert.expires_at <= now + dt.timedelta(days=EXPIRY_WARNING_DAYS):
            state = "expiring"
    title = cert.payload.get("course", {}).get("title", {})
    return HolderRow(
        serial=cert.serial, kind=cert.kind, title_th=title.get("th", ""),
        title_en=title.get("en", ""), issued_at=cert.issued_at, state=state,
        expires_on=_local_date(cert.expires_at) if cert.expires_at else None,
        delivery=cert.delivery)


def renewal_due(user_id: int, course_id: int) -> Certificate | None:
    """The holder's certificate for a course when it is up for renewal: valid, with an expiry
    date that has passed or falls within the next 90 days."""
    now = utcnow()
    cert = session.scalars(
        select(Certificate).where(Certificate.user_id == user_id,
                                  Certificate.course_id == course_id,
                                  Certificate.status == CertificateStatus.VALID,
                                  Certificate.expires_at.is_not(None))
        .order_by(Certificate.issued_at.desc())).first()
    if cert is None or cert.expires_at is None:
        return None
    if cert.expires_at > now + dt.timedelta(days=EXPIRY_WARNING_DAYS):
        return None
    return cert


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
        user=enrolment.user, code=course.code or course.slug.upper()[:8], slug=course.slug,
        title_th=course.title_th, title_en=course.title_en, version=course.version,
        hours=certificate_hours(enrolment), completed_at=passed_at or utcnow(), kind="course",
        delivery="online", valid_years=course.certificate_valid_years,
        organisation=organisation, course=course, enrolment=enrolment)
    old.status = CertificateStatus.SUPERSEDED
    old.superseded_by_id = new.id
    record("certificate.renew", target=old, organisation_id=old.organisation_id,
           details={"serial": old.serial, "new_serial": new.serial})
    return new


@dataclass(frozen=True)
class ExpiringRow:
    serial: str
    holder: str
    organisation: str
    title_th: str
    title_en: str
    expires_on: dt.date

    def title(self, lang: str = "th") -> str:
        return self.title_en if lang == "en" and self.title_en else self.title_th


def expiring_in_scope(scope: Any, *, days: int = EXPIRY_WARNING_DAYS,
                      limit: int = 500) -> list[ExpiringRow]:
    """Valid certificates of organisations in a coordinator's, officer's or admin's scope that
    expire within `days`, soonest first: who needs to renew."""
    now = utcnow()
    stmt = (select(Certificate, User.name_th, Organisation.name_th)
            .join(User, User.id == Certificate.user_id)
            .join(Organisation, Organisation.id == Certificate.organisation_id)
            .where(scope.organisation_clause(), Certificate.status == CertificateStatus.VALID,
                   Certificate.expires_at > now,
                   Certificate.expires_at <= now + dt.timedelta(days=days))
            .order_by(Certificate.expires_at).limit(limit))
    rows = []
    for cert, holder, organisation in session.execute(stmt):
        title = cert.payload.get("course", {}).get("title", {})
        rows.append(ExpiringRow(serial=cert.serial, holder=holder, organisation=organisation,
                                title_th=title.get("th", ""), title_en=title.get("en", ""),
                                expires_on=_local_date(cert.expires_at)))
    return rows
