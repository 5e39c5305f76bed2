"""Certificate pages: public verification, downloads for the right people only, admin actions."""

from __future__ import annotations

import io
import zipfile

from flask import Flask
from sqlalchemy import select

from ldptrain import tasks
from ldptrain.certificates.badges import KEYS_PATH, verify_badge
from ldptrain.certificates.signing import load_public_key
from ldptrain.certificates.verify import verify_pdf
from ldptrain.db import get_session
from ldptrain.models import Certificate, Role
from ldptrain.services import accounts
from ldptrain.services import certificates as certs

from .certificate_helpers import complete, setup
from .conftest import csrf_token

PASSWORD = "correct horse 1"


def _sign_in(client, prefix: str, email: str) -> None:  # type: ignore[no-untyped-def]
    token = csrf_token(client, f"{prefix}/login")
    response = client.post(f"{prefix}/login", data={
        "csrf_token": token, "email": email, "password": PASSWORD})
    assert response.status_code == 302


def _issued(app: Flask) -> Certificate:
    user, org, (course,) = setup()
    complete(user, org, course)
    get_session().commit()
    return get_session().scalars(select(Certificate)).one()


def test_verify_page_states(any_app: Flask) -> None:
    prefix = any_app.extensions["ldptrain"].url_prefix
    cert = _issued(any_app)
    client = any_app.test_client()
    page = client.get(f"{prefix}/verify/{cert.serial}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "นางสาวกำไล คำแสง" in text and "องค์การบริหารส่วนตำบลคำแสง" in text
    assert "kamlai@example.org" not in text  # only name, organisation, course and date
    admin = accounts.create_user(email="admin@example.org", password=PASSWORD, name_th="ผู้ดูแล",
                                 roles=(Role.ADMIN,))
    certs.revoke(cert, "ออกผิดคน", actor=admin, code="issued_in_error")
    get_session().commit()
    revoked = client.get(f"{prefix}/verify/{cert.serial}").get_data(as_text=True)
    # The public page gives the date and the listed reason; the admin's note stays internal.
    assert "ออกโดยผิดพลาด" in revoked and "ออกผิดคน" not in revoked
    assert client.get(f"{prefix}/verify/{cert.serial}.json").get_json()["revoked_reason"] \
        == "issued_in_error"
    unknown = client.get(f"{prefix}/verify/DLA-LDP-2569-999999")
    assert unknown.status_code == 404
    assert client.get(f"{prefix}/verify/not-a-serial").status_code == 404
    typed = client.get(f"{prefix}/verify?serial=dla-ldp-๒๕๖๙-000001")
    assert typed.status_code == 302 and typed.headers["Location"].endswith("DLA-LDP-2569-000001")


def test_verify_is_rate_limited(app: Flask) -> None:
    client = app.test_client()
    codes = [client.get("/verify/DLA-LDP-2569-000001").status_code for _ in range(31)]
    assert codes[-1] == 429 and 429 not in codes[:30]


def test_holder_downloads_a_signed_pdf_and_badge(any_app: Flask) -> None:
    prefix = any_app.extensions["ldptrain"].url_prefix
    cert = _issued(any_app)
    client = any_app.test_client()
    assert client.get(f"{prefix}/certificates/{cert.serial}.pdf").status_code == 302  # sign in
    _sign_in(client, prefix, "kamlai@example.org")
    pdf = client.get(f"{prefix}/certificates/{cert.serial}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    # Published under ldptrain's prefix (a host's site root is the host's).
    keys = client.get(f"{prefix}{KEYS_PATH}").get_json()
    public_key = load_public_key(keys["keys"][0])
    pem = client.get(f"{prefix}/.well-known/ldptrain-certificate-key.pem").data
    assert load_public_key(pem).public_bytes_raw() == public_key.public_bytes_raw()
    # The PDF signer is checked against the issuer certificates the site publishes.
    from ldptrain.certificates.issuer import load_certificates

    issuers = load_certificates(
        client.get(f"{prefix}/.well-known/ldptrain-certificate-issuers.pem").data)
    assert verify_pdf(pdf.data, public_key, issuer_certs=issuers).ok
    badge = client.get(f"{prefix}/certificates/{cert.serial}/badge.jwt")
    assert verify_badge(badge.get_data(as_text=True), public_key).ok
    import jwt

    # The badge names where its key is published: under the prefix, where it is served.
    kid = jwt.get_unverified_header(badge.get_data(as_text=True))["kid"]
    assert kid.split("#")[0].endswith(f"{prefix}{KEYS_PATH}")


def test_other_people_cannot_download(any_app: Flask) -> None:
    prefix = any_app.extensions["ldptrain"].url_prefix
    cert = _issued(any_app)
    accounts.create_user(email="other@example.org", password=PASSWORD, name_th="คนอื่น")
    get_session().commit()
    client = any_app.test_client()
    _sign_in(client, prefix, "other@example.org")
    assert client.get(f"{prefix}/certificates/{cert.serial}.pdf").status_code == 404
    assert client.get(f"{prefix}/certificates/{cert.serial}/badge.jwt").status_code == 404
    org_zip = f"{prefix}/organisations/{cert.organisation_id}/certificates.zip"
    assert client.get(org_zip).status_code == 404


def _organisation_zip(app: Flask, client, organisation_id: int):  # type: ignore[no-untyped-def]
    """Ask for the ZIP, let the background job make it, fetch it."""
    page = f"/organisations/{organisation_id}/certificates"
    asked = client.post(f"/organisations/{organisation_id}/certificates.zip",
                        data={"csrf_token": csrf_token(client, page)})
    if asked.status_code != 302:
        return asked
    tasks.run_pending(app)
    return client.get(asked.headers["Location"] + "/file")


def test_coordinator_downloads_the_organisation_zip(app: Flask) -> None:
    cert = _issued(app)
    coordinator = accounts.create_user(email="coord@example.org", password=PASSWORD,
                                       name_th="ผู้ประสานงาน", roles=(Role.COORDINATOR,))
    coordinator.roles[0].organisation_id = cert.organisation_id
    get_session().commit()
    client = app.test_client()
    _sign_in(client, "", "coord@example.org")
    response = _organisation_zip(app, client, cert.organisation_id)
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.namelist() == [f"{cert.serial}.pdf"]
    assert archive.read(f"{cert.serial}.pdf").startswith(b"%PDF")


def test_admin_revokes_with_a_reason_and_it_is_audited(app: Flask) -> None:
    cert = _issued(app)
    accounts.create_user(email="admin@example.org", password=PASSWORD, name_th="ผู้ดูแล",
                         roles=(Role.ADMIN,))
    get_session().commit()
    client = app.test_client()
    _sign_in(client, "", "admin@example.org")
    page = f"/certificates/{cert.serial}"
    no_reason = client.post(f"{page}/revoke", data={"csrf_token": csrf_token(client, page),
                                                    "reason": " "})
    assert no_reason.status_code == 302
    get_session().expire_all()
    assert get_session().get(Certificate, cert.id).status == "valid"
    client.post(f"{page}/revoke", data={"csrf_token": csrf_token(client, page),
                                        "reason": "ทุจริตการสอบ", "code": "completion_annulled"})
    get_session().expire_all()
    assert get_session().get(Certificate, cert.id).status == "revoked"
    from ldptrain.models import AuditEvent

    actions = get_session().scalars(select(AuditEvent.action)).all()
    assert "certificate.revoke" in actions


def test_trainee_cannot_revoke(app: Flask) -> None:
    cert = _issued(app)
    client = app.test_client()
    _sign_in(client, "", "kamlai@example.org")
    page = f"/certificates/{cert.serial}"
    response = client.post(f"{page}/revoke", data={"csrf_token": csrf_token(client, page),
                                                   "reason": "x"})
    assert response.status_code == 403


def test_coordinators_see_what_expires_in_their_organisation_only(app: Flask) -> None:
    import datetime as dt

    from ldptrain.db import utcnow

    cert = _issued(app)
    cert.expires_at = utcnow() + dt.timedelta(days=40)
    coordinator = accounts.create_user(email="coord@example.org", password=PASSWORD,
                                       name_th="ผู้ประสานงาน", roles=(Role.COORDINATOR,))
    coordinator.roles[0].organisation_id = cert.organisation_id
    elsewhere = accounts.create_user(email="coord2@example.org", password=PASSWORD,
                                     name_th="ผู้ประสานงานอื่น", roles=(Role.COORDINATOR,))
    from ldptrain.models import Organisation

    other = Organisation(code="6500999", name_th="อบต.อื่น", type="sao", province_code="50")
    get_session().add(other)
    get_session().flush()
    elsewhere.roles[0].organisation_id = other.id
    get_session().commit()
    client = app.test_client()
    _sign_in(client, "", "coord@example.org")
    assert cert.serial in client.get("/certificates/expiring").get_data(as_text=True)
    client = app.test_client()
    _sign_in(client, "", "coord2@example.org")
    assert cert.serial not in client.get("/certificates/expiring").get_data(as_text=True)
    client = app.test_client()
    _sign_in(client, "", "kamlai@example.org")
    assert client.get("/certificates/expiring").status_code == 403


def test_verify_page_hides_the_name_of_an_anonymised_holder(app: Flask) -> None:
    from ldptrain.services import privacy

    cert = _issued(app)
    admin = accounts.create_user(email="admin@example.org", password=PASSWORD, name_th="ผู้ดูแล",
                                 roles=(Role.ADMIN,))
    holder = accounts.find_by_email("kamlai@example.org")
    assert holder is not None
    privacy.anonymise(holder, admin)
    get_session().commit()
    page = app.test_client().get(f"/verify/{cert.serial}").get_data(as_text=True)
    assert "กำไล" not in page and "ผู้ใช้ที่ลบข้อมูลแล้ว" in page


def test_trusted_proxy_setting_gives_the_real_client_address(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from flask import request

    from .conftest import make_standalone

    app = make_standalone("sqlite://", tmp_path / "i", LDPTRAIN_TRUSTED_PROXIES=1)

    @app.get("/whoami")
    def whoami() -> str:
        return request.remote_addr or ""

    seen = app.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.9"},
                                 environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert seen.get_data(as_text=True) == "203.0.113.9"


def test_verify_page_shows_superseded_and_expired(app: Flask) -> None:
    import datetime as dt

    from ldptrain.db import utcnow

    cert = _issued(app)
    admin = accounts.create_user(email="admin@example.org", password=PASSWORD, name_th="ผู้ดูแล",
                                 roles=(Role.ADMIN,))
    new = certs.reissue(cert, "แก้ชื่อหน่วยงาน", actor=admin)
    new.expires_at = utcnow() - dt.timedelta(days=1)
    get_session().commit()
    client = app.test_client()
    old_page = client.get(f"/verify/{cert.serial}")
    assert old_page.status_code == 200
    assert f"/verify/{new.serial}" in old_page.get_data(as_text=True)  # points at its successor
    app.config["LDPTRAIN_DEFAULT_LANGUAGE"] = "en"
    assert "Replaced" in client.get(f"/verify/{cert.serial}").get_data(as_text=True)
    assert "Expired" in client.get(f"/verify/{new.serial}").get_data(as_text=True)


def test_provincial_officer_downloads_any_organisation_zip_in_the_province(app: Flask) -> None:
    cert = _issued(app)
    officer = accounts.create_user(email="po@example.org", password=PASSWORD,
                                   name_th="เจ้าหน้าที่จังหวัด", roles=(Role.PROVINCIAL_OFFICER,))
    officer.roles[0].province_code = "50"
    other = accounts.create_user(email="po2@example.org", password=PASSWORD,
                                 name_th="เจ้าหน้าที่จังหวัดอื่น", roles=(Role.PROVINCIAL_OFFICER,))
    from ldptrain.models import Province

    get_session().add(Province(code="10", name_th="กรุงเทพมหานคร", name_en="Bangkok",
                               region="central"))
    get_session().flush()
    other.roles[0].province_code = "10"
    get_session().commit()
    client = app.test_client()
    _sign_in(client, "", "po@example.org")
    assert _organisation_zip(app, client, cert.organisation_id).status_code == 200
    client = app.test_client()
    _sign_in(client, "", "po2@example.org")
    assert _organisation_zip(app, client, cert.organisation_id).status_code == 404


def test_serials_typed_with_spaces_dashes_case_or_thai_digits_redirect_to_the_one_address(
        any_app: Flask) -> None:
    prefix = any_app.extensions["ldptrain"].url_prefix
    cert = _issued(any_app)
    assert cert.serial == "DLA-LDP-2569-000001"
    client = any_app.test_client()
    for typed in ("DLA LDP 2569 000001", "dla-ldp-2569-000001", "DLA–LDP—2569−000001",
                  " dla ldp ๒๕๖๙ ๐๐๐๐๐๑ "):
        form = client.get(f"{prefix}/verify", query_string={"serial": typed})
        assert form.status_code == 302, typed
        assert form.headers["Location"].endswith(f"{prefix}/verify/DLA-LDP-2569-000001")
        url = client.get(f"{prefix}/verify/{typed.strip()}")
        assert url.status_code == 301, typed
        assert url.headers["Location"].endswith(f"{prefix}/verify/DLA-LDP-2569-000001")
    followed = client.get(f"{prefix}/verify/dla ldp ๒๕๖๙ 000001", follow_redirects=True)
    assert followed.status_code == 200 and "นางสาวกำไล คำแสง" in followed.get_data(as_text=True)
    as_json = client.get(f"{prefix}/verify/dla-ldp-2569-000001.json")
    assert as_json.status_code == 301
    assert as_json.headers["Location"].endswith("/verify/DLA-LDP-2569-000001.json")
    # The holder's own page and downloads follow the same rule.
    _sign_in(client, prefix, "kamlai@example.org")
    mine = client.get(f"{prefix}/certificates/dla-ldp-2569-000001")
    assert mine.status_code == 301
    assert mine.headers["Location"].endswith(f"{prefix}/certificates/DLA-LDP-2569-000001")


def test_english_pages_name_the_organisation_in_english(app: Flask) -> None:
    cert = _issued(app)
    client = app.test_client()
    thai = client.get(f"/verify/{cert.serial}")
    assert "องค์การบริหารส่วนตำบลคำแสง" in thai.get_data(as_text=True)
    client.post("/language", data={"csrf_token": csrf_token(client, "/verify"), "lang": "en"})
    text = client.get(f"/verify/{cert.serial}").get_data(as_text=True)
    assert '<html lang="en">' in text
    assert "Kham Saeng SAO" in text and "องค์การบริหารส่วนตำบลคำแสง" not in text
    holder = accounts.find_by_email("kamlai@example.org")
    holder.language = "en"
    get_session().commit()
    _sign_in(client, "", "kamlai@example.org")
    detail = client.get(f"/certificates/{cert.serial}").get_data(as_text=True)
    assert "Kham Saeng SAO" in detail and "องค์การบริหารส่วนตำบลคำแสง" not in detail
