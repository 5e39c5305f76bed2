"""Checking uploaded certificate PDFs against this instance, re-signing issued certificates
(same serial, today's payload version) for the move to PDF signatures, and issuing the
certificates held back while no signatory was set: the bulk work admins start as jobs.

Kept apart from services/certificates/ (issuing and the registry) so each stays small.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import func, select

from ..certificates.data import PAYLOAD_VERSION
from ..certificates.issuer import load_certificates, published_certificates
from ..certificates.signing import load_existing_key, sign_payload
from ..certificates.verify import VerificationResult, verify_pdf
from ..db import session
from ..i18n import lazy_gettext as _l
from ..models import Certificate, CertificateStatus, Course, Job, User
from .audit import record
from .certificates import (
    CertificateError,
    certificate_data,
    issuer,
    issuer_settings,
    registry_status,
    signatory_for,
    signing_key,
)

#: Largest PDF the verify page accepts (a certificate is ~60 KB).
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def _trust_roots() -> list[Any]:
    path = current_app.config.get("LDPTRAIN_CERT_TRUST_ROOTS")
    if not path:
        return []
    with open(path, "rb") as handle:
        return load_certificates(handle.read())


def verify_upload(pdf: bytes) -> VerificationResult:
    """The same verdict as `ldptrain certs verify FILE` with this instance's keys and
    registry. Read-only: creates no key (a GET or an upload never does)."""
    try:
        keys = [load_existing_key(current_app.instance_path).public_key()]
    except FileNotFoundError:
        keys = []
    return verify_pdf(pdf, keys, issuer_certs=published_certificates(issuer_settings()),
                      trust_roots=_trust_roots(), template=template_for_payload,
                      status_lookup=registry_status)


def template_for_payload(payload: dict[str, Any]) -> Any:
    """The template the certificate with this payload's serial was issued with: its course's
    own (cert_templates), else the instance's."""
    from .cert_templates import file_for_serial

    found = file_for_serial(str(payload.get("serial", "")))
    return found if found is not None else current_app.config.get("LDPTRAIN_CERT_TEMPLATE")


def resign(serials: list[str] | None, *, reason: str, actor: User | None,
           origin: str = "", after_id: int = 0, limit: int | None = None) -> list[str]:
    """Re-sign certificates with the same serials: the payload gains what v2 signs (English
    name and organisation, signatory, the course's current title), so their PDFs verify as
    GENUINE. `serials=None`: every valid certificate still on an older payload version (with
    `after_id`/`limit`: those among the next `limit` valid certificates by id, for batches).
    One audit entry per certificate; the caller commits."""
    reason = reason.strip()
    if not reason:
        raise CertificateError(_l("A reason is required to re-issue a certificate."))
    config = current_app.config
    issuer()
    stmt = select(Certificate).order_by(Certificate.id)
    if serials is not None:
        stmt = stmt.where(Certificate.serial.in_(serials))
    else:
        stmt = stmt.where(Certificate.status == CertificateStatus.VALID,
                          Certificate.id > after_id)
    if limit is not None:
        stmt = stmt.limit(limit)
    done = []
    for cert in session.scalars(stmt):
        if serials is None and cert.payload.get("v", 1) >= PAYLOAD_VERSION:
            continue
        details = dict(cert.details)
        course = session.get(Course, cert.course_id) if cert.course_id else None
        if not details.get("signatory_name"):  # issued while the signatory was unset: "()"
            signatory = signatory_for(course, config)  # refuses while none is set
            details.update(signatory_name=signatory.name, signatory_title=signatory.title_th,
                           signatory_title_en=signatory.title_en,
                           signatory_source=signatory.source)
        payload = dict(cert.payload)
        if course is not None:  # e.g. the SFCI course's corrected title
            payload["course"] = {**payload["course"],
                                 "title": {"th": course.title_th, "en": course.title_en}}
        old_title = cert.payload["course"]["title"]["th"]
        cert.payload, cert.details = payload, details
        new_payload = certificate_data(cert).payload()
        cert.payload = new_payload
        cert.signature = sign_payload(new_payload, signing_key())
        record("certificate.resign", actor=actor, target=cert,
               organisation_id=cert.organisation_id,
               details={"serial": cert.serial, "reason": reason, "origin": origin,
                        "course_title_before": old_title})
        done.append(cert.serial)
    return done


RESIGN_JOB = "certificates.resign"
#: Certificates re-signed per transaction: a worker stopped half-way keeps what it committed,
#: and the retry carries on (certificates already on payload v2 are skipped).
RESIGN_BATCH = 200


def legacy_count() -> int:
    """Valid certificates still on an older payload version (issued before PDF signatures)."""
    version = func.coalesce(Certificate.payload["v"].as_integer(), 1)
    return session.scalar(select(func.count()).select_from(Certificate).where(
        Certificate.status == CertificateStatus.VALID, version < PAYLOAD_VERSION)) or 0


