"""Who signs a certificate: the course's own signatory (course.md's `signatory:`, with its
signature image) when it names one, else the instance's settings; with neither, issuing is
refused with a message admins can act on (Thai and English), and `serve`/`certs preview` warn."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from flask import Flask
from flask_babel import force_locale
from PIL import Image
from sqlalchemy import select

from ldptrain.certificates.data import signatory_warning
from ldptrain.certificates.pagetext import extract_text
from ldptrain.content.format import Problem
from ldptrain.content.loader import load_content
from ldptrain.db import get_session, utcnow
from ldptrain.models import Certificate, Course, Enrolment, EnrolmentStatus, Role
from ldptrain.services import certificate_pdfs
from ldptrain.services import certificates as certs
from ldptrain.services.importer import import_content
from ldptrain.signals import course_completed

from . import factories as f

GOOD = Path(__file__).parent / "fixtures" / "content" / "good"
COURSE_SIGNATORY = """signatory:
  name: นางสาวลายมือ ชื่อจริง
  title: {th: ผู้อำนวยการสถาบันพัฒนาบุคลากรท้องถิ่น, en: "Director, Local Personnel Institute"}
  image: sign/signature.png
"""


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 40), (20, 40, 160)).save(out, format="PNG")
    return out.getvalue()


def _project(tmp_path: Path, front: str = COURSE_SIGNATORY) -> Path:
    target = tmp_path / "project"
    shutil.copytree(GOOD, target)
    course_md = target / "courses" / "plan-advanced" / "course.md"
    text = course_md.read_text(encoding="utf-8")
    course_md.write_text(text.replace("hours: 3\n", "hours: 3\ncertificate: true\n" + front, 1),
                         encoding="utf-8")
    (target / "courses" / "plan-advanced" / "sign").mkdir()
    (target / "courses" / "plan-advanced" / "sign" / "signature.png").write_bytes(_png())
    return target


def _problems(project: Path) -> list[Problem]:
    return load_content([str(project)], render=False)[1]


def test_course_md_signatory_is_read_and_checked(tmp_path: Path) -> None:
    project = _project(tmp_path)
    content, problems = load_content([str(project)], render=False)
    assert not problems, problems
    course = content.courses["plan-advanced"]
    assert course.signatory is not None
    assert course.signatory.name == "นางสาวลายมือ ชื่อจริง"
    assert course.signatory.title_en == "Director, Local Personnel Institute"
    assert course.signatory.image == "sign/signature.png"

    plain = tmp_path / "plain"
    shutil.copytree(_project(tmp_path / "p2", "signatory: {name: นายหนึ่ง, title: ปลัด}\n"), plain)
    course = load_content([str(plain)], render=False)[0].courses["plan-advanced"]
    assert course.signatory is not None
    assert (course.signatory.title_th, course.signatory.title_en) == ("ปลัด", "")  # no Thai twice

    for front, message in (
        ("signatory: {name: นายหนึ่ง, title: ปลัด, image: ../../x.png}\n",
         "not a file of the course folder"),
        ("signatory: {name: นายหนึ่ง, title: ปลัด, image: course.md}\n", "PNG or JPEG"),
        ("signatory: {title: ปลัด}\n", "missing required key 'name'"),
        ("signatory: {name: นายหนึ่ง, title: {en: Director}}\n", "needs a Thai title"),
        ("signatory: นายหนึ่ง\n", "'signatory' must be a mapping"),
    ):
        found = _problems(_project(tmp_path / str(abs(hash(front))), front))
        assert any(message in p.message for p in found), (front, found)


def _complete(user_id: int, course: Course) -> Certificate | None:
    enrolment = Enrolment(user_id=user_id, course_id=course.id, status=EnrolmentStatus.COMPLETED,
                          completed_at=utcnow(), completion_source="online")
    get_session().add(enrolment)
    get_session().flush()
    course_completed.send("test", enrolment=enrolment)
    return certs.current_certificate(user_id, course_id=course.id)


def _image_count(pdf: bytes) -> int:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return sum(1 for o in doc.objects
                   if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image")


def test_a_course_signatory_signs_its_certificates_with_its_image(
        app: Flask, tmp_path: Path) -> None:
    assert import_content([str(_project(tmp_path))]).ok
    course = get_session().scalar(select(Course).where(Course.slug == "plan-advanced"))
    assert course is not None and course.signatory_image == "sign/signature.png"
    assert course.signatory_title_th == "ผู้อำนวยการสถาบันพัฒนาบุคลากรท้องถิ่น"
    other = get_session().scalar(select(Course).where(Course.slug == "plan-basics"))
    org = f.organisation()
    user = f.user("kamlai@example.org", organisation=org)
    cert = _complete(user.id, course)
    assert cert is not None
    assert cert.payload["signatory"]["name"] == "นางสาวลายมือ ชื่อจริง"
    pdf = certs.render_pdf(cert)
    text = extract_text(pdf)
    assert "(นางสาวลายมือ ชื่อจริง)" in text and "Director, Local Personnel Institute" in text
    assert "นายทดสอบ ลงนาม" not in text  # the instance's signatory does not sign this course
    assert certificate_pdfs.verify_upload(pdf).status == "genuine"

    # A course without its own signatory: the instance's settings, and no course image.
    assert other is not None and other.signatory_name == ""
    plain = _complete(user.id, other)
    assert plain is not None and plain.payload["signatory"]["name"] == "นายทดสอบ ลงนาม"
    assert _image_count(pdf) == _image_count(certs.render_pdf(plain)) + 1  # the signature

    # A new signatory for the course: certificates signed by the previous one keep their name
    # and get no image rather than someone else's signature.
    course.signatory_name = "นายคนใหม่ แทนตำแหน่ง"
    get_session().flush()
    again = certs.render_pdf(cert)
    assert "(นางสาวลายมือ ชื่อจริง)" in extract_text(again)
    assert _image_count(again) == _image_count(pdf) - 1


def test_without_any_signatory_issuing_is_refused_in_thai_and_english(
        app: Flask, tmp_path: Path) -> None:
    app.config["LDPTRAIN_CERT_SIGNATORY_NAME"] = ""
    assert import_content([str(_project(tmp_path))]).ok
    own = get_session().scalar(select(Course).where(Course.slug == "plan-advanced"))
    other = get_session().scalar(select(Course).where(Course.slug == "plan-basics"))
    assert own is not None and other is not None
    other.certificate = True
    user = f.user("kamlai@example.org", organisation=f.organisation())
    # The course with its own signatory still issues; the other is refused, no "()" printed.
    issued = _complete(user.id, own)
    assert issued is not None and issued.payload["signatory"]["name"] == "นางสาวลายมือ ชื่อจริง"
    assert _complete(user.id, other) is None
    assert certs.signatory_problem(app.config, own) is None
    with force_locale("en"):
        english = certs.signatory_problem(app.config, other)
    with force_locale("th"):
        thai = certs.signatory_problem(app.config, other)
    assert english and "LDPTRAIN_CERT_SIGNATORY_NAME" in english and "course.md" in english
    assert thai and "ผู้ลงนาม" in thai and "LDPTRAIN_CERT_SIGNATORY_NAME" in thai
    enrolment = get_session().scalars(select(Enrolment).where(
        Enrolment.course_id == other.id)).one()
    with pytest.raises(certs.SignatoryNotConfigured):
        certs.issue_for_enrolment(enrolment)
    app.config["LDPTRAIN_CERT_SIGNATORY_NAME"] = "นายทดสอบ ลงนาม"
    app.config["LDPTRAIN_CERT_SIGNATORY_TITLE_TH"] = " "  # a name without a title is refused too
    with pytest.raises(certs.SignatoryNotConfigured):
        certs.issue_for_enrolment(enrolment)


def test_admins_recording_a_workshop_are_told_why_no_certificate_was_issued(app: Flask) -> None:
    app.config["LDPTRAIN_CERT_SIGNATORY_NAME"] = ""
    course = f.course("ldp-sfci")
    course.certificate = True
    org = f.organisation()
    f.user("t0@example.org", organisation=org)
    f.user("admin@example.org", roles=(Role.ADMIN,))
    get_session().commit()
    client = app.test_client()
    f.sign_in(client, app, "admin@example.org")
    url = f"{f.prefix(app)}/workshops/new"
    response = client.post(url, data={
        "csrf_token": f.form_token(client, url), "course": "ldp-sfci", "held_on": "2026-11-20",
        "place": "ห้องประชุม", "emails": "t0@example.org"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "ยังออกเกียรติบัตรไม่ได้" in page and "LDPTRAIN_CERT_SIGNATORY_NAME" in page
    assert get_session().scalars(select(Certificate)).first() is None


def test_serve_and_preview_warn_while_the_signatory_is_unset(tmp_path: Path) -> None:
    from ldptrain.certificates.cli import certs as certs_cli

    assert signatory_warning({"LDPTRAIN_CERT_SIGNATORY_NAME": "นายหนึ่ง",
                              "LDPTRAIN_CERT_SIGNATORY_TITLE_TH": "ปลัด"}) is None
    warning = signatory_warning({"LDPTRAIN_CERT_SIGNATORY_NAME": " ",
                                 "LDPTRAIN_CERT_SIGNATORY_TITLE_TH": "ปลัด"})
    assert warning and "LDPTRAIN_CERT_SIGNATORY_NAME" in warning and "course.md" in warning
    result = CliRunner().invoke(certs_cli, ["preview", "--out", str(tmp_path / "p.pdf")])
    assert result.exit_code == 0
    assert "warning: LDPTRAIN_CERT_SIGNATORY_NAME" in result.output
