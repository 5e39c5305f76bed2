"""Certificate work that takes minutes runs as background jobs, never inside a request: the bulk
re-sign of certificates issued before PDF signatures (from the admin page or `certs resign`), and
an organisation's certificates as a ZIP that the requester downloads when it is ready."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select

from ldptrain import tasks
from ldptrain.app import create_app
from ldptrain.certificates.signing import sign_payload
from ldptrain.cli import main
from ldptrain.db import get_session
from ldptrain.models import AuditEvent, Certificate, Download, Job, JobState, Role
from ldptrain.services import accounts, certificate_pdfs, schema
from ldptrain.services import certificates as certs

from .certificate_helpers import complete, setup
from .conftest import csrf_token
from .factories import per_request_locale  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("per_request_locale")

PASSWORD = "correct horse 1"


def _sign_in(client, email: str) -> None:  # type: ignore[no-untyped-def]
    token = csrf_token(client, "/login")
    assert client.post("/login", data={"csrf_token": token, "email": email,
                                       "password": PASSWORD}).status_code == 302


def _make_legacy(cert: Certificate) -> None:
    """As issued before PDF signatures: payload v1 without the English names and signatory,
    and (as some were) with no signatory recorded at all."""
    payload = {k: v for k, v in cert.payload.items()
               if k not in ("signatory", "name_en", "organisation_en")}
    payload["v"] = 1
    cert.payload = payload
    cert.details = {k: v for k, v in cert.details.items() if not k.startswith("signatory")}
    cert.signature = sign_payload(payload, certs.signing_key())


def _legacy_certificate() -> Certificate:
    user, org, (course,) = setup()
    complete(user, org, course)
    cert = get_session().scalars(select(Certificate)).one()
    _make_legacy(cert)
    get_session().commit()
    return cert


def _actions() -> list[str]:
    return list(get_session().scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_admin_starts_the_bulk_resign_from_the_certificates_page(app: Flask) -> None:
    cert = _legacy_certificate()
    serial = cert.serial
    accounts.create_user(email="admin@example.org", password=PASSWORD, name_th="ผู้ดูแล",
                         roles=(Role.ADMIN,), language="en")
    accounts.create_user(email="coord@example.org", password=PASSWORD, name_th="ผู้ประสานงาน",
                         roles=(Role.COORDINATOR,))
    get_session().commit()
    coordinator = app.test_client()
    _sign_in(coordinator, "coord@example.org")
    assert coordinator.get("/admin/certificates").status_code == 403
    assert coordinator.post("/admin/certificates/resign", data={
        "csrf_token": csrf_token(coordinator, "/me"), "reason": "x"}).status_code == 403

    client = app.test_client()
    _sign_in(client, "admin@example.org")
    page = client.get("/admin/certificates").get_data(as_text=True)
    assert "1 valid certificates were issued before PDF signatures" in page
    assert "(นายทดสอบ ลงนาม)" in page  # the signatory the settings give
    token = csrf_token(client, "/admin/certificates")
    refused = client.post("/admin/certificates/resign", data={"csrf_token": token, "reason": " "},
                          follow_redirects=True)
    assert "A reason is required" in refused.get_data(as_text=True)
    assert get_session().scalars(select(Job)).first() is None

    started = client.post("/admin/certificates/resign",
                          data={"csrf_token": token, "reason": "PDF signatures"})
    assert started.status_code == 302
    job = get_session().scalars(select(Job).where(Job.name == "certificates.resign")).one()
    assert job.state == JobState.QUEUED  # queued, not done inside the request
    get_session().expire_all()
    assert get_session().scalars(select(Certificate)).one().payload["v"] == 1
    assert tasks.run_pending(app) == 1
    get_session().expire_all()
    after = get_session().scalars(select(Certificate)).one()
    assert after.serial == serial and after.payload["v"] == 2
    assert after.payload["signatory"]["name"] == "นายทดสอบ ลงนาม"
    assert get_session().get(Job, job.id).state == JobState.DONE  # type: ignore[union-attr]
    assert _actions()[-2:] == ["certificate.resign_start", "certificate.resign"]
    assert certificate_pdfs.verify_upload(certs.render_pdf(after)).status == "genuine"
    page = client.get("/admin/certificates").get_data(as_text=True)
    assert "0 valid certificates were issued" in page and f"Job {job.id}" in page


def test_resign_is_refused_up_front_while_no_signatory_is_set(app: Flask) -> None:
    _legacy_certificate()
    app.config["LDPTRAIN_CERT_SIGNATORY_NAME"] = ""
    try:
        certificate_pdfs.start_resign(None, reason="PDF signatures", actor=None)
    except certs.SignatoryNotConfigured:
        pass
    else:
        raise AssertionError("queued a job that could only fail")
    get_session().rollback()
    assert get_session().scalars(select(Job)).first() is None


def test_the_job_resigns_in_batches_and_skips_what_is_done(app: Flask, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    user, org, courses = setup(("ldp-sfci", "partnerships"))
    for course in courses:
        complete(user, org, course)
    rows = get_session().scalars(select(Certificate).order_by(Certificate.id)).all()
    assert len(rows) == 2
    _make_legacy(rows[1])  # only the second is old
    get_session().commit()
    monkeypatch.setattr(certificate_pdfs, "RESIGN_BATCH", 1)
    assert certificate_pdfs.legacy_count() == 1
    assert certificate_pdfs.run_resign(None, "batches", None, "test") == 1
    assert [a for a in _actions() if a == "certificate.resign"] == ["certificate.resign"]
    assert certificate_pdfs.legacy_count() == 0


def test_certs_resign_queues_a_job_or_runs_now(tmp_path: Path) -> None:
    folder = tmp_path / "instance"
    config = {"LDPTRAIN_SECRET_KEY": "x", "LDPTRAIN_CERT_SIGNATORY_NAME": "นายทดสอบ ลงนาม"}
    app = create_app(config, instance_path=folder)
    with app.app_context():
        schema.upgrade(app.extensions["ldptrain"].db.engine)
        serial = _legacy_certificate().serial
        get_session().remove()
    runner = CliRunner(env={"LDPTRAIN_CERT_SIGNATORY_NAME": "นายทดสอบ ลงนาม"})
    queued = runner.invoke(main, ["--instance", str(folder), "certs", "resign", "--all",
                                  "--reason", "PDF signatures"])
    assert queued.exit_code == 0, queued.output
    assert "queued as background job" in queued.output
    with app.app_context():
        assert get_session().scalars(select(Certificate)).one().payload["v"] == 1
        assert tasks.run_pending(app) == 1
        get_session().expire_all()
        assert get_session().scalars(select(Certificate)).one().payload["v"] == 2
        _make_legacy(get_session().scalars(select(Certificate)).one())
        get_session().commit()
        get_session().remove()
    now = runner.invoke(main, ["--instance", str(folder), "certs", "resign", serial,
                               "--reason", "again", "--now"])
    assert now.exit_code == 0 and "re-signed 1 certificate" in now.output, now.output
    with app.app_context():
        assert get_session().scalars(select(Certificate)).one().payload["v"] == 2
        get_session().remove()
        app.extensions["ldptrain"].db.engine.dispose()


def _coordinator(email: str, organisation_id: int | None) -> None:
    person = accounts.create_user(email=email, password=PASSWORD, name_th="ผู้ประสานงาน",
                                  roles=(Role.COORDINATOR,), language="en")
    person.roles[0].organisation_id = organisation_id


def test_the_organisation_zip_is_made_in_the_background_for_its_requester(app: Flask) -> None:
    user, org, (course,) = setup()
    complete(user, org, course)
    cert = get_session().scalars(select(Certificate)).one()
    _coordinator("coord@example.org", org.id)
    _coordinator("coord2@example.org", org.id)
    get_session().commit()
    client = app.test_client()
    _sign_in(client, "coord@example.org")
    old_address = client.get(f"/organisations/{org.id}/certificates.zip")
    assert old_address.status_code == 302
    page_url = f"/organisations/{org.id}/certificates"
    assert old_address.headers["Location"].endswith(page_url)
    assert "1 valid certificates" in client.get(page_url).get_data(as_text=True)
    asked = client.post(f"/organisations/{org.id}/certificates.zip",
                        data={"csrf_token": csrf_token(client, page_url)})
    assert asked.status_code == 302
    status_url = asked.headers["Location"]
    waiting = client.get(status_url)
    assert 'data-state="pending"' in waiting.get_data(as_text=True)
    assert "no-store" in waiting.headers["Cache-Control"]
    assert client.get(status_url + "/file").status_code == 302  # not ready: back to the page
    # A second click while it is being made joins the same file.
    again = client.post(f"/organisations/{org.id}/certificates.zip",
                        data={"csrf_token": csrf_token(client, page_url)})
    assert again.headers["Location"] == status_url
    assert tasks.run_pending(app) == 1
    ready = client.get(status_url).get_data(as_text=True)
    assert 'data-state="ready"' in ready
    response = client.get(status_url + "/file")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.namelist() == [f"{cert.serial}.pdf"]
    assert archive.read(f"{cert.serial}.pdf").startswith(b"%PDF")
    assert "certificate.organisation_zip" in _actions()

    # Another coordinator of the same organisation does not get this person's file.
    other = app.test_client()
    _sign_in(other, "coord2@example.org")
    assert other.get(status_url).status_code == 404
    assert other.get(status_url + "/file").status_code == 404
    # Files are kept one day.
    get_session().expire_all()
    download = get_session().scalars(select(Download)).one()
    download.created_at = download.created_at - dt.timedelta(days=2)
    get_session().commit()
    assert client.get(status_url + "/file").status_code == 404


def test_the_organisation_zip_is_refused_outside_the_scope(app: Flask) -> None:
    user, org, (course,) = setup()
    complete(user, org, course)
    _coordinator("elsewhere@example.org", None)
    get_session().commit()
    client = app.test_client()
    _sign_in(client, "elsewhere@example.org")
    token = csrf_token(client, "/me")
    assert client.get(f"/organisations/{org.id}/certificates").status_code == 404
    assert client.post(f"/organisations/{org.id}/certificates.zip",
                       data={"csrf_token": token}).status_code == 404
    assert get_session().scalars(select(Download)).first() is None


def test_completions_held_back_without_a_signatory_are_issued_later_by_a_job(app: Flask) -> None:
    app.config["LDPTRAIN_CERT_SIGNATORY_NAME"] = ""
    user, org, (course,) = setup()
    complete(user, org, course)  # refused: no signatory; the completion stands
    accounts.create_user(email="admin@example.org", password=PASSWORD, name_th="ผู้ดูแล",
                         roles=(Role.ADMIN,), language="en")
    get_session().commit()
    assert get_session().scalars(select(Certificate)).first() is None
    client = app.test_client()
    _sign_in(client, "admin@example.org")
    page = client.get("/admin/certificates").get_data(as_text=True)
    assert "1 completed enrolments have no certificate" in page
    token = csrf_token(client, "/admin/certificates")
    refused = client.post("/admin/certificates/issue-held-back", data={"csrf_token": token},
                          follow_redirects=True)
    assert "no signatory is set" in refused.get_data(as_text=True)
    assert get_session().scalars(select(Job)).first() is None

    app.config["LDPTRAIN_CERT_SIGNATORY_NAME"] = "นายทดสอบ ลงนาม"
    assert client.post("/admin/certificates/issue-held-back",
                       data={"csrf_token": token}).status_code == 302
    assert get_session().scalars(select(Certificate)).first() is None  # not in the request
    assert tasks.run_pending(app) == 1
    get_session().expire_all()
    cert = get_session().scalars(select(Certificate)).one()
    assert cert.user_id == user.id and cert.payload["signatory"]["name"] == "นายทดสอบ ลงนาม"
    assert "certificate.issue_held_back_start" in _actions()
    assert certificate_pdfs.held_back_count() == 0
    # A revoked certificate is not "held back": nothing is issued again.
    admin = accounts.find_by_email("admin@example.org")
    assert admin is not None
    certs.revoke(cert, "ออกผิด", actor=admin, code="issued_in_error")
    get_session().commit()
    assert certificate_pdfs.held_back_count() == 0
