"""/verify accepts an uploaded PDF and gives the CLI's verdict: the genuine certificate passes,
every forgery of the corpus is reported ALTERED; issuing refuses an unset signatory."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from ldptrain.db import get_session
from ldptrain.models import Certificate, Enrolment
from ldptrain.services import certificates as certs

from .certificate_helpers import complete, setup
from .certificates.forgeries import corpus
from .conftest import csrf_token


def _upload(app: Flask, data: bytes):  # type: ignore[no-untyped-def]
    prefix = app.extensions["ldptrain"].url_prefix
    client = app.test_client()
    token = csrf_token(client, f"{prefix}/verify")
    return client.post(f"{prefix}/verify", data={
        "csrf_token": token, "pdf": (io.BytesIO(data), "certificate.pdf")},
        content_type="multipart/form-data")


def test_upload_gives_the_verdict_for_every_forgery(app: Flask, tmp_path: Path) -> None:
    user, org, (course,) = setup()
    complete(user, org, course)
    get_session().commit()
    cert = get_session().scalars(select(Certificate)).one()
    genuine = certs.render_pdf(cert)
    for name, (pdf, expected) in corpus(genuine, tmp_path).items():
        page = _upload(app, pdf).get_data(as_text=True)
        assert f'data-verdict="{expected}"' in page, name
        if expected == "altered":
            assert "<li>" in page, name  # every reason is listed
    assert "นางสาวกำไล คำแสง" in _upload(app, genuine).get_data(as_text=True)


def test_upload_needs_csrf_and_refuses_big_or_empty_files(app: Flask) -> None:
    prefix = app.extensions["ldptrain"].url_prefix
    client = app.test_client()
    no_token = client.post(f"{prefix}/verify", data={"pdf": (io.BytesIO(b"%PDF"), "c.pdf")},
                           content_type="multipart/form-data")
    assert no_token.status_code == 400
    assert _upload(app, b"").status_code == 400
    assert _upload(app, b"%PDF-1.7" + b"0" * (5 * 1024 * 1024)).status_code in (400, 413)
    junk = _upload(app, b"not a pdf")
    assert junk.status_code == 200 and 'data-verdict="unreadable"' in junk.get_data(as_text=True)


def test_issuing_with_an_unset_signatory_is_refused(app: Flask) -> None:
    app.config["LDPTRAIN_CERT_SIGNATORY_NAME"] = ""
    user, org, (course,) = setup()
    complete(user, org, course)  # the completion stands, no certificate with "()" is issued
    assert get_session().scalars(select(Certificate)).first() is None
    with pytest.raises(certs.SignatoryNotConfigured, match="LDPTRAIN_CERT_SIGNATORY_NAME"):
        certs.issue_for_enrolment(course.enrolments[0] if hasattr(course, "enrolments") else
                                  get_session().scalars(select(Enrolment)).one())
