"""Certificate issuing: on completion, serials under concurrency, revoke, re-issue, programmes."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from flask import Flask
from sqlalchemy import select

from ldptrain.certificates.signing import verify_payload
from ldptrain.db import get_session, utcnow
from ldptrain.models import (
    AuditEvent,
    Certificate,
    Programme,
)
from ldptrain.services import accounts
from ldptrain.services import certificates as certs
from ldptrain.signals import course_completed

from .certificate_helpers import SERIAL
from .certificate_helpers import complete as _complete
from .certificate_helpers import setup as _setup


def test_completion_issues_one_signed_certificate(app: Flask) -> None:
    user, org, (course,) = _setup()
    enrolment = _complete(user, org, course)
    get_session().commit()
    cert = get_session().scalar(select(Certificate).where(Certificate.user_id == user.id))
    assert cert is not None and SERIAL.match(cert.serial)
    assert cert.payload["name"] == "นางสาวกำไล คำแสง"
    assert cert.payload["organisation"] == "องค์การบริหารส่วนตำบลคำแสง"
    assert verify_payload(cert.payload, cert.signature, certs.signing_key().public_key())
    # Completing again (a second signal) gives no second certificate.
    course_completed.send("test", enrolment=enrolment)
    assert len(get_session().scalars(select(Certificate)).all()) == 1


def test_revoke_and_reissue_show_on_the_public_status(app: Flask) -> None:
    user, org, (course,) = _setup()
    admin = accounts.create_user(email="admin@example.org", password="correct horse 1",
                                 name_th="ผู้ดูแล")
    _complete(user, org, course)
    cert = get_session().scalars(select(Certificate)).one()
    assert certs.public_status(cert.serial).state == "valid"
    new = certs.reissue(cert, "ชื่อสะกดผิด", actor=admin)
    assert new.serial != cert.serial
    old_status = certs.public_status(cert.serial)
    assert old_status.state == "superseded" and old_status.superseded_by == new.serial
    with pytest.raises(certs.CertificateError):
        certs.revoke(new, "   ", actor=admin, code="issued_in_error")
    with pytest.raises(certs.CertificateError):  # the public reason is picked from the list
        certs.revoke(new, "ออกผิดคน", actor=admin, code="because")
    certs.revoke(new, "ออกผิดคน", actor=admin, code="completion_annulled", ip="192.0.2.7")
    status = certs.public_status(new.serial)
    assert status.state == "revoked" and status.revoked_reason_code == "completion_annulled"
    assert status.revoked_reason  # the label, in the current language
    assert "ออกผิดคน" not in repr(status)  # the note stays internal
    event = get_session().scalar(select(AuditEvent).where(
        AuditEvent.action == "certificate.revoke"))
    assert event is not None and event.actor_id == admin.id and event.ip == "192.0.2.7"
    assert event.details["reason"] == "ออกผิดคน"
    assert certs.public_status("DLA-LDP-2569-999999").state == "unknown"


def test_expired_certificates_show_expired_and_are_listed_before(app: Flask) -> None:
    user, org, (course,) = _setup()
    course.certificate_valid_years = 2
    _complete(user, org, course)
    cert = get_session().scalars(select(Certificate)).one()
    assert cert.expires_at is not None
    assert certs.expiring([user.id], days=90) == []
    cert.expires_at = utcnow() + dt.timedelta(days=30)
    assert certs.expiring([user.id], days=90) == [cert]
    cert.expires_at = utcnow() - dt.timedelta(days=1)
    assert certs.public_status(cert.serial).state == "expired"


def test_programme_certificate_after_every_course(app: Flask) -> None:
    user, org, (ldp, part) = _setup(("ldp-sfci", "partnerships"))
    get_session().add(Programme(slug="lao-staff", code="LAOP", title_th="ชุดหลักสูตร",
                                course_slugs=["ldp-sfci", "partnerships"]))
    _complete(user, org, ldp)
    programmes = select(Certificate).where(Certificate.kind == "programme")
    assert not get_session().scalars(programmes).all()
    _complete(user, org, part)
    programme = get_session().scalars(select(Certificate).where(
        Certificate.kind == "programme")).one()
    assert programme.serial.startswith("DLA-LAOP-")
    assert programme.payload["courses"] == ["ldp-sfci", "partnerships"]


def test_serials_are_unique_under_concurrent_issue(app: Flask) -> None:
    """Several workers allocating at once never share a number nor leave a gap."""
    threads, per_thread = 6, 15
    results: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def worker() -> None:
        try:
            with app.app_context():
                barrier.wait()
                for _ in range(per_thread):
                    results.append(certs.allocate_serial("LDP"))
                    get_session().commit()
                get_session().remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert not errors, errors
    numbers = sorted(int(s.rsplit("-", 1)[1]) for s in results)
    assert numbers == list(range(1, threads * per_thread + 1))
