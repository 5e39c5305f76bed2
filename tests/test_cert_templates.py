"""A course's own certificate template (#19): admins edit it as HTML/CSS; remote resources,
scripts and event handlers are refused; the preview PDF is a sample certificate the verifier
judges; publishing is refused unless it is GENUINE; a new certificate of the course is rendered
(and verifies) with the published template, others keep the instance's. Both databases."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from ldptrain.certificates.pagetext import extract_text
from ldptrain.db import get_session
from ldptrain.models import AuditEvent, Certificate, CertificateTemplate, Role
from ldptrain.services import cert_templates, certificate_pdfs
from ldptrain.services import certificates as certs

from . import factories
from .certificate_helpers import complete, setup
from .conftest import csrf_token

MARK = "แม่แบบเฉพาะของหลักสูตรนี้"


def _prefix(app: Flask) -> str:
    return str(app.extensions["ldptrain"].url_prefix)


def _admin_client(app: Flask) -> Any:
    factories.user("admin@example.org", roles=(Role.ADMIN,), language="en")
    get_session().commit()
    client = app.test_client()
    factories.sign_in(client, app, "admin@example.org")
    return client


def _own_template() -> str:
    """The default template with one more sentence: a course's own wording."""
    return cert_templates.default_html().replace(
        '<p class="lead">', f'<p class="note">{MARK}</p>\n    <p class="lead">', 1)


def _templates() -> int:
    return get_session().scalar(select(func.count()).select_from(CertificateTemplate)) or 0


@pytest.mark.parametrize("bad, words", [
    ('<script>alert(1)</script>', "<script>"),
    ('<img src="https://cdn.example.com/logo.png" alt="">', 'src="https://cdn.example.com'),
    ('<img src="//cdn.example.com/logo.png" alt="">', 'src="//cdn.example.com'),
    ('<a href="http://example.com">x</a>', 'href="http://example.com"'),
    ('<p onclick="steal()">x</p>', "onclick"),
    ('<style>body { background: url("https://example.com/x.png") }</style>', "url(https://"),
    ('<style>@import "https://example.com/x.css";</style>', "@import"),
    ('<p style="background:url(http://example.com/x.png)">x</p>', "url(http://"),
    ('<iframe src="x.html"></iframe>', "<iframe>"),
    ('<link rel="stylesheet" href="x.css">', "<link>"),
    ('{% if %}', "Expected an expression"),
])
def test_remote_resources_scripts_and_handlers_are_refused(
        app: Flask, bad: str, words: str) -> None:
    user, _org, (course,) = setup()
    html = cert_templates.default_html().replace("</main>", bad + "\n</main>")
    with pytest.raises(cert_templates.TemplateError) as refused:
        cert_templates.save_draft(user, course, html)
    assert any(words in reason for reason in refused.value.reasons), refused.value.reasons
    assert _templates() == 0
    # data: URIs and the code's own images ({{ qr }}) are fine.
    ok = cert_templates.default_html().replace(
        "</main>", '<img src="data:image/png;base64,iVBORw0KGgo=" alt="">\n</main>')
    assert cert_templates.check_template(ok) == []


def test_the_page_refuses_a_remote_resource_and_keeps_the_text(app: Flask) -> None:
    setup()
    get_session().commit()
    client = _admin_client(app)
    url = f"{_prefix(app)}/admin/courses/ldp-sfci/certificate-template"
    page = client.get(url)
    assert page.status_code == 200 and "{{ c.serial }}" in page.get_data(as_text=True)
    html = cert_templates.default_html().replace(
        "</main>", '<img src="https://cdn.example.com/x.png" alt="">\n</main>')
    refused = client.post(url, data={"csrf_token": csrf_token(client, url), "html": html,
                                     "action": "save"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "remote resource" in body
    assert "https://cdn.example.com/x.png" in body  # the author's text is kept in the editor
    assert _templates() == 0


def test_only_admins_open_the_template_page(app: Flask) -> None:
    setup()
    factories.user("trainer@example.org", roles=(Role.TRAINER,))
    get_session().commit()
    client = app.test_client()
    factories.sign_in(client, app, "trainer@example.org")
    url = f"{_prefix(app)}/admin/courses/ldp-sfci/certificate-template"
    assert client.get(url).status_code == 403
    assert client.get(f"{url}/preview.pdf").status_code == 403


def test_preview_pdf_verifies_and_publishing_makes_new_certificates_use_it(
        app: Flask) -> None:
    user, org, (course, other) = setup(("ldp-sfci", "partnerships"))
    get_session().commit()
    client = _admin_client(app)
    url = f"{_prefix(app)}/admin/courses/ldp-sfci/certificate-template"
    shown = client.post(url, data={"csrf_token": csrf_token(client, url),
                                   "html": _own_template(), "action": "preview"})
    body = shown.get_data(as_text=True)
    assert shown.status_code == 200, body
    assert "passes ldptrain certs verify" in body
    pdf = client.get(f"{url}/preview.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert MARK in extract_text(pdf.data).replace("\n", "")
    # The preview is signed by a throwaway key: it is not a certificate of this instance.
    assert certificate_pdfs.verify_upload(pdf.data).status == "altered"

    published = client.post(f"{url}/publish", data={"csrf_token": csrf_token(client, url)})
    assert published.status_code == 302, published.get_data(as_text=True)
    session = get_session()
    session.expire_all()
    row = session.scalar(select(CertificateTemplate))
    assert row is not None and row.state == "published" and row.course_id == course.id
    actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert "certificate_template.draft_saved" in actions
    assert "certificate_template.published" in actions

    complete(user, org, course)
    complete(user, org, other)
    session.commit()
    mine = session.scalar(select(Certificate).where(Certificate.course_id == course.id))
    theirs = session.scalar(select(Certificate).where(Certificate.course_id == other.id))
    assert mine is not None and theirs is not None
    assert mine.details["template_id"] == row.id and theirs.details["template_id"] is None
    own_pdf = certs.render_pdf(mine)
    assert MARK in extract_text(own_pdf).replace("\n", "")
    assert MARK not in extract_text(certs.render_pdf(theirs)).replace("\n", "")
    verdict = certificate_pdfs.verify_upload(own_pdf)
    assert verdict.status == "genuine", verdict.reasons


def test_publishing_is_refused_when_the_preview_does_not_verify(app: Flask) -> None:
    setup()
    get_session().commit()
    client = _admin_client(app)
    url = f"{_prefix(app)}/admin/courses/ldp-sfci/certificate-template"
    # A template that leaves out the holder's name: the verifier must refuse it.
    nameless = cert_templates.default_html().replace(
        '<p class="name">{{ c.name }}</p>', "")
    saved = client.post(url, data={"csrf_token": csrf_token(client, url), "html": nameless,
                                   "action": "preview"})
    body = saved.get_data(as_text=True)
    assert saved.status_code == 200
    assert "does not pass ldptrain certs verify" in body and "signed name" in body
    refused = client.post(f"{url}/publish", data={"csrf_token": csrf_token(client, url)})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "signed name" in text
    get_session().expire_all()
    states = list(get_session().scalars(select(CertificateTemplate.state)))
    assert states == ["draft"]  # kept as a draft, not published
