"""Checking uploaded certificate PDFs against this instance, and re-signing issued certificates
(same serial, today's payload version) for the move to PDF signatures.

Kept apart from services/certificates/ (issuing and the registry) so each stays small.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import select

from ..certificates.data import PAYLOAD_VERSION
from ..certificates.issuer import load_certificates, published_certificates
from ..certificates.signing import load_existing_key, sign_payload
from ..certificates.verify import VerificationResult, verify_pdf
from ..db import session
from ..i18n import lazy_gettext as _l
from ..models import Certificate, CertificateStatus, Course, User
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
                      trust_roots=_trust_roots(),
                      template=current_app.config.get("LDPTRAIN_CERT_TEMPLATE"),
                      status_lookup=registry_status)


def resign(serials: list[str] | None, *, reason: str, actor: User | None,
           origin: str = "") -> list[str]:
    """Re-sign certificates with the same serials: the payload gains what v2 signs (English
    name and organisation, signatory, the course's current title), so their PDFs verify as
    GENUINE. `serials=None`: every valid certificate still on an older payload version.
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
        stmt = stmt.where(Certificate.status == CertificateStatus.VALID)
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
