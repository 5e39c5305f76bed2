"""Accounts in bulk from CSV: exact row numbers, nothing written on error, confirmed members,
password-set links; from the command line and from the upload page."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import func, select

from ldptrain.db import get_session
from ldptrain.models import Membership, MembershipStatus, OutboxMessage, Role, User
from ldptrain.services import user_import

from . import factories as f
from .conftest import csrf_token
from .test_accounts import _links

HEADER = "email,name_th,name_en,position,organisation_code,role\n"


def _users() -> int:
    return get_session().scalar(select(func.count()).select_from(User)) or 0


def test_every_bad_row_is_reported_and_nothing_is_written(app: Flask) -> None:
    f.organisation(code="6500102")
    f.user("taken@example.org")
    get_session().commit()
    before = _users()
    text = "\ufeff" + HEADER + (
        "ok@example.org,นายหนึ่ง ดี,,,6500102,\n"          # row 2: fine
        "not-an-email,นายสอง ดี,,,6500102,trainee\n"        # row 3
        "three@example.org,,,,6500102,\n"                   # row 4
        "ok@example.org,นายซ้ำ ดี,,,6500102,\n"             # row 5: same e-mail as row 2
        "four@example.org,นายสี่ ดี,,,9999999,\n"           # row 6
        "five@example.org,นายห้า ดี,,,6500102,mayor\n"      # row 7
        "\n"                                               # row 8: blank, skipped
        "taken@example.org,นายหก ดี,,,6500102,\n")          # row 9
    with pytest.raises(user_import.ImportFailed) as failed, force_locale("en"):
        user_import.import_users(text, "staff.csv")
    get_session().rollback()
    problems = failed.value.problems
    assert [p.split(":")[1] for p in problems] == ["3", "4", "5", "6", "7", "9"]
    assert problems[0] == "staff.csv:3: 'not-an-email' is not a valid e-mail address"
    assert problems[1] == "staff.csv:4: 'name_th' is empty"
    assert problems[2] == "staff.csv:5: ok@example.org is already on row 2"
    assert problems[3] == "staff.csv:6: no organisation has the DLA code 9999999"
    assert problems[4].startswith("staff.csv:7: unknown role 'mayor'")
    assert problems[5] == "staff.csv:9: an account with taken@example.org already exists"
    assert _users() == before


def test_a_good_file_creates_confirmed_members_with_password_links(any_app: Flask) -> None:
    base = f.prefix(any_app)
    org = f.organisation(code="6500102")
    get_session().commit()
    text = HEADER + ("somchai@example.org,นายสมชาย ใจดี,Somchai Jaidee,ปลัด,6500102,trainer\n"
                     "Somsri@Example.org,นางสมศรี ใจดี,,,6500102,\n")
    result = user_import.import_users(text, "staff.csv")
    user_import.send_invitations(result.created)
    get_session().commit()
    people = {u.email: u for u in get_session().scalars(select(User))}
    assert set(people) == {"somchai@example.org", "somsri@example.org"}
    assert people["somchai@example.org"].has_role(Role.TRAINER)
    for person in people.values():
        assert person.organisation_id == org.id and person.has_role(Role.TRAINEE)
        claim = get_session().scalar(select(Membership).where(Membership.user_id == person.id))
        assert claim is not None and claim.status == MembershipStatus.CONFIRMED
    links = _links()
    assert len(links) == 2
    client = any_app.test_client()
    token = csrf_token(client, links[0])
    done = client.post(links[0], data={"csrf_token": token, "password": "my own password",
                                       "password_again": "my own password"})
    # Signed in, and asked for the consent that a bulk-created account has not given yet.
    assert done.status_code == 302 and done.headers["Location"] == f"{base}/account/consent"
    assert client.get(f"{base}/account/").status_code == 200


def test_command_line_import(app: Flask, tmp_path: Path) -> None:
    f.organisation(code="6500102")
    get_session().commit()
    runner = app.test_cli_runner()
    app.config["LDPTRAIN_BASE_URL"] = ""
    no_site = tmp_path / "one.csv"
    no_site.write_text(HEADER + "a@example.org,นายเอ,,,6500102,\n", encoding="utf-8")
    out = runner.invoke(args=["ldptrain", "users", "import", str(no_site)])
    assert out.exit_code == 1 and "LDPTRAIN_BASE_URL" in out.output and _users() == 0
    app.config["LDPTRAIN_BASE_URL"] = "http://localhost"
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "a@example.org,นายเอ,,,6500102,\nb@example.org,,,,6500102,\n",
                   encoding="utf-8")
    with force_locale("en"):
        out = runner.invoke(args=["ldptrain", "users", "import", str(bad)])
    assert out.exit_code == 1
    assert f"{bad}:3: 'name_th' is empty" in out.output
    assert _users() == 0
    good = tmp_path / "good.csv"
    good.write_bytes(("\ufeff" + HEADER + "a@example.org,นายเอ,,,6500102,\n").encode("utf-8"))
    out = runner.invoke(args=["ldptrain", "users", "import", str(good)])
    assert out.exit_code == 0, out.output
    assert _users() == 1
    # No mail server: the command prints the link it could not mail, and says so.
    assert "links sent" not in out.output and "NOT e-mailed" in out.output
    assert f"a@example.org  {_links()[0]}" in out.output.replace("http://localhost/", "/")
    help_text = runner.invoke(args=["ldptrain", "users", "import", "--help"]).output
    assert "organisation_code" in help_text


def test_upload_page_keeps_coordinators_to_their_own_organisation(any_app: Flask) -> None:
    base = f.prefix(any_app)
    ours = f.organisation(code="5000001")
    f.organisation(code="5000002")
    f.user("coord@example.org", roles=(Role.COORDINATOR,), organisation=ours, language="en")
    f.user("trainee@example.org", organisation=ours)
    get_session().commit()
    before = _users()

    trainee = any_app.test_client()
    f.sign_in(trainee, any_app, "trainee@example.org")
    assert trainee.get(f"{base}/people/import").status_code == 403

    client = any_app.test_client()
    f.sign_in(client, any_app, "coord@example.org")
    page = client.get(f"{base}/people/import").get_data(as_text=True)
    assert "organisation_code" in page  # the columns are documented on the page
    token = csrf_token(client, f"{base}/people/import")
    data = (HEADER + "x@example.org,นายเอ็กซ์,,,5000001,\n"
            "y@example.org,นายวาย,,,5000002,\n"
            "z@example.org,นายแซด,,,5000001,coordinator\n").encode("utf-8")
    refused = client.post(f"{base}/people/import", data={
        "csrf_token": token, "file": (io.BytesIO(data), "staff.csv")},
        content_type="multipart/form-data")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "staff.csv:3: you may only create accounts for organisations in your scope" in text
    assert "staff.csv:4: only an administrator can give the role &#39;coordinator&#39;" in text
    assert _users() == before

    good = (HEADER + "x@example.org,นายเอ็กซ์,,,5000001,\n").encode("utf-8")
    done = client.post(f"{base}/people/import", data={
        "csrf_token": token, "file": (io.BytesIO(good), "staff.csv")},
        content_type="multipart/form-data")
    assert done.status_code == 302
    assert _users() == before + 1

    not_utf8 = client.post(f"{base}/people/import", data={
        "csrf_token": token, "file": (io.BytesIO("อบต".encode("cp874")), "staff.csv")},
        content_type="multipart/form-data")
    assert "not UTF-8" in not_utf8.get_data(as_text=True)


FLASH_RE = re.compile(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', re.S)


def _upload(client, base: str, token: str, rows: str):  # type: ignore[no-untyped-def]
    got = client.post(f"{base}/people/import", data={
        "csrf_token": token, "file": (io.BytesIO((HEADER + rows).encode("utf-8")), "staff.csv")},
        content_type="multipart/form-data")
    page = got.get_data(as_text=True)
    if got.status_code == 302:  # the answer is the message the next page flashes
        page = " ".join(FLASH_RE.findall(client.get(got.headers["Location"])
                                         .get_data(as_text=True)))
    page = re.sub(r'name="csrf_token"( type="hidden")? value="[^"]*"', "csrf", page)  # signed
    return got.status_code, got.headers.get("Location"), re.sub(r"\w+@example\.org", "X", page)


def test_an_address_outside_the_coordinators_scope_reads_as_a_new_one(any_app: Flask) -> None:
    """Uploading an address that has an account elsewhere answers like a new address (problems
    listed for other rows, then "created"): the coordinator cannot learn who has an account. No
    account is touched; the owner is told, through the outbox. Addresses the coordinator can see
    are still reported as existing."""
    base = f.prefix(any_app)
    ours = f.organisation(code="5000001")
    theirs = f.organisation(code="5000002")
    f.user("coord@example.org", roles=(Role.COORDINATOR,), organisation=ours, language="en")
    f.user("inside@example.org", organisation=ours)
    outsider = f.user("outside@example.org", organisation=theirs, language="en")
    get_session().commit()
    client = any_app.test_client()
    f.sign_in(client, any_app, "coord@example.org")
    token = csrf_token(client, f"{base}/people/import")

    bad_row = "bad@example.org,,,,5000001,\n"
    with_bad = [_upload(client, base, token, f"{e},นายเอ,,,5000001,\n{bad_row}")
                for e in ("outside@example.org", "brandnew@example.org")]
    assert with_bad[0] == with_bad[1]
    assert "staff.csv:3: &#39;name_th&#39; is empty" in with_bad[0][2]
    assert "staff.csv:2" not in with_bad[0][2]

    before = _users()
    done = [_upload(client, base, token, f"{e},นายเอ,,,5000001,\n")
            for e in ("outside@example.org", "new@example.org")]
    assert done[0] == done[1]
    assert done[0][0] == 302 and "1 accounts created" in done[0][2]
    assert _users() == before + 1  # only the new address became an account
    get_session().expire_all()
    get_session().refresh(outsider)
    assert outsider.organisation_id == theirs.id and outsider.name_th != "นายเอ"
    notice = get_session().scalars(select(OutboxMessage).where(
        OutboxMessage.to == "outside@example.org")).one()
    assert notice.subject == "Someone tried to add your e-mail address to DLA Training"
    assert "nothing was created" in notice.body_text and "/account/" in notice.body_text

    inside = _upload(client, base, token, "inside@example.org,นายเอ,,,5000001,\n")
    assert inside[0] == 200
    assert "staff.csv:2: an account with X already exists" in inside[2]
