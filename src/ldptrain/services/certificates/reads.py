"""Certificates as pages, reports and the public verify page read them: a certificate's data, its
public status, a holder's list, what expires or is due for renewal, the PDF and badge rendered
from the frozen payload. The rules that issue, revoke and renew are in rules.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from flask import current_app
from sqlalchemy import select

from ...certificates.data import CertificateData, CourseLine
from ...certificates.issuer import load_issuer
from ...db import session, utcnow
from ...i18n import lazy_gettext as _l
from ...models import (
    Certificate,
    CertificateStatus,
    Organisation,
    User,
)
from .signing import CertificateError, issuer_settings, signing_key

BANGKOK = dt.timezone(dt.timedelta(hours=7))


def _local_date(value: dt.datetime) -> dt.date:
    return value.astimezone(BANGKOK).date()


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


def by_serial(serial: str) -> Certificate | None:
    return session.scalar(select(Certificate).where(Certificate.serial == serial))


def for_user(user_id: int) -> list[Certificate]:
    return list(session.scalars(select(Certificate).where(Certificate.user_id == user_id)
                                .order_by(Certificate.issued_at.desc())))


def can_read(viewer: User, cert: Certificate) -> bool:
    """The holder, and staff whose scope covers the organisation the certificate names."""
    from ...access import scope_for

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


def _data_uri(data: bytes, name: str) -> str:
    import base64
    import mimetypes

    mime = mimetypes.guess_type(name)[0] or "image/png"
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")


def signature_image(cert: Certificate) -> str | None:
    """The signature drawn above the signatory's name: the course's own (course.md's
    `signatory: {image}`) or the instance's (LDPTRAIN_CERT_SIGNATORY_IMAGE), whichever belongs
    to the signatory frozen on the certificate. After the signatory changes, a certificate
    signed by the previous one gets no image rather than another person's signature."""
    from pathlib import Path

    from ...models import Course, CourseFile

    name = (cert.details.get("signatory_name") or "").strip()
    if not name:
        return None
    course = session.get(Course, cert.course_id) if cert.course_id else None
    if course is not None and course.signatory_name.strip() == name:
        if not course.signatory_image:
            return None
        found = session.scalar(select(CourseFile.data).where(
            CourseFile.course_id == course.id, CourseFile.path == course.signatory_image))
        return _data_uri(found, course.signatory_image) if found else None
    config = current_app.config
    path = config.get("LDPTRAIN_CERT_SIGNATORY_IMAGE")
    if not path or (config.get("LDPTRAIN_CERT_SIGNATORY_NAME") or "").strip() != name:
        return None
    return _data_uri(Path(path).read_bytes(), str(path))


def render_pdf(cert: Certificate) -> bytes:
    """The certificate PDF, PDF/A-3b and PAdES-certified by the issuer certificate."""

    from ...certificates.pades import timestamper
    from ...certificates.pdf import render_certificate_pdf

    config = current_app.config
    try:
        signer = load_issuer(issuer_settings())  # made at issue / db upgrade, not by a download
    except FileNotFoundError as exc:
        raise CertificateError(_l("No issuer certificate yet: run `ldptrain db upgrade`.")) from exc
    from ..cert_templates import file_for_certificate

    data = replace(certificate_data(cert), signature_image=signature_image(cert))
    own = file_for_certificate(cert)  # the course's own template when it was issued
    return render_certificate_pdf(data, key=signing_key(), issuer=signer,
                                  tsa=timestamper(config.get("LDPTRAIN_CERT_TSA_URL")),
                                  template=own if own is not None
                                  else config.get("LDPTRAIN_CERT_TEMPLATE"))


@dataclass(frozen=True)
class CourseSignatory:
    """A certificate course and who signs it: its own signatory, or "" (the settings)."""

    slug: str
    title_th: str
    title_en: str
    name: str
    title: str
    has_image: bool

    def course_title(self, lang: str) -> str:
        return self.title_en if lang == "en" and self.title_en else self.title_th


def course_signatories() -> list[CourseSignatory]:
    """Every live course that issues certificates, with its own signatory if it has one."""
    from ...models import Course

    courses = session.scalars(select(Course).where(Course.certificate.is_(True),
                                                   Course.retired.is_(False))
                              .order_by(Course.order, Course.slug))
    return [CourseSignatory(c.slug, c.title_th, c.title_en, c.signatory_name.strip(),
                            c.signatory_title_th, bool(c.signatory_image)) for c in courses]


def badge_jwt(cert: Certificate, keys_path: str = "") -> str:
    """The signed badge; `keys_path`: where the site publishes its keys (under the mount)."""
    from ...certificates.badges import sign_badge

    return sign_badge(replace(certificate_data(cert), keys_path=keys_path), signing_key())


def registry_status(serial: str) -> Any:
    """The lookup `certs verify` and the verify page use: serial -> RegistryStatus."""
    from ...certificates.verify import RegistryStatus

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
