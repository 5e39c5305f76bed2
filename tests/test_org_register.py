"""The organisation register: `ldptrain orgs` commands, the import's diff and confirmation,
province hints, and the admin pages (browse, Thai search, edit, merge, upload preview)."""

from __future__ import annotations

import io
import re
import unicodedata

from flask import Flask
from sqlalchemy import select

from ldptrain.cli.orgs import orgs
from ldptrain.db import get_session
from ldptrain.models import AuditEvent, Enrolment, Organisation, Role
from ldptrain.services import org_import, organisations

from . import factories as f
from .conftest import csrf_token

HEADER = "code,name_th,name_en,type,province_code,district_th,district_en,parent_code\n"
TWO = HEADER + ("5500101,เทศบาลตำบลบ้านนาดี,Ban Na Di,subdistrict_municipality,50,,,\n"
                "6500102,องค์การบริหารส่วนตำบลดอนแก้ว,Don Kaeo SAO,sao,50,,,5500101\n")


def _run(app: Flask, *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    assert args[0] == "orgs"
    return app.test_cli_runner().invoke(orgs, list(args[1:]), input=input)


def _org(code: str) -> Organisation | None:
    get_session().expire_all()
    return get_session().scalar(select(Organisation).where(Organisation.code == code))


def test_import_shows_the_diff_and_asks_before_writing(app: Flask, tmp_path) -> None:  # type: ignore[no-untyped-def]
    organisations.load_provinces()
    get_session().commit()
    path = tmp_path / "orgs.csv"
    path.write_text(TWO, encoding="utf-8")

    dry = _run(app, "orgs", "import", "--dry-run", str(path))
    assert dry.exit_code == 0, dry.output
    assert "2 created, 0 changed, 0 deactivated" in dry.output and _org("5500101") is None

    declined = _run(app, "orgs", "import", str(path), input="n\n")
    assert "Write these changes?" in declined.output and _org("5500101") is None

    done = _run(app, "orgs", "import", str(path), input="y\n")
    assert done.exit_code == 0, done.output
    child = _org("6500102")
    assert child is not None and child.parent is not None and child.parent.code == "5500101"

    changed = HEADER + ("5500101,เทศบาลตำบลบ้านนาดี,Ban Na Di,town_municipality,50,,,\n"
                        "6500102,องค์การบริหารส่วนตำบลดอนแก้ว,Don Kaeo SAO,sao,50,,,5500101\n")
    path.write_text(changed, encoding="utf-8")
    again = _run(app, "orgs", "import", "--yes", "--deactivate-missing", str(path))
    assert "type: subdistrict_municipality -> town_municipality" in again.output
    assert "0 created, 1 changed, 0 deactivated, 1 unchanged" in again.output

    only_one = tmp_path / "one.csv"
    only_one.write_text(HEADER + "5500101,เทศบาลตำบลบ้านนาดี,Ban Na Di,town_municipality,50,,,\n",
                        encoding="utf-8")
    gone = _run(app, "orgs", "import", "--yes", "--deactivate-missing", str(only_one))
    assert "deactivate 6500102" in gone.output
    found = _org("6500102")
    assert found is not None and not found.active  # kept, with its history, but inactive


def test_wrong_province_gets_a_hint_and_nothing_is_written(app: Flask, tmp_path) -> None:  # type: ignore[no-untyped-def]
    organisations.load_provinces()
    get_session().commit()
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "5500101,เทศบาลตำบลบ้านนาดี,,sao,Chiang Mai,,,\n"
                    "5500102,อบต.สอง,,sao,5,,,\n", encoding="utf-8")
    result = _run(app, "orgs", "import", "--yes", str(path))
    assert result.exit_code == 1
    assert ("bad.csv:2: unknown province code 'Chiang Mai'; closest: 50 (Chiang Mai)"
            in result.output)
    assert "bad.csv:3: unknown province code '5'" in result.output
    assert "ldptrain orgs provinces" in result.output
    assert _org("5500101") is None