def resign_jobs(limit: int = 10) -> list[Job]:
    """The latest bulk certificate jobs (re-sign, held back), newest first (admin page)."""
    return list(session.scalars(select(Job).where(Job.name.in_((RESIGN_JOB, HELD_BACK_JOB)))
                                .order_by(Job.id.desc()).limit(limit)))


def start_resign(serials: list[str] | None, *, reason: str, actor: User | None,
                 origin: str = "", ip: str = "") -> Job:
    """Queue the bulk re-sign (runs once the caller commits). Refused now, not half-way, when
    the reason is missing or a certificate would need a signatory nobody has set."""
    from .. import tasks

    reason = reason.strip()
    if not reason:
        raise CertificateError(_l("A reason is required to re-issue a certificate."))
    # One check per course among the certificates issued without a signatory (in SQL: no
    # certificate rows loaded in the request).
    unsigned = func.coalesce(Certificate.details["signatory_name"].as_string(), "") == ""
    stmt = select(Certificate.course_id).where(unsigned).distinct()
    stmt = (stmt.where(Certificate.serial.in_(serials)) if serials is not None
            else stmt.where(Certificate.status == CertificateStatus.VALID,
                            func.coalesce(Certificate.payload["v"].as_integer(), 1)
                            < PAYLOAD_VERSION))
    for course_id in session.scalars(stmt):
        course = session.get(Course, course_id) if course_id else None
        signatory_for(course, current_app.config)  # raises SignatoryNotConfigured
    job = tasks.enqueue(RESIGN_JOB, serials, reason, actor.id if actor else None, origin)
    record("certificate.resign_start", actor=actor, ip=ip, target=job,
           details={"serials": serials if serials is not None else "all issued before PDF "
                    "signatures", "reason": reason, "origin": origin, "job": job.id})
    return job


def run_resign(serials: list[str] | None, reason: str, actor_id: int | None,
               origin: str) -> int:
    """The job: re-sign in batches of RESIGN_BATCH, committing each. Returns how many."""
    actor = session.get(User, actor_id) if actor_id else None
    total = 0
    if serials is not None:
        for start in range(0, len(serials), RESIGN_BATCH):
            total += len(resign(serials[start:start + RESIGN_BATCH], reason=reason,
                                actor=actor, origin=origin))
            session.commit()
        return total
    cursor = 0
    while True:
        last = session.scalar(
            select(Certificate.id).where(Certificate.status == CertificateStatus.VALID,
                                         Certificate.id > cursor)
            .order_by(Certificate.id).offset(RESIGN_BATCH - 1).limit(1))
        total += len(resign(None, reason=reason, actor=actor, origin=origin, after_id=cursor,
                            limit=RESIGN_BATCH))
        session.commit()
        if last is None:
            return total
        cursor = last


HELD_BACK_JOB = "certificates.issue_held_back"


def _held_back() -> Any:
    """Completed enrolments of certificate courses whose holder has no certificate for the
    course at all: completions made while issuing was refused (no signatory). A revoked or
    expired certificate is not "held back" and is never re-issued from here."""
    from sqlalchemy import exists

    from ..models import Enrolment, EnrolmentStatus

    has_one = exists().where(Certificate.user_id == Enrolment.user_id,
                             Certificate.course_id == Enrolment.course_id)
    return (select(Enrolment.id).join(Course, Course.id == Enrolment.course_id)
            .where(Enrolment.status == EnrolmentStatus.COMPLETED, Course.certificate.is_(True),
                   Course.retired.is_(False), ~has_one))


def held_back_count() -> int:
    return session.scalar(select(func.count()).select_from(_held_back().subquery())) or 0


def start_issue_held_back(*, actor: User | None, ip: str = "") -> Job:
    """Queue the issue of every held-back certificate; refused now while a course among them
    still has no signatory."""
    from .. import tasks
    from ..models import Enrolment

    courses = session.scalars(select(Enrolment.course_id).where(
        Enrolment.id.in_(_held_back())).distinct())
    for course_id in courses:
        signatory_for(session.get(Course, course_id), current_app.config)
    job = tasks.enqueue(HELD_BACK_JOB, actor.id if actor else None)
    record("certificate.issue_held_back_start", actor=actor, ip=ip, target=job,
           details={"count": held_back_count(), "job": job.id})
    return job


def run_issue_held_back(actor_id: int | None) -> int:
    """The job: issue them in batches of RESIGN_BATCH, committing each. Returns how many."""
    from ..models import Enrolment
    from .certificates import issue_for_enrolment

    actor = session.get(User, actor_id) if actor_id else None
    total = 0
    while True:
        ids = list(session.scalars(_held_back().order_by(Enrolment.id).limit(RESIGN_BATCH)))
        if not ids:
            return total
        for enrolment_id in ids:
            enrolment = session.get(Enrolment, enrolment_id)
            if enrolment is not None and issue_for_enrolment(enrolment, actor=actor):
                total += 1
        session.commit()