def test_help_documents_columns_types_and_provinces_and_template_imports(app: Flask,
                                                                       tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = _run(app, "orgs", "import", "--help").output
    for word in (*org_import.ORG_COLUMNS, *org_import.TYPES, "TIS-1099", "orgs provinces"):
        assert word in text, word
    template = _run(app, "orgs", "template").output
    assert template.splitlines()[0] == ",".join(org_import.ORG_COLUMNS)
    organisations.load_provinces()
    get_session().commit()
    path = tmp_path / "template.csv"
    path.write_text(template, encoding="utf-8")
    assert _run(app, "orgs", "import", "--yes", str(path)).exit_code == 0
    provinces = _run(app, "orgs", "provinces").output
    assert "50\tเชียงใหม่\tChiang Mai" in provinces


def test_list_search_show(app: Flask) -> None:
    organisations.load_provinces()
    org_import.import_organisations(TWO)
    get_session().commit()
    listing = _run(app, "orgs", "list", "--province", "50")
    assert "5500101\tเทศบาลตำบลบ้านนาดี" in listing.output and "6500102" in listing.output
    # Thai typed in another composition (decomposed) still finds the name.
    query = unicodedata.normalize("NFD", "ดอนแก้ว")
    found = _run(app, "orgs", "search", query)
    assert found.exit_code == 0 and "6500102" in found.output and "5500101" not in found.output
    assert _run(app, "orgs", "search", "ไม่มีแน่นอน").exit_code == 1
    shown = _run(app, "orgs", "show", "6500102").output
    assert re.search(r"parent\s+5500101", shown)
    assert _run(app, "orgs", "show", "nope").exit_code == 1


def _admin(app: Flask):  # type: ignore[no-untyped-def]
    f.user("admin@example.org", roles=(Role.ADMIN,))
    get_session().commit()
    client = app.test_client()
    f.sign_in(client, app, "admin@example.org")
    return client


def test_register_page_browses_searches_and_is_admin_only(any_app: Flask) -> None:
    base = f.prefix(any_app)
    for n in range(55):
        f.organisation(f"อบต.ทดสอบ{n:02d}", code=f"77{n:05d}", type="sao")
    f.organisation("เทศบาลตำบลแม่ริม", code="5000001")
    client = _admin(any_app)
    first = client.get(f"{base}/admin/orgs/").get_data(as_text=True)
    assert "56 หน่วยงาน" in first and "หน้า 1 จาก 2" in first
    found = client.get(f"{base}/admin/orgs/?q=" + unicodedata.normalize("NFD", "แม่ริม"))
    page = found.get_data(as_text=True)
    assert "5000001" in page and "7700001" not in page
    trainee = any_app.test_client()
    f.user("t@example.org")
    get_session().commit()
    f.sign_in(trainee, any_app, "t@example.org")
    assert trainee.get(f"{base}/admin/orgs/").status_code == 403


def test_merging_keeps_history_and_takes_the_org_out_of_sign_up(any_app: Flask) -> None:
    base = f.prefix(any_app)
    old = f.organisation("อบต.เก่า", code="6600001", type="sao")
    new = f.organisation("เทศบาลตำบลใหม่", code="6600002")
    person = f.user("member@example.org", organisation=old)
    course = f.course()
    get_session().add(Enrolment(user_id=person.id, course_id=course.id,
                                organisation_id=old.id))
    client = _admin(any_app)
    url = f"{base}/admin/orgs/{old.id}"
    done = client.post(url, data={"csrf_token": csrf_token(client, url), "type": "sao",
                                  "province_code": "50", "parent_code": "", "active": "y",
                                  "merged_into_code": "6600002", "merged_on": "2026-10-01"})
    assert done.status_code == 302, done.get_data(as_text=True)[:3000]
    merged = _org("6600001")
    assert merged is not None and merged.merged_into_id == new.id and not merged.active
    assert str(merged.merged_on) == "2026-10-01"
    enrolment = get_session().scalar(select(Enrolment).where(Enrolment.user_id == person.id))
    assert enrolment is not None and enrolment.organisation_id == old.id  # attribution stays
    assert organisations.search("อบต.เก่า") == []  # no longer offered at sign-up
    assert "6600002" in client.get(url).get_data(as_text=True)
    assert get_session().scalar(select(AuditEvent).where(
        AuditEvent.action == "organisation.update")) is not None

    # Merging the successor back into the merged one would make a loop: refused.
    back = f"{base}/admin/orgs/{new.id}"
    refused = client.post(back, data={"csrf_token": csrf_token(client, back),
                                      "type": "subdistrict_municipality", "province_code": "50",
                                      "active": "y", "merged_into_code": "6600001"})
    assert refused.status_code == 200 and _org("6600002").merged_into_id is None


def test_upload_previews_then_writes_on_confirmation(any_app: Flask) -> None:
    base = f.prefix(any_app)
    organisations.load_provinces()
    client = _admin(any_app)
    url = f"{base}/admin/orgs/import"
    preview = client.post(url, data={
        "csrf_token": csrf_token(client, url),
        "file": (io.BytesIO(TWO.encode("utf-8-sig")), "orgs.csv")},
        content_type="multipart/form-data")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'id="preview-summary">สร้าง 2' in page
    assert _org("5500101") is None  # nothing written by the preview
    fields = dict(re.findall(r'<input id="(text|name|digest|deactivate_missing|csrf_token)" '
                             r'name="\w+" type="hidden" value="([^"]*)"', page))
    import html

    data = {k: html.unescape(v) for k, v in fields.items()}
    done = client.post(f"{url}/confirm", data=data)
    assert done.status_code == 302
    assert _org("5500101") is not None and _org("6500102") is not None

    # A bad file: its problems, nothing written.
    bad = client.post(url, data={
        "csrf_token": csrf_token(client, url),
        "file": (io.BytesIO((HEADER + "9,ชื่อ,,village,99,,,\n").encode()), "bad.csv")},
        content_type="multipart/form-data")
    text = bad.get_data(as_text=True)
    assert "bad.csv:2: unknown type &#39;village&#39;" in text and _org("9") is None
